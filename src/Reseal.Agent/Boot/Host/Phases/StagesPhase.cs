using System.Globalization;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>
/// The stages: the plan over the configuration and user data (logged), run on the machine with the instance's state,
/// the ready point told as it happens, and every outcome logged and told as an event.
/// </summary>
internal static class StagesPhase
{
    /// <summary>Runs the plan and returns the runner's result.</summary>
    public static async Task<BootRunResult> RunAsync(AgentRun run, AgentConfig config, UserDataResult? userData, BootTaskContext context,
        AgentStateStore store, AgentState state, string instanceId, CancellationToken cancellationToken)
    {
        var plan = BootPlan.Create(config, userData);
        foreach (var line in plan.Describe())
        {
            run.Log.Info("plan: " + line);
        }

        var runner = new BootRunner(new WindowsTaskExecutor(context), store, run.Time, text =>
        {
            run.Console.Write(text);
            if (text.Contains(ConsoleLines.Ready, StringComparison.Ordinal))
            {
                run.Event(new AgentEvent(0, null, null, ConsoleLines.Ready)); // event 5000 when it happens
            }
        });
        var result = await runner.RunAsync(plan, state, new BootRunOptions { InstanceId = instanceId }, cancellationToken).ConfigureAwait(false);
        Report(run, result);
        return result;
    }

    private static void Report(AgentRun run, BootRunResult result)
    {
        foreach (var outcome in result.Outcomes)
        {
            var text = $"{outcome.Stage.ToYamlName()} {outcome.Task}#{outcome.Entry.ToString(CultureInfo.InvariantCulture)}: {outcome.Outcome}" +
                (outcome.Message is null ? string.Empty : " — " + outcome.Message);
            var level = outcome.Outcome == TaskOutcomeKind.Failed ? 2 : outcome.Outcome == TaskOutcomeKind.Skipped ? 1 : 0;
            if (level == 2)
            {
                run.Log.Error(text);
            }
            else
            {
                run.Log.Info(text);
            }

            run.Event(new AgentEvent(level, outcome.Stage, outcome.Task, text));
        }
    }
}
