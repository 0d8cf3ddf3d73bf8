using System.Collections.Immutable;
using Reseal.Registry;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <summary>
/// Reads the facts of a Windows installation that decide whether it can be sealed (registry.md §4), and says what to
/// fix: an offline tree (<see cref="OfflineWindows"/>, hives read from their files) or any other machine through its
/// ports (the running Windows, a test fake). Never throws for a bad tree: a missing hive, a damaged file or a tree that
/// is not Windows become findings, and everything that could still be read is reported.
/// </summary>
public static partial class WindowsInspector
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
    /// Inspects any machine through its ports. A machine with an <see cref="IWindowsMachine.OfflineTree"/> is inspected as a tree; on other machines
    /// (the running Windows) every hive counts as readable unless reading its root fails, and the domain membership and
    /// machine SID, which only the offline SAM and SECURITY hives give here, are not reported.
    /// </summary>
    public static InspectionReport Inspect(IWindowsMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var run = new Run(machine);
        return InspectionReport.Create(machine.OfflineTree?.Root ?? machine.Description, run.Execute(), run.Findings);
    }

    /// <summary>Whether a hive of a machine can be read: an offline tree says so per hive; other machines read it live.</summary>
    internal static bool IsReadable(IWindowsMachine machine, RegistryHive hive) =>
        machine.OfflineTree is not { } offline || offline.GetHiveStatus(hive).IsReadable;

    /// <summary>One inspection: collects facts section by section; a section that fails becomes a finding.</summary>
    private sealed partial class Run(IWindowsMachine windows)
    {
        private readonly IWindowsMachine _machine = windows;
        private readonly IOfflineTree? _offline = windows.OfflineTree;
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
                        ? $@"{_offline.Root} has a Windows folder but no Windows\System32\config, so there is no registry to read"
                        : $@"{_offline.Root} is not a Windows tree: no Windows\System32\config folder",
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
            facts = facts with { Agents = OrEmpty(Section("agents", () => AgentDetector.Detect(_machine, _findings))) };
            facts = facts with { RdpDenied = Section("rdp", ReadRdp) };
            facts = facts with { PendingReboot = OrEmpty(Section("pending-reboot", ReadPendingReboot)) };
            facts = facts with { Activation = Section("rearm", ReadActivation) };
            facts = facts with { StoreApps = Section("store-apps", ReadStoreApps) };
            facts = facts with { BitLocker = OrEmpty(Section("bitlocker", ReadBitLocker)) };
            facts = facts with { AnswerFiles = OrEmpty(Section("answer-files", () => AnswerFileScanner.Scan(_machine, facts.Setup?.UnattendFile, _findings))) };
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

        private bool Readable(RegistryHive hive) => _hives.TryGetValue(hive, out var status) ? status.IsReadable : IsReadable(_machine, hive);

        private OfflineHiveStatus HiveStatus(RegistryHive hive)
        {
            var status = _offline?.GetHiveStatus(hive) ?? Probe(hive);
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
    }
}
