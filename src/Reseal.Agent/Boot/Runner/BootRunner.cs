using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Runner;

/// <summary>Where a task writes its console lines (text without prefix; the runner stamps and orders them).</summary>
public interface ITaskConsole
{
    /// <summary>Queues one console line.</summary>
    void WriteLine(string text);

    /// <summary>
    /// Queues the EC2 password block (<c>Username:</c>, <c>Password: &lt;Password&gt;</c>, the base64 ciphertext,
    /// <c>&lt;/Password&gt;</c>) in the layout real output has: only the first two lines are stamped.
    /// </summary>
    void WritePasswordBlock(string userName, string ciphertextBase64);
}

/// <summary>What a task did.</summary>
/// <param name="Action">What its exit asks for.</param>
/// <param name="ExitCode">The exit code of a script or program, if any.</param>
/// <param name="Message">Why it failed or what it skipped; never a secret.</param>
public sealed record TaskExecutionResult(ExitAction Action, int? ExitCode = null, string? Message = null)
{
    /// <summary>Succeeded.</summary>
    public static TaskExecutionResult Succeeded { get; } = new(ExitAction.Completed);

    /// <summary>True when the task found nothing to do here (not on this cloud, not installed, not built): reported as skipped, recorded as done.</summary>
    public bool NotApplicable { get; init; }

    /// <summary>
    /// Set by the <c>sysprep</c> task when the machine is generalized: nothing else runs in this boot, and the session
    /// finishes what the seal could not do from inside the run (clear the state again, delete the logs, power off).
    /// </summary>
    public SealFollowUp? Sealed { get; init; }

    /// <summary>Nothing to do here, for <paramref name="message"/>'s reason.</summary>
    public static TaskExecutionResult Skip(string message) => new(ExitAction.Completed, null, message) { NotApplicable = true };

    /// <summary>Done, with a note for the log and the JSON line (never a secret).</summary>
    public static TaskExecutionResult Done(string message) => new(ExitAction.Completed, null, message);

    /// <summary>Failed with <paramref name="message"/>.</summary>
    public static TaskExecutionResult Failed(string message) => new(ExitAction.Failed, null, message);

    /// <summary>A process exit, read under <paramref name="convention"/>.</summary>
    public static TaskExecutionResult FromExitCode(int exitCode, ExitCodeConvention convention, bool detached = false) =>
        new(ExitCodes.Interpret(exitCode, convention, detached), exitCode, exitCode == 0 ? null : $"exit code {exitCode}");
}

/// <summary>What the session does after a run that generalized the machine (the <c>sysprep</c> task).</summary>
/// <param name="Shutdown">Power off once the run is over.</param>
/// <param name="CleanLogs">Delete the agent's logs once they are closed.</param>
public sealed record SealFollowUp(bool Shutdown, bool CleanLogs);

/// <summary>Runs one unit (the Windows side implements it; tests use fakes). Must be idempotent.</summary>
public interface IBootTaskExecutor
{
    /// <summary>Runs <paramref name="unit"/>, writing console lines to <paramref name="console"/>.</summary>
    Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken);
}

/// <summary>Rules for a run.</summary>
public sealed record BootRunOptions
{
    /// <summary>
    /// When true, a failed unit skips the rest of its stage (later stages and the ready line still come). Off by
    /// default: like EC2Launch, a failure never keeps the machine from being declared ready.
    /// </summary>
    public bool StopStageOnFailure { get; init; }

    /// <summary>A unit found still "running" this many times (it crashed the agent or the machine each time) is skipped.</summary>
    public int MaxInterruptedAttempts { get; init; } = 3;

    /// <summary>The instance id for the JSON summary.</summary>
    public string InstanceId { get; init; } = "unknown";

    /// <summary>The defaults.</summary>
    public static BootRunOptions Default { get; } = new();
}

/// <summary>The result of one run.</summary>
/// <param name="Outcomes">Every unit's outcome, in plan order.</param>
/// <param name="State">The state as last saved.</param>
/// <param name="RebootRequested">A unit asked for a reboot: the caller reboots, and the next run continues.</param>
/// <param name="ReadyAfter">Time from start to "Windows is Ready to use", or null when the run stopped before it.</param>
public sealed record BootRunResult(IReadOnlyList<TaskOutcome> Outcomes, AgentState State, bool RebootRequested, TimeSpan? ReadyAfter)
{
    /// <summary>Set when a task generalized the machine: the run stopped after it.</summary>
    public SealFollowUp? Sealed { get; init; }

    /// <summary>True when any unit failed.</summary>
    public bool AnyFailed => Outcomes.Any(o => o.Outcome == TaskOutcomeKind.Failed);

