using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>startSsm</c>: start the SSM agent.</summary>
public sealed class StartSsmTask() : BootTask(
    "startSsm",
    FrequencyRule.Always,
    [AgentStage.PostReady, AgentStage.UserData],
    null,
    "start the SSM agent")
{
    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.StartSsmAsync(run.Context, cancellationToken);
    }
}
