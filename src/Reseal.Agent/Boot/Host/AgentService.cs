using System.Text.Json;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>
/// What the Windows service does at each boot: wait until Setup has finished (printing <c>Windows is being configured.
/// SysprepState=…</c> once, as EC2Launch v2 does), skip when the first-boot hook in SetupComplete.cmd already ran the agent
/// in this boot, and otherwise run it. The run lock keeps the two from overlapping.
/// </summary>
public static class AgentService
{
    /// <summary>Runs the service's work once; returns the run's exit code (0 when it skipped).</summary>
    public static async Task<int> RunAsync(IWindowsMachine machine, AgentPaths paths, TimeProvider time, TimeSpan uptime, AgentRunOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        var announced = false;
        while (machine.System.GetImageState() is { State: ImageState.Undeployable or ImageState.SpecializeResealToOobe or ImageState.GeneralizeResealToOobe } state)
        {
            if (!announced)
            {
                try
                {
                    await machine.SerialConsole.WriteLineAsync(ConsoleLines.Format(time, ConsoleLines.BeingConfigured(state.RawText ?? state.State.ToString())).TrimEnd('\r', '\n'),
                        cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The console is best effort while waiting.
                catch (Exception)
#pragma warning restore CA1031
                {
                }

                announced = true;
            }

            await Task.Delay(options.SetupPollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        // Checked by the session once it holds the run lock, so a run by SetupComplete.cmd in this boot is never repeated,
        // even when the two overlap.
        var session = new AgentSession(machine, paths, time, options with { SkipIfRanSince = time.GetUtcNow() - uptime });
        return (await session.RunAsync(cancellationToken).ConfigureAwait(false)).ExitCode;
    }

    /// <summary>True when run.json records a finished run that started after <paramref name="since"/>.</summary>
    public static bool RanSince(AgentPaths paths, DateTimeOffset since)
    {
        ArgumentNullException.ThrowIfNull(paths);
        try
        {
            return RunStatusFile.Read(paths.StateDirectory) is { Finished: true, StartedTime: { } at } && at >= since;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
