using System.Globalization;
using System.Text;
using Reseal.Windows.Ports;

namespace Reseal.TestSupport;

/// <summary>
/// Plays Sysprep (and cmd.exe running a BeforeSysprep hook) on a <see cref="FakeWindows"/>, following real Sysprep's
/// contract as far as sealing watches it: it appends a run to <c>System32\Sysprep\Panther\setupact.log</c> (UTF-16LE with
/// a byte-order mark), sets ImageState to IMAGE_STATE_UNDEPLOYABLE while it works, copies its error lines to
/// setuperr.log, then leaves <see cref="FinalState"/>, writes Sysprep_succeeded.tag on success and exits with
/// <see cref="ExitCode"/>. <see cref="Hang"/> makes it never exit until its run is cancelled (the process killed).
/// </summary>
public sealed class FakeSysprep
{
    public const string SysprepExe = @"C:\Windows\System32\Sysprep\sysprep.exe";
    public const string PantherDirectory = @"C:\Windows\System32\Sysprep\Panther";
    public const string SetupAct = PantherDirectory + @"\setupact.log";
    public const string SetupErr = PantherDirectory + @"\setuperr.log";
    public const string SucceededTag = @"C:\Windows\System32\Sysprep\Sysprep_succeeded.tag";
    public const string Generalized = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE";
    public const string Undeployable = "IMAGE_STATE_UNDEPLOYABLE";
    public const string Complete = "IMAGE_STATE_COMPLETE";

    private DateTime _clock = new(2026, 11, 21, 7, 0, 0, DateTimeKind.Unspecified);

    /// <summary>Sysprep's exit code.</summary>
    public int ExitCode { get; set; }

    /// <summary>The ImageState Sysprep leaves; null keeps the one it found (a failed validation).</summary>
    public string? FinalState { get; set; } = Generalized;

    /// <summary>Error messages Sysprep logs (component SYSPRP) to setupact.log and setuperr.log.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Sysprep never exits by itself (an error dialog nobody clicks): only cancelling its run ends it.</summary>
    public bool Hang { get; set; }

    /// <summary>After logging its errors, Sysprep hangs (as it does when it shows an error dialog).</summary>
    public bool HangAfterErrors { get; set; }

    /// <summary>
    /// Once ImageState is UNDEPLOYABLE, Sysprep waits (up to 10 s) until the serial console shows it, so a test sees every
    /// state the watch reports.
    /// </summary>
    public bool WaitUntilObserved { get; set; }

    /// <summary>The exit code of the BeforeSysprep hook (cmd.exe /c).</summary>
    public int HookExitCode { get; set; }

    /// <summary>What the hook does to the machine before it exits.</summary>
    public Action<FakeWindows>? HookAction { get; set; }

    /// <summary>The Sysprep request, once run.</summary>
    public ProcessRequest? Request { get; private set; }

    /// <summary>True when the run was cancelled (the process killed).</summary>
    public bool Killed { get; private set; }

    /// <summary>Makes <paramref name="machine"/>'s processes play this Sysprep.</summary>
    public FakeSysprep Install(FakeWindows machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        machine.Processes.AsyncHandler = (request, cancellationToken) => RunAsync(machine, request, cancellationToken);
        return this;
    }

    private async Task<ProcessOutcome> RunAsync(FakeWindows machine, ProcessRequest request, CancellationToken cancellationToken)
    {
        if (request.FileName.EndsWith(@"\cmd.exe", StringComparison.OrdinalIgnoreCase))
        {
            HookAction?.Invoke(machine);
            return FakeProcesses.Exit(HookExitCode, "hook ran\r\n", HookExitCode == 0 ? "" : "hook: the disk is not ready\r\n");
        }

        if (!request.FileName.Equals(SysprepExe, StringComparison.OrdinalIgnoreCase))
        {
            return FakeProcesses.Exit(0);
        }

        Request = request;
        await Task.Yield();
        var stateBefore = machine.System.GetImageState().RawText;
        Append(machine, SetupAct,
        [
            Info("================================================================"),
            Info("===          Beginning of a new sysprep run          ==="),
            Info("================================================================"),
            .. request.Arguments.Where(a => a.StartsWith('/') && !a.Contains(':', StringComparison.Ordinal))
                .Select(a => Info($"ParseCommands:Found supported command line option '{a[1..].ToUpperInvariant()}'", "0x0f0079")),
            Info(@"SysprepSession::CreateSession: Successfully created instance with action file C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml"),
        ]);
        machine.System.SetImageState(Undeployable);
        if (WaitUntilObserved)
        {
            var started = TimeProvider.System.GetTimestamp();
            while (!machine.SerialConsole.Lines.Any(l => l.Contains(Undeployable, StringComparison.Ordinal))
                && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(5, cancellationToken);
            }
        }

        try
        {
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (Errors.Count > 0)
            {
                var lines = Errors.Select(e => Line("Error", "SYSPRP " + e)).ToArray();
                Append(machine, SetupAct, lines);
                Append(machine, SetupErr, lines);
                if (HangAfterErrors)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            Killed = true;
            throw;
        }

        Append(machine, SetupAct, Info("Sysprep_Generalize_MiniNT: done"), Info("Shutting down SysPrep log", "0x0f0052"));
        var final = FinalState ?? stateBefore;
        if (final is not null)
        {
            machine.System.SetImageState(final);
        }

        if (ExitCode == 0 && Errors.Count == 0 && FinalState == Generalized)
        {
            machine.Files.WriteAllBytes(SucceededTag, []);
        }

        return FakeProcesses.Exit(ExitCode);
    }

    private string Info(string message, string? id = null) => Line("Info", (id is null ? "" : "[" + id + "] ") + "SYSPRP " + message);

    private string Line(string level, string rest)
    {
        var stamp = _clock.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        _clock = _clock.AddSeconds(1);
        return stamp + ", " + (rest.StartsWith('[') ? level.PadRight(11) : level.PadRight(22)) + rest;
    }

    /// <summary>Appends lines to a log as Sysprep writes it: UTF-16LE, a byte-order mark first, CRLF.</summary>
    public static void Append(FakeWindows machine, string path, params string[] lines)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var existing = machine.Files.FileExists(path) ? machine.Files.ReadAllBytes(path) : [0xFF, 0xFE];
        machine.Files.WriteAllBytes(path, [.. existing, .. Encoding.Unicode.GetBytes(string.Concat(lines.Select(l => l + "\r\n")))]);
    }
}

