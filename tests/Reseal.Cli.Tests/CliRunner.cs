using System.CommandLine;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Cli.Tests;

/// <summary>The outcome of one reseal invocation.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs reseal in-process with captured streams, or as a real process.</summary>
internal static class CliRunner
{
    public static CliResult Run(string[] args, string? stdin = null, bool terminal = false, Dictionary<string, string>? environment = null,
        IWindowsMachine? machine = null, bool stdinTerminal = false, byte[]? stdinBytes = null,
        Reseal.Agent.Boot.Host.AgentPaths? agentPaths = null, Reseal.Windows.Service.IServiceInstaller? installer = null,
        MemoryStream? rawOut = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, new StringReader(stdin ?? string.Empty),
            outputRedirected: !terminal, inputRedirected: !stdinTerminal, name => environment is not null && environment.TryGetValue(name, out var v) ? v : null)
        {
            // A machine to seal without --root (an in-memory one in tests); null leaves the real choice: Windows or exit 4.
            LiveMachine = machine is null ? null : () => machine,
            ServiceInstaller = installer is null ? null : () => installer,
            Time = machine is null ? null : new ManualClock(new DateTimeOffset(2026, 11, 21, 7, 0, 0, TimeSpan.Zero)),
            SealSettings = new SealRunSettings { PollInterval = TimeSpan.FromMilliseconds(5) },
            // Raw bytes on standard input, as the process gets them (commands that decode input themselves read these).
            RawIn = stdinBytes is null ? null : () => new MemoryStream(stdinBytes, writable: false),
            // Standard output as bytes, as the process has it (commands writing raw bytes write these; ToArray works
            // after the command has disposed the stream).
            RawOut = rawOut is null ? null : () => rawOut,
            AgentPaths = agentPaths is null ? null : _ => agentPaths,
            ReadKey = stdinTerminal ? Keys(stdin ?? string.Empty) : null,
            // reseal image: poll every few milliseconds and give up on a silent cloud quickly.
            ImageSettings = new Reseal.Images.ImageSettings
            {
                FirstPoll = TimeSpan.FromMilliseconds(10),
                MaxPoll = TimeSpan.FromMilliseconds(40),
                RequestTimeout = TimeSpan.FromSeconds(5),
                HttpAttempts = 2,
                HttpBackoff = TimeSpan.FromMilliseconds(10),
            },
        };
        var code = CliApp.Run(args, context);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>A terminal typing <paramref name="typed"/>: each character a key, a new line the Enter key.</summary>
    private static Func<ConsoleKeyInfo> Keys(string typed)
    {
        var next = 0;
        return () =>
        {
            if (next >= typed.Length)
            {
                throw new InvalidOperationException("the test terminal has no more keys");
            }

            var c = typed[next++];
            return c == '\n'
                ? new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false)
                : new ConsoleKeyInfo(c, ConsoleKey.A, false, false, false);
        };
    }

    public static IEnumerable<Command> AllCommands()
    {
        var root = CliApp.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, TextReader.Null, true, true, _ => null));
        var stack = new Stack<Command>([root]);
        while (stack.Count > 0)
        {
            var command = stack.Pop();
            yield return command;
            foreach (var child in command.Subcommands)
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>Path of the built reseal.dll beside the tests.</summary>
    public static string ResealDll => Path.Combine(AppContext.BaseDirectory, "reseal.dll");

    /// <summary>Runs the real executable (through the dotnet host) and captures its streams.</summary>
    public static CliResult RunProcess(string[] args, string? stdin = null, Dictionary<string, string>? environment = null)
    {
        var dotnet = ExternalTool.Dotnet();
        var result = ExternalTool.Run(dotnet, [ResealDll, .. args], stdin ?? string.Empty, TimeSpan.FromMinutes(2), environment);
        return new CliResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
