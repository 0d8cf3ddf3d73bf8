using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>executeScript</c> (per input, preReady/postReady/user data): runs PowerShell or batch scripts, one per entry.</summary>
public sealed class ExecuteScriptTask : BootTask
{
    /// <summary>The <c>frequency</c> an entry may carry.</summary>
    internal static InputSchema FrequencyValue { get; } = InputSchema.OneOf("once", "always");

    /// <summary>The <c>runAs</c> an entry may carry.</summary>
    internal static InputSchema RunAsValue { get; } = InputSchema.OneOf("admin", "localSystem");

    /// <summary>The stages the script tasks run in.</summary>
    internal static IReadOnlyList<AgentStage> ScriptStages { get; } = [AgentStage.PreReady, AgentStage.PostReady, AgentStage.UserData];

    /// <inheritdoc/>
    public override string Name => "executeScript";

    /// <inheritdoc/>
    public override FrequencyRule Frequency => FrequencyRule.PerInput;

    /// <inheritdoc/>
    public override IReadOnlyList<AgentStage> Stages => ScriptStages;

    /// <inheritdoc/>
    public override InputSchema? Inputs { get; } = InputSchema.ListOf(InputSchema.MapOf(
        new InputField("frequency", FrequencyValue),
        new InputField("type", InputSchema.OneOf("batch", "powershell"), Required: true),
        new InputField("content", InputSchema.Text, Required: true),
        new InputField("arguments", InputSchema.ListOf(InputSchema.Text)),
        new InputField("runAs", RunAsValue),
        new InputField("detach", InputSchema.Flag)), acceptsSingleItem: true);

    /// <inheritdoc/>
    public override string Summary => "run a PowerShell or batch script (exit 3010: reboot and run again)";

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var inputs = run.Inputs;
        var script = new ScriptItem(
            inputs.Text("type") == "batch" ? ScriptLanguage.Batch : ScriptLanguage.PowerShell,
            inputs.Text("content") ?? string.Empty,
            RunAsOf(inputs),
            run.Unit.Frequency,
            inputs.Flag("detach") ?? false,
            inputs.Texts("arguments"),
            ExitCodeConvention.Ec2Launch,
            null,
            run.Unit.ToString());
        return ScriptTasks.RunScriptAsync(script, run.FileName, run.Context, cancellationToken);
    }

    /// <summary>Each entry with content is a script item, as the other user-data formats give.</summary>
    public override IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin)
    {
        ArgumentNullException.ThrowIfNull(task);
        var entries = task.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Text("content") is { } content) // without it the missing input is already reported
            {
                var language = entry.Text("type") == "batch" ? ScriptLanguage.Batch : ScriptLanguage.PowerShell;
                yield return new ScriptItem(language, content, RunAsOf(entry), task.FrequencyOf(entry), entry.Flag("detach") ?? false,
                    entry.Texts("arguments"), ExitCodeConvention.Ec2Launch, null, UserDataOrigin(task, origin, i));
            }
        }
    }

    /// <summary>The entry's <c>runAs</c> (admin when absent).</summary>
    internal static RunAs RunAsOf(InputMap inputs) => inputs.Text("runAs") == "localSystem" ? RunAs.LocalSystem : RunAs.Admin;
}
