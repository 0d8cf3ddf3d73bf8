using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>enableOpenSsh</c>: install and start OpenSSH Server (Windows Server 2019 and later).</summary>
public sealed class EnableOpenSshTask : BootTask
{
    /// <inheritdoc/>
    public override string Name => "enableOpenSsh";

    /// <inheritdoc/>
    public override FrequencyRule Frequency => FrequencyRule.Once;

    /// <inheritdoc/>
    public override IReadOnlyList<AgentStage> Stages { get; } = [AgentStage.PreReady, AgentStage.UserData];

    /// <inheritdoc/>
    public override string Summary => "install and start OpenSSH Server (Windows Server 2019 and later)";

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.EnableOpenSshAsync(run.FileName, run.Context, cancellationToken);
    }
}
