using System.Globalization;
using Reseal.Agent.Boot.Host.Phases;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>How the service watches GCE's <c>windows-keys</c> once its run is over.</summary>
public sealed record GceWatchSettings
{
    /// <summary>The defaults: 60 s per request (what GCE's own guest agent asks for), back-off 5 s doubling to 60 s.</summary>
    public static GceWatchSettings Default { get; } = new();

    /// <summary>How long the server may hold one request (<c>timeout_sec</c>) before answering "no change".</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Pause after the first failed request; it doubles with each failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest pause between failed requests.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Shortest time between two requests: a server that answers at once again and again (ignoring
    /// <c>wait_for_change</c>, or changing its ETag every time) costs one request a second, never a busy loop.
    /// </summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for a person's <c>agent run</c> to release the run lock before a reset is handled.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// GCE's password reset on a running instance (<c>gcloud compute reset-windows-password</c>): the service, after its
/// run, keeps a request open to the metadata server that returns when the instance's attributes change
/// (<see cref="IWindowsKeysWatch"/>), and answers each new <c>windows-keys</c> request on COM4 through the same code as
/// the boot-time pass (<see cref="GceAccountResets"/>, which remembers answered requests, so nothing is answered twice).
/// Runs until the service stops; a failing server is asked again with back-off, and its failures are logged on the
/// first and every tenth, not on each.
/// </summary>
public static class GceKeyWatch
{
    /// <summary>Watches until <paramref name="cancellationToken"/> is cancelled (the service stops); never throws for a server's failure.</summary>
    /// <param name="source">The metadata server.</param>
    /// <param name="openCom4">Opens the port answers go to, once per batch of new requests.</param>
    /// <param name="machine">The machine whose accounts are reset.</param>
    /// <param name="paths">The agent's folders: answered requests are remembered in the state folder; the run lock is taken while resetting.</param>
    /// <param name="time">The clock.</param>
    /// <param name="log">Receives what happened: level (0 information, 1 warning, 2 error) and text.</param>
    /// <param name="settings">Timings.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    public static async Task WatchAsync(IWindowsKeysWatch source, Func<ISerialConsole> openCom4, IWindowsMachine machine, AgentPaths paths,
        TimeProvider time, Action<int, string> log, GceWatchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(openCom4);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(settings);
        string? etag = null;
        var failures = 0;

        // Notes already logged: an unrelated attribute change (ssh-keys, a label) must not repeat them. Bounded.
        var reported = new HashSet<string>(StringComparer.Ordinal);
        log(0, $"GCE windows-keys: watching for password resets while the service runs (requests held up to {Seconds(settings.Wait)} s)");
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var asked = time.GetUtcNow();
                WindowsKeysVersion version;
                try
                {
                    version = await source.WaitForWindowsKeysAsync(etag, settings.Wait, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudException e)
                {
                    failures++;
                    var pause = Backoff(failures, settings);
                    if (failures == 1 || failures % 10 == 0)
                    {
                        log(1, $"GCE windows-keys: {e.Message} (failure {failures.ToString(CultureInfo.InvariantCulture)}; asking again in {Seconds(pause)} s)");
                    }

                    await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (failures > 0)
                {
                    log(0, $"GCE windows-keys: the metadata server answers again after {failures.ToString(CultureInfo.InvariantCulture)} failed request(s)");
                    failures = 0;
                }

                if (version.ETag != etag && await HandleAsync(version, openCom4, machine, paths, time, log, settings, reported, cancellationToken).ConfigureAwait(false))
                {
                    etag = version.ETag;
                }

                var since = time.GetUtcNow() - asked;
                if (since < settings.MinInterval)
                {
                    await Task.Delay(settings.MinInterval - since, time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The service is stopping.
        }

        log(0, "GCE windows-keys: watch ended (the service is stopping)");
    }

    /// <summary>Answers the requests of one version; false when it must be tried again (the lock or COM4 was not available).</summary>
    private static async Task<bool> HandleAsync(WindowsKeysVersion version, Func<ISerialConsole> openCom4, IWindowsMachine machine, AgentPaths paths,
        TimeProvider time, Action<int, string> log, GceWatchSettings settings, HashSet<string> reported, CancellationToken cancellationToken)
    {
        if (version.Scan.Keys.Count == 0)
        {
            Report(version.Scan.Problems, log, reported);
            return true;
        }

        try
        {
            // One reset at a time with a run (which answers windows-keys too at its end): the answered list stays whole.
            using var runLock = await RunLock.AcquireAsync(paths, settings.LockWait, time, cancellationToken).ConfigureAwait(false);
            var report = await GceAccountResets.ApplyAsync(machine, version.Scan, openCom4, paths.StateDirectory, time, cancellationToken).ConfigureAwait(false);

            foreach (var user in report.Reset)
            {
                log(0, $"GCE windows-keys: reset the password of {user}; the answer is on COM4");
            }

            Report(report.Skipped, log, reported);
            foreach (var failed in report.Failed)
            {
                log(2, "GCE windows-keys: " + failed);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CloudException or System.ComponentModel.Win32Exception
            or InvalidOperationException or PlatformNotSupportedException or TimeoutException)
        {
            log(2, $"GCE windows-keys: the requests could not be answered now ({e.Message}); trying again at the next change or request");
            await Task.Delay(settings.FirstBackoff, time, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private static void Report(IEnumerable<string> notes, Action<int, string> log, HashSet<string> reported)
    {
        foreach (var note in notes)
        {
            if (reported.Count >= 1000)
            {
                reported.Clear();
            }

            if (reported.Add(note))
            {
                log(1, "GCE windows-keys: " + note);
            }
        }
    }

    private static TimeSpan Backoff(int failures, GceWatchSettings settings)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var pause = TimeSpan.FromTicks((long)Math.Min(settings.FirstBackoff.Ticks * factor, settings.MaxBackoff.Ticks));
        return pause < settings.FirstBackoff ? settings.FirstBackoff : pause;
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
