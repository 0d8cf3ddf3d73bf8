using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>executeScript</c> (per input, preReady/postReady/user data): runs PowerShell or batch scripts, one per entry.</summary>
public sealed class ExecuteScriptTask() : BootTask(
    "executeScript",
    FrequencyRule.PerInput,
    ScriptStages,
    InputSchema.ListOf(InputSchema.MapOf(
        new InputField("frequency", FrequencyValue),
        new InputField("type", InputSchema.OneOf("batch", "powershell"), Required: true),
        new InputField("content", InputSchema.Text, Required: true),
        new InputField("arguments", InputSchema.ListOf(InputSchema.Text)),
        new InputField("runAs", RunAsValue),
        new InputField("detach", InputSchema.Flag)), acceptsSingleItem: true),
    "run a PowerShell or batch script (exit 3010: reboot and run again)")
{
    /// <summary>The <c>frequency</c> an entry may carry.</summary>
    internal static InputSchema FrequencyValue { get; } = InputSchema.OneOf("once", "always");

    /// <summary>The <c>runAs</c> an entry may carry.</summary>
    internal static InputSchema RunAsValue { get; } = InputSchema.OneOf("admin", "localSystem");

    /// <summary>The stages the script tasks run in.</summary>
    internal static IReadOnlyList<AgentStage> ScriptStages { get; } = [AgentStage.PreReady, AgentStage.PostReady, AgentStage.UserData];

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
    public override IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin) => ItemPerEntry(task, origin, (entry, where) =>
        entry.Text("content") is { } content
            ? new ScriptItem(entry.Text("type") == "batch" ? ScriptLanguage.Batch : ScriptLanguage.PowerShell, content, RunAsOf(entry),
                task.FrequencyOf(entry), entry.Flag("detach") ?? false, entry.Texts("arguments"), ExitCodeConvention.Ec2Launch, null, where)
            : null);

    /// <summary>The entry's <c>runAs</c> (admin when absent).</summary>
    internal static RunAs RunAsOf(InputMap inputs) => inputs.Text("runAs") == "localSystem" ? RunAs.LocalSystem : RunAs.Admin;
}
