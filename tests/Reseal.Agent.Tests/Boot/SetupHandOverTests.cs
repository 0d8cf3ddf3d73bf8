using System.Text;
using Reseal.Agent.Boot.Host;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot;

/// <summary>The service's wait for Setup and the session's refusal to restart a machine Setup still runs.</summary>
public sealed class SetupHandOverTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private int Runs => _machine.SerialConsole.Lines.Count(l => l.EndsWith("Windows sysprep configuration complete.", StringComparison.Ordinal));

    private static AgentRunOptions Options(TimeSpan markerWait, TimeSpan finishWait) => new()
    {
        Providers = [],
        MetadataWait = TimeSpan.Zero,
        AllowReboot = false,
        SetupPollInterval = TimeSpan.FromMilliseconds(20),
        HandOver = new HandOverSettings { MarkerWait = markerWait, FinishWait = finishWait },
    };

    private void InstallHook() =>
        _machine.Files.WriteAllBytes(SealPaths.SetupComplete, Encoding.ASCII.GetBytes("@echo off\r\n" + SealPaths.FirstBootHookLine + "\r\n"));

    [Theory]
    [InlineData("windeploy")]
    [InlineData("OOBEInProgress")]
    [InlineData("SystemSetupInProgress")]
    public async Task Service_ImageStateCompleteButSetupStillRunning_WaitsUntilItEnds(string sign)
    {
        switch (sign)
        {
            case "windeploy":
                _machine.Processes.Running[7] = SetupProgress.WindeployProgram;
                break;
            default:
                _machine.Registry.SetValue(RegistryHive.System, "Setup", sign, RegistryData.FromDWord(1));
                break;
        }

        var service = AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), Options(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), Token);
        await Task.Delay(250, Token);

        Assert.False(service.IsCompleted);
        Assert.Equal(0, Runs);
        _machine.Processes.Running.Clear();
        _machine.Registry.SetValue(RegistryHive.System, "Setup", sign == "windeploy" ? "OOBEInProgress" : sign, RegistryData.FromDWord(0));
        Assert.Equal(0, await service.WaitAsync(TimeSpan.FromSeconds(30), Token));
        Assert.Equal(1, Runs);
    }

    [Fact]
    public async Task Service_SetupNeverEnds_RunsAtTheLimitWithoutReboot()
    {
        _machine.Processes.Running[7] = SetupProgress.WindeployProgram;
        await File.WriteAllTextAsync(Paths.ConfigFile, "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: executeScript\n    inputs:\n    - type: batch\n      content: exit 3010\n", Token);
        _machine.Processes.Handler = r => r.FileName.EndsWith("cmd.exe", StringComparison.OrdinalIgnoreCase) ? FakeProcesses.Exit(3010) : FakeProcesses.Exit(0);

        var code = await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1),
            Options(TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(200)) with { AllowReboot = true }, Token).WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal(AgentExitCodes.RebootRequired, code); // asked for, not started: Setup never ended
        Assert.Equal(1, Runs);
        Assert.Empty(_machine.Power.Requests);
        var log = await File.ReadAllTextAsync(Paths.AgentLog, Token);
        Assert.Contains("does not restart the machine in this run", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_FirstBootWithHookButNoHandOver_RunsAfterTheMarkerWait()
    {
        InstallHook();
        _machine.System.SetImageState("IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE");
        var service = AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), Options(TimeSpan.FromMilliseconds(400), TimeSpan.FromMinutes(1)), Token);
        await Task.Delay(100, Token);
        _machine.System.SetImageState("IMAGE_STATE_COMPLETE");
        await Task.Delay(150, Token);

        Assert.Equal(0, Runs); // waiting for SetupComplete.cmd's hand-over
        Assert.Equal(0, await service.WaitAsync(TimeSpan.FromSeconds(30), Token));
        Assert.Equal(1, Runs);
        Assert.Contains("did not hand over", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_StaleMarkerFromAnEarlierSetup_IsNotAHandOver()
    {
        InstallHook();
        _machine.Files.WriteAllBytes(SealPaths.Journal, "{}"u8);
        var longAgo = TimeProvider.System.GetUtcNow().AddDays(-3);
        new SetupHandOverMarker(longAgo, longAgo.AddMinutes(4), 240_000, 99).Write(Paths.StateDirectory);

        var started = TimeProvider.System.GetUtcNow();
        var code = await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), Options(TimeSpan.FromMilliseconds(400), TimeSpan.FromMinutes(1)), Token)
            .WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal(0, code);
        Assert.True(TimeProvider.System.GetUtcNow() - started >= TimeSpan.FromMilliseconds(400), "the stale marker was taken for this boot's hand-over");
        Assert.Contains("did not hand over", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_MarkerOfThisBoot_RunsAtOnce()
    {
        InstallHook();
        _machine.Files.WriteAllBytes(SealPaths.Journal, "{}"u8);
        var lines = await SetupHandOver.RecordAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), null, Token);

        var code = await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), Options(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)), Token)
            .WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal(0, code);
        Assert.Contains(lines, l => l.StartsWith("recorded the hand-over", StringComparison.Ordinal));
        Assert.Contains("SetupComplete.cmd handed over", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_NormalBoot_IgnoresHookAndRunsAtOnce()
    {
        InstallHook(); // no journal, ImageState COMPLETE from the start: a later boot of a clone

        var code = await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), Options(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)), Token)
            .WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal(0, code);
        Assert.Equal(1, Runs);
    }

    [Fact]
    public async Task Session_TaskAsksForRebootWhileWindeployRuns_NoRebootRequested()
    {
        _machine.Processes.Running[7] = SetupProgress.WindeployProgram;
        await File.WriteAllTextAsync(Paths.ConfigFile, "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: executeScript\n    inputs:\n    - type: batch\n      content: exit 3010\n", Token);
        _machine.Processes.Handler = r => r.FileName.EndsWith("cmd.exe", StringComparison.OrdinalIgnoreCase) ? FakeProcesses.Exit(3010) : FakeProcesses.Exit(0);

        var result = await new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [], MetadataWait = TimeSpan.Zero }).RunAsync(Token);

        Assert.Equal(AgentExitCodes.RebootRequired, result.ExitCode);
        Assert.Empty(_machine.Power.Requests);
        Assert.Contains("Windows Setup is still running", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
    }

    [Fact]
    public void Marker_BadContent_IsNoMarker()
    {
        Directory.CreateDirectory(Paths.StateDirectory);
        foreach (var content in new[] { "", "not json", "[]", "{\"bootTime\": 3}", new string('x', 10_000) })
        {
            File.WriteAllText(Path.Combine(Paths.StateDirectory, SetupHandOverMarker.FileName), content);
            Assert.Null(SetupHandOverMarker.Read(Paths.StateDirectory));
        }
    }
}
