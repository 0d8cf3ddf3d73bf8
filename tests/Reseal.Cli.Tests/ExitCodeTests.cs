using System.Text.Json;
using Reseal.Agent.Boot.Host;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// docs/exit-codes.md, row by row, through the real entry point (<see cref="CliApp.Run"/>): the same code means the same
/// thing for every command, and the agent's reboot signal is not 3 (bad input).
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    // The clean answer file the CLI tests share (one Shell-Setup setting in specialize).
    private const string Clean = CliTests.Clean;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Arg(string token) => token switch
    {
        "CLEAN" => _temp.Write("clean.xml", Clean),
        "BROKEN" => _temp.Write("broken.xml", Clean.Replace("specialize", "generalize", StringComparison.Ordinal)),
        "NOTXML" => _temp.Write("not.xml", "not xml"),
        "BADYAML" => _temp.Write("bad.yml", "version: 1.0\nconfig:\n- stage: nosuch\n"),
        "EMPTYDIR" => Directory.CreateDirectory(_temp.File("empty")).FullName,
        _ => token,
    };

    [Theory]
    [InlineData(0, "unattend|lint|CLEAN")]
    [InlineData(0, "unattend|rules")]
    [InlineData(0, "password|generate")]
    [InlineData(1, "unattend|lint|BROKEN")]
    [InlineData(1, "agent|validate|--config|BADYAML")]
    [InlineData(2, "nosuch")]
    [InlineData(2, "nosuch|--help")]
    [InlineData(2, "unattend|lint|--bogus|CLEAN")]
    [InlineData(2, "seal|--root|EMPTYDIR")]
    [InlineData(3, "unattend|lint|NOTXML")]
    [InlineData(3, "unattend|explain|NOTXML")]
    [InlineData(3, "hive|ls|NOTXML")]
    [InlineData(3, "agent|validate|--config|/nonexistent/agent-config.yml")]
    [InlineData(3, "seal|--root|EMPTYDIR|--dry-run")]
    [InlineData(3, "diagnose|EMPTYDIR")]
    [InlineData(4, "agent|reset")]
    [InlineData(4, "internal|scramble-password")]
    public void Run_EachDocumentedCode_MeansTheSameForEveryCommand(int expected, string args)
    {
        if (expected == 4 && OperatingSystem.IsWindows())
        {
            Assert.Skip("these commands are the 'wrong environment' examples off Windows only");
        }

        var result = CliRunner.Run([.. args.Split('|').Select(Arg)]);

        Assert.True(expected == result.ExitCode, $"reseal {args}: expected exit {expected}, got {result.ExitCode}\n{result.Error}");
        if (expected >= 2)
        {
            Assert.Contains("reseal: ", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Codes_TheTableInTheDocsMatchesTheConstants()
    {
        var docs = File.ReadAllText(Path.Combine(PublishedBuild.RepositoryRoot, "docs", "exit-codes.md"));
        foreach (var code in new[] { ExitCodes.Success, ExitCodes.Findings, ExitCodes.Usage, ExitCodes.BadInput, ExitCodes.WrongEnvironment,
                     ExitCodes.InternalError, ExitCodes.Interrupted, ExitCodes.RebootStarted, ExitCodes.RebootRequired })
        {
            Assert.Contains($"| {code} |", docs, StringComparison.Ordinal);
        }

        // The reboot signals never collide with the table every command shares.
        Assert.DoesNotContain(AgentExitCodes.RebootStarted, new[] { 0, 1, 2, 3, 4, 5, 70, 130, 143 });
        Assert.DoesNotContain(AgentExitCodes.RebootRequired, new[] { 0, 1, 2, 3, 4, 5, 70, 130, 143 });
    }

    /// <summary>A machine whose agent config runs one batch script that exits <paramref name="scriptExit"/>; metadata is off.</summary>
    private (FakeWindows Machine, AgentPaths Paths) AgentMachine(int scriptExit)
    {
        var machine = new FakeWindows();
        machine.Processes.Handler = r => FakeProcesses.Exit(r.FileName.EndsWith("cmd.exe", StringComparison.OrdinalIgnoreCase) ? scriptExit : 0);
        var paths = new AgentPaths(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));
        // Port 9 (discard) on loopback: nothing listens, so the metadata lookup fails at once.
        File.WriteAllText(paths.ConfigFile, "version: 1.0\nmetadata:\n  sources: [ec2]\n  endpoints:\n    ec2: http://127.0.0.1:9/\n  waitSeconds: 0\n"
            + "config:\n- stage: postReady\n  tasks:\n  - task: executeScript\n    inputs:\n    - type: batch\n      content: exit " + scriptExit + "\n");
        return (machine, paths);
    }

    [Fact]
    public void AgentRun_TaskAsksForReboot_ExitsRebootStartedNotBadInput()
    {
        var (machine, paths) = AgentMachine(3010);

        var result = CliRunner.Run(["agent", "run"], machine: machine, agentPaths: paths);

        Assert.True(result.ExitCode == 1641, $"exit {result.ExitCode}\n{result.Error}");
        Assert.Equal(Reseal.Windows.Ports.PowerAction.Reboot, Assert.Single(machine.Power.Requests).Action);
    }

    [Fact]
    public void AgentRun_TaskAsksForRebootWithNoReboot_ExitsRebootRequired()
    {
        var (machine, paths) = AgentMachine(3010);

        var result = CliRunner.Run(["agent", "run", "--no-reboot"], machine: machine, agentPaths: paths);

        Assert.True(result.ExitCode == 3010, $"exit {result.ExitCode}\n{result.Error}");
        Assert.Empty(machine.Power.Requests);
    }

    [Fact]
    public void AgentRun_TaskFails_ExitsOne()
    {
        var (machine, paths) = AgentMachine(5);

        var result = CliRunner.Run(["agent", "run", "--no-reboot"], machine: machine, agentPaths: paths);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}\n{result.Error}");
    }

    [Fact]
    public void Run_UnexpectedException_SaysItIsABugOnStandardErrorAndExits70()
    {
        // A terminal that has no key to give throws InvalidOperationException: no command expects that.
        var result = CliRunner.Run(["unattend", "password", "encode"], stdin: string.Empty, stdinTerminal: true);

        Assert.True(result.ExitCode == 70, $"exit {result.ExitCode}\n{result.Error}");
        Assert.Equal(string.Empty, result.Out);
        var lines = result.Error.Split('\n');
        var first = lines.First(l => l.Contains("reseal: internal error", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", first, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("this is a bug in reseal", StringComparison.Ordinal));
        // The details a report needs are there, on standard error.
        Assert.Contains("InvalidOperationException", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "unattend|rules|--format|json")]
    [InlineData(1, "unattend|lint|--format|json|BROKEN")]
    [InlineData(3, "unattend|lint|--format|json|NOTXML")]
    [InlineData(3, "unattend|lint|-f|sarif|NOTXML")]
    [InlineData(0, "unattend|explain|--format|json|CLEAN")]
    [InlineData(3, "unattend|explain|--format|json|NOTXML")]
    [InlineData(1, "agent|validate|--format|json|--config|BADYAML")]
    [InlineData(3, "agent|validate|--format|json|--config|/nonexistent/agent-config.yml")]
    [InlineData(0, "agent|config|--format|json")]
    [InlineData(3, "diagnose|--format|json|EMPTYDIR")]
    [InlineData(3, "hive|ls|--format|json|NOTXML")]
    [InlineData(3, "hive|check|--format|json|NOTXML")]
    [InlineData(3, "seal|--root|EMPTYDIR|--dry-run|--format|json")]
    [InlineData(3, "inspect|--root|EMPTYDIR|--format|json")]
    [InlineData(2, "unattend|lint|--format|json|--bogus|CLEAN")]
    public void FormatJson_StandardOutputIsOnlyJson_MessagesOnStandardError(int expected, string args)
    {
        var result = CliRunner.Run([.. args.Split('|').Select(Arg)]);

        Assert.True(expected == result.ExitCode, $"reseal {args}: expected exit {expected}, got {result.ExitCode}\n{result.Error}");
        if (result.Out.Length > 0)
        {
            using var json = JsonDocument.Parse(result.Out); // throws on anything but one JSON document
            Assert.True(json.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array);
        }
        else
        {
            Assert.NotEqual(0, result.ExitCode); // a command that succeeds in JSON mode prints its JSON
        }

        Assert.DoesNotContain("reseal:", result.Out, StringComparison.Ordinal);
        if (result.ExitCode >= 2 && result.Out.Length == 0)
        {
            Assert.Contains("reseal: ", result.Error, StringComparison.Ordinal);
        }
    }
}
