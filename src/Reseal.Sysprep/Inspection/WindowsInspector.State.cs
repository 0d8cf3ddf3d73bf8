using System.Collections.Immutable;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <content>
/// The inspection's readers of what would stop or spoil a seal: RDP, pending reboots, activation, Store apps, BitLocker,
/// SetupComplete.cmd, Sysprep's logs.
/// </content>
public static partial class WindowsInspector
{
    private sealed partial class Run
    {
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
            var activation = _machine.System.GetActivation();
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

            if (Safe("BitLocker service", () => _machine.Services.Find("BDESVC")) is { StartMode: ServiceStartMode.Automatic })
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
