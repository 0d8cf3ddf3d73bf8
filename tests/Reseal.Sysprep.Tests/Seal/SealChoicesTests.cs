using System.ComponentModel;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>
/// <c>seal --no-sysprep</c> (EC2Config's "Shutdown without Sysprep") and <c>seal --admin-password</c> against the
/// in-memory Windows, with the agent's real configuration reader and writer as the editor.
/// </summary>
public sealed class SealChoicesTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0, AgentConfigEditor = AgentConfigCheck.Instance, AgentConfigValidator = AgentConfigCheck.Instance };

    private static readonly SealRunSettings Fast = new() { PollInterval = TimeSpan.FromMilliseconds(5) };

    private const string ConfigPath = @"C:\ProgramData\Reseal\config\agent-config.yml";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<SealRunResult> Seal(FakeWindows machine, SealOptions options) =>
        new SealRunner(machine, new ManualClock(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero)), Fast).RunAsync(options, null, Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

    private static AgentConfig ReadConfig(FakeWindows machine)
    {
        var read = AgentConfigReader.Read(machine.Files.ReadAllBytes(ConfigPath), ConfigPath);
        Assert.True(read.IsValid, string.Join("\n", read.Diagnostics));
        return read.Config!;
    }

    private static InputMap Password(AgentConfig config) =>
        config.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0].Map("password")!;

    [Fact]
    public async Task RunAsync_NoSysprep_ResetsStateKeepsRdpShutsDownAndLeavesNoJournal()
    {
        var machine = SealableMachine.Create(withHook: true);
        var sysprep = new FakeSysprep().Install(machine);

        var result = await Seal(machine, Options with { NoSysprep = true });

        Assert.True(result.Outcome == SealRunOutcome.ShutDownWithoutSysprep, result.Message);
        Assert.Equal([SealStepIds.ResetAgentState, SealStepIds.Shutdown], result.Report!.Plan!.Steps.Select(s => s.Id));
        Assert.False(machine.Files.FileExists(@"C:\ProgramData\Reseal\state\state.json"));
        var request = Assert.Single(machine.Power.Requests);
        Assert.Equal(PowerAction.Shutdown, request.Action);
        // RDP, the answer file, SetupComplete.cmd, the cached Panther file: as they were. No hook, no Sysprep.
        Assert.Equal(0u, machine.Registry.DWord(RegistryHive.System, SealableMachine.TerminalServer, "fDenyTSConnections"));
        Assert.Equal("<old/>", machine.Files.ReadText(@"C:\ProgramData\Reseal\sysprep\unattend.xml"));
        Assert.DoesNotContain(SealPaths.FirstBootHookLine, Encoding.Latin1.GetString(machine.Files.ReadAllBytes(SealableMachine.SetupComplete)), StringComparison.Ordinal);
        Assert.True(machine.Files.FileExists(SealableMachine.StalePantherAnswerFile));
        Assert.Null(sysprep.Request);
        Assert.Empty(machine.Processes.CommandLines);
        Assert.False(machine.Files.FileExists(SealableMachine.Journal));
        // Sysprep-only checks are not applicable; the agent check still runs.
        var checks = result.Report.Checks.ToDictionary(c => c.Code);
        Assert.Equal(CheckSeverity.NotApplicable, checks[PreflightCodes.StoreApps].Severity);
        Assert.Equal(CheckSeverity.NotApplicable, checks[PreflightCodes.AnswerFileLint].Severity);
        Assert.NotEqual(CheckSeverity.NotApplicable, checks[PreflightCodes.Agent].Severity);
    }

    [Fact]
    public async Task RunAsync_NoSysprepShutdownRefused_EverythingUndone()
    {
        var machine = SealableMachine.Create();
        machine.Power.Refusal = new Win32Exception(1115, "A system shutdown is in progress.");
        var before = SealableMachine.Snapshot(machine);

        var result = await Seal(machine, Options with { NoSysprep = true, AdminPassword = AdminPasswordChoice.Keep });

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SealStepIds.Shutdown, result.FailedStep);
        Assert.Contains("A system shutdown is in progress", result.Message, StringComparison.Ordinal);
        Assert.True(result.Undone);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_AdminPasswordKeep_ConfigSaysDoNothingAndAnswerFileDoesNotScramble()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep().Install(machine);

        var result = await Seal(machine, Options with { AdminPassword = AdminPasswordChoice.Keep });

        Assert.True(result.Outcome == SealRunOutcome.Sealed, result.Message);
        Assert.Equal("doNothing", Password(ReadConfig(machine)).Text("type"));
        // Every other default task is still there.
        Assert.Equal(DefaultAgentConfig.Config.Stages.SelectMany(s => s.Tasks).Select(t => t.Name), ReadConfig(machine).Stages.SelectMany(s => s.Tasks).Select(t => t.Name));
        var answer = machine.Files.ReadText(@"C:\ProgramData\Reseal\sysprep\unattend.xml");
        Assert.DoesNotContain("scramble-password", answer, StringComparison.Ordinal);
        Assert.Contains(result.Report!.Plan!.Steps, s => s.Id == SealStepIds.SetAdminPassword);
    }

    [Fact]
    public async Task RunAsync_AdminPasswordSpecifyThenHookFails_ConfigWrittenThenUndoneAndNeverShown()
    {
        var machine = SealableMachine.Create(withHook: true);
        machine.Files.WriteText(ConfigPath, "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      name: Boss\n      password:\n        type: random\n");
        var original = machine.Files.ReadAllBytes(ConfigPath);
        new FakeSysprep { HookExitCode = 3 }.Install(machine);

        var result = await Seal(machine, Options with { AdminPassword = AdminPasswordChoice.Specify, SpecifiedPassword = new SecretText("Sp3cified!Pass") });

        // The BeforeSysprep hook failed: the config was written, then undone with everything else.
        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(original, machine.Files.ReadAllBytes(ConfigPath));
        Assert.Contains(result.Changes, c => c.StartsWith(SealStepIds.SetAdminPassword + ":", StringComparison.Ordinal));
        // Nothing the run reports shows the password.
        Assert.DoesNotContain("Sp3cified", string.Join("\n", result.Changes.Concat(result.Report!.Plan!.Steps.SelectMany(s => s.Changes)).Append(result.Message)), StringComparison.Ordinal);
        Assert.DoesNotContain("Sp3cified", result.Report.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_AdminPasswordSpecify_WritesStaticWithTheNameKept()
    {
        var machine = SealableMachine.Create();
        machine.Files.WriteText(ConfigPath, "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      name: Boss\n      password:\n        type: random\n");

        var report = new SealRunner(machine).Preflight(Options with { AdminPassword = AdminPasswordChoice.Specify, SpecifiedPassword = new SecretText("Sp3cified!Pass") });

        var rewrite = report.Plan!.AdminPasswordConfig!;
        var written = AgentConfigReader.Read(rewrite.After.AsSpan(), ConfigPath).Config!;
        var inputs = written.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0];
        Assert.Equal("Boss", inputs.Text("name"));
        Assert.Equal("static", inputs.Map("password")!.Text("type"));
        Assert.Equal("Sp3cified!Pass", inputs.Map("password")!.Text("data"));
        Assert.Equal(CheckSeverity.Ok, report.Checks.Single(c => c.Code == PreflightCodes.AdminPassword).Severity);
    }

    [Fact]
    public void Plan_AdminPasswordKeepWithAnotherAgent_BlocksAndSaysWhereThatAgentKeepsIt()
    {
        var machine = SealableMachine.Create();

        var report = new SealRunner(machine).Preflight(Options with { Agent = SealAgent.Ec2LaunchV2, AdminPassword = AdminPasswordChoice.Keep });

        var check = report.Checks.Single(c => c.Code == PreflightCodes.AdminPassword);
        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains(@"EC2Launch\config\agent-config.yml", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_AdminPasswordOnInvalidConfig_BlocksWithTheReadersFinding()
    {
        var machine = SealableMachine.Create();
        machine.Files.WriteText(ConfigPath, "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: noSuchTask\n");

        var report = new SealRunner(machine).Preflight(Options with { AdminPassword = AdminPasswordChoice.Random });

        var check = report.Checks.Single(c => c.Code == PreflightCodes.AdminPassword);
        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("noSuchTask", StringComparison.Ordinal));
        Assert.Null(report.Plan!.AdminPasswordConfig);
    }

    [Fact]
    public void Plan_NoAdminPasswordOption_ConfigLeftAlone()
    {
        var machine = SealableMachine.Create();

        var report = new SealRunner(machine).Preflight(Options);

        Assert.Null(report.Plan!.AdminPasswordConfig);
        Assert.DoesNotContain(report.Plan.Steps, s => s.Id == SealStepIds.SetAdminPassword);
    }
}
