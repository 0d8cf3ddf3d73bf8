using System.Globalization;
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>Reads agent-config.yml against the run's tasks; a missing or broken file runs the built-in default.</summary>
internal static class ConfigPhase
{
    /// <summary>The configuration to run; its problems go to the log, and a broken file is said on the console and as an event.</summary>
    public static AgentConfig Load(AgentRun run)
    {
        var (paths, log) = (run.Paths, run.Log);
        if (!File.Exists(paths.ConfigFile))
        {
            log.Info($"{paths.ConfigFile} does not exist: running the default configuration");
            return DefaultAgentConfig.Config;
        }

        var read = AgentConfigReader.ReadFile(paths.ConfigFile, run.Options.Tasks);
        foreach (var diagnostic in read.Diagnostics)
        {
            log.Warning(diagnostic.ToString());
        }

        if (read.IsValid)
        {
            return read.Config!;
        }

        // A broken configuration must not leave the machine without a password or the ready line: say so, run the default.
        var errors = read.Diagnostics.Count(d => d.IsError);
        run.Line($"Message: {Path.GetFileName(paths.ConfigFile)} has {errors.ToString(CultureInfo.InvariantCulture)} error(s) (see agent.log or 'reseal agent validate'); running the default configuration");
        run.Event(new AgentEvent(2, null, null, $"{paths.ConfigFile} is invalid; the default configuration ran instead"));
        return DefaultAgentConfig.Config;
    }
}
