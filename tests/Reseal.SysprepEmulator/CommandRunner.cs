using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;

namespace Reseal.SysprepEmulator;

/// <summary>How a command ended.</summary>
/// <param name="ExitCode">Its exit code; <see cref="CommandRunner.TimeoutExitCode"/> when it was killed.</param>
/// <param name="TimedOut">It ran past the emulator's limit and its process tree was killed.</param>
/// <param name="Output">Standard output and error, trimmed to a few KB.</param>
/// <param name="Elapsed">How long it ran.</param>
public sealed record CommandResult(int ExitCode, bool TimedOut, string Output, TimeSpan Elapsed);

/// <summary>
/// Runs a command line through the real <c>cmd.exe /S /C "..."</c> (so both programs and cmd built-ins work, with
/// cmd's quoting rules), from <c>%WINDIR%\System32</c>, with standard input closed and a time limit after which the
/// whole process tree is killed. Windows itself waits forever for a RunSynchronous command; the limit keeps a hung test
/// (a Wine stub that never returns) from hanging the run.
/// </summary>
[SupportedOSPlatform("windows")]
public static class CommandRunner
{
    /// <summary>The exit code reported for a killed command: HRESULT_FROM_WIN32(ERROR_TIMEOUT).</summary>
    public const int TimeoutExitCode = unchecked((int)0x800705B4);

    private const int MaxOutput = 4096;

    public static CommandResult Run(EmulatorPaths paths, string commandLine, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(paths.Cmd)
        {
            // /S: strip exactly the outer quotes, keep the rest of the line as written.
            Arguments = "/S /C \"" + commandLine + "\"",
            WorkingDirectory = paths.System32,
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.Latin1,
            StandardErrorEncoding = Encoding.Latin1,
        };
        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Collect(output, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(output, e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new CommandResult(unchecked((int)0x80070002), false, "cannot start cmd.exe: " + e.Message, watch.Elapsed);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the timeout and the kill.
            }

            process.WaitForExit(TimeSpan.FromSeconds(10));
            return new CommandResult(TimeoutExitCode, true, Text(output), watch.Elapsed);
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, false, Text(output), watch.Elapsed);
    }

    private static void Collect(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < MaxOutput)
            {
                output.Append(line).Append(" | ");
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString().TrimEnd(' ', '|');
            return text.Length > MaxOutput ? text[..MaxOutput] + "..." : text;
        }
    }
}
