using System.ComponentModel;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Passwords;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// The machine tasks: host name, DNS suffixes, activation, disks, OpenSSH, SSM, time zone, users. Each is idempotent: it
/// reads the machine first and changes only what differs.
/// </summary>
public static class SystemTasks
{
    /// <summary>The DNS search list value in the SYSTEM hive.</summary>
    public const string SearchListName = "SearchList";

    /// <summary>
    /// <c>setHostName</c>: sets the computer name (from <paramref name="wanted"/>, else the name the cloud gave, cut to its
    /// first label and 15 characters). Changes nothing when the running name already matches; asks for one reboot only when
    /// it changed the name and <paramref name="reboot"/> is set, so it can never loop: after the reboot the names match.
    /// </summary>
    public static TaskExecutionResult SetHostName(string? wanted, bool reboot, BootTaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = wanted ?? FromMetadata(context.Metadata?.HostName);
        if (name is null)
        {
            return TaskExecutionResult.Skip("no host name in the inputs or the metadata");
        }

        if (ComputerNames.Problem(name) is { } problem)
        {
            return TaskExecutionResult.Failed($"'{name}' cannot be the computer name: {problem}");
        }

        var system = context.Machine.System;
        if (string.Equals(system.GetComputerName(), name, StringComparison.OrdinalIgnoreCase))
        {
            return TaskExecutionResult.Done($"the computer name is already {name}");
        }

        if (!string.Equals(system.GetPendingComputerName(), name, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                system.SetComputerName(name);
            }
            catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or ArgumentException)
            {
                return TaskExecutionResult.Failed($"could not set the computer name to {name}: {e.Message}");
            }
        }

