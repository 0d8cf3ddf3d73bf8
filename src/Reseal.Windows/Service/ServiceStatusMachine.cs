namespace Reseal.Windows.Service;

/// <summary>A Win32 service's state as <c>SERVICE_STATUS.dwCurrentState</c> carries it (winsvc.h values).</summary>
public enum ServiceState : uint
{
    /// <summary><c>SERVICE_STOPPED</c>.</summary>
    Stopped = 1,

    /// <summary><c>SERVICE_START_PENDING</c>.</summary>
    StartPending = 2,

    /// <summary><c>SERVICE_STOP_PENDING</c>.</summary>
    StopPending = 3,

    /// <summary><c>SERVICE_RUNNING</c>.</summary>
    Running = 4,
}

/// <summary>The controls a service tells the SCM it accepts (<c>SERVICE_ACCEPT_*</c>); only those Reseal uses.</summary>
[Flags]
public enum ServiceAcceptedControls : uint
{
    /// <summary>None: the SCM sends no control (while starting or stopping).</summary>
    None = 0,

    /// <summary><c>SERVICE_ACCEPT_STOP</c>.</summary>
    Stop = 0x1,

    /// <summary><c>SERVICE_ACCEPT_SHUTDOWN</c>.</summary>
    Shutdown = 0x4,

    /// <summary><c>SERVICE_ACCEPT_PRESHUTDOWN</c>: the service is told before shutdown and may take the configured preshutdown time.</summary>
    Preshutdown = 0x100,
}

/// <summary>A control code the SCM sends to a service's handler (<c>SERVICE_CONTROL_*</c>); others arrive as their raw number.</summary>
public enum ServiceControlCode : uint
{
    /// <summary><c>SERVICE_CONTROL_STOP</c>.</summary>
    Stop = 0x1,

    /// <summary><c>SERVICE_CONTROL_PAUSE</c>.</summary>
    Pause = 0x2,

    /// <summary><c>SERVICE_CONTROL_CONTINUE</c>.</summary>
    Continue = 0x3,

    /// <summary><c>SERVICE_CONTROL_INTERROGATE</c>.</summary>
    Interrogate = 0x4,

    /// <summary><c>SERVICE_CONTROL_SHUTDOWN</c>.</summary>
    Shutdown = 0x5,

    /// <summary><c>SERVICE_CONTROL_PRESHUTDOWN</c>.</summary>
    Preshutdown = 0xF,
}

/// <summary>What the host does with a control the SCM sent.</summary>
public enum ServiceControlDecision
{
    /// <summary>Not accepted in this state (or not a control Reseal handles): the handler returns <c>ERROR_CALL_NOT_IMPLEMENTED</c>.</summary>
    NotImplemented,

    /// <summary>Accepted and nothing to do (interrogate, or a stop while already stopping): the handler returns <c>NO_ERROR</c>.</summary>
    Acknowledge,

    /// <summary>The service now stops: report <see cref="ServiceStatusMachine.Current"/> (stop pending), cancel the body, return <c>NO_ERROR</c>.</summary>
    BeginStop,
}

/// <summary>One <c>SERVICE_STATUS</c> to hand to <c>SetServiceStatus</c> (the service type is always <c>SERVICE_WIN32_OWN_PROCESS</c>).</summary>
/// <param name="State">dwCurrentState.</param>
/// <param name="ControlsAccepted">dwControlsAccepted.</param>
/// <param name="Win32ExitCode">dwWin32ExitCode: 0, <c>ERROR_SERVICE_SPECIFIC_ERROR</c> (1066), or a Win32 error of the host.</param>
/// <param name="ServiceSpecificExitCode">dwServiceSpecificExitCode: the body's exit code when <paramref name="Win32ExitCode"/> is 1066.</param>
/// <param name="CheckPoint">dwCheckPoint: rises during a pending state, 0 otherwise.</param>
/// <param name="WaitHintMilliseconds">dwWaitHint: how long until the next checkpoint, during a pending state; 0 otherwise.</param>
public readonly record struct ServiceStatusReport(
    ServiceState State,
    ServiceAcceptedControls ControlsAccepted,
    uint Win32ExitCode,
    uint ServiceSpecificExitCode,
    uint CheckPoint,
    uint WaitHintMilliseconds);

