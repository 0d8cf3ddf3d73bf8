using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>extendRootPartition</c>: extend the root partition to fill its volume.</summary>
public sealed class ExtendRootPartitionTask : BootTask
{
    /// <inheritdoc/>
    public override string Name => "extendRootPartition";

    /// <inheritdoc/>
    public override FrequencyRule Frequency => FrequencyRule.Once;

    /// <inheritdoc/>
    public override IReadOnlyList<AgentStage> Stages { get; } = [AgentStage.Boot];

    /// <inheritdoc/>
    public override string Summary => "extend the root partition to fill its volume";

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.PowerShellAsync(SystemTasks.ExtendRootPartitionScript, run.FileName, run.Context, cancellationToken);
    }
}
