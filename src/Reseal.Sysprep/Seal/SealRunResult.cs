using System.Collections.Immutable;
using Reseal.Sysprep.Panther;

namespace Reseal.Sysprep.Seal;

/// <summary>How a seal of a running Windows ended.</summary>
public enum SealRunOutcome
{
    /// <summary>Sysprep generalized the machine: exit code 0, the expected ImageState, no error in this run's setuperr.log.</summary>
    Sealed,

    /// <summary>Nothing was changed: preflight errors block sealing, an earlier seal was not rolled back, or the plan is stale.</summary>
    Refused,

    /// <summary>A step or Sysprep failed before generalize finished; every change was undone (see <see cref="SealRunResult.UndoProblems"/>).</summary>
    Failed,

    /// <summary>
    /// ImageState says generalize finished, but Sysprep did not end cleanly (non-zero exit, errors logged, or no exit):
    /// nothing was undone, because undoing would leave a generalized image without its first-boot hook and with RDP open.
    /// </summary>
    GeneralizedWithErrors,

    /// <summary><c>--no-sysprep</c>: the agent state was reset and Windows was asked to shut down; Sysprep did not run.</summary>
    ShutDownWithoutSysprep,
}

/// <summary>What <see cref="SealRunner"/> did: the outcome, why, what changed or was undone, and the diagnosis of a failure (the CLI renders it).</summary>
public sealed record SealRunResult
{
    /// <summary>The outcome.</summary>
    public required SealRunOutcome Outcome { get; init; }

    /// <summary>One line saying what happened and, for a failure, its cause.</summary>
    public required string Message { get; init; }

    /// <summary>The step that failed (<see cref="SealStepIds"/>), or null.</summary>
    public string? FailedStep { get; init; }

    /// <summary>The preflight report the run followed.</summary>
    public SealReport? Report { get; init; }

    /// <summary>The file and registry changes made (on failure: made, then undone), one line each.</summary>
    public ImmutableArray<string> Changes { get; init; } = [];

    /// <summary>True when the changes were undone (a failure).</summary>
    public bool Undone { get; init; }

    /// <summary>Changes that could not be undone; empty when the machine is as it was.</summary>
    public ImmutableArray<string> UndoProblems { get; init; } = [];

    /// <summary>The undo journal (Windows path), when it is left on the machine.</summary>
    public string? JournalPath { get; init; }

    /// <summary>Why the watch stopped Sysprep (or could not run it), or null when Sysprep ended by itself or never ran.</summary>
    public SysprepWatchStopReason? WatchStop { get; init; }

    /// <summary>Sysprep's exit code, when it ended by itself.</summary>
    public int? SysprepExitCode { get; init; }

    /// <summary>ImageState before Sysprep ran.</summary>
    public string? ImageStateBefore { get; init; }

    /// <summary>ImageState when the watch ended.</summary>
    public string? ImageStateAfter { get; init; }

    /// <summary>Error lines this Sysprep run logged in setuperr.log (at most 20).</summary>
    public ImmutableArray<string> SysprepErrors { get; init; } = [];

    /// <summary>The diagnosis of the Panther logs, for a failure.</summary>
    public PantherDiagnosis? Diagnosis { get; init; }

    /// <summary>What happens next, or what to do.</summary>
    public string? NextSteps { get; init; }

    /// <summary>Problems that did not stop sealing (the serial console could not be written...).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];
}
