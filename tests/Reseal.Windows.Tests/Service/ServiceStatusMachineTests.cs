using Reseal.Windows.Service;

namespace Reseal.Windows.Tests.Service;

public class ServiceStatusMachineTests
{
    private static ServiceStatusMachine NewMachine() => new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

    private static ServiceStatusMachine Running()
    {
        var machine = NewMachine();
        machine.Start();
        machine.Run();
        return machine;
    }

    [Fact]
    public void Start_New_StartPendingWithFirstCheckpointAndWaitHintAcceptingNothing()
    {
        var status = NewMachine().Start();

        Assert.Equal(new ServiceStatusReport(ServiceState.StartPending, ServiceAcceptedControls.None, 0, 0, 1, 10_000), status);
    }

    [Fact]
    public void Advance_StartPending_RaisesCheckpointKeepsWaitHint()
    {
        var machine = NewMachine();
        machine.Start();

        machine.Advance();
        var status = machine.Advance();

        Assert.Equal(3u, status.CheckPoint);
        Assert.Equal(10_000u, status.WaitHintMilliseconds);
        Assert.Equal(ServiceState.StartPending, status.State);
    }

    [Fact]
    public void Run_StartPending_RunningAcceptsStopShutdownPreshutdownWithZeroCheckpoint()
    {
        var machine = NewMachine();
        machine.Start();
        machine.Advance();

        var status = machine.Run();

        Assert.Equal(new ServiceStatusReport(ServiceState.Running,
            ServiceAcceptedControls.Stop | ServiceAcceptedControls.Shutdown | ServiceAcceptedControls.Preshutdown, 0, 0, 0, 0), status);
        Assert.Equal(0x105u, (uint)status.ControlsAccepted);
    }

    [Theory]
    [InlineData(ServiceControlCode.Stop)]
    [InlineData(ServiceControlCode.Shutdown)]
    [InlineData(ServiceControlCode.Preshutdown)]
    public void HandleControl_RunningStopKind_BeginsStopWithCheckpointOneAndStopWaitHint(ServiceControlCode control)
    {
        var machine = Running();

        var decision = machine.HandleControl((uint)control);

        Assert.Equal(ServiceControlDecision.BeginStop, decision);
        Assert.Equal(new ServiceStatusReport(ServiceState.StopPending, ServiceAcceptedControls.None, 0, 0, 1, 5_000), machine.Current);
        Assert.Equal(0u, ServiceStatusMachine.HandlerReturnCode(decision));
    }

    [Fact]
    public void HandleControl_SecondStopWhileStopping_AcknowledgedWithoutResettingCheckpoints()
    {
        var machine = Running();
        machine.HandleControl((uint)ServiceControlCode.Preshutdown);
        machine.Advance();

        var decision = machine.HandleControl((uint)ServiceControlCode.Shutdown);

        Assert.Equal(ServiceControlDecision.Acknowledge, decision);
        Assert.Equal(2u, machine.Current.CheckPoint);
    }

    [Fact]
    public void Advance_StopPending_CheckpointsRise()
    {
        var machine = Running();
        machine.BeginStop();

        var checkpoints = Enumerable.Range(0, 4).Select(_ => machine.Advance().CheckPoint).ToList();

        Assert.Equal([2u, 3u, 4u, 5u], checkpoints);
        Assert.Equal(5_000u, machine.Current.WaitHintMilliseconds);
    }

    [Fact]
    public void HandleControl_StopWhileStarting_NotImplemented()
    {
        var machine = NewMachine();
        machine.Start();

        var decision = machine.HandleControl((uint)ServiceControlCode.Stop);

        Assert.Equal(ServiceControlDecision.NotImplemented, decision);
        Assert.Equal(ServiceState.StartPending, machine.Current.State);
        Assert.Equal(120u, ServiceStatusMachine.HandlerReturnCode(decision));
    }

    [Theory]
    [InlineData(ServiceControlCode.Pause)]
    [InlineData(ServiceControlCode.Continue)]
    [InlineData((ServiceControlCode)0x6)] // PARAMCHANGE
    [InlineData((ServiceControlCode)200)] // user-defined
    public void HandleControl_RunningUnsupportedControl_NotImplementedStaysRunning(ServiceControlCode control)
    {
        var machine = Running();

        Assert.Equal(ServiceControlDecision.NotImplemented, machine.HandleControl((uint)control));
        Assert.Equal(ServiceState.Running, machine.Current.State);
    }

