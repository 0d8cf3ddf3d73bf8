using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>writeFile</c> (per input, postReady/user data): writes files, one per entry.</summary>
public sealed class WriteFileTask() : BootTask(
    "writeFile",
    FrequencyRule.PerInput,
    [AgentStage.PostReady, AgentStage.UserData],
    InputSchema.ListOf(InputSchema.MapOf(
        new InputField("frequency", ExecuteScriptTask.FrequencyValue),
        new InputField("destination", InputSchema.Text, Required: true),
        new InputField("content", InputSchema.Text, Required: true)), acceptsSingleItem: true),
    "write a file")
{
    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var inputs = run.Inputs;
        var file = new WriteFileItem(inputs.Text("destination") ?? string.Empty,
            System.Text.Encoding.UTF8.GetBytes(inputs.Text("content") ?? string.Empty), false, null, run.Unit.Frequency, run.Unit.ToString());
        return Task.FromResult(ScriptTasks.WriteFile(file, run.Context));
    }

    /// <summary>Each entry with a destination is a file item, as the other user-data formats give.</summary>
    public override IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin) => ItemPerEntry(task, origin, (entry, where) =>
        entry.Text("destination") is { } destination
            ? new WriteFileItem(destination, System.Text.Encoding.UTF8.GetBytes(entry.Text("content") ?? string.Empty), false, null,
                task.FrequencyOf(entry), where)
            : null);
}
