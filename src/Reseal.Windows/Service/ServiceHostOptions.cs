namespace Reseal.Windows.Service;

/// <summary>How the Windows service host reports progress and how long it waits for the body to stop.</summary>
public sealed record ServiceHostOptions
{
    /// <summary>Wait hint reported while starting (SERVICE_START_PENDING). Default 10 s.</summary>
    public TimeSpan StartWaitHint { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait hint reported with each SERVICE_STOP_PENDING checkpoint; a checkpoint follows at least twice as often. Default 5 s.</summary>
    public TimeSpan StopWaitHint { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the host waits for the body after a stop, shutdown or preshutdown control before it reports the service
    /// stopped anyway (with <c>ERROR_TIMEOUT</c>) and returns <see cref="FaultExitCode"/>; the body is abandoned and ends
    /// with the process. Keep it below the preshutdown timeout the installer sets.
    /// Default 30 s.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The exit code reported when the body throws (other than a cancellation after a stop). Default 1.</summary>
    public int FaultExitCode { get; init; } = 1;

    /// <summary>
    /// Told, in plain English, what went wrong inside the host where no caller can catch it: the body threw, the body did
    /// not stop in time, <c>SetServiceStatus</c> failed. Called on a service thread; it must not throw. Null: not told.
    /// </summary>
    public Action<string>? OnProblem { get; init; }

    /// <summary>
    /// Told which control stopped the service (stop, shutdown or preshutdown), before the body's token is cancelled, so
    /// the body can tell Windows shutting down from a person stopping it. Called on the SCM's handler thread; it must be
    /// quick and must not throw. Null: not told.
    /// </summary>
    public Action<ServiceControlCode>? OnStopRequested { get; init; }

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        Positive(StartWaitHint, nameof(StartWaitHint));
        Positive(StopWaitHint, nameof(StopWaitHint));
        Positive(StopTimeout, nameof(StopTimeout));
    }

    /// <summary>How often the host reports another stop checkpoint: half the stop wait hint, at most one second.</summary>
    public TimeSpan StopCheckpointInterval => TimeSpan.FromTicks(Math.Min(StopWaitHint.Ticks / 2, TimeSpan.TicksPerSecond));

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive and fit in 32-bit milliseconds");
        }
    }
}

/// <summary>
/// The service host could not connect to the service control manager: the process was started from a console, not by
/// the SCM (<c>StartServiceCtrlDispatcherW</c> failed with <c>ERROR_FAILED_SERVICE_CONTROLLER_CONNECT</c>, 1063).
/// </summary>
public sealed class NotStartedAsServiceException : InvalidOperationException
{
    /// <summary>The Win32 error for this case.</summary>
    public const int ErrorFailedServiceControllerConnect = 1063;

    /// <summary>Creates the exception for a service name.</summary>
    public NotStartedAsServiceException(string serviceName)
        : base($"this process was not started by the Windows service control manager (StartServiceCtrlDispatcher: error 1063); " +
               $"it runs only as the Windows service '{serviceName}' (start it with `sc start {serviceName}`); to run the agent from a console, use `reseal agent run`")
    {
        ServiceName = serviceName;
    }

    /// <summary>The service the process was meant to run as.</summary>
    public string ServiceName { get; }
}
