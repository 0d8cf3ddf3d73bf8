using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>enableOpenSsh</c>: install and start OpenSSH Server (Windows Server 2019 and later).</summary>
public sealed class EnableOpenSshTask() : BootTask(
    "enableOpenSsh",
    FrequencyRule.Once,
    [AgentStage.PreReady, AgentStage.UserData],
    null,
    "install and start OpenSSH Server (Windows Server 2019 and later)")
{
    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.EnableOpenSshAsync(run.FileName, run.Context, cancellationToken);
    }
}
