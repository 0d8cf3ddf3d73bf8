using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Runner;

/// <summary>What a task's exit code asks the agent to do.</summary>
public enum ExitAction
{
    /// <summary>Done (exit 0).</summary>
    Completed,

    /// <summary>Failed (any other code).</summary>
    Failed,

    /// <summary>Reboot, then run the task again (EC2Launch v2 3010; Cloudbase-Init 1003).</summary>
    RebootAndRerun,

    /// <summary>Reboot; the task is done (Cloudbase-Init 1001).</summary>
    RebootThenDone,

    /// <summary>Run the task again at the next boot, no reboot now (Cloudbase-Init 1002).</summary>
    RerunNextBoot,
}

/// <summary>The two reboot contracts (agents.md §1 "Reboots", §3 "Script exit codes").</summary>
public static class ExitCodes
{
    /// <summary>EC2Launch v2: reboot and run again.</summary>
    public const int Ec2LaunchRebootAndRerun = 3010;

    /// <summary>Cloudbase-Init: reboot, don't rerun.</summary>
    public const int CloudbaseRebootThenDone = 1001;

    /// <summary>Cloudbase-Init: rerun at next boot, no reboot.</summary>
    public const int CloudbaseRerunNextBoot = 1002;

    /// <summary>Cloudbase-Init: reboot and rerun.</summary>
    public const int CloudbaseRebootAndRerun = 1003;

    /// <summary>
    /// Interprets <paramref name="exitCode"/> under <paramref name="convention"/>. Cloudbase-Init's codes mean nothing
    /// special to scripts from EC2 formats and 3010 means nothing special to Cloudbase-Init scripts: each keeps its own
    /// documented contract. A detached script's code is never waited for, so it is always Completed.
    /// </summary>
    public static ExitAction Interpret(int exitCode, ExitCodeConvention convention, bool detached = false)
    {
        if (detached || exitCode == 0)
        {
            return ExitAction.Completed;
        }

        return (convention, exitCode) switch
        {
            (ExitCodeConvention.Ec2Launch, Ec2LaunchRebootAndRerun) => ExitAction.RebootAndRerun,
            (ExitCodeConvention.CloudbaseInit, CloudbaseRebootThenDone) => ExitAction.RebootThenDone,
            (ExitCodeConvention.CloudbaseInit, CloudbaseRerunNextBoot) => ExitAction.RerunNextBoot,
            (ExitCodeConvention.CloudbaseInit, CloudbaseRebootAndRerun) => ExitAction.RebootAndRerun,
            _ => ExitAction.Failed,
        };
    }
}
