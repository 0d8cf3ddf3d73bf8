using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>setHostName</c>: set the computer name (at most 15 characters; reboots only when the name changes).</summary>
public sealed class SetHostNameTask() : BootTask(
    "setHostName",
    FrequencyRule.Always,
    [AgentStage.PostReady, AgentStage.UserData],
    InputSchema.MapOf(
        new InputField("hostName", InputSchema.TextUpTo(15)),
        new InputField("reboot", InputSchema.Flag)),
    "set the computer name (at most 15 characters; reboots only when the name changes)")
{
    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Fields.GetValueOrDefault("hostName") is InputText host && !IsNetBiosName(host.Value))
        {
            problems.Error(BootCodes.BadValue, host,
                $"host name '{host.Value}' is not a valid computer name: use 1-15 letters, digits and hyphens, not only digits, not starting with a hyphen");
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Task.FromResult(SystemTasks.SetHostName(run.Inputs.Text("hostName"), run.Inputs.Flag("reboot") ?? false, run.Context));
    }

    /// <summary>With a <c>hostName</c>, the host-name item cloud-config's <c>set_hostname</c> also gives; else the task itself.</summary>
    public override IEnumerable<UserDataItem> UserDataItems(TaskConfig task, string origin)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Entries is [var entry] && entry.Text("hostName") is { } hostName
            ? [new HostNameItem(hostName, entry.Flag("reboot") ?? false, UserDataOrigin(task, origin, 0))]
            : base.UserDataItems(task, origin);
    }

    internal static bool IsNetBiosName(string name) =>
        name.Length is >= 1 and <= 15 && name[0] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && !name.All(char.IsAsciiDigit);
}
