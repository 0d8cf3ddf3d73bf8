using System.Diagnostics;
using System.Text;
using Reseal.Agent.Boot.Host;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Cli.Tests;

/// <summary>
/// The first boot of a sealed image as Windows plays it (docs/windows-behaviour.md, "First boot"): the service starts
/// with the other automatic services, Setup finishes its passes, then runs SetupComplete.cmd — whose line is
/// <see cref="SealPaths.FirstBootHookLine"/>, run here through the CLI exactly as cmd.exe would. Each test fails on the
/// earlier design, whose line was <c>reseal agent run</c>.
/// </summary>
public sealed class FirstBootHandOverTests : IDisposable
{
    private const string RebootingConfig = "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: executeScript\n    inputs:\n    - type: batch\n      content: exit 3010\n";

    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();

    public FirstBootHandOverTests()
    {
        // Every batch script asks for a reboot (3010), as a task that installs something would.
        _machine.Processes.Handler = r => r.FileName.EndsWith("cmd.exe", StringComparison.OrdinalIgnoreCase) ? FakeProcesses.Exit(3010) : FakeProcesses.Exit(0);
        _machine.Services.Add(new ServiceInfo(ServiceInstallSpec.ResealServiceName, "Reseal agent", null, ServiceStartMode.Automatic, false, ServiceRunState.Running));
        _machine.Files.WriteAllBytes(SealPaths.SetupComplete, Encoding.ASCII.GetBytes("@echo off\r\n" + SealPaths.FirstBootHookLine + "\r\n"));
        File.WriteAllText(Paths.ConfigFile, RebootingConfig);
    }

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    /// <summary>The arguments of SetupComplete.cmd's line: what follows the quoted reseal.exe.</summary>
    private static string[] HookArguments()
    {
        var line = SealPaths.FirstBootHookLine;
        Assert.StartsWith("\"" + SealPaths.ResealExe + "\" ", line, StringComparison.Ordinal);
        return line[(SealPaths.ResealExe.Length + 3)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private int Runs => _machine.SerialConsole.Lines.Count(l => l.EndsWith("Windows sysprep configuration complete.", StringComparison.Ordinal));

    private static AgentRunOptions ServiceOptions => new()
    {
        Providers = [],
        MetadataWait = TimeSpan.Zero,
        SetupPollInterval = TimeSpan.FromMilliseconds(20),
        HandOver = new HandOverSettings { MarkerWait = TimeSpan.FromSeconds(30), FinishWait = TimeSpan.FromSeconds(30) },
    };

    [Fact]
    public void SetupCompleteLine_TaskAsksForReboot_NoRebootRequestedAndSetupNotHeld()
    {
        // SetupComplete.cmd runs: windeploy.exe (Setup) is its parent and still running.
        _machine.Processes.Running[4242] = SetupProgress.WindeployProgram;
        var watch = Stopwatch.StartNew();

        var result = CliRunner.Run(HookArguments(), machine: _machine, agentPaths: Paths);

        Assert.Equal(0, result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"SetupComplete.cmd was held {watch.Elapsed}");
        Assert.Empty(_machine.Power.Requests);
        Assert.Equal(0, Runs);
        Assert.NotNull(SetupHandOverMarker.Read(Paths.StateDirectory));
        Assert.Contains("runs the agent once Setup has finished", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SetupCompleteLine_ServiceStopped_StartsIt()
    {
        _machine.Services.Add(new ServiceInfo(ServiceInstallSpec.ResealServiceName, "Reseal agent", null, ServiceStartMode.Manual, false, ServiceRunState.Stopped));

        var result = CliRunner.Run(HookArguments(), machine: _machine, agentPaths: Paths);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["start Reseal"], _machine.Services.Calls);
        Assert.Equal(0, Runs);
    }

    [Fact]
    public void SetupCompleteLine_ServiceNotInstalled_SaysSoAndStillReturnsZero()
    {
        var machine = new FakeWindows();

        var result = CliRunner.Run(HookArguments(), machine: machine, agentPaths: Paths);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("is not installed", result.Error, StringComparison.Ordinal);
        Assert.Empty(machine.SerialConsole.Lines);
    }

    [Fact]
    public async Task FirstBoot_ServiceAndSetupCompleteLine_ExactlyOneRun_RebootOnlyAfterSetup()
    {
        // The service starts with the automatic services, while Setup still runs its passes.
        _machine.System.SetImageState("IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE");
        var service = Task.Run(() => AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(2), ServiceOptions,
            TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(150, TestContext.Current.CancellationToken);

        // oobeSystem done; windeploy.exe runs SetupComplete.cmd.
        _machine.System.SetImageState("IMAGE_STATE_COMPLETE");
        _machine.Processes.Running[4242] = SetupProgress.WindeployProgram;
        await Task.Delay(150, TestContext.Current.CancellationToken);
        Assert.Equal(0, Runs); // the service waits for Setup
        var hook = CliRunner.Run(HookArguments(), machine: _machine, agentPaths: Paths);
        Assert.Empty(_machine.Power.Requests);
        await Task.Delay(150, TestContext.Current.CancellationToken);
        Assert.Equal(0, Runs); // SetupComplete.cmd has not returned yet
        _machine.Processes.Running.TryRemove(4242, out _); // it returns; Setup is over

        var code = await service.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(0, hook.ExitCode);
        Assert.Equal(AgentExitCodes.RebootStarted, code); // the task asked for a reboot...
        Assert.Equal(1, Runs); // ...in the one run of this boot...
        var reboot = Assert.Single(_machine.Power.Requests);
        Assert.Equal(PowerAction.Reboot, reboot.Action); // ...requested by the service, after Setup
        Assert.Matches("Windows is being configured. SysprepState=IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE$", _machine.SerialConsole.Lines.First());
        Assert.Contains("SetupComplete.cmd handed over", await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceFirst_ThenSetupCompleteLine_NoSecondRun()
    {
        // ImageState COMPLETE before the service looks (a delayed service), on the image's first boot (the seal journal is
        // still there): the service must wait for the hand-over instead of running beside SetupComplete.cmd.
        _machine.Files.WriteAllBytes(SealPaths.Journal, "{}"u8);
        var service = Task.Run(() => AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(2),
            ServiceOptions with { AllowReboot = false }, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(0, Runs);

        var hook = CliRunner.Run(HookArguments(), machine: _machine, agentPaths: Paths);
        await service.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var again = CliRunner.Run(HookArguments(), machine: _machine, agentPaths: Paths);

        Assert.Equal(0, hook.ExitCode);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(1, Runs);
    }

    [Fact]
    public async Task Service_NextBoot_RunsOnceAgain_RestartInTheSameBoot_DoesNot()
    {
        // A boot after the image's first (no seal journal): the service runs at once. What makes "this boot" is the
        // clock minus the uptime; the Wine lifecycle test cannot play a second boot (Wine's uptime is the host's,
        // docs/wine-findings.md), so the rule is proven here.
        var options = ServiceOptions with { AllowReboot = false };
        var token = TestContext.Current.CancellationToken;

        await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(2), options, token);
        Assert.Equal(1, Runs);

        // The service restarted in the same boot: the boot began before the recorded run, so nothing runs again.
        await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(2), options, token);
        Assert.Equal(1, Runs);

        // The next boot: the machine has been up for a moment only, so the boot began after the recorded run.
        await Task.Delay(50, token);
        await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMilliseconds(10), options, token);
        Assert.Equal(2, Runs);
    }

    [Fact]
    public void AgentRun_InsideSetup_HandsOverInsteadOfRunning()
    {
        // An image sealed by an earlier version still has 'agent run' in SetupComplete.cmd.
        _machine.Processes.Running[4242] = SetupProgress.WindeployProgram;

        var result = CliRunner.Run(["agent", "run"], machine: _machine, agentPaths: Paths);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("handing this boot over to the Reseal service", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, Runs);
        Assert.Empty(_machine.Power.Requests);
        Assert.NotNull(SetupHandOverMarker.Read(Paths.StateDirectory));
    }
}