    [Fact]
    public void HandleControl_Interrogate_AcknowledgedInAnyState()
    {
        var machine = Running();

        Assert.Equal(ServiceControlDecision.Acknowledge, machine.HandleControl((uint)ServiceControlCode.Interrogate));
        Assert.Equal(ServiceState.Running, machine.Current.State);
    }

    [Fact]
    public void HandleControl_AfterStopped_StopNotImplemented()
    {
        var machine = Running();
        machine.Stop(0);

        Assert.Equal(ServiceControlDecision.NotImplemented, machine.HandleControl((uint)ServiceControlCode.Stop));
    }

    [Theory]
    [InlineData(0, 0u, 0u)]
    [InlineData(1, 1066u, 1u)]
    [InlineData(3010, 1066u, 3010u)]
    [InlineData(-1, 1066u, 0xFFFFFFFFu)]
    public void MapExitCode_Code_ServiceSpecificWhenNonZero(int exitCode, uint win32, uint specific)
    {
        Assert.Equal((win32, specific), ServiceStatusMachine.MapExitCode(exitCode));
    }

    [Fact]
    public void Stop_FromStopPending_StoppedWithServiceSpecificExitCodeAndNothingAccepted()
    {
        var machine = Running();
        machine.BeginStop();
        machine.Advance();

        var status = machine.Stop(42);

        Assert.Equal(new ServiceStatusReport(ServiceState.Stopped, ServiceAcceptedControls.None, 1066, 42, 0, 0), status);
    }

    [Fact]
    public void Stop_BodyFinishedWhileRunning_StoppedWithZeroExitCode()
    {
        var status = Running().Stop(0);

        Assert.Equal(new ServiceStatusReport(ServiceState.Stopped, ServiceAcceptedControls.None, 0, 0, 0, 0), status);
    }

    [Fact]
    public void StopWithWin32Error_Timeout_CarriesWin32CodeOnly()
    {
        var machine = Running();
        machine.BeginStop();

        var status = machine.StopWithWin32Error(1460);

        Assert.Equal((1460u, 0u), (status.Win32ExitCode, status.ServiceSpecificExitCode));
    }

    [Fact]
    public void Stop_StartFailed_StoppedFromStartPending()
    {
        var machine = NewMachine();
        machine.Start();

        Assert.Equal(ServiceState.Stopped, machine.Stop(5).State);
    }

    [Fact]
    public void Transitions_OutOfOrder_Throw()
    {
        var machine = NewMachine();
        Assert.Throws<InvalidOperationException>(() => machine.Run());
        Assert.Throws<InvalidOperationException>(() => machine.Advance());
        Assert.Throws<InvalidOperationException>(() => machine.Stop(0));
        Assert.Throws<InvalidOperationException>(() => machine.BeginStop());
        machine.Start();
        Assert.Throws<InvalidOperationException>(() => machine.Start());
        machine.Run();
        Assert.Throws<InvalidOperationException>(() => machine.Advance());
        machine.Stop(0);
        Assert.Throws<InvalidOperationException>(() => machine.Stop(0));
    }

    [Fact]
    public void Constructor_NonPositiveWaitHint_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceStatusMachine(TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceStatusMachine(TimeSpan.FromSeconds(1), TimeSpan.FromDays(60)));
    }

    [Fact]
    public void StopCheckpointInterval_Defaults_OneSecondAndHalfTheHintWhenShort()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), new ServiceHostOptions().StopCheckpointInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(400), new ServiceHostOptions { StopWaitHint = TimeSpan.FromMilliseconds(800) }.StopCheckpointInterval);
    }

    [Fact]
    public void Validate_ZeroStopTimeout_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceHostOptions { StopTimeout = TimeSpan.Zero }.Validate());

        Assert.Equal("StopTimeout", error.ParamName);
    }

    [Fact]
    public void NotStartedAsServiceException_Message_PointsToConsoleCommand()
    {
        var error = new NotStartedAsServiceException("Reseal");

        Assert.Contains("1063", error.Message, StringComparison.Ordinal);
        Assert.Contains("reseal agent run", error.Message, StringComparison.Ordinal);
    }
}
