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
    /// <summary>The first build with the OpenSSH Server capability (Windows Server 2019, Windows 10 1809).</summary>
    public const int FirstBuild = 17763;

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Windows is { Build: < FirstBuild } windows
            ? $"OpenSSH Server comes with Windows Server 2019 (build {FirstBuild}) and later; this Windows is build {windows.Build}"
            : null;
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.EnableOpenSshAsync(run.FileName, run.Context, cancellationToken);
    }
}
