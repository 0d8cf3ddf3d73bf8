using Reseal.Agent.Boot.Runner;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>A task asked for a reboot: restart the machine, unless reboots are off or Windows Setup still runs.</summary>
internal static class RebootPhase
{
    /// <summary>Requests the reboot when it may; returns true only when one is coming.</summary>
    public static bool Request(AgentRun run, BootRunResult result)
    {
        if (!result.RebootRequested || !run.Options.AllowReboot)
        {
            return false;
        }

        // Never restart while Setup runs (SetupComplete.cmd "must not reboot the system"): whoever started this run, the
        // machine is only restarted once Setup has handed it over.
        var setup = SetupProgress.Read(run.Machine);
        if (setup.InsideSetup)
        {
            run.Log.Warning($"a task asked for a reboot, but Windows Setup is still running ({setup.Describe()}): the machine is not restarted now; the task runs again at the next boot");
            return false;
        }

        try
        {
            run.Machine.Power.Request(PowerAction.Reboot, TimeSpan.FromSeconds(5), "Reseal agent: a task asked for a reboot; the agent continues after it");
            run.Log.Info("reboot requested");
            return true;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            run.Log.Error($"a task asked for a reboot but it could not be requested: {e.Message}");
            return false;
        }
    }
}
