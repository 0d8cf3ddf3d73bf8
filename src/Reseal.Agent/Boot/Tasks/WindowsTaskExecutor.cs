using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// Runs the boot units on a Windows machine: a config or YAML user-data task through its registered <see cref="BootTask"/>,
/// the other user-data items (scripts, files, cloud-config users…) through the script and system tasks; all through the
/// machine's ports, so the same code runs on Windows, under Wine and against the in-memory fakes of the tests.
/// </summary>
public sealed class WindowsTaskExecutor(BootTaskContext context) : IBootTaskExecutor
{
    /// <summary>The context the tasks run in.</summary>
    public BootTaskContext Context { get; } = context ?? throw new ArgumentNullException(nameof(context));

    /// <inheritdoc/>
    public async Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(console);
        var name = BootTaskRun.FileNameOf(unit);
        if (unit.Item is { } item and not AgentTaskItem)
        {
            return item switch
            {
                ScriptItem script => await ScriptTasks.RunScriptAsync(script, name, Context, cancellationToken).ConfigureAwait(false),
                ProgramItem program => await ScriptTasks.RunProgramAsync(program, name, Context, cancellationToken).ConfigureAwait(false),
                WriteFileItem file => ScriptTasks.WriteFile(file, Context),
                CommandItem command => await ScriptTasks.RunCommandAsync(command, name, Context, cancellationToken).ConfigureAwait(false),
                HostNameItem host => SystemTasks.SetHostName(host.HostName, host.Reboot, Context),
                TimeZoneItem zone => await SystemTasks.SetTimeZoneAsync(zone.TimeZone, Context, cancellationToken).ConfigureAwait(false),
                UserItem user => await SystemTasks.CreateUserAsync(user, Context, cancellationToken).ConfigureAwait(false),
                _ => TaskExecutionResult.Failed($"no implementation for user-data item {item.GetType().Name}"),
            };
        }

        // A config task or an EC2Launch YAML user-data task: the registered task the entry named runs it.
        if (unit.Task is not { } task)
        {
            return TaskExecutionResult.Failed($"no implementation for task {unit.TaskName}");
        }

        var inputs = unit.Inputs ?? (task.Entries is [var first, ..] ? first : InputMap.Empty);
        return await task.Definition.RunAsync(new BootTaskRun(unit, inputs, Context, console), cancellationToken).ConfigureAwait(false);
    }
}
