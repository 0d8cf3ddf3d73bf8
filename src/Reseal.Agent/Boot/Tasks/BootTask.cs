using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// One task an agent-config.yml or EC2Launch v2 YAML user data may name: everything about it in one type. The config
/// reader validates entries against <see cref="Name"/>, <see cref="Stages"/>, <see cref="Inputs"/> and
/// <see cref="Check"/>; the planner keys and orders units by <see cref="Frequency"/> and <see cref="MustNotRepeat"/>; the
/// runner hides exception text for <see cref="HandlesSecrets"/>; the executor calls <see cref="RunAsync"/>. A task is
/// known once it is in a <see cref="TaskRegistry"/> (the built-in ones: <see cref="TaskRegistry.BuiltIn"/>);
/// docs/writing-a-task.md walks through adding one.
/// </summary>
public abstract class BootTask
{
    /// <summary>Registers a task: what the YAML may say about it.</summary>
    /// <param name="name">The task name, case-sensitive, as agent-config.yml writes it (<c>setAdminAccount</c>).</param>
    /// <param name="frequency">How its frequency is decided: once per instance, every run, or per input entry.</param>
    /// <param name="stages">The stages it may run in (UserData: it may appear in YAML user data).</param>
    /// <param name="inputs">The shape of <c>inputs</c> (nested maps and lists), or null when it takes none.</param>
    /// <param name="summary">What it does, one line.</param>
    protected BootTask(string name, FrequencyRule frequency, IReadOnlyList<AgentStage> stages, InputSchema? inputs, string summary)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentException.ThrowIfNullOrEmpty(summary);
        (Name, Frequency, Stages, Inputs, Summary) = (name, frequency, stages, inputs, summary);
    }

    /// <summary>The task name, case-sensitive, as agent-config.yml writes it (<c>setAdminAccount</c>).</summary>
    public string Name { get; }

    /// <summary>How its frequency is decided: once per instance, every run, or per input entry.</summary>
    public FrequencyRule Frequency { get; }

    /// <summary>The stages it may run in (UserData: it may appear in YAML user data).</summary>
    public IReadOnlyList<AgentStage> Stages { get; }

    /// <summary>The shape of <c>inputs</c> (nested maps and lists), or null when it takes none.</summary>
    public InputSchema? Inputs { get; }

    /// <summary>What it does, one line.</summary>
    public string Summary { get; }

    /// <summary>
    /// Running it twice does harm (a second administrator password, a second Sysprep): it runs alone, and it is skipped
    /// when the agent state is untrusted or when a run stopped while it ran.
    /// </summary>
    public virtual bool MustNotRepeat => false;

    /// <summary>Its exceptions' messages may carry a secret: a crash is reported with the exception type only.</summary>
    public virtual bool HandlesSecrets => false;

    /// <summary>
    /// Why the task would be skipped on a machine with these facts (not built, not on this cloud, not on this Windows
    /// version), or null when it would run or the facts are not enough to tell. <c>reseal agent plan</c> and
    /// <c>validate</c> show it; <see cref="RunAsync"/> still decides on the machine itself.
    /// </summary>
    public virtual string? WouldSkip(PlanFacts facts) => null;

    /// <summary>True when the task may run in <paramref name="stage"/>.</summary>
    public bool RunsIn(AgentStage stage) => Stages.Contains(stage);

    /// <summary>The frequency the task has when nothing overrides it (per-input tasks default to once).</summary>
    public TaskFrequency DefaultFrequency => Frequency == FrequencyRule.Always ? TaskFrequency.Always : TaskFrequency.Once;

    /// <summary>True when <c>inputs</c> is a list of entries, each run on its own (script tasks).</summary>
    public bool HasInputList => Inputs?.Kind == InputKind.List;

    /// <summary>
    /// Rules that span several inputs of one entry (the schema has already checked each input's type): report problems
    /// through <paramref name="problems"/>. Called once per entry of a valid-shaped task.
    /// </summary>
    public virtual void Check(InputMap entry, TaskInputProblems problems)
    {
    }

    /// <summary>
    /// What EC2Launch v2 YAML user data naming this task adds to the run (<paramref name="origin"/> names the user data
    /// for messages): by default the task itself, run as a config task is. Tasks whose entries are scripts, programs or
    /// files override it to give the items the other user-data formats give, so they are keyed and run alike.
    /// </summary>
    public virtual IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Entries.Count == 0 ? [] : [new AgentTaskItem(task, UserDataOrigin(task, origin, 0))];
    }

    /// <summary>
    /// One item per entry, made by <paramref name="item"/> from the entry and where it came from; an entry it gives null
    /// for adds nothing (a required input is missing, which the reader has already reported).
    /// </summary>
    protected static IEnumerable<UserDataItem> ItemPerEntry(TaskConfig task, string origin, Func<InputMap, string, UserDataItem?> item)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(item);
        var entries = task.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            if (item(entries[i], UserDataOrigin(task, origin, i)) is { } made)
            {
                yield return made;
            }
        }
    }

    /// <summary>Where a user-data entry came from, for messages: <c>user data executeScript[1]</c>.</summary>
    protected static string UserDataOrigin(TaskConfig task, string origin, int entry)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Definition.HasInputList ? $"{origin} {task.Name}[{entry}]" : $"{origin} {task.Name}";
    }

    /// <summary>
    /// Runs one entry on the machine. Must be idempotent (a crash runs it again); expected failures are results
    /// (<see cref="TaskExecutionResult.Failed"/>), never exceptions.
    /// </summary>
    public abstract Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What is known when planning, for <see cref="BootTask.WouldSkip"/>: each is null when unknown.</summary>
