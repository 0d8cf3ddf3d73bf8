using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// The user-data <c>sysprep</c> task in whole runs: user data from a NoCloud folder, <c>reseal seal</c> played by the fake
/// process runner (which changes ImageState as a real seal would), the outcome recorded in the state.
/// </summary>
public sealed class SysprepTaskTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<AgentRunResult> RunAsync(string userDataInputs, bool allowReboot = true)
    {
        var folder = Directory.CreateDirectory(_temp.File("nocloud")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "meta-data"), "instance-id: i-sysprep\n", Token);
        await File.WriteAllTextAsync(Path.Combine(folder, "user-data"),
            "version: 1.1\ntasks:\n- task: sysprep\n" + userDataInputs + "- task: executeScript\n  inputs:\n  - type: batch\n    content: echo after\n", Token);
        using var provider = MetadataDetector.Create(MetadataSource.NoCloud, folder);
        return await new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [provider], AllowReboot = allowReboot }).RunAsync(Token);
    }

    private static string SealJson(string outcome, string message) =>
        new System.Text.Json.Nodes.JsonObject { ["outcome"] = outcome, ["exitCode"] = outcome == "Sealed" ? 0 : 1, ["message"] = message }.ToJsonString();

    private AgentState? SavedState() => new AgentStateStore(Paths.StateDirectory, TimeProvider.System).Load("i-sysprep").State;

    [Fact]
    public async Task Sysprep_SealSucceeds_DoneOnlyThen_RunStops_StateClearedForTheImage_ShutdownRequested()
    {
        _machine.Processes.Handler = r =>
        {
            if (r.Arguments is ["seal", ..])
            {
                _machine.System.SetImageState("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE");
                return FakeProcesses.Exit(0, SealJson("Sealed", "sealed: Sysprep generalized this machine"));
            }

            return FakeProcesses.Exit(0);
        };

        var result = await RunAsync("  inputs:\n    shutdown: true\n");

        var seal = Assert.Single(result.Run.Outcomes, o => o.Task == "sysprep");
        Assert.Equal(TaskOutcomeKind.Completed, seal.Outcome);
        Assert.Contains(_machine.Processes.CommandLines, c => c.EndsWith("reseal.exe seal --yes --quit --format json", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Run.Outcomes, o => o.Task == "executeScript"); // nothing runs on a generalized machine
        Assert.False(File.Exists(Path.Combine(Paths.StateDirectory, AgentStateStore.StateFileName)), "the sealed image keeps the instance's state");
        Assert.False(File.Exists(Paths.RunStatus), "the sealed image keeps this run's run.json");
        Assert.Equal(PowerAction.Shutdown, Assert.Single(_machine.Power.Requests).Action);
    }

    [Fact]
    public async Task Sysprep_SealFails_RecordedFailedNeverDone_WithTheSealsMessage()
    {
        _machine.Processes.Handler = r => r.Arguments is ["seal", ..]
            ? FakeProcesses.Exit(1, SealJson("Failed", "failed and undone: Sysprep exited with code -2147023281"))
            : FakeProcesses.Exit(0);

        var result = await RunAsync("  inputs:\n    shutdown: true\n");

        var seal = Assert.Single(result.Run.Outcomes, o => o.Task == "sysprep");
        Assert.Equal(TaskOutcomeKind.Failed, seal.Outcome);
        Assert.Contains("failed and undone", seal.Message, StringComparison.Ordinal);
        Assert.Contains(result.Run.Outcomes, o => o.Task == "executeScript"); // the machine is as it was: the run goes on
        var record = Assert.Single(SavedState()!.Tasks.Values, t => t.Key.Contains("sysprep", StringComparison.Ordinal));
        Assert.Equal(TaskRunStatus.Failed, record.Status);
        Assert.Empty(_machine.Power.Requests);
        Assert.Contains(_machine.SerialConsole.Lines, l => l.Contains("Message: sysprep task failed: failed and undone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sysprep_InsideSetup_RefusedWithAConsoleLine_SealNeverStarted()
    {
        _machine.Processes.Running[7] = "windeploy.exe";

        var result = await RunAsync("  inputs:\n    shutdown: false\n", allowReboot: false);

        var seal = Assert.Single(result.Run.Outcomes, o => o.Task == "sysprep");
        Assert.Equal(TaskOutcomeKind.Failed, seal.Outcome);
        Assert.Contains("Windows Setup is still running", seal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_machine.Processes.CommandLines, c => c.Contains(" seal ", StringComparison.Ordinal));
        Assert.Contains(_machine.SerialConsole.Lines, l => l.EndsWith("Message: sysprep task refused: Windows Setup is still running; Sysprep cannot run before Setup has finished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sysprep_SealReportsErrorsButGeneralized_FailedAndTheRunStops()
    {
        _machine.Processes.Handler = r =>
        {
            if (r.Arguments is ["seal", ..])
            {
                _machine.System.SetImageState("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE");
                return FakeProcesses.Exit(1, SealJson("GeneralizedWithErrors", "generalized with errors: setuperr.log has 2 errors"));
            }

            return FakeProcesses.Exit(0);
        };

        var result = await RunAsync("  inputs:\n    clean: true\n");

        Assert.Equal(TaskOutcomeKind.Failed, Assert.Single(result.Run.Outcomes, o => o.Task == "sysprep").Outcome);
        Assert.DoesNotContain(result.Run.Outcomes, o => o.Task == "executeScript");
        Assert.Empty(_machine.Power.Requests); // no shutdown asked
        Assert.Empty(Directory.EnumerateFiles(Paths.LogDirectory)); // clean: the logs go once closed
        // Generalized: the image must carry no run record (a clone's `agent status --block` would read it first); the
        // failure is in the outcome above and on the console.
        Assert.False(File.Exists(Paths.RunStatus));
        Assert.Contains(_machine.SerialConsole.Lines, l => l.Contains("sysprep", StringComparison.Ordinal) && l.Contains("generalized with errors", StringComparison.Ordinal));
    }
}
