using System.Globalization;
using System.Text.RegularExpressions;

namespace Reseal.Wine.Tests.Harness;

/// <summary>A power event the emulator recorded: what the machine was asked to do next.</summary>
/// <param name="Action"><c>shutdown</c>, <c>reboot</c> or <c>halt</c> (Setup stopped on a fatal error).</param>
/// <param name="Reason">Why (<c>after generalize</c>, <c>specialize done</c>, <c>specialize RunSynchronous order=2 ...</c>).</param>
public sealed record PowerEvent(string Action, string Reason);

/// <summary>One RunSynchronous command the emulator ran.</summary>
public sealed record CommandRun(string Pass, int Order, int ExitCode, string WillReboot, string Result, bool Success, bool TimedOut, int Boot);

/// <summary>
/// What the emulator recorded in <c>%WINDIR%\System32\Sysprep\Emulator</c>: <c>emulator.log</c> and <c>power.log</c>
/// (formats in tests/Reseal.SysprepEmulator/EmulatorRecords.cs).
/// </summary>
public sealed partial class EmulatorReport
{
    private EmulatorReport(IReadOnlyList<string> lines, IReadOnlyList<PowerEvent> power)
    {
        Lines = lines;
        Power = power;
        Commands = [.. lines.Select(l => CommandLine().Match(l)).Where(m => m.Success).Select(m => new CommandRun(
            m.Groups["pass"].Value,
            int.Parse(m.Groups["order"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["exit"].Value, CultureInfo.InvariantCulture),
            m.Groups["reboot"].Value,
            m.Groups["result"].Value,
            m.Groups["status"].Value == "success",
            m.Groups["timeout"].Success,
            m.Groups["boot"].Success ? int.Parse(m.Groups["boot"].Value, CultureInfo.InvariantCulture) : 0))];
    }

    /// <summary>The lines of emulator.log without their timestamps: <c>[boot 1] specialize: computer name CLONE-01</c>.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The power events in order.</summary>
    public IReadOnlyList<PowerEvent> Power { get; }

    /// <summary>The RunSynchronous commands in the order they ran.</summary>
    public IReadOnlyList<CommandRun> Commands { get; }

    /// <summary>Whether some line contains the text.</summary>
    public bool Contains(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public static EmulatorReport Read(string emulatorFolder)
    {
        static string[] Read(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

        var lines = Read(Path.Combine(emulatorFolder, "emulator.log")).Select(StripTime).ToArray();
        var power = Read(Path.Combine(emulatorFolder, "power.log"))
            .Select(StripTime)
            .Select(l => l.Split(' ', 2))
            .Select(p => new PowerEvent(p[0], p.Length > 1 ? p[1] : string.Empty))
            .ToArray();
        return new EmulatorReport(lines, power);
    }

    private static string StripTime(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && line[..space].EndsWith('Z') ? line[(space + 1)..] : line;
    }

    public override string ToString() => string.Join('\n', Lines);

    [GeneratedRegex(@"^\[boot (?<boot>\d+)\] (?<pass>\w+) RunSynchronous order=(?<order>\d+) exit=(?<exit>-?\d+) willReboot=(?<reboot>\w+) result=(?<result>[\w-]+) status=(?<status>\w+)(?<timeout> timedOut=true)?")]
    private static partial Regex CommandLine();
}
