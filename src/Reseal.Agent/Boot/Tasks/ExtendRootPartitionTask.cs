using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>extendRootPartition</c>: extend the root partition to fill its volume.</summary>
public sealed class ExtendRootPartitionTask() : BootTask(
    "extendRootPartition",
    FrequencyRule.Once,
    [AgentStage.Boot],
    null,
    "extend the root partition to fill its volume")
{
    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.PowerShellAsync(SystemTasks.ExtendRootPartitionScript, run.FileName, run.Context, cancellationToken);
    }
}
