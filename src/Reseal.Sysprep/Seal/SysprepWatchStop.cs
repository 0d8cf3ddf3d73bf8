namespace Reseal.Sysprep.Seal;

/// <summary>Why the watch over a running Sysprep ended other than by Sysprep ending by itself.</summary>
public enum SysprepWatchStopReason
{
    /// <summary>Sealing was cancelled (Ctrl-C, service stop) before generalize finished; Sysprep was stopped.</summary>
    Cancelled,

    /// <summary>Sysprep did not end within the seal's total time limit.</summary>
    TimeLimit,

    /// <summary>Sysprep logged errors and then nothing for the error grace period (an error dialog, most likely).</summary>
    ErrorDialog,

    /// <summary>Neither the logs nor ImageState moved for the stall limit.</summary>
    Stalled,

    /// <summary>Sysprep's process was stopped (its run was cancelled) without one of the reasons above.</summary>
    Stopped,

    /// <summary>Sysprep could not be started at all (not found, not elevated...): the RunSysprep step failed, not the watch.</summary>
    CouldNotRun,
}

/// <summary>Why the watch stopped Sysprep or could not run it, and the sentence that says so to a person.</summary>
/// <param name="Reason">What code decides from.</param>
/// <param name="Text">What the report says (never parsed).</param>
/// <param name="DidNotEnd">True when Sysprep did not end within the kill grace after it was stopped.</param>
public sealed record SysprepWatchStop(SysprepWatchStopReason Reason, string Text, bool DidNotEnd = false);
