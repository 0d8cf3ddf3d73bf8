using System.Collections.Immutable;
using Reseal.Registry;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <summary>
/// Reads the facts of a Windows installation that decide whether it can be sealed (registry.md §4), and says what to
/// fix: an offline tree (<see cref="OfflineWindows"/>, hives read from their files) or any other machine through its
/// ports (the running Windows, a test fake). Never throws for a bad tree: a missing hive, a damaged file or a tree that
/// is not Windows become findings, and everything that could still be read is reported.
/// </summary>
public static class WindowsInspector
{
    /// <summary>Inspects the tree rooted at a host directory.</summary>
    public static InspectionReport Inspect(string root, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (!Directory.Exists(root))
        {
            return InspectionReport.Create(root, new InspectionFacts(),
                [new Finding("not-a-directory", FindingSeverity.Error, $"{root} does not exist or is not a directory",
                    "give the folder where the Windows volume is mounted or copied (the one holding Windows\\)")]);
        }

        return Inspect(OfflineWindows.Open(root, time));
    }

    /// <summary>Inspects an opened offline tree.</summary>
    public static InspectionReport Inspect(OfflineWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var run = new Run(windows);
        return InspectionReport.Create(windows.Files.Root, run.Execute(), run.Findings);
    }

    /// <summary>
    /// Inspects any machine through its ports. An <see cref="OfflineWindows"/> is inspected as a tree; on other machines
    /// (the running Windows) every hive counts as readable unless reading its root fails, and the domain membership and
    /// machine SID, which only the offline SAM and SECURITY hives give here, are not reported.
    /// </summary>
    public static InspectionReport Inspect(IWindowsMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (machine is OfflineWindows windows)
        {
            return Inspect(windows);
        }

        var run = new Run(machine);
        return InspectionReport.Create(machine.Description, run.Execute(), run.Findings);
    }

    /// <summary>Whether a hive of a machine can be read: an offline tree says so per hive; other machines read it live.</summary>
    internal static bool IsReadable(IWindowsMachine machine, RegistryHive hive) =>
        machine is not OfflineWindows offline || offline.Registry.GetStatus(hive).IsReadable;

    /// <summary>One inspection: collects facts section by section; a section that fails becomes a finding.</summary>
    private sealed class Run(IWindowsMachine windows)
    {
        private readonly OfflineWindows? _offline = windows as OfflineWindows;
        private readonly IRegistry _registry = windows.Registry;
        private readonly IWindowsFiles _files = windows.Files;
        private readonly List<Finding> _findings = [];
        private readonly Dictionary<RegistryHive, OfflineHiveStatus> _hives = [];
        private const int TailBytes = 256 * 1024;
        private const int SetupCompleteBytes = 8192;
        private const int StateIniBytes = 64 * 1024;
        private readonly SortedDictionary<RegistryHive, SortedSet<string>> _notRead = [];

        public IReadOnlyList<Finding> Findings => _findings;

        public InspectionFacts Execute()
        {
            if (_offline is { LooksLikeWindows: false })
            {
                var hasWindowsFolder = _files.DirectoryExists(@"C:\Windows");
                Add("not-windows", FindingSeverity.Error,
                    hasWindowsFolder
                        ? $@"{_offline.Files.Root} has a Windows folder but no Windows\System32\config, so there is no registry to read"
                        : $@"{_offline.Files.Root} is not a Windows tree: no Windows\System32\config folder",
                    "point --root at the root of the Windows system volume (the folder that holds Windows\\, Program Files\\, Users\\)");
                return new InspectionFacts();
            }

            var facts = new InspectionFacts { Hives = [.. RegistryHives.All.Select(HiveStatus)] };
            facts = facts with { Os = Section("os", ReadOs) };
            facts = facts with { Setup = Section("setup-state", ReadSetup) };
            facts = facts with { Identity = Section("identity", ReadIdentity) };
            facts = facts with { Domain = Section("machine-sid", ReadDomain) };
            facts = facts with { Accounts = OrEmpty(Section("accounts", ReadAccounts)) };
            facts = facts with { Profiles = OrEmpty(Section("profiles", ReadProfiles)) };
            facts = facts with { Agents = OrEmpty(Section("agents", () => AgentDetector.Detect(windows, _findings))) };
            facts = facts with { RdpDenied = Section("rdp", ReadRdp) };
            facts = facts with { PendingReboot = OrEmpty(Section("pending-reboot", ReadPendingReboot)) };
            facts = facts with { Activation = Section("rearm", ReadActivation) };
            facts = facts with { StoreApps = Section("store-apps", ReadStoreApps) };
            facts = facts with { BitLocker = OrEmpty(Section("bitlocker", ReadBitLocker)) };
            facts = facts with { AnswerFiles = OrEmpty(Section("answer-files", () => AnswerFileScanner.Scan(windows, facts.Setup?.UnattendFile, _findings))) };
            facts = facts with { SetupComplete = Section("setupcomplete", ReadSetupComplete) };
            facts = facts with { SysprepLogs = OrEmpty(Section("sysprep-logs", ReadSysprepLogs)) };
            ReportNotRead();
            return facts;
        }

