using System.Diagnostics;
using System.Text;

namespace Reseal.Wine.Tests.Harness;

/// <summary>What one emulated boot did.</summary>
/// <param name="Process">The <c>sysprep.exe /emulator-boot</c> run (nonzero: Setup stopped on a fatal error).</param>
/// <param name="Power">The power events recorded during this boot (a <c>reboot</c> means another boot is due).</param>
public sealed record BootResult(HostResult Process, IReadOnlyList<PowerEvent> Power)
{
    /// <summary>Setup asked for another boot (specialize done, or a WillReboot rule).</summary>
    public bool RebootRequested => Power.Count > 0 && Power[^1].Action == "reboot";

    /// <summary>Setup stopped on a fatal error.</summary>
    public bool Halted => Power.Any(p => p.Action == "halt");
}

/// <summary>
/// A Windows machine for one scenario: a copy of the template prefix with its own wineserver, COM1 captured to a file,
/// and helpers to run programs, play boots through the Sysprep emulator, read the registry and files.
/// </summary>
/// <remarks>
/// <para>Power: <see cref="PowerOn"/> starts the prefix's wineserver persistently (<c>wineserver -p300</c>) and plays
/// Windows' boot (<c>wineboot</c>); <see cref="PowerOff"/> is <c>wineserver -k</c>, which ends every process of the
/// prefix and flushes the registry to <c>system.reg</c>/<c>user.reg</c>. A persistent server matters: each new Wine
/// session resets ComputerName and ActiveComputerName to the Linux host name, so without it a pause of 3 s between two
/// commands would "reboot" the machine.</para>
/// <para>Every Wine process runs under a time limit; on timeout its process tree is killed and the wineserver ended
/// (Wine's children are not always below the process that started them). Output is decoded as Windows-1252 with CRLF
/// turned into LF; <see cref="HostResult.Crashed"/> catches the unhandled exceptions Wine reports with exit code 0.</para>
/// </remarks>
public sealed class WineMachine : IDisposable
{
    /// <summary>Where the emulator is installed.</summary>
    public const string SysprepExe = @"C:\Windows\System32\Sysprep\sysprep.exe";

    /// <summary>Where reseal is installed.</summary>
    public const string ResealExe = @"C:\Program Files\Reseal\reseal.exe";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    private readonly WinePrefixTemplate _template;
    private PtyCapture? _com1;
    private bool _poweredOn;

    private WineMachine(WinePrefixTemplate template, string folder)
    {
        _template = template;
        Folder = folder;
    }

    /// <summary>The scenario folder (prefix, COM1 capture, scratch files).</summary>
    public string Folder { get; }

    /// <summary>The WINEPREFIX.</summary>
    public string Prefix => Path.Combine(Folder, "prefix");

    /// <summary>What the machine wrote to COM1, as a Linux file (appended by the reader of its pseudo-terminal).</summary>
    public string ConsoleCapture => Path.Combine(Folder, "com1.txt");

    /// <summary>COM1: a pseudo-terminal the harness reads (<see cref="PtyCapture"/>); null once disposed.</summary>
    public PtyCapture Com1 => _com1 ?? throw new ObjectDisposedException(nameof(WineMachine));

    public WineTools Tools => _template.Tools;

    /// <summary>The builds installed in this machine.</summary>
    public WineBuild Build => _template.Build;

    /// <summary>Extra environment for every Wine process of this machine (e.g. the emulator's knobs).</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Seconds it took to copy the template and set the machine up.</summary>
    public double SetupSeconds { get; private set; }

    /// <summary>Default limit for one Wine process.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    internal static WineMachine Create(WinePrefixTemplate template, string folder) =>
        Create(template, folder, template.Prefix, WinePrefixTemplate.Com1Placeholder);

