namespace Reseal.Windows.Ports;

/// <summary>How a service starts (the SCM's <c>Start</c> value).</summary>
public enum ServiceStartMode
{
    /// <summary>0: loaded by the boot loader.</summary>
    Boot = 0,

    /// <summary>1: started by the kernel.</summary>
    System = 1,

    /// <summary>2: started at boot by the SCM.</summary>
    Automatic = 2,

    /// <summary>3: started on demand.</summary>
    Manual = 3,

    /// <summary>4: never started.</summary>
    Disabled = 4,
}

/// <summary>Whether a service runs (unknown for a machine that is not running).</summary>
public enum ServiceRunState
{
    /// <summary>Not known (an offline image has no running services).</summary>
    Unknown = 0,

    /// <summary>Stopped.</summary>
    Stopped,

    /// <summary>Starting.</summary>
    StartPending,

    /// <summary>Stopping.</summary>
    StopPending,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Paused or pausing/continuing.</summary>
    Paused,
}

/// <summary>A service's configuration and state.</summary>
public sealed record ServiceInfo(string Name, string? DisplayName, string? ImagePath, ServiceStartMode? StartMode, bool DelayedAutoStart, ServiceRunState State);

/// <summary>Windows services.</summary>
public interface IServices
{
    /// <summary>A service by name (case-insensitive), or null when it is not installed.</summary>
    ServiceInfo? Find(string name);

    /// <summary>Changes how a service starts.</summary>
    void SetStartMode(string name, ServiceStartMode mode);

    /// <summary>Starts a service and waits until it runs or the timeout passes. Needs a running Windows.</summary>
    Task StartAsync(string name, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Stops a service and waits until it stops or the timeout passes. Needs a running Windows.</summary>
    Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken);
}
