using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>startSsm</c>: start the SSM agent.</summary>
public sealed class StartSsmTask : BootTask
{
    /// <inheritdoc/>
    public override string Name => "startSsm";

    /// <inheritdoc/>
    public override FrequencyRule Frequency => FrequencyRule.Always;

    /// <inheritdoc/>
    public override IReadOnlyList<AgentStage> Stages { get; } = [AgentStage.PostReady, AgentStage.UserData];

    /// <inheritdoc/>
    public override string Summary => "start the SSM agent";

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.StartSsmAsync(run.Context, cancellationToken);
    }
}