    /// <summary>
    /// Tasks that hit a bug in reseal (an exception no correct task meets, see <see cref="TaskFailures"/>): each is also
    /// a failed outcome and saved as failed in the state; the caller reports them as a bug once the run is over.
    /// </summary>
    public IReadOnlyList<TaskBug> Bugs { get; init; } = [];
}

/// <summary>A task that hit a bug in reseal: which one, and the exception (for the log's detail and the crash report).</summary>
/// <param name="Stage">The task's stage.</param>
/// <param name="Task">The task's name.</param>
/// <param name="Entry">Its entry in the stage (1-based).</param>
/// <param name="Exception">What was thrown.</param>
/// <param name="HandlesSecrets">True when the task handles secrets: the exception's message is never shown or logged.</param>
public sealed record TaskBug(AgentStage Stage, string Task, int Entry, Exception Exception, bool HandlesSecrets)
{
    /// <summary>Where the bug was, in the agent's terms (no .NET type names).</summary>
    public string Describe() => $"{Stage.ToYamlName()} {Task}#{Entry.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The detail a bug report needs: the exception's type and stack (and its message, unless the task handles secrets).
    /// For the log's debug detail and standard error, never for the console.
    /// </summary>
    public string Detail() => HandlesSecrets
        ? $"{Exception.GetType().FullName} (message withheld: the task handles secrets){Environment.NewLine}{Exception.StackTrace}"
        : Exception.ToString();
}

/// <summary>
/// Runs a <see cref="BootPlan"/>: pure orchestration over <see cref="IBootTaskExecutor"/>, <see cref="AgentStateStore"/>
/// and a console writer.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="bullet">
/// <item>Steps run in plan order; "Message: Windows is Ready to use" is written at the ready point.</item>
/// <item>Within a stage, consecutive <c>independent</c> units run in parallel; their console lines are written in plan
/// order (<see cref="OrderedConsole"/>). Other units, and units that must not repeat, run one at a time.</item>
/// <item>A once-unit already completed for this instance is not run. When the state is untrusted (it was lost to
/// corruption), units that must not repeat are skipped.</item>
/// <item>The state is saved before each unit starts (so a crash shows it as interrupted) and after it ends.</item>
/// <item>A reboot request (3010, 1001, 1003) stops the run after the current parallel group; each unit gets at most
/// <see cref="AgentState.MaxRebootsPerTask"/> reboots, after which it counts as failed and is not run again.</item>
/// <item>Failures do not stop the run unless <see cref="BootRunOptions.StopStageOnFailure"/>. A failed once-unit is not
/// "done": it is tried again at the next run.</item>
/// <item>A unit found "running" (the agent stopped during it) runs again, at most
/// <see cref="BootRunOptions.MaxInterruptedAttempts"/> times in a row (the count resets when it finishes). A unit that
/// must not repeat (the administrator password) found "running" is never run again: it is skipped with a message, and
/// the operator resets the state to run it.</item>
/// </list>
/// </remarks>
public sealed class BootRunner(IBootTaskExecutor executor, AgentStateStore store, TimeProvider time, Action<string> writeConsole)
{
    private readonly Lock _stateGate = new();