        private static ImmutableArray<T> OrEmpty<T>(ImmutableArray<T> items) => items.IsDefault ? [] : items;

        private void Add(string code, FindingSeverity severity, string message, string? fix = null, string? location = null) =>
            _findings.Add(new Finding(code, severity, message, fix, location));

        private T? Section<T>(string code, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (HiveUnavailableException e)
            {
                // The hive's own finding already says why; remember which facts are missing because of it.
                NotRead(e, code);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveFormatException or InvalidOperationException or ArgumentException)
            {
                Add(code + "-unreadable", FindingSeverity.Warning, $"{code}: could not be read: {e.Message}",
                    "check the file named in the message; the rest of the report is still valid");
            }

            return default;
        }

        private void NotRead(HiveUnavailableException e, string what)
        {
            var hive = e.Hive ?? RegistryHive.System;
            if (!_notRead.TryGetValue(hive, out var set))
            {
                _notRead[hive] = set = [];
            }

            set.Add(what);
        }

        /// <summary>One fact from one hive: null (and noted) when that hive cannot be read, so other facts of the section survive.</summary>
        private T? Safe<T>(string what, Func<T?> read)
        {
            try
            {
                return read();
            }
            catch (HiveUnavailableException e)
            {
                NotRead(e, what);
                return default;
            }
        }

        private void ReportNotRead()
        {
            foreach (var (hive, what) in _notRead)
            {
                Add("facts-not-read", FindingSeverity.Info,
                    $"{RegistryHives.DisplayName(hive)} could not be read, so these facts are not reported: {string.Join(", ", what)}",
                    location: OfflineRegistry.HivePath(hive));
            }
        }

        private bool Readable(RegistryHive hive) => _hives.TryGetValue(hive, out var status) ? status.IsReadable : IsReadable(windows, hive);

        private OfflineHiveStatus HiveStatus(RegistryHive hive)
        {
            var status = _offline?.Registry.GetStatus(hive) ?? Probe(hive);
            _hives[hive] = status;
            var essential = hive is RegistryHive.System or RegistryHive.Software;
            var location = OfflineRegistry.HivePath(hive);
            switch (status.State)
            {
                case HiveLoadState.Missing:
                    Add("hive-missing", essential ? FindingSeverity.Error : FindingSeverity.Warning,
                        $"{RegistryHives.DisplayName(hive)} is missing: {status.Problem}",
                        "copy the whole Windows volume, including Windows\\System32\\config; facts from this hive are not reported", location);
                    break;
                case HiveLoadState.Unreadable:
                    Add("hive-unreadable", essential ? FindingSeverity.Error : FindingSeverity.Warning,
                        $"{RegistryHives.DisplayName(hive)} cannot be read: {status.Problem}",
                        "the hive is damaged: restore it from Windows\\System32\\config\\RegBack or a backup, or rebuild the image", location);
                    break;
                case HiveLoadState.Stale:
                    Add("hive-dirty", FindingSeverity.Warning, $"{RegistryHives.DisplayName(hive)}: {status.Problem}",
                        "copy the hive's .LOG1/.LOG2 files with it, or shut Windows down cleanly (not hibernate/Fast Startup) before copying", location);
                    break;
                default:
                    if (status.Notes.Count > 0)
                    {
                        Add("hive-notes", FindingSeverity.Info, $"{RegistryHives.DisplayName(hive)}: {string.Join("; ", status.Notes)}", location: location);
                    }

                    break;
            }

            return status;
        }

