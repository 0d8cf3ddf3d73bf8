using System.Globalization;
using System.Text;

namespace Reseal.SysprepEmulator;

/// <summary>
/// The emulator's own records under <c>%WINDIR%\System32\Sysprep\Emulator</c> (UTF-8, CRLF), read by the Wine harness:
/// <list type="bullet">
/// <item><c>emulator.log</c>: <c>&lt;UTC time&gt; [&lt;who&gt;] &lt;message&gt;</c>, e.g.
/// <c>2026-11-21T08:00:00Z [boot 2] specialize RunSynchronous order=1 exit=0 willReboot=Never result=continue</c>.</item>
/// <item><c>power.log</c>: <c>&lt;UTC time&gt; &lt;shutdown|reboot|halt&gt; &lt;reason&gt;</c>: what the machine was asked
/// to do next. <c>halt</c> means Setup stopped on a fatal error (a blocking dialog on a real machine).</item>
/// </list>
/// </summary>
public sealed class EmulatorRecords(EmulatorPaths paths, TimeProvider time, string who)
{
    private static readonly Encoding Utf8 = new UTF8Encoding(false);

    public void Log(string message)
    {
        Append(paths.EmulatorLog, $"{Now()} [{who}] {message}\r\n");
        Console.Out.WriteLine($"sysprep-emulator: [{who}] {message}");
    }

    public void Power(string action, string reason)
    {
        Append(paths.PowerLog, $"{Now()} {action} {reason}\r\n");
        Log($"power: {action} ({reason})");
    }

    private string Now() => time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Append(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Utf8.GetBytes(text));
    }
}

/// <summary>Where a multi-boot Setup stands: <c>key=value</c> lines in <c>progress.txt</c>.</summary>
public sealed record SetupProgress
{
    /// <summary>How many boots the emulator has played.</summary>
    public int Boots { get; init; }

    /// <summary>The pass in progress (<c>specialize</c>), or null when none is.</summary>
    public string? Pass { get; init; }

    /// <summary>The first RunSynchronous Order still to run in <see cref="Pass"/>.</summary>
    public int NextOrder { get; init; }

    public static SetupProgress Read(string path)
    {
        if (!File.Exists(path))
        {
            return new SetupProgress();
        }

        var values = File.ReadAllLines(path)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        return new SetupProgress
        {
            Boots = int.TryParse(values.GetValueOrDefault("boots"), CultureInfo.InvariantCulture, out var b) ? b : 0,
            Pass = values.GetValueOrDefault("pass") is { Length: > 0 } p ? p : null,
            NextOrder = int.TryParse(values.GetValueOrDefault("next-order"), CultureInfo.InvariantCulture, out var n) ? n : 0,
        };
    }

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"boots={Boots}\r\npass={Pass}\r\nnext-order={NextOrder}\r\n"));
    }
}
