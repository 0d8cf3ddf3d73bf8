using System.Text.Json;
using Reseal.Cloud;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>
/// What the Windows service does at each boot: wait until Setup has really finished (<see cref="SetupHandOver.WaitForSetupAsync"/>:
/// ImageState, the Setup flags, windeploy.exe, and on the image's first boot the marker SetupComplete.cmd's line leaves), then
/// run the agent once, unless a finished run already started in this boot (a service restarted after a crash). The service
/// is the only place the agent runs at boot, and so the only place a task may restart the machine. On GCE it then stays,
/// answering password resets as they are asked for (<see cref="GceKeyWatch"/>), until Windows stops it.
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
        var result = await session.RunAsync(cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != AgentExitCodes.RebootStarted && options.GceWatch is { } settings && options.GceReplyPort is { } com4)
        {
            await WatchGceAsync(machine, paths, time, options, settings, com4, cancellationToken).ConfigureAwait(false);
        }

        return result.ExitCode;
    }

    /// <summary>
    /// Watches GCE's <c>windows-keys</c> when this boot's run (or the run a restarted service found) took its metadata from
    /// GCE, as run.json records; returns when the service stops. A sealed machine has no run.json: nothing is watched.
    /// </summary>
    private static async Task WatchGceAsync(IWindowsMachine machine, AgentPaths paths, TimeProvider time, AgentRunOptions options,
        GceWatchSettings settings, Func<ISerialConsole> com4, CancellationToken cancellationToken)
    {
        RunStatusRecord? status;
        try
        {
            status = RunStatusFile.Read(paths.StateDirectory);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return;
        }

        if (status is not { Finished: true, MetadataSource: "Gce", MetadataEndpoint: { } endpoint }
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return;
        }

        // The log is opened per line, never held: a person's 'agent run' during the watch must be able to write it too.
        void Log(int level, string message)
        {
            try
            {
                using var log = new AgentLog(paths.AgentLog, time, options.LogMirror);
                (level switch { 0 => (Action<string>)log.Info, 1 => log.Warning, _ => log.Error })(message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A locked or full log must not end the watch; the Event Log below still gets the line.
            }

            options.Events?.Invoke(new AgentEvent(Math.Clamp(level, 0, 2), null, null, message));
        }

        using var gce = new GceMetadataProvider(uri);
        await GceKeyWatch.WatchAsync(gce, com4, machine, paths, time, Log, settings, cancellationToken).ConfigureAwait(false);
        if (options.ShuttingDown?.Invoke() == true)
        {
            await RunShutdownScriptsAsync(machine, gce, time, options, Log).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// GCE's <c>windows-shutdown-script-*</c>, read fresh from the metadata server (they may have changed since boot) and run
    /// in GCE's order within <see cref="AgentRunOptions.ShutdownScriptBudget"/>: Windows gives a stopping service only
    /// the preshutdown time, so a script still running at the end of the budget is killed and the log says so.
    /// </summary>
    private static async Task RunShutdownScriptsAsync(IWindowsMachine machine, GceMetadataProvider gce, TimeProvider time, AgentRunOptions options,
        Action<int, string> log)
    {
        using var budget = new CancellationTokenSource(options.ShutdownScriptBudget, time);
        try
        {
            var metadata = await gce.GetMetadataAsync(budget.Token).ConfigureAwait(false);
            var scripts = metadata.Scripts.Where(s => s.Phase == CloudScriptPhase.Shutdown).ToList();
            if (scripts.Count == 0)
            {
                return;
            }

            log(0, $"Windows is shutting down: running {scripts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)} GCE shutdown script(s)");
            var context = new Tasks.BootTaskContext
            {
                Machine = machine,
                Metadata = metadata,
                ScriptDownloader = gce,
                Time = time,
                ScriptTimeout = options.ShutdownScriptBudget,
            };
            var (_, failed) = await Tasks.GceScriptTask.RunAllAsync(scripts, context, "shutdown", line => log(0, line), budget.Token).ConfigureAwait(false);
            foreach (var failure in failed)
            {
                log(2, "GCE shutdown script failed: " + failure);
            }
        }
        catch (OperationCanceledException)
        {
            log(1, $"GCE shutdown scripts: stopped after the {options.ShutdownScriptBudget.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s Windows leaves a stopping service");
        }
        catch (Exception e) when (e is CloudException or IOException or UnauthorizedAccessException)
        {
            log(2, $"GCE shutdown scripts not run: {e.Message}");
        }
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