    /// <summary>Runs <paramref name="plan"/> from <paramref name="state"/>.</summary>
    public async Task<BootRunResult> RunAsync(BootPlan plan, AgentState state, BootRunOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(state);
        options ??= BootRunOptions.Default;
        var start = time.GetUtcNow();
        var outcomes = new List<TaskOutcome>();
        var sealedResults = new System.Collections.Concurrent.ConcurrentDictionary<string, SealFollowUp>(StringComparer.Ordinal);
        var bugs = new System.Collections.Concurrent.ConcurrentQueue<TaskBug>();
        var current = state;
        TimeSpan? readyAfter = null;
        var reboot = false;
        SealFollowUp? sealedBy = null;
        foreach (var step in plan.Steps)
        {
            if (step.IsReadyPoint)
            {
                WriteLine(ConsoleLines.UserDataFormat(plan.UserDataFormatName));
                WriteLine(ConsoleLines.Ready);
                readyAfter = time.GetUtcNow() - start;
                continue;
            }

            var stageFailed = false;
            foreach (var group in Groups(step.Units))
            {
                var decisions = group.Select(unit => (Unit: unit, Skip: stageFailed && options.StopStageOnFailure
                    ? new TaskOutcome(unit.Stage, unit.TaskName, unit.Entry, TaskOutcomeKind.Skipped, TimeSpan.Zero, null, "an earlier task of the stage failed")
                    : Decide(unit, current, options))).ToList();
                var toRun = decisions.Where(d => d.Skip is null).Select(d => d.Unit).ToList();
                lock (_stateGate)
                {
                    foreach (var unit in toRun)
                    {
                        current = current.Started(unit.Key, time.GetUtcNow());
                    }

                    if (toRun.Count > 0)
                    {
                        store.Save(current);
                    }
                }

                var console = new OrderedConsole(group.Count, Write);
                var results = new TaskOutcome?[group.Count];
                var running = new List<Task>();
                for (var slot = 0; slot < group.Count; slot++)
                {
                    if (decisions[slot].Skip is { } skipped)
                    {
                        results[slot] = skipped;
                        console.Finish(slot);
                        continue;
                    }

                    var index = slot;
                    running.Add(Run(decisions[slot].Unit, index, console, results, () => current, s => current = s, sealedResults, bugs, cancellationToken));
                    if (group.Count == 1)
                    {
                        await running[^1].ConfigureAwait(false);
                    }
                }

                await Task.WhenAll(running).ConfigureAwait(false);
                outcomes.AddRange(results.Select(r => r!));
                stageFailed |= results.Any(r => r!.Outcome == TaskOutcomeKind.Failed);
                if (results.Any(r => r!.Outcome == TaskOutcomeKind.RebootRequested))
                {
                    reboot = true;
                    break;
                }

                if (sealedResults.Values.FirstOrDefault() is { } seal)
                {
                    // The machine is generalized: whatever comes after would run in the image, not on this instance.
                    sealedBy = seal;
                    break;
                }
            }

            if (reboot || sealedBy is not null)
            {
                break;
            }
        }

        writeConsole(ConsoleLines.Summary(time.GetUtcNow(), options.InstanceId, readyAfter, outcomes));
        return new BootRunResult(outcomes, current, reboot, readyAfter) { Sealed = sealedBy, Bugs = [.. bugs] };
    }

