using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// Scripts, programs, commands and files: <c>executeScript</c>, <c>executeProgram</c>, <c>writeFile</c> and the
/// user-data items that map to them. A script is written to the script folder, run by its interpreter with a time
/// limit, its output written to a log file (never the console: it may hold secrets), and then deleted.
/// </summary>
/// <remarks>
/// <c>runAs: admin</c> runs under the agent's own account (LocalSystem, which has every administrator right): starting a
/// process as the Administrator needs its password, which the agent does not keep. This differs from EC2Launch v2 and
/// is listed in the README.
/// </remarks>
public static class ScriptTasks
{
    private static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    /// <summary>Runs a script.</summary>
    /// <param name="item">The script.</param>
    /// <param name="name">A file-name-safe name for its script and log files (the unit's key).</param>
    /// <param name="context">The machine and settings.</param>
    /// <param name="cancellationToken">Stops the wait (the process is killed).</param>
    public static async Task<TaskExecutionResult> RunScriptAsync(ScriptItem item, string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(context);
        var files = context.Machine.Files;
        var (extension, encoding) = item.Language switch
        {
            ScriptLanguage.Batch => (".cmd", (Encoding)new UTF8Encoding(false)),
            ScriptLanguage.Shebang => (string.Empty, new UTF8Encoding(false)),
            _ => (".ps1", Utf8WithBom),
        };
        var scriptPath = $@"{context.ScriptDirectory}\{name}{extension}";
        var content = item.Language == ScriptLanguage.Batch ? NormalizeBatch(item.Content) : item.Content;
        files.WriteAllBytes(scriptPath, encoding.GetPreamble().Concat(encoding.GetBytes(content)).ToArray());
        var host = files.Expand(scriptPath);
        ProcessRequest request;
        try
        {
            request = ScriptRequest(item, host, context);
        }
        catch (ArgumentException e)
        {
            _ = files.DeleteFile(scriptPath);
            return TaskExecutionResult.Failed(e.Message);
        }

        try
        {
            if (item.Detach)
            {
                // Detached scripts outlive this call, so their file stays (EC2Launch v2 keeps them too); only waited-for runs clean up.
                var pid = context.Machine.Processes.StartDetached(request);
                return TaskExecutionResult.Done($"started detached (process {pid}); its exit code is not waited for");
            }

            var outcome = await context.Machine.Processes.RunAsync(request, cancellationToken).ConfigureAwait(false);
            WriteLog(context, name, outcome);
            return outcome.TimedOut
                ? TaskExecutionResult.Failed($"killed after the time limit of {context.ScriptTimeout.TotalMinutes:0} minutes")
                : TaskExecutionResult.FromExitCode(outcome.ExitCode, item.ExitCodes);
        }
        finally
        {
            if (!item.Detach)
            {
                _ = files.DeleteFile(scriptPath);
            }
        }
    }

    /// <summary>Runs a program with its arguments and waits for it.</summary>
    public static async Task<TaskExecutionResult> RunProgramAsync(ProgramItem item, string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(context);
        string path;
        try
        {
            path = context.Machine.Files.Expand(item.Path);
        }
        catch (ArgumentException e)
        {
            return TaskExecutionResult.Failed($"program path '{item.Path}': {e.Message}");
        }

        var outcome = await context.Machine.Processes.RunAsync(new ProcessRequest(path, item.Arguments, context.ScriptTimeout), cancellationToken).ConfigureAwait(false);
        WriteLog(context, name, outcome);
        return outcome.TimedOut
            ? TaskExecutionResult.Failed($"killed after the time limit of {context.ScriptTimeout.TotalMinutes:0} minutes")
            : TaskExecutionResult.FromExitCode(outcome.ExitCode, ExitCodeConvention.Ec2Launch);
    }

    /// <summary>Runs a cloud-config <c>runcmd</c> entry: a shell line through <c>cmd.exe /c</c>, or an argument vector as is.</summary>
    public static Task<TaskExecutionResult> RunCommandAsync(CommandItem item, string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.ShellLine is { } line)
        {
            var script = new ScriptItem(ScriptLanguage.Batch, line, RunAs.LocalSystem, TaskFrequency.Once, false, [], ExitCodeConvention.CloudbaseInit, null, item.Origin);
            return RunScriptAsync(script, name, context, cancellationToken);
        }

