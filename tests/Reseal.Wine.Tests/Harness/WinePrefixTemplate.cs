using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Reseal.Wine.Tests.Harness;

/// <summary>
/// One configured Wine prefix per test run, copied (<c>cp -a</c>, ~2 s) for each machine instead of booting a new
/// prefix (~7 s): <c>wineboot -i</c>, then reseal installed as <c>C:\Program Files\Reseal\</c>, the Sysprep emulator as
/// <c>C:\Windows\System32\Sysprep\sysprep.exe</c>, COM1 mapped to a placeholder (each machine's pseudo-terminal), and what a new prefix
/// lacks that Windows has: ImageState COMPLETE (registry and State.ini), <c>HKU\.DEFAULT\Control Panel\International
/// !LocaleName</c>, GeneralizationState 7 / CleanupState 2. The computer name is Wine's (the Linux host name).
/// </summary>
public sealed class WinePrefixTemplate : IDisposable
{
    /// <summary>Set to 1 to keep the run's folder (template and machines) for a post-mortem.</summary>
    public const string KeepVariable = "RESEAL_WINE_KEEP";

    /// <summary>The COM1 target written in the template; each machine replaces it with its own pseudo-terminal.</summary>
    internal const string Com1Placeholder = "/reseal-wine-com1-placeholder";

    private const string RunPrefix = "reseal-wine-";
    private int _machines;

    private WinePrefixTemplate(WineTools tools, WineBuild build, string root, double seconds, string nullModem)
    {
        NullModem = nullModem;
        Tools = tools;
        Build = build;
        Root = root;
        Seconds = seconds;
    }

    public WineTools Tools { get; }

    /// <summary>The null-modem shim every machine's Wine processes preload (<see cref="NullModemShim"/>).</summary>
    public string NullModem { get; }

    public WineBuild Build { get; }

    /// <summary>This run's folder: <c>template/</c> and one folder per machine.</summary>
    public string Root { get; }

    public string Prefix => Path.Combine(Root, "template");

    /// <summary>How long making the template took.</summary>
    public double Seconds { get; }

