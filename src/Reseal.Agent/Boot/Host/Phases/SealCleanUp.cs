using System.Globalization;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Windows.Layout;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>
/// What sealing leaves behind, dealt with by the run: at the start, the seal journal and the passwords in the answer
/// files Setup cached; after a run whose <c>sysprep</c> task generalized the machine, the state, the logs and the power-off.
/// </summary>
internal static class SealCleanUp
{
    /// <summary>
    /// Answer files Setup reads or caches (the one location table, <see cref="AnswerFileLocations"/>) and Reseal's own,
    /// scrubbed of passwords once the machine is up. Other agents' files are templates they give Sysprep again: left alone.
    /// </summary>
    public static IReadOnlyList<string> CachedAnswerFiles { get; } =
        [.. AnswerFileLocations.All.Where(p => p.Kind != AnswerFilePlaceKind.Agent).Select(p => p.WindowsPath), SealPaths.AnswerFile];

    /// <summary>The image booted: delete the seal journal (nothing to roll back) and scrub the cached answer files.</summary>
    public static void AtStart(AgentRun run)
    {
        var (files, log) = (run.Machine.Files, run.Log);
        try
        {
            if (files.DeleteFile(SealPaths.Journal))
            {
                log.Info($"deleted the seal journal {files.Expand(SealPaths.Journal)} (the image booted: there is nothing to roll back)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"could not delete the seal journal: {e.Message}");
        }

        foreach (var path in CachedAnswerFiles)
        {
            try
            {
                if (!files.FileExists(path))
                {
                    continue;
                }

                var scrubbed = AnswerFileScrubber.Scrub(files.ReadAllBytes(path), files.Expand(path));
                if (scrubbed.Scrubbed > 0)
                {
                    files.WriteAllBytes(path, scrubbed.Bytes);
                    log.Info($"scrubbed {scrubbed.Scrubbed.ToString(CultureInfo.InvariantCulture)} password value(s) from {files.Expand(path)}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or AnswerFileFormatException)
            {
                log.Warning($"could not scrub {path}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// The sysprep task generalized the machine. The run saved the state after the seal had cleared it: clear it again, so
    /// no clone inherits this instance's once-tasks (a clone without metadata would keep this instance's id). Then the
    /// power-off the task asked for. Returns whether the logs are to be deleted once closed (<see cref="DeleteLogs"/>).
    /// </summary>
    public static bool AfterSeal(AgentRun run, SealFollowUp seal, AgentStateStore store)
    {
        var log = run.Log;
        try
        {
            var removed = store.Reset();
            log.Info($"the machine is sealed: cleared the agent state again ({removed.ToString(CultureInfo.InvariantCulture)} file(s)) so the image carries none");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"the machine is sealed but the agent state could not be cleared: {e.Message}; run 'reseal agent reset' before capturing");
        }

        if (seal.Shutdown && run.Options.AllowReboot)
        {
            try
            {
                run.Machine.Power.Request(PowerAction.Shutdown, TimeSpan.FromSeconds(5), "Reseal agent: the sysprep task sealed this instance");
                log.Info("shutdown requested (sysprep task, shutdown: true)");
            }
            catch (Exception e) when (e is PlatformNotSupportedException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Error($"the sysprep task asked for a shutdown but it could not be requested: {e.Message}; shut the machine down before capturing");
            }
        }

        return seal.CleanLogs;
    }

    /// <summary>Deletes the agent's logs (once they are closed); what cannot be deleted stays, the seal succeeded all the same.</summary>
    public static void DeleteLogs(AgentPaths paths)
    {
        if (!Directory.Exists(paths.LogDirectory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(paths.LogDirectory))
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // What cannot be deleted stays; the seal succeeded all the same.
            }
        }
    }
}
