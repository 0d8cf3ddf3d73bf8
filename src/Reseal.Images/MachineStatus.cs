namespace Reseal.Images;

/// <summary>Where an instance (EC2) or server (Nova, ECS) is in its life, across clouds.</summary>
public enum MachinePhase
{
    /// <summary>Being created or started (EC2 <c>pending</c>, Nova <c>BUILD</c>).</summary>
    Pending,

    /// <summary>Running (EC2 <c>running</c>, Nova <c>ACTIVE</c>).</summary>
    Running,

    /// <summary>Shutting down but not yet stopped (EC2 <c>stopping</c>, Nova <c>ACTIVE</c> with a <c>powering-off</c> task).</summary>
    Stopping,

    /// <summary>Stopped (EC2 <c>stopped</c>, Nova <c>SHUTOFF</c>).</summary>
    Stopped,

    /// <summary>Gone or going (EC2 <c>shutting-down</c>/<c>terminated</c>, Nova <c>DELETED</c>).</summary>
    Terminated,

    /// <summary>The cloud reports it failed (Nova <c>ERROR</c>).</summary>
    Error,

    /// <summary>Any other state (Nova <c>PAUSED</c>, <c>SUSPENDED</c>, <c>RESCUE</c>…).</summary>
    Other,
}

/// <summary>An instance's state as the cloud reported it.</summary>
/// <param name="Id">The instance or server id.</param>
/// <param name="State">The cloud's own word for the state (shown to the user).</param>
/// <param name="Phase">The state mapped to what Reseal acts on.</param>
/// <param name="Reason">Why it is in that state, when the cloud says (EC2 StateReason, Nova fault).</param>
public sealed record MachineStatus(string Id, string State, MachinePhase Phase, string? Reason = null);
