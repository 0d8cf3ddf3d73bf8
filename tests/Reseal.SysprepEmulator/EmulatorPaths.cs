namespace Reseal.SysprepEmulator;

/// <summary>Where Sysprep, Setup and the emulator keep their files, under one Windows folder.</summary>
public sealed record EmulatorPaths(string Windows)
{
    /// <summary>The paths of the running Windows (%WINDIR%).</summary>
    public static EmulatorPaths Current() =>
        new(Environment.GetEnvironmentVariable("WINDIR") is { Length: > 0 } windir ? windir : Environment.GetFolderPath(Environment.SpecialFolder.Windows));

    public string System32 => Path.Combine(Windows, "System32");

    public string Cmd => Path.Combine(System32, "cmd.exe");

    public string SysprepFolder => Path.Combine(System32, "Sysprep");

    /// <summary><c>%WINDIR%\System32\Sysprep\Panther</c>: Sysprep's own setupact.log / setuperr.log.</summary>
    public string SysprepPanther => Path.Combine(SysprepFolder, "Panther");

    public string SuccessTag => Path.Combine(SysprepFolder, "Sysprep_succeeded.tag");

    /// <summary><c>%WINDIR%\Panther</c>: Setup's logs (specialize) and the cached answer file.</summary>
    public string Panther => Path.Combine(Windows, "Panther");

    /// <summary><c>%WINDIR%\Panther\UnattendGC</c>: oobeSystem's unattend logs.</summary>
    public string UnattendGC => Path.Combine(Panther, "UnattendGC");

    public string CachedAnswerFile => Path.Combine(Panther, "unattend.xml");

    public string StateIni => Path.Combine(Windows, "Setup", "State", "State.ini");

    public string SetupScripts => Path.Combine(Windows, "Setup", "Scripts");

    public string SetupComplete => Path.Combine(SetupScripts, "SetupComplete.cmd");

    public string ErrorHandler => Path.Combine(SetupScripts, "ErrorHandler.cmd");

    /// <summary><c>%WINDIR%\System32\Sysprep\Emulator</c>: the emulator's own records (test-only).</summary>
    public string EmulatorFolder => Path.Combine(SysprepFolder, "Emulator");

    /// <summary>One line per power event (shutdown, reboot, halt): how the harness knows what Sysprep or Setup asked for.</summary>
    public string PowerLog => Path.Combine(EmulatorFolder, "power.log");

    /// <summary>What the emulator did, one line per step (commands with exit codes, settings applied).</summary>
    public string EmulatorLog => Path.Combine(EmulatorFolder, "emulator.log");

    /// <summary>Where a multi-boot Setup stands (pass, next RunSynchronous Order, boot count).</summary>
    public string Progress => Path.Combine(EmulatorFolder, "progress.txt");

    /// <summary>Optional knobs and failure injection (<see cref="EmulatorOptions"/>).</summary>
    public string Config => Path.Combine(EmulatorFolder, "config.txt");

    /// <summary>Implicit answer-file search for passes after windowsPE (answerfiles.md §1), first match wins.</summary>
    public IEnumerable<string> ImplicitAnswerFiles =>
    [
        Path.Combine(Panther, "Unattend", "unattend.xml"),
        CachedAnswerFile,
        Path.Combine(SysprepFolder, "unattend.xml"),
    ];
}