/// <summary>A <see cref="FakeWindows"/> that nothing blocks from being sealed, and a snapshot of what sealing may change.</summary>
public static class SealableMachine
{
    public const string SetupComplete = @"C:\Windows\Setup\Scripts\SetupComplete.cmd";
    public const string StalePantherAnswerFile = @"C:\Windows\Panther\unattend.xml";
    public const string Hook = @"C:\ProgramData\Reseal\sysprep\BeforeSysprep.cmd";
    public const string Journal = @"C:\ProgramData\Reseal\sysprep\seal-journal.json";
    public const string TerminalServer = @"CurrentControlSet\Control\Terminal Server";

    /// <summary>
    /// A machine with something for every step to change: agent state, an old answer file, a cached Panther answer file
    /// that HKLM\SYSTEM\Setup!UnattendFile points at, RDP allowed, a SetupComplete.cmd of its own, and an earlier
    /// Sysprep run's logs (with an error) in System32\Sysprep\Panther.
    /// </summary>
    public static FakeWindows Create(bool withHook = false)
    {
        var machine = new FakeWindows();
        var files = machine.Files;
        files.WriteText(FakeSysprep.SysprepExe, "MZ sysprep");
        files.WriteText(@"C:\Windows\System32\cmd.exe", "MZ cmd");
        files.WriteText(@"C:\Program Files\Reseal\reseal.exe", "MZ reseal");
        files.WriteText(@"C:\ProgramData\Reseal\state\state.json", "{\"format\":1}");
        files.WriteText(@"C:\ProgramData\Reseal\sysprep\unattend.xml", "<old/>");
        files.WriteText(StalePantherAnswerFile, "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"/>");
        files.WriteAllBytes(SetupComplete, [.. "@echo off\r\ncall vendor.cmd\r\n"u8, 0xE9, (byte)'\r', (byte)'\n']);
        if (withHook)
        {
            files.WriteText(Hook, "@echo hook\r\n");
        }

        FakeSysprep.Append(machine, FakeSysprep.SetupAct, "2026-01-01 09:00:00, Info                  SYSPRP ===          Beginning of a new sysprep run          ===");
        FakeSysprep.Append(machine, FakeSysprep.SetupErr, "2026-01-01 09:00:05, Error                 SYSPRP BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)");
        var registry = machine.Registry;
        registry.SetValue(RegistryHive.System, TerminalServer, "fDenyTSConnections", RegistryData.FromDWord(0));
        registry.SetValue(RegistryHive.System, "Setup", "UnattendFile", RegistryData.FromString(StalePantherAnswerFile));
        registry.SetValue(RegistryHive.Default, @"Control Panel\International", "LocaleName", RegistryData.FromString("de-DE"));
        return machine;
    }

    /// <summary>
    /// Every file (bytes in hex), directory and registry value, except what Sysprep itself writes (its Panther logs, the
    /// success tag, ImageState): the machine as sealing must leave it after a failure.
    /// </summary>
    public static string Snapshot(FakeWindows machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var text = new StringBuilder();
        foreach (var path in machine.Files.AllFiles.Where(p => !IsSysprepOwn(p)))
        {
            text.Append("file ").Append(path).Append(' ').Append(Convert.ToHexString(machine.Files.ReadAllBytes(path))).Append('\n');
        }

        foreach (var directory in machine.Files.AllDirectories.Where(p => !IsSysprepOwn(p)))
        {
            text.Append("dir ").Append(directory).Append('\n');
        }

        foreach (var hive in RegistryHives.All)
        {
            Dump(machine.Registry, hive, "", text);
        }

        return text.ToString();
    }

    private static bool IsSysprepOwn(string path) =>
        path.StartsWith(FakeSysprep.PantherDirectory, StringComparison.OrdinalIgnoreCase) || path.Equals(FakeSysprep.SucceededTag, StringComparison.OrdinalIgnoreCase);

    private static void Dump(IRegistry registry, RegistryHive hive, string key, StringBuilder text)
    {
        text.Append("key ").Append(hive).Append('\\').Append(key).Append('\n');
        foreach (var value in registry.GetValues(hive, key))
        {
            if (value.Name.Equals("ImageState", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            text.Append("  ").Append(value.Name).Append(" = ").Append(value.Data.Type.ToString(CultureInfo.InvariantCulture)).Append(':')
                .Append(Convert.ToHexString(value.Data.Bytes.AsSpan())).Append('\n');
        }

        foreach (var sub in registry.GetSubkeyNames(hive, key))
        {
            Dump(registry, hive, key.Length == 0 ? sub : key + "\\" + sub, text);
        }
    }
}