        /// <summary>A hive of a running machine: readable unless opening its root fails (SAM and SECURITY need SYSTEM).</summary>
        private OfflineHiveStatus Probe(RegistryHive hive)
        {
            try
            {
                _ = _registry.KeyExists(hive, "");
                return new OfflineHiveStatus(hive, null, HiveLoadState.Loaded, null, []);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                return new OfflineHiveStatus(hive, null, HiveLoadState.Unreadable, e.Message, []);
            }
        }

        private string? Text(RegistryHive hive, string key, string name) => _registry.GetValue(hive, key, name)?.AsText();

        private uint? DWord(RegistryHive hive, string key, string name) => _registry.GetValue(hive, key, name)?.AsDWord();

        private OsVersion ReadOs()
        {
            var os = windows.System.GetOsVersion();
            if (os.ProductName is null && os.Build is null)
            {
                Add("os-unknown", FindingSeverity.Warning, @"SOFTWARE has no Microsoft\Windows NT\CurrentVersion product or build",
                    "the SOFTWARE hive may not be this installation's", @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion");
            }

            return os;
        }

        private SetupFacts ReadSetup()
        {
            var softwareRead = Readable(RegistryHive.Software);
            var (state, raw) = softwareRead ? windows.System.GetImageState() : (ImageState.Missing, null);
            if (!softwareRead)
            {
                _ = Safe<string>("image state", () => throw new HiveUnavailableException(RegistryHive.Software, "unreadable"));
            }
            string? ini = null;
            const string stateIni = @"C:\Windows\Setup\State\State.ini";
            if (_files.FileExists(stateIni))
            {
                // State.ini is a few lines: read its first 64 KiB, whatever its size.
                ini = System.Text.Encoding.UTF8.GetString(_files.ReadHead(stateIni, StateIniBytes, out _)).Split('\n')
                    .Select(l => l.Trim())
                    .FirstOrDefault(l => l.StartsWith("ImageState=", StringComparison.OrdinalIgnoreCase))?["ImageState=".Length..];
            }

            var setup = @"Setup";
            var facts = new SetupFacts(state, raw, ini,
                Safe("setup state", () => DWord(RegistryHive.System, setup, "SystemSetupInProgress")),
                Safe("setup state", () => DWord(RegistryHive.System, setup, "OOBEInProgress")),
                Safe("setup state", () => DWord(RegistryHive.System, setup, "SetupType")),
                Safe("setup state", () => Text(RegistryHive.System, setup, "CmdLine")),
                Safe("setup state", () => DWord(RegistryHive.System, @"Setup\Status\SysprepStatus", "GeneralizationState")),
                Safe("UnattendFile", () => Text(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName)));
            const string where = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State!ImageState";
            switch (softwareRead ? state : (ImageState?)null)
            {
                case null:
                    break;
                case ImageState.Complete:
                    Add("image-state", FindingSeverity.Info, "ImageState is IMAGE_STATE_COMPLETE: Setup finished; the machine can be generalized", location: where);
                    break;
                case ImageState.Missing:
                    Add("image-state", FindingSeverity.Warning, "no ImageState value: Setup's state is unknown (never recorded, or removed)",
                        "boot the image once to finish Setup, then check again", where);
                    break;
                case ImageState.Undeployable:
                    Add("image-state", FindingSeverity.Error, "ImageState is IMAGE_STATE_UNDEPLOYABLE: a Setup or Sysprep phase failed part-way (seen offline, no phase is running)",
                        "rebuild the image from its source; read Windows\\System32\\Sysprep\\Panther\\setuperr.log (reseal diagnose) for the cause", where);
                    break;
                case ImageState.GeneralizeResealToOobe or ImageState.GeneralizeResealToAudit:
                    Add("image-state", FindingSeverity.Error, $"ImageState is {raw}: this image is already generalized (sealed)",
                        "do not seal it again: capture it as is, or boot it through specialize and OOBE first", where);
                    break;
                default:
                    Add("image-state", FindingSeverity.Error, $"ImageState is {raw}: Setup has not finished (specialize or OOBE still to run)",
                        "boot the image until Windows reaches the desktop (IMAGE_STATE_COMPLETE), then seal", where);
                    break;
            }

            if (ini is not null && raw is not null && !ini.Equals(raw, StringComparison.OrdinalIgnoreCase))
            {
                Add("image-state-mismatch", FindingSeverity.Warning, $"State.ini says {ini} but the registry says {raw}",
                    "a Setup phase was interrupted; boot the image once and check again", @"C:\Windows\Setup\State\State.ini");
            }

            if (facts.SystemSetupInProgress == 1 || facts.OobeInProgress == 1 || facts.SetupType is > 0)
            {
                Add("setup-in-progress", FindingSeverity.Error,
                    $"Setup is in progress (SystemSetupInProgress={facts.SystemSetupInProgress}, OOBEInProgress={facts.OobeInProgress}, SetupType={facts.SetupType}, CmdLine='{facts.CmdLine}')",
                    "let Setup finish (boot the image to the desktop) before sealing", @"HKLM\SYSTEM\Setup");
            }

            return facts;
        }

        private IdentityFacts ReadIdentity()
        {
            const string tcpip = @"CurrentControlSet\Services\Tcpip\Parameters";
            string? localeName = null, locale = null;
            if (Readable(RegistryHive.Default))
            {
                localeName = Text(RegistryHive.Default, @"Control Panel\International", "LocaleName");
                locale = Text(RegistryHive.Default, @"Control Panel\International", "Locale");
                if (localeName is null)
                {
                    Add("locale-missing", FindingSeverity.Warning, @"HKU\.DEFAULT\Control Panel\International has no LocaleName",
                        "give the answer file's locale explicitly (reseal seal --locale)", @"HKU\.DEFAULT\Control Panel\International");
                }
            }

            string? guid = null;
            if (Readable(RegistryHive.Software))
            {
                guid = Text(RegistryHive.Software, @"Microsoft\Cryptography", "MachineGuid");
                if (guid is not null)
                {
                    Add("machine-guid", FindingSeverity.Info, $"MachineGuid {guid}: software that keys on it sees the same id in every clone unless it is reset",
                        "reseal's agent can reset it at first boot; Sysprep does not", @"HKLM\SOFTWARE\Microsoft\Cryptography!MachineGuid");
                }
            }

            var bias = Safe("time zone", () => DWord(RegistryHive.System, @"CurrentControlSet\Control\TimeZoneInformation", "Bias"));
            return new IdentityFacts(
                Safe("computer name", windows.System.GetComputerName),
                Safe("host name", () => Text(RegistryHive.System, tcpip, "Hostname") ?? Text(RegistryHive.System, tcpip, "NV Hostname")),
                Safe("host name", () => Text(RegistryHive.System, tcpip, "Domain") is { Length: > 0 } domain ? domain : Text(RegistryHive.System, tcpip, "NV Domain")),
                Safe("time zone", () => Text(RegistryHive.System, @"CurrentControlSet\Control\TimeZoneInformation", "TimeZoneKeyName")),
                bias is null ? null : unchecked((int)bias.Value),
                localeName,
                locale,
                Safe("system language", () => Text(RegistryHive.System, @"CurrentControlSet\Control\Nls\Language", "Default")),
                guid);
        }

        private DomainFacts ReadDomain()
        {
            if (_offline is null)
            {
                // The machine SID and the domain are read from the SAM and SECURITY hive files; a running machine keeps
                // them locked, so they are not reported here (the preflight says "could not be read").
                return new DomainFacts(null, null, null, null, null);
            }

            WindowsSid? fromSam = null;
            if (_offline.Registry.TryGetHive(RegistryHive.Sam) is { } sam)
            {
                fromSam = SamDatabase.ReadMachineSid(sam);
            }

            SecurityPolicy? policy = null;
            if (_offline.Registry.TryGetHive(RegistryHive.Security) is { } security)
            {
                policy = SecurityPolicy.Read(security);
            }

            if (fromSam is not null && policy?.AccountDomainSid is { } fromSecurity && !fromSam.Equals(fromSecurity))
            {
                Add("machine-sid-mismatch", FindingSeverity.Warning,
                    $"SAM's machine SID {fromSam} differs from SECURITY's {fromSecurity}: the hives come from different machines or one was replaced",
                    "use the SAM and SECURITY of the same installation; a machine whose hives disagree fails logons", @"HKLM\SECURITY\Policy\PolAcDmS");
            }

            if (policy is { IsDomainJoined: true })
            {
                Add("domain-joined", FindingSeverity.Warning,
                    $"the machine is joined to the domain {policy.DnsDomainName ?? policy.PrimaryDomainName} ({policy.PrimaryDomainSid})",
                    "leave the domain (join a workgroup) before sealing; clones must join with their own name and SID (UnattendedJoin in specialize)",
                    @"HKLM\SECURITY\Policy\PolPrDmS");
            }

            return new DomainFacts(fromSam, policy?.AccountDomainSid, policy?.PrimaryDomainName, policy?.IsDomainJoined, policy?.DnsDomainName);
        }

        private ImmutableArray<LocalAccount> ReadAccounts()
        {
            var result = _offline?.Accounts.Read() ?? new SamDatabase.AccountsResult([.. windows.Accounts.ListAccounts()], []);
            foreach (var problem in result.Problems)
            {
                Add("sam-record", FindingSeverity.Warning, problem, "the SAM may be damaged; the accounts listed are those that could be read", @"HKLM\SAM");
            }

            foreach (var account in result.Accounts.Where(a => !a.IsBuiltIn && !a.Disabled))
            {
                Add("extra-account", FindingSeverity.Warning,
                    $"local account '{account.Name}' (RID {account.Rid}{(account.IsAdministrator == true ? ", administrator" : "")}) is enabled: every clone gets it with the same password",
                    $"delete or disable it (net user {account.Name} /active:no) unless clones need it; give clones their own credentials at first boot",
                    @"HKLM\SAM\SAM\Domains\Account\Users");
            }

            return [.. result.Accounts];
        }

        private ImmutableArray<UserProfile> ReadProfiles()
        {
            var profiles = windows.Accounts.ListProfiles();
            foreach (var profile in profiles.Where(p => !p.IsSystemProfile))
            {
                var exists = profile.ProfileImagePath is { } path && TryDirectoryExists(path);
                if (!exists)
                {
                    Add("stale-profile", FindingSeverity.Warning,
                        $"ProfileList entry {profile.Sid} points at '{profile.ProfileImagePath}', which is not in the tree",
                        "delete the stale ProfileList key; CopyProfile fails with 0x80070003 on it",
                        $@"HKLM\SOFTWARE\{OfflineAccounts.ProfileListPath}\{profile.Sid}");
                }
                else if (WindowsSid.TryParse(profile.Sid)?.Rid is not 500)
                {
                    Add("extra-profile", FindingSeverity.Warning, $"profile {profile.Sid} at {profile.ProfileImagePath} is in the image",
                        "remove profiles other than the Administrator's before sealing (System Properties → User Profiles, or delete the account)",
                        $@"HKLM\SOFTWARE\{OfflineAccounts.ProfileListPath}\{profile.Sid}");
                }
            }

            return [.. profiles];
        }

        private bool TryDirectoryExists(string windowsPath)
        {
            try
            {
                return _files.DirectoryExists(windowsPath);
            }
            catch (ArgumentException)
            {
                return true; // another drive or an unknown variable: cannot tell, so do not accuse it
            }
        }

        private bool? ReadRdp()
        {
            const string key = @"CurrentControlSet\Control\Terminal Server";
            var deny = DWord(RegistryHive.System, key, "fDenyTSConnections");
            if (deny is null)
            {
                return null;
            }

            if (deny == 1)
            {
                Add("rdp-denied", FindingSeverity.Warning, "Remote Desktop is off (fDenyTSConnections=1): clones cannot be reached over RDP unless something turns it on",
                    "let the answer file's specialize pass set fDenyTSConnections=0 (reseal seal does), or enable RDP before sealing",
                    @"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server!fDenyTSConnections");
            }
            else
            {
                Add("rdp-enabled", FindingSeverity.Info, "Remote Desktop is on (fDenyTSConnections=0)",
                    "reseal seal turns it off while Sysprep runs, so a clone never accepts RDP before its password is set", @"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server!fDenyTSConnections");
            }

            return deny == 1;
        }

        private ImmutableArray<string> ReadPendingReboot()
        {
            var markers = new List<string>();
            const string sessionManager = @"CurrentControlSet\Control\Session Manager";
            foreach (var name in new[] { "PendingFileRenameOperations", "PendingFileRenameOperations2" })
            {
                var value = _registry.GetValue(RegistryHive.System, sessionManager, name);
                if (value is not null && value.AsMultiString().Any(s => s.Length > 0))
                {
                    markers.Add($@"HKLM\SYSTEM\{sessionManager}!{name} ({value.AsMultiString().Count(s => s.Length > 0) / 2} file operations)");
                }
            }

            if (Readable(RegistryHive.Software))
            {
                foreach (var key in new[]
                {
                    @"Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending",
                    @"Microsoft\Windows\CurrentVersion\Component Based Servicing\PackagesPending",
                    @"Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired",
                })
                {
                    if (_registry.KeyExists(RegistryHive.Software, key))
                    {
                        markers.Add(@"HKLM\SOFTWARE\" + key);
                    }
                }
            }

            foreach (var marker in markers)
            {
                Add("pending-reboot", FindingSeverity.Error, $"a reboot is pending: {marker}",
                    "boot the image, let servicing finish and restart until no marker is left, then seal (Sysprep fails with 'File operations pending' or spopk.dll 0x80080005)",
                    marker);
            }

            return [.. markers];
        }

        private ActivationInfo ReadActivation()
        {
            var activation = windows.System.GetActivation();
            const string where = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform!SkipRearm";
            Add("skip-rearm", FindingSeverity.Info,
                activation.SkipRearm
                    ? "SkipRearm=1: generalize keeps the licensing state and uses no rearm"
                    : "SkipRearm is not set: each generalize uses one rearm (Windows 7 has 3); the count left is only known on a running Windows (slmgr /dlv)",
                activation.SkipRearm ? "set it back to 0 for the final image unless you activate clones with a volume key" : "set SkipRearm=1 while iterating on an image",
                where);
            return activation;
        }

        private StoreAppFacts? ReadStoreApps()
        {
            const string store = @"Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
            if (!_registry.KeyExists(RegistryHive.Software, store))
            {
                return null;
            }

            var subkeys = _registry.GetSubkeyNames(RegistryHive.Software, store);
            var provisioned = _registry.GetSubkeyNames(RegistryHive.Software, store + @"\Applications")
                .Concat(_registry.GetSubkeyNames(RegistryHive.Software, store + @"\InboxApplications")).ToImmutableArray();
            var deprovisioned = _registry.GetSubkeyNames(RegistryHive.Software, store + @"\Deprovisioned").ToImmutableArray();
            var perUser = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var sid in subkeys.Where(s => s.StartsWith("S-1-5-21-", StringComparison.OrdinalIgnoreCase)))
            {
                perUser[sid] = [.. _registry.GetSubkeyNames(RegistryHive.Software, store + "\\" + sid)];
            }

            var provisionedFamilies = provisioned.Select(FamilyName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var deprovisionedFamilies = deprovisioned.Select(FamilyName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var (sid, packages) in perUser)
            {
                foreach (var package in packages)
                {
                    var family = FamilyName(package);
                    if (deprovisionedFamilies.Contains(family))
                    {
                        Add("store-app-deprovisioned", FindingSeverity.Error,
                            $"Store app {package} is installed for user {sid} but deprovisioned for all users: Sysprep fails (0x80073cf2)",
                            $"remove it for that user (Remove-AppxPackage {package}) before sealing", @"HKLM\SOFTWARE\" + store + "\\" + sid);
                    }
                    else if (!provisionedFamilies.Contains(family))
                    {
                        Add("store-app-per-user", FindingSeverity.Warning,
                            $"Store app {package} is installed for user {sid} only, not provisioned for all users: Sysprep generalize may fail (0x80073cf2)",
                            $"remove it for that user (Remove-AppxPackage) or provision it for all users; keep the Store offline while building",
                            @"HKLM\SOFTWARE\" + store + "\\" + sid);
                    }
                }
            }

            return new StoreAppFacts(perUser.ToImmutable(), provisioned, deprovisioned);
        }

        private static string FamilyName(string package)
        {
            var parts = package.Split('_');
            return parts.Length >= 5 ? parts[0] + "_" + parts[^1] : package;
        }

        private ImmutableArray<string> ReadBitLocker()
        {
            var signs = new List<string>();
            if (Readable(RegistryHive.Software))
            {
                const string policy = @"Policies\Microsoft\FVE";
                var values = _registry.GetValues(RegistryHive.Software, policy);
                if (_registry.KeyExists(RegistryHive.Software, policy))
                {
                    signs.Add($@"HKLM\SOFTWARE\{policy} (BitLocker policy, {values.Count} values)");
                }
            }

            if (Safe("BitLocker service", () => windows.Services.Find("BDESVC")) is { StartMode: ServiceStartMode.Automatic })
            {
                signs.Add("BDESVC (BitLocker Drive Encryption Service) starts automatically");
            }

            foreach (var sign in signs)
            {
                Add("bitlocker-sign", FindingSeverity.Warning, $"BitLocker may be in use: {sign}",
                    "Sysprep fails if BitLocker is on for the OS volume, even suspended (0x80310039): decrypt it fully (manage-bde -off C:) and wait before sealing");
            }

            if (signs.Count == 0 && Readable(RegistryHive.System) && Readable(RegistryHive.Software))
            {
                Add("bitlocker", FindingSeverity.Info, "no BitLocker policy or auto-start service; the tree is readable, so its volume is not locked");
            }

            return [.. signs];
        }

        private string? ReadSetupComplete()
        {
            const string path = @"C:\Windows\Setup\Scripts\SetupComplete.cmd";
            if (!_files.FileExists(path))
            {
                Add("setupcomplete", FindingSeverity.Info, "no SetupComplete.cmd: nothing runs after Setup until a service starts",
                    "reseal seal installs one that starts the agent (keeping what is already there)", path);
                return null;
            }

            var bytes = _files.ReadHead(path, SetupCompleteBytes, out var length);
            // Such scripts often set passwords (net user Administrator …): they are never kept or shown in clear.
            var text = ScriptRedaction.Redact(System.Text.Encoding.UTF8.GetString(bytes));
            Add("setupcomplete", FindingSeverity.Info, $"SetupComplete.cmd is present ({length} bytes); it runs as SYSTEM after Setup (ignored with OEM keys except on Enterprise and Server)",
                location: path);
            return text;
        }

        private ImmutableArray<LogFileFacts> ReadSysprepLogs()
        {
            var logs = new List<LogFileFacts>();
            foreach (var path in new[]
            {
                @"C:\Windows\System32\Sysprep\Panther\setupact.log",
                @"C:\Windows\System32\Sysprep\Panther\setuperr.log",
                @"C:\Windows\Panther\setupact.log",
                @"C:\Windows\Panther\setuperr.log",
                @"C:\Windows\Panther\UnattendGC\setupact.log",
                @"C:\Windows\System32\Sysprep\Sysprep_succeeded.tag",
            })
            {
                if (_files.GetFileLength(path) is not { } length)
                {
                    continue;
                }

                var errors = ImmutableArray<string>.Empty;
                if (path.EndsWith(".log", StringComparison.OrdinalIgnoreCase))
                {
                    errors = [.. ReadTail(path).Where(l => l.Contains(", Error", StringComparison.Ordinal)).TakeLast(5)];
                }

                logs.Add(new LogFileFacts(path, length, errors));
                if (path.Contains(@"\Sysprep\Panther\", StringComparison.OrdinalIgnoreCase) && !errors.IsEmpty)
                {
                    Add("sysprep-errors", FindingSeverity.Warning,
                        $"the last Sysprep run logged errors, e.g. {errors[^1].Trim()}",
                        "read the whole log (reseal diagnose) and fix the cause before sealing again", path);
                }
            }

            if (logs.Count > 0)
            {
                Add("sysprep-logs", FindingSeverity.Info, $"Setup/Sysprep logs present: {string.Join(", ", logs.Select(l => l.Path))}");
            }

            return [.. logs];
        }

        private string[] ReadTail(string path)
        {
            // Only the end of a log matters, and logs grow without bound: seek to the last 256 KiB.
            var bytes = _files.ReadTail(path, TailBytes, out var length);
            string text;
            if (length >= 2 && (length <= TailBytes ? bytes.AsSpan().StartsWith((byte[])[0xFF, 0xFE]) : IsUtf16(path)))
            {
                // UTF-16LE: skip the BOM when it was read, and keep the tail on a character boundary.
                var skip = length <= TailBytes ? 2 : (int)((length - bytes.Length) % 2);
                text = System.Text.Encoding.Unicode.GetString(bytes, skip, bytes.Length - skip);
            }
            else
            {
                text = System.Text.Encoding.UTF8.GetString(bytes);
            }

            return text.Split('\n');
        }

        private bool IsUtf16(string path) => _files.ReadHead(path, 2, out _) is [0xFF, 0xFE];
    }
}
