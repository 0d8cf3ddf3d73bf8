namespace Reseal.Agent.Boot.Host;

/// <summary>
/// The exit codes of one agent run (<c>reseal agent run</c>, and the service's stop code). The reboot signals are
/// Windows' own "success, but a restart is needed" codes, as msiexec returns them, so no one reads them as the CLI's
/// 3 (bad input); docs/exit-codes.md has the whole table.
/// </summary>
public static class AgentExitCodes
{
    /// <summary>Every task succeeded (or was skipped as planned).</summary>
    public const int Done = 0;

    /// <summary>A task failed and no task asked for a reboot.</summary>
    public const int TaskFailed = 1;

    /// <summary>
    /// ERROR_SUCCESS_REBOOT_INITIATED: a task asked for a reboot and the agent has requested it; the run continues
    /// after the restart.
    /// </summary>
    public const int RebootStarted = 1641;

    /// <summary>
    /// ERROR_SUCCESS_REBOOT_REQUIRED: a task asked for a reboot the agent did not start (<c>--no-reboot</c>, or Windows
    /// Setup was still running, or the request failed); the task runs again at the next boot.
    /// </summary>
    public const int RebootRequired = 3010;
}