    /// <summary>
    /// A new machine whose disk is a copy of this one's as it is now (powered off first): what a cloud does when it
    /// makes an image of a stopped instance and launches an instance of it. It has its own COM1 capture.
    /// </summary>
    public WineMachine CopyDisk(string name)
    {
        PowerOff();
        var folder = Path.Combine(Path.GetDirectoryName(Folder)!, $"{Path.GetFileName(Folder)}-{name}");
        var copy = Create(_template, folder, Prefix, Com1.SlavePath);
        foreach (var (key, value) in Environment)
        {
            // The test's knobs (the account store, the emulator's settings) belong to the disk's software.
            copy.Environment[key] = value;
        }

        return copy;
    }

    private static WineMachine Create(WinePrefixTemplate template, string folder, string sourcePrefix, string sourceCom1)
    {
        var watch = Stopwatch.StartNew();
        var machine = new WineMachine(template, folder);
        Directory.CreateDirectory(folder);
        WinePrefixTemplate.Must(HostProcess.Run("cp", ["-a", sourcePrefix, machine.Prefix], TimeSpan.FromMinutes(5)), "cp -a prefix");

        // COM1: a pseudo-terminal, a tty like a real serial port (Wine applies SetCommState to it as termios), read by the
        // harness. The source's COM1 path (the template's placeholder, or the copied machine's slave) becomes this one's slave (system.reg is text while the server is down). Its line
        // starts at settings no console uses (9600 baud, 2 stop bits, RTS/CTS and XON/XOFF flow control), so a test can
        // see what the agent sets; a pseudo-terminal keeps 8 data bits and no parity whatever is asked.
        File.WriteAllBytes(machine.ConsoleCapture, []);
        machine._com1 = PtyCapture.Open(machine.ConsoleCapture);
        var slave = machine._com1.SlavePath;
        WinePrefixTemplate.Must(HostProcess.Run("stty", ["-F", slave, "raw", "-echo", "9600", "cstopb", "crtscts", "ixon", "ixoff"], TimeSpan.FromSeconds(10)), "stty");
        var systemReg = Path.Combine(machine.Prefix, "system.reg");
        File.WriteAllText(systemReg, File.ReadAllText(systemReg).Replace(sourceCom1, slave, StringComparison.Ordinal));
        var link = Path.Combine(machine.Prefix, "dosdevices", "com1");
        if (File.Exists(link) || Directory.Exists(link) || new FileInfo(link).LinkTarget is not null)
        {
            File.Delete(link);
        }

        File.CreateSymbolicLink(link, slave);
        machine.SetupSeconds = watch.Elapsed.TotalSeconds;
        return machine;
    }

    /// <summary>Starts the machine: a persistent wineserver and Windows' boot tasks (<c>wineboot</c>).</summary>
    public void PowerOn()
    {
        if (_poweredOn)
        {
            return;
        }

        WinePrefixTemplate.Must(HostProcess.Run(Tools.WineServer, ["-p300"], TimeSpan.FromSeconds(30), WineEnvironment()), "wineserver -p");
        _poweredOn = true;
        WinePrefixTemplate.Must(Run("wineboot", [], TimeSpan.FromSeconds(60)), "wineboot");
    }

    /// <summary>Ends every process of the prefix (<c>wineserver -k</c>) and waits until the registry is on disk.</summary>
    public void PowerOff()
    {
        var environment = WineEnvironment();
        HostProcess.Run(Tools.WineServer, ["-k"], TimeSpan.FromSeconds(30), environment);
        HostProcess.Run(Tools.WineServer, ["-w"], TimeSpan.FromSeconds(30), environment);
        _poweredOn = false;
    }

