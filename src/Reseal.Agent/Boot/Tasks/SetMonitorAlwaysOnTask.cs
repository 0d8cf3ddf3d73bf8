using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setMonitorAlwaysOn</c> (EC2Launch v1's LaunchConfig.json key of that name): the display never turns off, on mains
/// and on battery, in the active power plan — <c>powercfg /change monitor-timeout-ac 0</c> and <c>monitor-timeout-dc 0</c>
/// (0 is "never"; Microsoft's "Powercfg command-line options"). Setting the same value again changes nothing, so it
/// simply runs every boot.
/// </summary>
public sealed class SetMonitorAlwaysOnTask() : BootTask(
    "setMonitorAlwaysOn",
    FrequencyRule.Always,
    [AgentStage.PreReady, AgentStage.UserData],
    null,
    "keep the display on (power plan: monitor timeout never)")
{
    /// <summary>Where powercfg is.</summary>
    public const string PowerCfg = @"%WINDIR%\System32\powercfg.exe";

    /// <summary>What the console says once it is done.</summary>
    public const string ConsoleLine = "Message: Display set to never turn off";

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var context = run.Context;
        var program = context.Machine.Files.Expand(PowerCfg);
        if (!context.Machine.Files.FileExists(PowerCfg))
        {
            return TaskExecutionResult.Skip($"{program} is not there (this Windows has no power plans to change)");
        }

        foreach (var setting in new[] { "monitor-timeout-ac", "monitor-timeout-dc" })
        {
            var outcome = await context.Machine.Processes.RunAsync(new ProcessRequest(program, ["/change", setting, "0"], context.CommandTimeout), cancellationToken)
                .ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                var why = outcome.TimedOut ? "timed out" : $"exited {outcome.ExitCode}";
                return TaskExecutionResult.Failed($"powercfg /change {setting} 0 {why}: {Brief(outcome.StandardOutput + " " + outcome.StandardError)}");
            }
        }

        run.Console.WriteLine(ConsoleLine);
        return TaskExecutionResult.Done("monitor timeout set to never (AC and DC) in the active power plan");
    }

    // A program's output in a message: one line, at most 200 characters.
    internal static string Brief(string output)
    {
        var line = ConsoleOutput.ConsoleLines.OneLine(output.Trim());
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
