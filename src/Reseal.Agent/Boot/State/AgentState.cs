using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.State;

/// <summary>Where a task stands for this instance.</summary>
public enum TaskRunStatus
{
    /// <summary>Started and not finished: the agent stopped (crash, power loss, unplanned reboot) while it ran.</summary>
    Running,

    /// <summary>Finished; a once-task in this state never runs again for this instance.</summary>
    Completed,

    /// <summary>Finished with a failure.</summary>
    Failed,

    /// <summary>Asked for a reboot and to run again (3010, Cloudbase-Init 1003).</summary>
    RebootPending,

    /// <summary>Asked to run again at the next boot, without a reboot (Cloudbase-Init 1002).</summary>
    RerunNextBoot,
}

/// <summary>What is known about one task (one input entry of a task) for one instance.</summary>
/// <param name="Key">The task key (<see cref="TaskKey"/>).</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Attempts">How many times it started (ever; for the record only).</param>
/// <param name="Reboots">
/// How many reboots it asked for in a row (3010 / 1001 / 1003); reruns stop at <see cref="AgentState.MaxRebootsPerTask"/>.
/// Back to 0 when the task finishes without asking for one.
/// </param>
/// <param name="LastExitCode">The last exit code, if it had one.</param>
/// <param name="UpdatedAt">When this record last changed.</param>
/// <param name="Interrupted">
/// Starts since the task last finished: while the task is <see cref="TaskRunStatus.Running"/> at load time, how many
/// times in a row the agent or machine stopped while it ran. Back to 0 when it finishes.
/// </param>
public sealed record TaskRecord(string Key, TaskRunStatus Status, int Attempts, int Reboots, int? LastExitCode, DateTimeOffset UpdatedAt, int Interrupted = 0);

/// <summary>Stable identities for tasks in the state file.</summary>
public static class TaskKey
{
    /// <summary>
    /// <c>stage/task#entry@hash</c>: the hash (first 16 hex digits of SHA-256) covers the entry's content, so editing a
    /// script makes it a new once-task while re-ordering other tasks changes nothing.
    /// </summary>
    public static string For(AgentStage stage, string taskName, int entryIndex, string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentNullException.ThrowIfNull(content);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..16];
        return $"{stage.ToYamlName()}/{taskName}#{entryIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}@{hash}";
    }
}

/// <summary>
/// The agent's memory for one instance id: which tasks ran and how. Immutable; each change returns a new state, which
/// <see cref="AgentStateStore"/> writes atomically after every task.
/// </summary>
/// <param name="InstanceId">The instance the state belongs to.</param>
/// <param name="Tasks">Records by key.</param>
/// <param name="Untrusted">
/// True when the state was lost to corruption with no good copy: the instance has run before, so tasks that must never
/// repeat (a new administrator password would lock out whoever fetched the first) are skipped rather than re-run. Sticky
/// for the instance id.
/// </param>
public sealed record AgentState(string InstanceId, ImmutableDictionary<string, TaskRecord> Tasks, bool Untrusted = false)
{
    /// <summary>At most this many reboots per task (EC2Launch v2's documented limit for 3010).</summary>
    public const int MaxRebootsPerTask = 5;

    /// <summary>An empty state for <paramref name="instanceId"/>.</summary>
    public static AgentState Fresh(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return new(instanceId, ImmutableDictionary.Create<string, TaskRecord>(StringComparer.Ordinal));
    }

    /// <summary>The record of <paramref name="key"/>, or null.</summary>
    public TaskRecord? Find(string key) => Tasks.GetValueOrDefault(key);

    /// <summary>True when the task completed (a once-task is then never run again).</summary>
    public bool IsCompleted(string key) => Find(key)?.Status == TaskRunStatus.Completed;

    /// <summary>How many reboots the task has asked for so far.</summary>
    public int RebootsOf(string key) => Find(key)?.Reboots ?? 0;

    /// <summary>Marks the task started (written before it runs, so a crash mid-task is visible at the next start).</summary>
    public AgentState Started(string key, DateTimeOffset at) =>
        Put(key, r => r with { Status = TaskRunStatus.Running, Attempts = r.Attempts + 1, Interrupted = r.Interrupted + 1, UpdatedAt = at });

    /// <summary>
    /// Records how the task finished. The interrupted count goes back to 0; the reboot count too when
    /// <paramref name="resetReboots"/> (the task finished without asking for a reboot), so an always-task starts each
    /// later boot with its full allowance.
    /// </summary>
    public AgentState Finished(string key, TaskRunStatus status, int? exitCode, bool rebootRequested, DateTimeOffset at, bool resetReboots = false) =>
        Put(key, r => r with
        {
            Status = status,
            LastExitCode = exitCode,
            Reboots = resetReboots ? 0 : r.Reboots + (rebootRequested ? 1 : 0),
            Interrupted = 0,
            UpdatedAt = at,
        });

    /// <summary>Forgets every task (a reset).</summary>
    public AgentState Cleared() => this with { Tasks = Tasks.Clear() };

    private AgentState Put(string key, Func<TaskRecord, TaskRecord> change)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var current = Find(key) ?? new TaskRecord(key, TaskRunStatus.Running, 0, 0, null, default);
        return this with { Tasks = Tasks.SetItem(key, change(current)) };
    }
}