        var arguments = item.Arguments ?? [];
        return arguments.Count == 0
            ? Task.FromResult(TaskExecutionResult.Failed("an empty runcmd entry"))
            : RunProgramAsync(new ProgramItem(arguments[0], [.. arguments.Skip(1)], RunAs.LocalSystem, TaskFrequency.Once, item.Origin), name, context, cancellationToken);
    }

    /// <summary>Writes (or appends to) a file.</summary>
    public static TaskExecutionResult WriteFile(WriteFileItem item, BootTaskContext context)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(context);
        var files = context.Machine.Files;
        try
        {
            var path = files.Expand(item.Path);
            var bytes = item.Append && files.FileExists(path) ? [.. files.ReadAllBytes(path), .. item.Content.Span] : item.Content.ToArray();
            files.WriteAllBytes(path, bytes);
            return TaskExecutionResult.Done($"{(item.Append ? "appended" : "wrote")} {item.Content.Length} bytes to {path}");
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return TaskExecutionResult.Failed($"could not write {item.Path}: {e.Message}");
        }
    }

    /// <summary>The process that runs a script file at <paramref name="hostPath"/>.</summary>
    internal static ProcessRequest ScriptRequest(ScriptItem item, string hostPath, BootTaskContext context)
    {
        var files = context.Machine.Files;
        var scriptArguments = item.ArgumentsForInterpreter ? [] : item.Arguments;
        var interpreterArguments = item.ArgumentsForInterpreter ? item.Arguments : [];
        string program;
        List<string> arguments;
        switch (item.Language)
        {
            case ScriptLanguage.Batch:
                program = files.Expand(@"%WINDIR%\System32\cmd.exe");
                arguments = ["/d", "/c", hostPath, .. scriptArguments];
                break;
            case ScriptLanguage.Shebang:
                var parts = Ec2XmlReader.SplitArguments(item.Interpreter ?? string.Empty);
                program = parts.Count > 0 ? parts[0] : files.Expand(@"%WINDIR%\System32\cmd.exe");
                arguments = [.. parts.Skip(1), hostPath, .. scriptArguments];
                break;
            default:
                program = files.Expand(item.Language == ScriptLanguage.PowerShellX86
                    ? @"%WINDIR%\SysWOW64\WindowsPowerShell\v1.0\powershell.exe"
                    : @"%WINDIR%\System32\WindowsPowerShell\v1.0\powershell.exe");
                arguments = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", .. interpreterArguments, "-EncodedCommand", PowerShellCommand(hostPath, scriptArguments)];
                break;
        }

        return new ProcessRequest(program, arguments, context.ScriptTimeout);
    }

    /// <summary>The longest <c>-EncodedCommand</c> value: well inside CreateProcess's 32,767-character command line.</summary>
    internal const int MaxEncodedCommandLength = 24_000;

    /// <summary>
    /// The <c>-EncodedCommand</c> value (Base64 of UTF-16LE, as powershell.exe documents it) of a small command that reads
    /// the script file and runs its text as a script block with the script's arguments. Execution policy governs script
    /// files and configuration files PowerShell loads, not commands: a Group Policy AllSigned (MachinePolicy scope, which
    /// <c>-ExecutionPolicy Bypass</c> cannot override) would refuse <c>-File script.ps1</c>, but not this. Exit codes
    /// follow <c>-File</c>: the script's <c>exit N</c> ends the process with N, a normal end gives 0, a terminating error
    /// gives 1 (a throw ends a <c>-Command</c> with 1). Arguments are passed as single-quoted literals (a quote doubled),
    /// so nothing in them is evaluated. The script text never appears on the command line, which stays small.
    /// </summary>
    internal static string PowerShellCommand(string scriptPath, IReadOnlyList<string> arguments)
    {
        var command = new StringBuilder()
            .Append("$ErrorActionPreference = 'Stop'; ")
            .Append("$resealScript = [System.Management.Automation.ScriptBlock]::Create([System.IO.File]::ReadAllText(").Append(Quote(scriptPath)).Append(")); ")
            .Append("$ErrorActionPreference = 'Continue'; ")
            .Append("& $resealScript");
        foreach (var argument in arguments)
        {
            command.Append(' ').Append(Quote(argument));
        }

        command.Append("; exit 0");
        var encoded = Convert.ToBase64String(Encoding.Unicode.GetBytes(command.ToString()));
        return encoded.Length <= MaxEncodedCommandLength
            ? encoded
            : throw new ArgumentException($"the script's arguments are too long for a command line ({encoded.Length} characters encoded; at most {MaxEncodedCommandLength})");
    }

    // A PowerShell single-quoted string: nothing inside is expanded; a single quote (or its typographic forms, which
    // PowerShell also treats as quotes) is doubled.
    private static string Quote(string text)
    {
        var quoted = new StringBuilder("'");
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

    // cmd.exe reads a batch file line by line and needs CRLF line ends for labels and GOTO to work.
    private static string NormalizeBatch(string content) =>
        content.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal) + (content.EndsWith('\n') ? string.Empty : "\r\n");

    private static void WriteLog(BootTaskContext context, string name, ProcessOutcome outcome)
    {
        var text = new StringBuilder()
            .Append("exit code: ").Append(outcome.ExitCode).Append(outcome.TimedOut ? " (killed at the time limit)" : string.Empty).Append("\r\n")
            .Append("elapsed: ").Append(outcome.Elapsed.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)).Append(" s\r\n")
            .Append("--- stdout ---\r\n").Append(outcome.StandardOutput).Append("\r\n--- stderr ---\r\n").Append(outcome.StandardError).Append("\r\n");
        try
        {
            context.Machine.Files.WriteAllBytes($@"{context.LogDirectory}\{name}.log", Encoding.UTF8.GetBytes(text.ToString()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A log that cannot be written must not fail the script that ran.
        }
    }
}
