using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>executeProgram</c> (per input, preReady/postReady/user data): runs programs, one per entry.</summary>
public sealed class ExecuteProgramTask : BootTask
{
    /// <inheritdoc/>
    public override string Name => "executeProgram";

    /// <inheritdoc/>
    public override FrequencyRule Frequency => FrequencyRule.PerInput;

    /// <inheritdoc/>
    public override IReadOnlyList<AgentStage> Stages => ExecuteScriptTask.ScriptStages;

    /// <inheritdoc/>
    public override InputSchema? Inputs { get; } = InputSchema.ListOf(InputSchema.MapOf(
        new InputField("frequency", ExecuteScriptTask.FrequencyValue),
        new InputField("path", InputSchema.Text, Required: true),
        new InputField("arguments", InputSchema.ListOf(InputSchema.Text)),
        new InputField("runAs", ExecuteScriptTask.RunAsValue)), acceptsSingleItem: true);

    /// <inheritdoc/>
    public override string Summary => "run a program";

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
    public override IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin)
    {
        ArgumentNullException.ThrowIfNull(task);
        var entries = task.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Text("path") is { } path) // without it the missing input is already reported
            {
                yield return new ProgramItem(path, entry.Texts("arguments"), ExecuteScriptTask.RunAsOf(entry), task.FrequencyOf(entry),
                    UserDataOrigin(task, origin, i));
            }
        }
    }
}
