using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>GCE: after the stages, answer the <c>windows-keys</c> password-reset requests on COM4.</summary>
internal sealed class GceHooks : CloudHooks
{
    public override MetadataSource Source => MetadataSource.Gce;

    public override async Task AfterTasksAsync(AgentRun run, AcquiredMetadata acquired, CancellationToken cancellationToken)
    {
        if (acquired.Provider?.WindowsKeys is not { } gce)
        {
            return;
        }

        var log = run.Log;
        if (run.Options.GceReplyPort is not { } open)
        {
            log.Warning("GCE windows-keys requests are not answered: no COM4 port was given");
            return;
        }

        try
        {
            var scan = await gce.GetWindowsKeysAsync(cancellationToken).ConfigureAwait(false);
            // COM4 is opened once for this run's answers, then released.
            var report = await GceAccountResets.ApplyAsync(run.Machine, scan, open, run.Paths.StateDirectory, run.Time, cancellationToken).ConfigureAwait(false);

            foreach (var user in report.Reset)
            {
                log.Info($"GCE windows-keys: reset the password of {user}; the answer is on COM4");
            }

            foreach (var note in report.Skipped.Concat(report.Failed))
            {
                log.Warning("GCE windows-keys: " + note);
            }
        }
        catch (Exception e) when (e is CloudException or IOException or UnauthorizedAccessException)
        {
            log.Error($"GCE windows-keys: {e.Message}");
        }
    }
}