        return reboot
            ? new TaskExecutionResult(ExitAction.RebootThenDone, null, $"computer name set to {name}; rebooting once to apply it")
            : TaskExecutionResult.Done($"computer name set to {name}; it takes effect at the next boot");
    }

    /// <summary>A metadata host name made into a computer name: first label, at most 15 characters, no trailing hyphen.</summary>
    internal static string? FromMetadata(string? hostName)
    {
        if (string.IsNullOrWhiteSpace(hostName))
        {
            return null;
        }

        var label = hostName.Trim().Split('.')[0];
        label = label.Length > ComputerNames.MaxLength ? label[..ComputerNames.MaxLength] : label;
        label = label.TrimEnd('-');
        return ComputerNames.Problem(label) is null ? label : null;
    }

    /// <summary>
    /// <c>setDnsSuffix</c>: adds each suffix (with <c>$REGION</c> and <c>$AZ</c> replaced) to the DNS suffix search list
    /// (<c>Tcpip\Parameters!SearchList</c>), keeping the existing entries and their order.
    /// </summary>
    public static TaskExecutionResult SetDnsSuffix(IReadOnlyList<string> suffixes, BootTaskContext context)
    {
        ArgumentNullException.ThrowIfNull(suffixes);
        ArgumentNullException.ThrowIfNull(context);
        var registry = context.Machine.Registry;
        var existing = (registry.GetString(RegistryHive.System, ComputerNames.TcpipKey, SearchListName) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (existing.Count == 0)
        {
            // An empty list means "the primary and connection-specific suffixes"; once it is set Windows uses only the
            // list, so those suffixes go in first or short names that resolve today would stop resolving.
            existing.AddRange(ImplicitSuffixes(registry));
        }
        var added = new List<string>();
        var unresolved = new List<string>();
        foreach (var suffix in suffixes)
        {
            var resolved = Substitute(suffix, context);
            if (resolved is null)
            {
                unresolved.Add(suffix);
                continue;
            }

            if (!existing.Contains(resolved, StringComparer.OrdinalIgnoreCase))
            {
                existing.Add(resolved);
                added.Add(resolved);
            }
        }

        if (added.Count > 0)
        {
            registry.SetValue(RegistryHive.System, ComputerNames.TcpipKey, SearchListName, RegistryData.FromString(string.Join(',', existing)));
        }

        var note = unresolved.Count == 0 ? string.Empty : $"; not added (no region or zone in the metadata): {string.Join(", ", unresolved)}";
        return added.Count == 0 && unresolved.Count > 0 && unresolved.Count == suffixes.Count
            ? TaskExecutionResult.Skip("no suffix could be resolved" + note)
            : TaskExecutionResult.Done((added.Count == 0 ? "the search list already holds every suffix" : $"added {string.Join(", ", added)}") + note);
    }

    /// <summary>The suffixes Windows searches when the list is empty: the primary DNS suffix, then each adapter's.</summary>
    internal static IEnumerable<string> ImplicitSuffixes(IRegistry registry)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        IEnumerable<string?> Candidates()
        {
            yield return registry.GetString(RegistryHive.System, ComputerNames.TcpipKey, "NV Domain");
            yield return registry.GetString(RegistryHive.System, ComputerNames.TcpipKey, "Domain");
            var interfaces = ComputerNames.TcpipKey + @"\Interfaces";
            foreach (var adapter in registry.GetSubkeyNames(RegistryHive.System, interfaces))
            {
                yield return registry.GetString(RegistryHive.System, interfaces + "\\" + adapter, "Domain");
                yield return registry.GetString(RegistryHive.System, interfaces + "\\" + adapter, "DhcpDomain");
            }
        }

        foreach (var candidate in Candidates())
        {
            if (candidate?.Trim().TrimEnd('.') is { Length: > 0 } suffix && seen.Add(suffix))
            {
                yield return suffix;
            }
        }
    }

    private static string? Substitute(string suffix, BootTaskContext context)
    {
        var text = suffix;
        if (text.Contains("$REGION", StringComparison.Ordinal))
        {
            if (context.Region is not { } region)
            {
                return null;
            }

            text = text.Replace("$REGION", region, StringComparison.Ordinal);
        }

        if (text.Contains("$AZ", StringComparison.Ordinal))
        {
            if (context.Metadata?.Zone is not { } zone)
            {
                return null;
            }

            text = text.Replace("$AZ", zone, StringComparison.Ordinal);
        }

        return text.Trim().TrimEnd('.');
    }

    /// <summary>PowerShell that grows the system partition to the end of its disk (nothing when it already fills it).</summary>
    public const string ExtendRootPartitionScript = """
        $ErrorActionPreference = 'Stop'
        $letter = $env:SystemDrive.Substring(0, 1)
        $partition = Get-Partition -DriveLetter $letter
        $max = (Get-PartitionSupportedSize -DriveLetter $letter).SizeMax
        if ($partition.Size -lt $max - 1MB) { Resize-Partition -DriveLetter $letter -Size $max; 'extended' } else { 'already full size' }
        """;

    /// <summary>
    /// PowerShell for <c>initializeVolume</c>: brings online, initializes (GPT unless told MBR), partitions and formats (NTFS)
    /// every RAW disk, or the listed devices (matched by disk number, serial number or friendly name), with the given
    /// drive letter and label. Disks that already have partitions are left alone.
    /// </summary>
    public static string InitializeVolumeScript(InputMap inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var lines = new List<string>
        {
            "$ErrorActionPreference = 'Stop'",
            "function Initialize-One($disk, $style, $letter, $label) {",
            "  if ($disk.IsOffline) { Set-Disk -Number $disk.Number -IsOffline $false }",
            "  if ($disk.IsReadOnly) { Set-Disk -Number $disk.Number -IsReadOnly $false }",
            "  if ($disk.PartitionStyle -ne 'RAW') { \"disk $($disk.Number): already initialized\"; return }",
            "  Initialize-Disk -Number $disk.Number -PartitionStyle $style",
            "  $p = if ($letter) { New-Partition -DiskNumber $disk.Number -UseMaximumSize -DriveLetter $letter } else { New-Partition -DiskNumber $disk.Number -UseMaximumSize -AssignDriveLetter }",
            "  Format-Volume -Partition $p -FileSystem NTFS -NewFileSystemLabel $label -Confirm:$false | Out-Null",
            "  \"disk $($disk.Number): initialized\"",
            "}",
        };
        if (inputs.Text("initialize") == "devices" && inputs.Fields.GetValueOrDefault("devices") is InputList devices)
        {
            foreach (var device in devices.Items.OfType<InputMap>())
            {
                var id = Quote(device.Text("device") ?? string.Empty);
                var style = device.Text("partition") == "mbr" ? "MBR" : "GPT";
                lines.Add($"$d = Get-Disk | Where-Object {{ \"$($_.Number)\" -eq {id} -or $_.SerialNumber -eq {id} -or $_.FriendlyName -eq {id} -or $_.Location -like ('*' + {id}) }} | Select-Object -First 1");
                lines.Add($"if ($d) {{ Initialize-One $d '{style}' {Quote(device.Text("letter") ?? string.Empty)} {Quote(device.Text("name") ?? "Data")} }} else {{ Write-Error ('no disk matches ' + {id}) }}");
            }
        }
        else
        {
            lines.Add("Get-Disk | Where-Object { $_.PartitionStyle -eq 'RAW' } | ForEach-Object { Initialize-One $_ 'GPT' '' 'Data' }");
        }

        return string.Join("\r\n", lines) + "\r\n";
    }

    // A PowerShell single-quoted string literal. PowerShell also ends such a string at the typographic single quotes
    // U+2018–U+201B, so each of them is doubled too.
    internal static string Quote(string text)
    {
        var quoted = new System.Text.StringBuilder("'");
        foreach (var c in text)
        {
            quoted.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                quoted.Append(c);
            }
        }

        return quoted.Append('\'').ToString();
    }

    /// <summary>Runs PowerShell text as a script (written to a file and deleted after).</summary>
    public static async Task<TaskExecutionResult> PowerShellAsync(string script, string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        var item = new UserData.ScriptItem(UserData.ScriptLanguage.PowerShell, script, UserData.RunAs.LocalSystem, TaskFrequency.Once, false, [],
            UserData.ExitCodeConvention.Ec2Launch, null, name);
        return await ScriptTasks.RunScriptAsync(item, name, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>enableOpenSsh</c>: installs the OpenSSH Server capability when the <c>sshd</c> service is missing, then sets it
    /// to start automatically and starts it.
    /// </summary>
    public static async Task<TaskExecutionResult> EnableOpenSshAsync(string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.Machine.Services;
        if (services.Find("sshd") is null)
        {
            var install = await PowerShellAsync("$ErrorActionPreference = 'Stop'\r\nAdd-WindowsCapability -Online -Name 'OpenSSH.Server~~~~0.0.1.0' | Out-Null\r\n",
                name, context, cancellationToken).ConfigureAwait(false);
            if (install.Action != ExitAction.Completed || services.Find("sshd") is null)
            {
                return TaskExecutionResult.Failed("could not install OpenSSH Server (Windows Server 2019 or later is needed): " + (install.Message ?? "sshd still missing"));
            }
        }

        return await StartServiceAsync("sshd", context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>startSsm</c>: starts the SSM agent when it is installed (skipped otherwise).</summary>
    public static Task<TaskExecutionResult> StartSsmAsync(BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Machine.Services.Find("AmazonSSMAgent") is null
            ? Task.FromResult(TaskExecutionResult.Skip("the SSM agent (AmazonSSMAgent) is not installed"))
            : StartServiceAsync("AmazonSSMAgent", context, cancellationToken);
    }

    private static async Task<TaskExecutionResult> StartServiceAsync(string service, BootTaskContext context, CancellationToken cancellationToken)
    {
        var services = context.Machine.Services;
        try
        {
            if (services.Find(service) is { StartMode: not ServiceStartMode.Automatic })
            {
                services.SetStartMode(service, ServiceStartMode.Automatic);
            }

            if (services.Find(service)?.State != ServiceRunState.Running)
            {
                await services.StartAsync(service, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            }

            return TaskExecutionResult.Done($"{service} runs and starts automatically");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or TimeoutException or PlatformNotSupportedException)
        {
            return TaskExecutionResult.Failed($"could not start {service}: {e.Message}");
        }
    }

    /// <summary>
    /// <c>set_timezone</c>: sets the time zone with <c>tzutil /s</c>. An IANA name (<c>Europe/Paris</c>) is mapped to its
    /// Windows id; a Windows id is used as is.
    /// </summary>
    public static async Task<TaskExecutionResult> SetTimeZoneAsync(string zone, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(context);
        var windowsId = zone.Contains('/', StringComparison.Ordinal) || zone == "UTC"
            ? (TimeZoneInfo.TryConvertIanaIdToWindowsId(zone, out var mapped) ? mapped : null)
            : zone;
        if (windowsId is null)
        {
            return TaskExecutionResult.Failed($"time zone '{zone}' has no Windows equivalent");
        }

        var outcome = await context.Machine.Processes.RunAsync(new ProcessRequest(context.Machine.Files.Expand(@"%WINDIR%\System32\tzutil.exe"),
            ["/s", windowsId], context.CommandTimeout), cancellationToken).ConfigureAwait(false);
        return outcome.Succeeded ? TaskExecutionResult.Done($"time zone set to {windowsId}") : TaskExecutionResult.Failed($"tzutil /s {windowsId} exited {outcome.ExitCode}");
    }

    /// <summary>
    /// cloud-config <c>users</c>: creates the local account when missing (NetUserAdd through the accounts port, with a random password that
    /// is never published — log on with the SSH keys), adds it to its groups, and installs its SSH keys where OpenSSH for
    /// Windows reads them, with the access lists it requires (<see cref="SshAuthorizedKeys"/>): administrators' keys in
    /// <c>%ProgramData%\ssh\administrators_authorized_keys</c>, anyone else's in their profile, created first when missing.
    /// </summary>
    public static async Task<TaskExecutionResult> CreateUserAsync(UserData.UserItem user, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(context);
        if (AdminAccountTask.NameProblem(user.Name) is { } problem)
        {
            return TaskExecutionResult.Failed($"user '{ConsoleOutput.ConsoleLines.OneLine(user.Name)}': {problem}");
        }

        var machine = context.Machine;
        var notes = new List<string>();
        if (machine.Accounts.FindAccount(user.Name) is null)
        {
            try
            {
                // Created with a random password in one call: never an account without one. Log on with the SSH keys.
                machine.Accounts.Create(user.Name, PasswordGenerator.Generate(PasswordPolicy.Default, user.Name).Reveal());
            }
            catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or InvalidOperationException or IOException)
            {
                return TaskExecutionResult.Failed($"could not create {user.Name}: {e.Message}");
            }

            notes.Add("created");
        }

        // Built-in groups named in English (Administrators, Remote Desktop Users…) are resolved by their SIDs, so they work
        // on every language of Windows; other names are looked up as given.
        var groups = user.Groups.Where(g => !string.IsNullOrWhiteSpace(g)).Select(g => (Text: g, Group: LocalGroup.Parse(g))).ToList();
        var administrator = machine.Accounts.FindAccount(user.Name)?.IsAdministrator == true;
        foreach (var (text, group) in groups)
        {
            try
            {
                _ = machine.Accounts.AddToGroup(group, user.Name);
                administrator |= group.IsAdministrators;
            }
            catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or InvalidOperationException or KeyNotFoundException or IOException)
            {
                notes.Add($"not added to {text} ({e.Message})");
            }
        }

        if (user.SshAuthorizedKeys.Count > 0)
        {
            // After the groups: an administrator's keys are read from administrators_authorized_keys, anyone else's from
            // their profile, which is created first when missing.
            var keys = SshAuthorizedKeys.Install(machine, user.Name, user.SshAuthorizedKeys, administrator);
            notes.Add(keys.Note);
            if (keys.Failure is { } failure)
            {
                return TaskExecutionResult.Failed($"user {user.Name}: " + string.Join("; ", [.. notes.Where(n => n.Length > 0), failure]));
            }
        }

        if (user.PasswordHash is not null)
        {
            notes.Add("'passwd' is a Unix crypt hash, which Windows cannot use: ignored");
        }

        return TaskExecutionResult.Done($"user {user.Name}: " + (notes.Count == 0 ? "nothing to change" : string.Join("; ", notes)));
    }
}