/// <param name="Metadata">The captured metadata (its source is the cloud).</param>
/// <param name="Windows">The Windows version of the machine the plan is for.</param>
public sealed record PlanFacts(Reseal.Cloud.Metadata.InstanceMetadata? Metadata, Reseal.Windows.Ports.OsVersion? Windows)
{
    /// <summary>Nothing known.</summary>
    public static PlanFacts Unknown { get; } = new(null, null);
}

/// <summary>What one run of a task entry gets.</summary>
/// <param name="Unit">The unit being run (its key, stage, entry index and frequency).</param>
/// <param name="Inputs">The validated inputs of this entry (empty when none were given).</param>
/// <param name="Context">The machine, metadata, clock and folders.</param>
/// <param name="Console">Where console lines go (stamped and ordered by the runner).</param>
public sealed record BootTaskRun(BootWorkUnit Unit, InputMap Inputs, BootTaskContext Context, ITaskConsole Console)
{
    /// <summary>A file name made from the unit's key (stage/task/entry/hash: letters, digits, hyphens), for scripts and logs.</summary>
    public string FileName => FileNameOf(Unit);

    /// <summary>The file name for <paramref name="unit"/>: its key with every character but letters, digits, '-' and '_' made '-'.</summary>
    internal static string FileNameOf(BootWorkUnit unit) =>
        new string([.. unit.Key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}

/// <summary>Where <see cref="BootTask.Check"/> reports problems: each becomes a diagnostic at the input's line and column.</summary>
public sealed class TaskInputProblems
{
    private readonly Action<string, int, int, string> _error;
    private readonly Action<string, int, int, string> _warning;

    internal TaskInputProblems(Action<string, int, int, string> error, Action<string, int, int, string> warning) =>
        (_error, _warning) = (error, warning);

    /// <summary>An error at <paramref name="at"/> (the configuration is invalid); <paramref name="code"/> is a <see cref="BootCodes"/> code.</summary>
    public void Error(string code, InputValue at, string message)
    {
        ArgumentNullException.ThrowIfNull(at);
        _error(code, at.Line, at.Column, message);
    }

    /// <summary>A warning at <paramref name="at"/>.</summary>
    public void Warning(string code, InputValue at, string message)
    {
        ArgumentNullException.ThrowIfNull(at);
        _warning(code, at.Line, at.Column, message);
    }
}
