namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// The tasks a run knows, by name. The config reader, the user-data reader, the planner and the executor all work from
/// the <see cref="BootTask"/> found here, so a task is validated, planned and run from one registration. Immutable;
/// <see cref="With"/> makes a larger one (tests, and later the tasks a migration brings).
/// </summary>
public sealed class TaskRegistry
{
    private readonly Dictionary<string, BootTask> _byName;

    /// <summary>A registry of <paramref name="tasks"/>; names must be non-empty and unique (case-sensitive).</summary>
    /// <exception cref="ArgumentException">A name is empty, has a blank, or is registered twice; or a task has no stage.</exception>
    public TaskRegistry(IEnumerable<BootTask> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        All = [.. tasks];
        _byName = new Dictionary<string, BootTask>(StringComparer.Ordinal);
        foreach (var task in All)
        {
            ArgumentNullException.ThrowIfNull(task, nameof(tasks));
            if (string.IsNullOrEmpty(task.Name) || task.Name.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException($"a task of type {task.GetType().Name} has an empty name or one with a blank", nameof(tasks));
            }

            if (task.Stages.Count == 0)
            {
                throw new ArgumentException($"task '{task.Name}' names no stage it may run in", nameof(tasks));
            }

            if (!_byName.TryAdd(task.Name, task))
            {
                throw new ArgumentException($"task '{task.Name}' is registered twice ({_byName[task.Name].GetType().Name} and {task.GetType().Name})", nameof(tasks));
            }
        }
    }

    /// <summary>
    /// The built-in tasks: the 15 EC2Launch v2 documents (agents.md §1, from ec2launch-v2-settings.md), then the EC2Launch v1
    /// and EC2Config behaviours a migration needs (issue 18). A new task is a
    /// <see cref="BootTask"/> type added to this list, nothing else. Append, never insert: a task's position (from 1) is
    /// its number in the agent's Event Log ids (<c>reseal agent service</c>), which must not change between versions.
    /// </summary>
    public static TaskRegistry BuiltIn { get; } = new(
    [
        new ActivateWindowsTask(),
        new EnableJumboFramesTask(),
        new EnableOpenSshTask(),
        new ExecuteProgramTask(),
        new ExecuteScriptTask(),
        new ExtendRootPartitionTask(),
        new InitializeVolumeTask(),
        new OptimizeEnaTask(),
        new AdminAccountTask(),
        new SetDnsSuffixTask(),
        new SetHostNameTask(),
        new SetWallpaperTask(),
        new StartSsmTask(),
        new SysprepTask(),
        new WriteFileTask(),
        new SendEventLogsTask(),
        new SetDriveLettersTask(),
        new SetMonitorAlwaysOnTask(),
        new SetNetworkTask(),
        new SetMetadataRoutesTask(),
        new EnableWinRmHttpsTask(),
        new SetTimeSourceTask(),
        new GceSpecializeScriptsTask(),
        new GceStartupScriptsTask(),
    ]);

    /// <summary>Every task, in registration order.</summary>
    public IReadOnlyList<BootTask> All { get; }

    /// <summary>The task called <paramref name="name"/> (case-sensitive), or null.</summary>
    public BootTask? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>This registry plus <paramref name="tasks"/> (whose names must be new).</summary>
    public TaskRegistry With(params BootTask[] tasks) => new([.. All, .. tasks]);
}