    /// <summary>Runs a Windows program (<c>wine PROGRAM ARGS</c>); powers the machine on first when it is off.</summary>
    public HostResult Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? standardInput = null)
    {
        if (!_poweredOn)
        {
            PowerOn();
        }

        var env = WineEnvironment();
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        var result = HostProcess.Run(Tools.Wine, [program, .. arguments], timeout ?? Timeout, env,
            onTimeout: PowerOff, standardInput: standardInput);
        if (IsWineTool(program) && WineCouldNotStart(result))
        {
            // Once in a CI run (the harness test's `wine cmd /c vol d:`, the Wine machine just restarted after a drive
            // was attached, every other test assembly running beside it), Wine's loader did not find its own cmd.exe
            // and handed the name to start.exe, which printed this. Not reproduced in 12 runs under load; Wine's own
            // tools (cmd, reg, wineboot, msiexec) are not what these tests test, so one retry, said in the test's output.
            // Reseal's and the emulator's executables (given by full path) are never retried.
            TestContext.Current.TestOutputHelper?.WriteLine($"wine harness: Wine could not start its own '{program}'; retrying once. First attempt: {result}");
            result = HostProcess.Run(Tools.Wine, [program, .. arguments], timeout ?? Timeout, env,
                onTimeout: PowerOff, standardInput: standardInput);
        }

        return result;
    }

    /// <summary>A program of Wine's own named bare (<c>cmd</c>, <c>reg</c>, <c>wineboot</c>, <c>msiexec</c>), not an executable given by path.</summary>
    internal static bool IsWineTool(string program) => program.IndexOfAny(['\\', '/', ':', '.']) < 0;

    /// <summary>Wine's loader could not open the program and start.exe said so (its message first on standard output).</summary>
    internal static bool WineCouldNotStart(HostResult result) =>
        !result.TimedOut && result.StandardOutput.StartsWith("Application could not be started, or no application associated with the specified file.", StringComparison.Ordinal);

    /// <summary>Runs <c>C:\Program Files\Reseal\reseal.exe</c>.</summary>
    public HostResult Reseal(params string[] arguments) => Run(ResealExe, arguments);

    /// <summary>Runs the Sysprep emulator as sysprep.exe (the real contract).</summary>
    public HostResult Sysprep(params string[] arguments) => Run(SysprepExe, arguments);

    /// <summary>Runs the Sysprep emulator with a failure injected (<c>RESEAL_SYSPREP_EMULATOR_FAIL</c>, docs/wine-e2e.md).</summary>
    public HostResult SysprepFailing(string failure, params string[] arguments) =>
        Run(SysprepExe, arguments, environment: new Dictionary<string, string?> { ["RESEAL_SYSPREP_EMULATOR_FAIL"] = failure });

    /// <summary>
    /// Sets the emulator's knobs for every sysprep.exe of this machine, including one Reseal starts
    /// (<c>%WINDIR%\System32\Sysprep\Emulator\config.txt</c>, <c>key=value</c> lines: fail, delay, command-timeout...).
    /// </summary>
    public void ConfigureEmulator(params string[] lines) =>
        WriteFile(@"C:\Windows\System32\Sysprep\Emulator\config.txt", string.Join("\r\n", lines) + "\r\n");

    /// <summary>Runs a command line through <c>cmd /c</c>.</summary>
    public HostResult Cmd(string commandLine) => Run("cmd", ["/c", commandLine]);

    /// <summary>
    /// One boot: power off (if on), power on, then <c>sysprep.exe /emulator-boot</c>, which does what Setup does at this
    /// boot (specialize, oobeSystem and SetupComplete.cmd, or nothing). The machine keeps running afterwards.
    /// </summary>
    public BootResult Boot(TimeSpan? timeout = null)
    {
        var before = Emulator().Power.Count;
        PowerOff();
        PowerOn();
        var process = Run(SysprepExe, [SysprepCommandLineBoot], timeout ?? TimeSpan.FromMinutes(10));
        var power = Emulator().Power;
        return new BootResult(process, [.. power.Skip(before)]);
    }

    /// <summary>Boots until Setup asks for no more reboots (or stops on an error); at most <paramref name="maxBoots"/>.</summary>
    public IReadOnlyList<BootResult> BootUntilSettled(int maxBoots = 8)
    {
        var boots = new List<BootResult>();
        do
        {
            boots.Add(Boot());
        }
        while (boots[^1].RebootRequested && !boots[^1].Halted && boots.Count < maxBoots);

        if (boots[^1].RebootRequested)
        {
            throw new InvalidOperationException($"Setup still asks for a reboot after {maxBoots} boots:\n{Emulator()}");
        }

        return boots;
    }

    /// <summary>A value through <c>reg query</c> on the running machine, or null when absent.</summary>
    public RegistryValue? QueryValue(string key, string name)
    {
        var result = Run("reg", ["query", key, "/v", name]);
        return result.ExitCode != 0 ? null : WineRegistry.ParseQuery(result.StandardOutput).FirstOrDefault(v => v.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>All values of a key through <c>reg query</c>; empty when the key is absent.</summary>
    public IReadOnlyList<RegistryValue> QueryKey(string key)
    {
        var result = Run("reg", ["query", key]);
        return result.ExitCode != 0 ? [] : WineRegistry.ParseQuery(result.StandardOutput);
    }

    /// <summary>
    /// A machine-wide environment variable, as set in System Properties on Windows: in
    /// <c>Session Manager\Environment</c>, which the environment block of every service is built from (Wine's services.exe
    /// does not pass on the Unix environment of the processes the harness starts), and in <see cref="Environment"/> for
    /// those processes.
    /// </summary>
    public void SetSystemEnvironment(string name, string value)
    {
        Environment[name] = value;
        SetValue(@"HKLM\System\CurrentControlSet\Control\Session Manager\Environment", name, "REG_SZ", value);
    }

    /// <summary>Sets a value through <c>reg add</c> (type REG_SZ, REG_DWORD, ...).</summary>
    public void SetValue(string key, string name, string type, string data) =>
        WinePrefixTemplate.Must(Run("reg", ["add", key, "/v", name, "/t", type, "/d", data, "/f"]), $"reg add {key} {name}");

    /// <summary>A value from the prefix's hive files; powers the machine off first so that they are current.</summary>
    public RegistryValue? ReadOfflineValue(string key, string name)
    {
        PowerOff();
        return WineRegistry.ReadOffline(Prefix, key, name);
    }

    /// <summary>
    /// The Linux path of a Windows path of this machine: <c>C:\...</c> under drive_c (matching names without regard to
    /// case, as Windows does: <c>C:\Windows</c> is <c>drive_c/windows</c>), <c>Z:\...</c> under <c>/</c>.
    /// </summary>
    public string HostPath(string windowsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(windowsPath);
        var path = windowsPath.Replace('/', '\\');
        if (path.Length < 3 || path[1] != ':' || path[2] != '\\')
        {
            throw new ArgumentException($"'{windowsPath}' is not an absolute Windows path", nameof(windowsPath));
        }

        var drive = char.ToLowerInvariant(path[0]);
        var current = drive switch
        {
            'c' => Path.Combine(Prefix, "drive_c"),
            'z' => "/",
            _ => throw new ArgumentException($"drive {path[0]}: is not mapped by the harness", nameof(windowsPath)),
        };
        foreach (var part in path[3..].Split('\\', StringSplitOptions.RemoveEmptyEntries))
        {
            var exact = Path.Combine(current, part);
            current = Directory.Exists(current) && !File.Exists(exact) && !Directory.Exists(exact)
                ? Directory.EnumerateFileSystemEntries(current).FirstOrDefault(e => Path.GetFileName(e).Equals(part, StringComparison.OrdinalIgnoreCase)) ?? exact
                : exact;
        }

        return current;
    }

    /// <summary>The Windows path (<c>Z:\...</c>) of a Linux path, as Wine maps drive Z: to /.</summary>
    public static string WindowsPath(string hostPath) => "Z:" + Path.GetFullPath(hostPath).Replace('/', '\\');

    /// <summary>Writes a file at a Windows path of this machine (folders created).</summary>
    public string WriteFile(string windowsPath, string contents, Encoding? encoding = null)
    {
        var host = HostPath(windowsPath);
        Directory.CreateDirectory(Path.GetDirectoryName(host)!);
        File.WriteAllText(host, contents, encoding ?? new UTF8Encoding(false));
        return host;
    }

    /// <summary>Reads a file at a Windows path of this machine, or null when it does not exist.</summary>
    public string? ReadFile(string windowsPath)
    {
        var host = HostPath(windowsPath);
        return File.Exists(host) ? File.ReadAllText(host) : null;
    }

    /// <summary>
    /// Attaches a Linux folder as a drive with a volume label, as a cloud attaches a config drive (OpenStack's
    /// <c>config-2</c>): a <c>.windows-label</c> file in the folder, <c>dosdevices/d:</c> linked to it and the drive type in
    /// <c>HKLM\Software\Wine\Drives</c> (wine.md). Takes effect at the next power-on, so the machine is powered off.
    /// </summary>
    public void AttachDrive(char letter, string hostFolder, string label, string type = "cdrom")
    {
        var drive = char.ToLowerInvariant(letter) + ":";
        File.WriteAllText(Path.Combine(hostFolder, ".windows-label"), label + "\n");
        SetValue(@"HKLM\Software\Wine\Drives", drive, "REG_SZ", type);
        PowerOff();
        var link = Path.Combine(Prefix, "dosdevices", drive);
        if (new FileInfo(link).LinkTarget is not null)
        {
            File.Delete(link);
        }

        File.CreateSymbolicLink(link, Path.GetFullPath(hostFolder));
    }

    /// <summary>
    /// The files of the prefix (drive_c and the registry files, symbolic links not followed) that contain
    /// <paramref name="text"/> in UTF-8/ASCII or UTF-16LE, as paths relative to the prefix. Powers the machine off first
    /// so that the registry is on disk. For "no clear-text password remains anywhere".
    /// </summary>
    public IReadOnlyList<string> FindText(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        PowerOff();
        byte[][] needles = [Encoding.UTF8.GetBytes(text), Encoding.Unicode.GetBytes(text)];
        var found = new List<string>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var file in Directory.EnumerateFiles(Prefix, "*", options))
        {
            if (new FileInfo(file).LinkTarget is not null || file.StartsWith(Path.Combine(Prefix, "dosdevices"), StringComparison.Ordinal))
            {
                continue;
            }

            var bytes = File.ReadAllBytes(file);
            if (needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0))
            {
                found.Add(Path.GetRelativePath(Prefix, file));
            }
        }

        return found;
    }

    /// <summary>What the machine wrote to COM1 so far (Windows-1252, CRLF turned into LF); waits briefly for the reader.</summary>
    public string ReadConsole()
    {
        Thread.Sleep(200);
        return HostProcess.Normalize(HostProcess.Windows1252.GetString(File.ReadAllBytes(ConsoleCapture)));
    }

    /// <summary>The console lines so far.</summary>
    public IReadOnlyList<string> ConsoleLines() => ReadConsole().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>COM1's line settings as the kernel holds them now (<c>stty -a</c> of the pseudo-terminal).</summary>
    public string Com1LineSettings() => HostProcess.Run("stty", ["-F", Com1.SlavePath, "-a"], TimeSpan.FromSeconds(10)).StandardOutput;

    /// <summary>What the emulator recorded (emulator.log, power.log).</summary>
    public EmulatorReport Emulator() => EmulatorReport.Read(HostPath(@"C:\Windows\System32\Sysprep\Emulator"));

    /// <summary>The environment of this machine's Wine processes.</summary>
    public Dictionary<string, string?> WineEnvironment()
    {
        var environment = WinePrefixTemplate.WineEnvironment(Prefix);
        environment["LD_PRELOAD"] = _template.NullModem; // COM1's modem lines (NullModemShim)
        foreach (var (key, value) in Environment)
        {
            environment[key] = value;
        }

        return environment;
    }

    public void Dispose()
    {
        PowerOff();
        _com1?.Dispose();
        _com1 = null;

        if (System.Environment.GetEnvironmentVariable(WinePrefixTemplate.KeepVariable) != "1")
        {
            WinePrefixTemplate.DeleteTree(Folder);
        }
    }

    private const string SysprepCommandLineBoot = "/emulator-boot";
}
