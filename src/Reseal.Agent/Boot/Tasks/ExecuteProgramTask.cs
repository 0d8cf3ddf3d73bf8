using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>executeProgram</c> (per input, preReady/postReady/user data): runs programs, one per entry.</summary>
public sealed class ExecuteProgramTask() : BootTask(
    "executeProgram",
    FrequencyRule.PerInput,
    ExecuteScriptTask.ScriptStages,
    InputSchema.ListOf(InputSchema.MapOf(
        new InputField("frequency", ExecuteScriptTask.FrequencyValue),
        new InputField("path", InputSchema.Text, Required: true),
        new InputField("arguments", InputSchema.ListOf(InputSchema.Text)),
        new InputField("runAs", ExecuteScriptTask.RunAsValue)), acceptsSingleItem: true),
    "run a program")
{
    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var inputs = run.Inputs;
        var program = new ProgramItem(inputs.Text("path") ?? string.Empty, inputs.Texts("arguments"), ExecuteScriptTask.RunAsOf(inputs),
            run.Unit.Frequency, run.Unit.ToString());
        return ScriptTasks.RunProgramAsync(program, run.FileName, run.Context, cancellationToken);
    }

    /// <summary>Each entry with a path is a program item, as the other user-data formats give.</summary>
    public override IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin) => ItemPerEntry(task, origin, (entry, where) =>
        entry.Text("path") is { } path
            ? new ProgramItem(path, entry.Texts("arguments"), ExecuteScriptTask.RunAsOf(entry), task.FrequencyOf(entry), where)
            : null);
}
