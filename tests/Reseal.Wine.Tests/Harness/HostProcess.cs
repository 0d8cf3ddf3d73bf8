using System.Diagnostics;
using System.Text;

namespace Reseal.Wine.Tests.Harness;

/// <summary>How a Linux process (wine, wineserver, cp...) ended.</summary>
/// <param name="ExitCode">The exit code (under <c>wine</c>, the low byte of the Windows exit code); -1 when killed.</param>
/// <param name="StandardOutput">Standard output decoded as Windows-1252 with line ends turned into <c>\n</c>.</param>
/// <param name="StandardError">Standard error, decoded the same way.</param>
/// <param name="TimedOut">It ran past its limit and its process tree was killed.</param>
/// <param name="Elapsed">How long it ran.</param>
public sealed record HostResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>
    /// Under Wine an unhandled .NET exception ends the process with exit code 0 (docs/wine-findings.md): a crash is
    /// recognised by <c>Unhandled exception.</c> on standard error, whatever the exit code.
    /// </summary>
    public bool Crashed => StandardError.Contains("Unhandled exception.", StringComparison.Ordinal)
        || StandardError.Contains("wine: Unhandled exception", StringComparison.Ordinal);

    /// <summary>Exit code 0, no crash, no timeout.</summary>
    public bool Succeeded => ExitCode == 0 && !Crashed && !TimedOut;

    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out)" : string.Empty)}{(Crashed ? " (crashed)" : string.Empty)} after {Elapsed.TotalSeconds:0.0} s\n" +
        $"--- stdout\n{Tail(StandardOutput)}\n--- stderr\n{Tail(StandardError)}";

    private static string Tail(string text) => text.Length > 4000 ? "..." + text[^4000..] : text;
}

/// <summary>Runs Linux programs with a time limit, killing the whole process tree when it is reached.</summary>
public static class HostProcess
{
    static HostProcess()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Windows1252 = Encoding.GetEncoding(1252);
    }

    /// <summary>Windows-1252, the code page of Wine's console here.</summary>
    public static Encoding Windows1252 { get; }

    /// <summary>
    /// Runs a program. <paramref name="environment"/> entries with a null value are removed from the inherited
    /// environment. <paramref name="onTimeout"/> runs after the tree was killed (the Wine harness ends the prefix's
    /// wineserver there, since Wine's children are not always below the process that started them).
    /// </summary>
    /// <remarks>
    /// Standard output and error go to temporary files, not pipes: a Wine program that starts the wineserver hands it
    /// its handles, and the server (a daemon that lives on for seconds, or for good with <c>-p</c>) would keep a pipe
    /// open and a reader waiting.
    /// </remarks>
    public static HostResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, Action? onTimeout = null,
        string? standardInput = null)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "reseal-host-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(scratch);
        try
        {
            return RunRedirected(fileName, arguments, timeout, environment, workingDirectory, onTimeout, standardInput, scratch);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static HostResult RunRedirected(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment, string? workingDirectory, Action? onTimeout, string? standardInput, string scratch)
    {
        var output = Path.Combine(scratch, "out");
        var error = Path.Combine(scratch, "err");
        var input = Path.Combine(scratch, "in");
        File.WriteAllText(input, standardInput ?? string.Empty);
        var info = new ProcessStartInfo("bash") { UseShellExecute = false };
        foreach (var argument in (string[])["-c", "exec \"$0\" \"$@\" < \"$RESEAL_HOST_IN\" > \"$RESEAL_HOST_OUT\" 2> \"$RESEAL_HOST_ERR\"", fileName, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["RESEAL_HOST_IN"] = input;
        info.Environment["RESEAL_HOST_OUT"] = output;
        info.Environment["RESEAL_HOST_ERR"] = error;
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + fileName);
        var timedOut = false;
        if (!process.WaitForExit(timeout))
        {
            timedOut = true;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Ended between the timeout and the kill.
            }

            onTimeout?.Invoke();
        }

        process.WaitForExit();
        return new HostResult(timedOut ? -1 : process.ExitCode, Read(output), Read(error), timedOut, watch.Elapsed);
    }

    private static string Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Windows1252);
        return Normalize(reader.ReadToEnd());
    }

    /// <summary>CRLF (and stray CR) to LF.</summary>
    public static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
}