    /// <summary>The environment every Wine process of a prefix gets (and what it must not inherit from the test host).</summary>
    public static Dictionary<string, string?> WineEnvironment(string prefix)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["WINEPREFIX"] = prefix,
            ["WINEDEBUG"] = "-all",
            // mshtml= skips the Gecko prompt. Never disable mscoree: Wine loads .NET DLLs through it (wine-findings.md).
            ["WINEDLLOVERRIDES"] = "mshtml=",
            ["DISPLAY"] = null,
            ["WAYLAND_DISPLAY"] = null,
        };
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            // The test host's .NET and MSBuild settings would reach the Windows .NET processes through Wine.
            if (key.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("COMPlus_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("RESEAL_SYSPREP_EMULATOR_", StringComparison.OrdinalIgnoreCase))
            {
                environment[key] = null;
            }
        }

        return environment;
    }

    /// <summary>Makes the template. Slow (~10 s plus copying 160 MB of builds); do it once per run.</summary>
    public static WinePrefixTemplate Create(WineTools tools, WineBuild build)
    {
        RemoveAbandonedRuns();
        var root = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"{RunPrefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}"));
        var prefix = Path.Combine(root, "template");
        Directory.CreateDirectory(root);
        var watch = Stopwatch.StartNew();
        var nullModem = NullModemShim.Build(root);
        var environment = WineEnvironment(prefix);
        var timeout = TimeSpan.FromMinutes(3);
        Must(HostProcess.Run(tools.WineBoot, ["-i"], timeout, environment), "wineboot -i");

        var driveC = Path.Combine(prefix, "drive_c");
        Copy(build.ResealFolder, Path.Combine(driveC, "Program Files", "Reseal"));
        Copy(build.SysprepFolder, Path.Combine(driveC, "windows", "system32", "Sysprep"));
        Directory.CreateDirectory(Path.Combine(driveC, "windows", "Setup", "State"));
        File.WriteAllText(Path.Combine(driveC, "windows", "Setup", "State", "State.ini"), "[State]\r\nImageState=IMAGE_STATE_COMPLETE\r\n");

        var reg = Path.Combine(root, "template.reg");
        File.WriteAllText(reg, string.Join("\r\n",
            "Windows Registry Editor Version 5.00",
            string.Empty,
            @"[HKEY_LOCAL_MACHINE\Software\Wine\Ports]",
            $"\"COM1\"=\"{Com1Placeholder}\"",
            string.Empty,
            @"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State]",
            "\"ImageState\"=\"IMAGE_STATE_COMPLETE\"",
            string.Empty,
            @"[HKEY_LOCAL_MACHINE\SYSTEM\Setup\Status\SysprepStatus]",
            "\"GeneralizationState\"=dword:00000007",
            "\"CleanupState\"=dword:00000002",
            string.Empty,
            // Wine 8's CreateEnvironmentBlock, which services.exe uses for every service, sets ProgramData and
            // ALLUSERSPROFILE from ProfileList!Public (C:\users\Public), so the agent's service would keep its state,
            // logs and config under C:\users\Public\Reseal while SetupComplete.cmd and every other process use
            // C:\ProgramData\Reseal. On Windows a LocalSystem service gets ProgramData=C:\ProgramData
            // (docs/wine-findings.md). Pointing Public at C:\ProgramData gives services Windows' value; nothing of the
            // product reads %PUBLIC%.
            @"[HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion\ProfileList]",
            "\"Public\"=\"C:\\\\ProgramData\"",
            string.Empty,
            @"[HKEY_USERS\.DEFAULT\Control Panel\International]",
            "\"LocaleName\"=\"en-US\"",
            "\"Locale\"=\"00000409\"",
            string.Empty) + "\r\n", new UnicodeEncoding(false, true));
        Must(HostProcess.Run(tools.Wine, ["reg", "import", WineMachine.WindowsPath(reg)], timeout, environment), "reg import");
        Must(HostProcess.Run(tools.WineServer, ["-k"], timeout, environment), "wineserver -k", allowFailure: true);
        HostProcess.Run(tools.WineServer, ["-w"], timeout, environment);
        return new WinePrefixTemplate(tools, build, root, watch.Elapsed.TotalSeconds, nullModem);
    }

    /// <summary>A new machine: a copy of the template with its own COM1 capture.</summary>
    public WineMachine NewMachine(string? name = null)
    {
        var index = Interlocked.Increment(ref _machines);
        var folder = Path.Combine(Root, string.Create(CultureInfo.InvariantCulture, $"m{index:00}-{Sanitize(name ?? "machine")}"));
        return WineMachine.Create(this, folder);
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable(KeepVariable) == "1")
        {
            return;
        }

        HostProcess.Run(Tools.WineServer, ["-k"], TimeSpan.FromSeconds(30), WineEnvironment(Prefix));
        DeleteTree(Root);
    }

    internal static void Must(HostResult result, string what, bool allowFailure = false)
    {
        if (!allowFailure && !result.Succeeded)
        {
            throw new InvalidOperationException($"{what} failed: {result}");
        }
    }

    internal static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        Must(HostProcess.Run("cp", ["-a", from.TrimEnd('/') + "/.", to], TimeSpan.FromMinutes(5)), $"cp -a {from} {to}");
    }

    internal static void DeleteTree(string path)
    {
        if (Directory.Exists(path))
        {
            // rm copes with the prefix's symlinks (dosdevices/z: -> /) without following them.
            HostProcess.Run("rm", ["-rf", "--one-file-system", path], TimeSpan.FromMinutes(5));
        }
    }

    /// <summary>Folders of earlier runs whose test process is gone (a killed run leaves ~1.5 GB behind).</summary>
    private static void RemoveAbandonedRuns()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), RunPrefix + "*"))
        {
            var name = Path.GetFileName(dir)[RunPrefix.Length..];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name[..dash], CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId
                && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
            {
                DeleteTree(dir);
            }
        }
    }

    private static string Sanitize(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').Take(40)]);
}