/// <summary>
/// The status transitions of Reseal's Windows service, without Win32: NotStarted → StartPending (checkpoints rise) →
/// Running (accepts stop, shutdown, preshutdown) → StopPending (checkpoints rise, accepts nothing) → Stopped (exit code).
/// The body may also finish by itself (Running → Stopped) and a start may fail (StartPending → Stopped). The host
/// serializes calls (one lock around a transition and its <c>SetServiceStatus</c>); the machine itself is not thread-safe.
/// An impossible transition is a bug in the host and throws <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class ServiceStatusMachine
{
    /// <summary><c>NO_ERROR</c>.</summary>
    public const uint NoError = 0;

    /// <summary><c>ERROR_CALL_NOT_IMPLEMENTED</c>, the handler's answer to a control it does not accept.</summary>
    public const uint ErrorCallNotImplemented = 120;

    /// <summary><c>ERROR_SERVICE_SPECIFIC_ERROR</c>: the exit code is in dwServiceSpecificExitCode.</summary>
    public const uint ErrorServiceSpecificError = 1066;

    /// <summary>The controls a running service accepts.</summary>
    public const ServiceAcceptedControls RunningControls =
        ServiceAcceptedControls.Stop | ServiceAcceptedControls.Shutdown | ServiceAcceptedControls.Preshutdown;

    private readonly uint _startWaitHint;
    private readonly uint _stopWaitHint;
    private bool _started;

    /// <summary>Creates the machine with the wait hints reported while starting and stopping.</summary>
    public ServiceStatusMachine(TimeSpan startWaitHint, TimeSpan stopWaitHint)
    {
        _startWaitHint = ToMilliseconds(startWaitHint, nameof(startWaitHint));
        _stopWaitHint = ToMilliseconds(stopWaitHint, nameof(stopWaitHint));
    }

    /// <summary>The last status the machine moved to (before <see cref="Start"/>: stopped, nothing accepted).</summary>
    public ServiceStatusReport Current { get; private set; } = new(ServiceState.Stopped, ServiceAcceptedControls.None, 0, 0, 0, 0);

    /// <summary>NotStarted → StartPending, checkpoint 1. Called once, first thing in ServiceMain.</summary>
    public ServiceStatusReport Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("the service was already started");
        }

        _started = true;
        return Current = new(ServiceState.StartPending, ServiceAcceptedControls.None, NoError, 0, 1, _startWaitHint);
    }

    /// <summary>One more checkpoint of the current pending state (start or stop), with the same wait hint.</summary>
    public ServiceStatusReport Advance()
    {
        if (Current.State is not (ServiceState.StartPending or ServiceState.StopPending))
        {
            throw new InvalidOperationException($"no checkpoint to advance in state {Current.State}");
        }

        var next = Current.CheckPoint == uint.MaxValue ? uint.MaxValue : Current.CheckPoint + 1;
        return Current = Current with { CheckPoint = next };
    }

    /// <summary>StartPending → Running: checkpoint and wait hint 0; stop, shutdown and preshutdown accepted.</summary>
    public ServiceStatusReport Run()
    {
        if (Current.State != ServiceState.StartPending)
        {
            throw new InvalidOperationException($"cannot run from state {Current.State}");
        }

        return Current = new(ServiceState.Running, RunningControls, NoError, 0, 0, 0);
    }

    /// <summary>
    /// Running → StopPending, checkpoint 1, nothing accepted any more. A second request while stopping changes nothing
    /// (false); a request in any other state is an error.
    /// </summary>
    public bool BeginStop()
    {
        switch (Current.State)
        {
            case ServiceState.Running:
                Current = new(ServiceState.StopPending, ServiceAcceptedControls.None, NoError, 0, 1, _stopWaitHint);
                return true;
            case ServiceState.StopPending:
                return false;
            default:
                throw new InvalidOperationException($"cannot stop from state {Current.State}");
        }
    }

    /// <summary>Decides what a control means now, moving to StopPending for an accepted stop, shutdown or preshutdown.</summary>
    public ServiceControlDecision HandleControl(uint control)
    {
        switch ((ServiceControlCode)control)
        {
            case ServiceControlCode.Interrogate:
                return ServiceControlDecision.Acknowledge;
            case ServiceControlCode.Stop or ServiceControlCode.Shutdown or ServiceControlCode.Preshutdown:
                if (Current.State == ServiceState.StopPending)
                {
                    return ServiceControlDecision.Acknowledge;
                }

                if (!Current.ControlsAccepted.HasFlag(Accepting((ServiceControlCode)control)))
                {
                    return ServiceControlDecision.NotImplemented;
                }

                _ = BeginStop();
                return ServiceControlDecision.BeginStop;
            default:
                return ServiceControlDecision.NotImplemented;
        }
    }

    /// <summary>The value a <c>HandlerEx</c> returns for a decision.</summary>
    public static uint HandlerReturnCode(ServiceControlDecision decision) =>
        decision == ServiceControlDecision.NotImplemented ? ErrorCallNotImplemented : NoError;

    /// <summary>StartPending, Running or StopPending → Stopped with the body's exit code (see <see cref="MapExitCode"/>).</summary>
    public ServiceStatusReport Stop(int exitCode)
    {
        var (win32, specific) = MapExitCode(exitCode);
        return StopWith(win32, specific);
    }

    /// <summary>→ Stopped with a Win32 error of the host itself (for example <c>ERROR_TIMEOUT</c> when the body did not finish).</summary>
    public ServiceStatusReport StopWithWin32Error(uint win32Error) => StopWith(win32Error, 0);

    /// <summary>
    /// An exit code as the SCM records it: 0 stays (0, 0); anything else becomes <c>ERROR_SERVICE_SPECIFIC_ERROR</c> with
    /// the code (as its 32 bits) in dwServiceSpecificExitCode, which <c>sc query</c> shows as SERVICE_EXIT_CODE.
    /// </summary>
    public static (uint Win32ExitCode, uint ServiceSpecificExitCode) MapExitCode(int exitCode) =>
        exitCode == 0 ? (NoError, 0u) : (ErrorServiceSpecificError, unchecked((uint)exitCode));

    private ServiceStatusReport StopWith(uint win32, uint specific)
    {
        if (!_started || Current.State == ServiceState.Stopped)
        {
            throw new InvalidOperationException("the service is not running");
        }

        return Current = new(ServiceState.Stopped, ServiceAcceptedControls.None, win32, specific, 0, 0);
    }

    private static ServiceAcceptedControls Accepting(ServiceControlCode control) => control switch
    {
        ServiceControlCode.Stop => ServiceAcceptedControls.Stop,
        ServiceControlCode.Shutdown => ServiceAcceptedControls.Shutdown,
        _ => ServiceAcceptedControls.Preshutdown,
    };

    private static uint ToMilliseconds(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(name, value, "a wait hint must be positive and fit in 32-bit milliseconds");
        }

        return (uint)Math.Ceiling(value.TotalMilliseconds);
    }
}
