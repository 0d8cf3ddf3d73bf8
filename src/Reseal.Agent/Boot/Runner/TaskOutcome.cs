using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.Runner;

/// <summary>How one task ended in one run.</summary>
public enum TaskOutcomeKind
{
    /// <summary>Ran and succeeded.</summary>
    Completed,

    /// <summary>Ran and failed.</summary>
    Failed,

    /// <summary>Not run: a once-task already done for this instance.</summary>
    AlreadyDone,

    /// <summary>Not run: skipped by a rule (stop-on-failure, untrusted state, reboot limit reached, not applicable).</summary>
    Skipped,

    /// <summary>Ran and asked for a reboot (the run stops; the agent continues after the reboot).</summary>
    RebootRequested,

    /// <summary>Ran and asked to run again at the next boot (Cloudbase-Init 1002).</summary>
    RerunNextBoot,
}

/// <summary>The outcome of one task entry in one run, for the console JSON line and the log.</summary>
/// <param name="Stage">Its stage.</param>
/// <param name="Task">The task name.</param>
/// <param name="Entry">The input entry index (0 for tasks with one inputs map).</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Duration">How long it ran (zero when it did not run).</param>
/// <param name="ExitCode">The exit code, for scripts and programs.</param>
/// <param name="Message">Why it failed or was skipped, or null. Never contains a secret.</param>
public sealed record TaskOutcome(AgentStage Stage, string Task, int Entry, TaskOutcomeKind Outcome, TimeSpan Duration, int? ExitCode, string? Message);