    private async Task Run(BootWorkUnit unit, int slot, OrderedConsole console, TaskOutcome?[] results, Func<AgentState> read, Action<AgentState> write,
        System.Collections.Concurrent.ConcurrentDictionary<string, SealFollowUp> sealedResults, System.Collections.Concurrent.ConcurrentQueue<TaskBug> bugs,
        CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        TaskExecutionResult result;
        try
        {
            result = await executor.ExecuteAsync(unit, new SlotConsole(console, slot), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the service is stopping: the unit stays "running" and counts as interrupted next time
        }
        catch (Exception e) when (TaskFailures.IsExpected(e))
        {
            // What the machine, network or data did to the task: that task's failure, said in the agent's terms (the
            // message goes to the console, so a task that handles secrets gets only the kind of failure there).
            result = TaskExecutionResult.Failed(TaskFailures.Describe(e, HandlesSecrets(unit)));
        }
#pragma warning disable CA1031 // A bug in one task is recorded and reported after the run, never swallowed (see TaskFailures).
        catch (Exception e)
#pragma warning restore CA1031
        {
            // A bug. It is saved as this task's failure (so the state stays resumable and the task is tried again at the
            // next run), the other tasks still run (a clone whose password task never ran cannot be reached), and the
            // caller crashes loudly once the run is over (AgentSession). The console says only that it is a bug.
            bugs.Enqueue(new TaskBug(unit.Stage, unit.TaskName, unit.Entry, e, HandlesSecrets(unit)));
            result = TaskExecutionResult.Failed("internal error: a bug in reseal, not a problem with this machine; agent.log has the details");
        }

        if (result.Sealed is { } seal)
        {
            sealedResults[unit.Key] = seal;
        }

        var duration = time.GetUtcNow() - started;
        lock (_stateGate)
        {
            var state = read();
            var (outcome, status, rebooted, message) = Settle(unit, result, state);
            var resetReboots = result.Action is ExitAction.Completed or ExitAction.Failed or ExitAction.RerunNextBoot;
            state = state.Finished(unit.Key, status, result.ExitCode, rebooted, time.GetUtcNow(), resetReboots);
            store.Save(state);
            write(state);
            results[slot] = new TaskOutcome(unit.Stage, unit.TaskName, unit.Entry, outcome, duration, result.ExitCode, message);
        }

        console.Finish(slot);
    }

    private static (TaskOutcomeKind Outcome, TaskRunStatus Status, bool Rebooted, string? Message) Settle(BootWorkUnit unit, TaskExecutionResult result, AgentState state)
    {
        var reboots = state.RebootsOf(unit.Key);
        var limitReached = reboots >= AgentState.MaxRebootsPerTask;
        return result.Action switch
        {
            ExitAction.Completed when result.NotApplicable => (TaskOutcomeKind.Skipped, TaskRunStatus.Completed, false, result.Message),
            ExitAction.Completed => (TaskOutcomeKind.Completed, TaskRunStatus.Completed, false, result.Message),
            ExitAction.Failed => (TaskOutcomeKind.Failed, TaskRunStatus.Failed, false, result.Message),
            ExitAction.RerunNextBoot => (TaskOutcomeKind.RerunNextBoot, TaskRunStatus.RerunNextBoot, false, "runs again at the next boot"),
            ExitAction.RebootThenDone when limitReached =>
                (TaskOutcomeKind.Completed, TaskRunStatus.Completed, false, $"reboot not done: the task already had {AgentState.MaxRebootsPerTask} reboots"),
            ExitAction.RebootThenDone => (TaskOutcomeKind.RebootRequested, TaskRunStatus.Completed, true, $"reboot {reboots + 1} of at most {AgentState.MaxRebootsPerTask}"),
            _ when limitReached =>
                (TaskOutcomeKind.Failed, TaskRunStatus.Completed, false, $"asked for another reboot after {AgentState.MaxRebootsPerTask}; not run again"),
            _ => (TaskOutcomeKind.RebootRequested, TaskRunStatus.RebootPending, true, $"reboot {reboots + 1} of at most {AgentState.MaxRebootsPerTask}; runs again after it"),
        };
    }

    private static TaskOutcome? Decide(BootWorkUnit unit, AgentState state, BootRunOptions options)
    {
        var record = state.Find(unit.Key);
        string? reason = null;
        var kind = TaskOutcomeKind.Skipped;
        if (unit.Frequency == TaskFrequency.Once && record?.Status == TaskRunStatus.Completed)
        {
            (kind, reason) = (TaskOutcomeKind.AlreadyDone, "already done for this instance");
        }
        else if (unit.MustNotRepeat && record is { Status: TaskRunStatus.Running })
        {
            // It may have got as far as its effect (a password set and printed): running it again would undo that.
            reason = "the agent or machine stopped while this task ran and it must not run twice (the password may already be set and printed); " +
                "not started again: reset the agent state to run it";
        }
        else if (unit.Frequency == TaskFrequency.Once && unit.MustNotRepeat && state.Untrusted && record?.Status != TaskRunStatus.Completed)
        {
            reason = "the agent state was lost or restored from its backup; this instance has run before and this task must not run twice; " +
                "reset the agent state to run it";
        }
        else if (record is { Status: TaskRunStatus.Running } && record.Interrupted >= options.MaxInterruptedAttempts)
        {
            reason = $"interrupted {record.Interrupted} times in a row (the agent or machine stopped while it ran); not started again";
        }

        return reason is null ? null : new TaskOutcome(unit.Stage, unit.TaskName, unit.Entry, kind, TimeSpan.Zero, null, reason);
    }

    // Tasks whose exception messages may carry a secret (a password in an error text): the registered task says so;
    // a user-data user (createUser) carries its password too.
    private static bool HandlesSecrets(BootWorkUnit unit) =>
        unit.Task?.Definition.HandlesSecrets == true || unit.Item is UserItem;

    // Consecutive independent units form one parallel group; every other unit is a group of its own. A unit that must not
    // repeat (the administrator password) always runs alone: in a group its console lines wait for the units before it,
    // and a crash in that wait would leave it recorded as done with its password never printed.
    private static List<List<BootWorkUnit>> Groups(IReadOnlyList<BootWorkUnit> units)
    {
        static bool Parallel(BootWorkUnit unit) => unit.Independent && !unit.MustNotRepeat;
        var groups = new List<List<BootWorkUnit>>();
        foreach (var unit in units)
        {
            if (Parallel(unit) && groups.Count > 0 && Parallel(groups[^1][0]))
            {
                groups[^1].Add(unit);
            }
            else
            {
                groups.Add([unit]);
            }
        }

        return groups;
    }

    private void WriteLine(string text) => writeConsole(ConsoleLines.Format(time, text));

    private void Write(ConsoleEntry entry) => writeConsole(entry.Stamped ? ConsoleLines.Format(time, entry.Text) : entry.Text + ConsoleLines.LineEnd);

    private sealed class SlotConsole(OrderedConsole console, int slot) : ITaskConsole
    {
        public void WriteLine(string text) => console.Add(slot, text);

        public void WritePasswordBlock(string userName, string ciphertextBase64)
        {
            var lines = Reseal.Cloud.Passwords.ConsolePasswordBlock.Format(userName, ciphertextBase64);
            for (var i = 0; i < lines.Count; i++)
            {
                console.Add(slot, new ConsoleEntry(lines[i], Stamped: i < 2));
            }
        }
    }
}
