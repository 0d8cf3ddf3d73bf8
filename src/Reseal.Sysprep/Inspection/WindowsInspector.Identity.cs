using System.Collections.Immutable;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <content>
/// The inspection's readers of the installation and who it is: OS, Setup state, names and SIDs, domain, accounts, profiles.
/// </content>
public static partial class WindowsInspector
{
    private sealed partial class Run
    {
        private OsVersion ReadOs()
        {
            var os = _machine.System.GetOsVersion();
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
            var (state, raw) = softwareRead ? _machine.System.GetImageState() : (ImageState.Missing, null);
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
                Safe("computer name", _machine.System.GetComputerName),
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
            if (_offline.TryGetHive(RegistryHive.Sam) is { } sam)
            {
                fromSam = SamDatabase.ReadMachineSid(sam);
            }

            SecurityPolicy? policy = null;
            if (_offline.TryGetHive(RegistryHive.Security) is { } security)
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
            var result = _offline?.ReadAccounts() ?? new SamDatabase.AccountsResult([.. _machine.Accounts.ListAccounts()], []);
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
            var profiles = _machine.Accounts.ListProfiles();
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
    }
}
