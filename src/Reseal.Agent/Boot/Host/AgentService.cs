using System.Text.Json;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>
/// What the Windows service does at each boot: wait until Setup has really finished (<see cref="SetupHandOver.WaitForSetupAsync"/>:
/// ImageState, the Setup flags, windeploy.exe, and on the image's first boot the marker SetupComplete.cmd's line leaves), then
/// run the agent once, unless a finished run already started in this boot (a service restarted after a crash). The service
/// is the only place the agent runs at boot, and so the only place a task may restart the machine.
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
        var bootTime = time.GetUtcNow() - uptime;
        var wait = await SetupHandOver.WaitForSetupAsync(machine, paths, time, uptime, options.SetupPollInterval, options.HandOver, cancellationToken).ConfigureAwait(false);

        // Checked by the session once it holds the run lock, so one boot never gets two runs, even when a restarted service
        // or a person's 'agent run' overlaps.
        var session = new AgentSession(machine, paths, time, options with
        {
            SkipIfRanSince = bootTime,
            AllowReboot = options.AllowReboot && !wait.StillInsideSetup,
            StartNotes = [.. options.StartNotes, .. wait.Notes],
        });
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
