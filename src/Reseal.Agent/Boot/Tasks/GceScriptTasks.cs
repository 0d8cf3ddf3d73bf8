using System.Globalization;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;
using Reseal.Cloud;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// GCE's metadata scripts of one phase (<see cref="GceScripts"/>): each of <c>ps1</c>, <c>cmd</c>, <c>bat</c>, <c>url</c>
/// that the instance (else the project) sets, in that order, as LocalSystem, each waited for within the script time
/// limit; a failing script does not stop the next (GCE's runner goes on too), and the task fails naming every one that
/// failed. A <c>url</c> script is fetched through the run's metadata provider (<c>gs://</c> with the instance's service
/// account) and run by its extension (<c>.ps1</c>, <c>.cmd</c>, <c>.bat</c>). Skipped off GCE.
/// </summary>
public abstract class GceScriptTask(string name, CloudScriptPhase phase, FrequencyRule frequency, AgentStage stage, string summary)
    : BootTask(name, frequency, [stage], null, summary)
{
    /// <summary>The phase this task runs.</summary>
    public CloudScriptPhase Phase { get; } = phase;

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Metadata is { Source: not MetadataSource.Gce } metadata ? $"GCE only (this metadata is from {metadata.Source})" : null;
    }

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var context = run.Context;
        if (context.Metadata is not { Source: MetadataSource.Gce } metadata)
        {
            return TaskExecutionResult.Skip(context.Metadata is null ? "no metadata in this run" : $"GCE only (this metadata is from {context.Metadata.Source})");
        }

        var scripts = metadata.Scripts.Where(s => s.Phase == Phase).ToList();
        if (scripts.Count == 0)
        {
            return TaskExecutionResult.Skip($"no {GceScripts.Prefix(Phase)}* key in the instance's or project's metadata");
        }

        var (ran, failed) = await RunAllAsync(scripts, context, run.FileName, run.Console.WriteLine, cancellationToken).ConfigureAwait(false);
        return failed.Count > 0
            ? TaskExecutionResult.Failed(string.Join("; ", failed.Concat(ran)))
            : TaskExecutionResult.Done($"{scripts.Count.ToString(CultureInfo.InvariantCulture)} script(s): " + string.Join("; ", ran));
    }

    /// <summary>
    /// Runs <paramref name="scripts"/> in order, each to its end, whatever the one before did; returns a line per script,
    /// split into those that ran and those that failed. Used by the tasks and by the service at shutdown.
    /// </summary>
    /// <param name="scripts">The scripts, in run order.</param>
    /// <param name="context">The machine, the downloader for URL scripts, the script folder and time limit.</param>
    /// <param name="fileName">A file-name-safe prefix for the script and log files.</param>
    /// <param name="line">Receives a console line when each script starts and ends.</param>
    /// <param name="cancellationToken">Stops the wait (the running script is killed).</param>
    public static async Task<(List<string> Ran, List<string> Failed)> RunAllAsync(IReadOnlyList<CloudScript> scripts, BootTaskContext context, string fileName,
        Action<string> line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(line);
        List<string> ran = [], failed = [];
        foreach (var script in scripts)
        {
            var (item, problem) = await ItemAsync(script, context, cancellationToken).ConfigureAwait(false);
            TaskExecutionResult result;
            if (item is null)
            {
                result = TaskExecutionResult.Failed(problem!);
            }
            else
            {
                line($"{script.Key}: running ({script.Scope} metadata)");
                result = await ScriptTasks.RunScriptAsync(item, $"{fileName}-{script.Key}", context, cancellationToken).ConfigureAwait(false);
            }

            var note = $"{script.Key}: {result.Message ?? (result.Action == ExitAction.Failed ? "failed" : "done")}";
            line(note);
            (result.Action == ExitAction.Failed ? failed : ran).Add(note);
        }

        return (ran, failed);
    }

    private static async Task<(ScriptItem? Item, string? Problem)> ItemAsync(CloudScript script, BootTaskContext context, CancellationToken cancellationToken)
    {
        var (kind, content) = (script.Kind, script.Value);
        if (kind == "url")
        {
            if (context.ScriptDownloader is not { } downloader)
            {
                return (null, $"{script.Value} cannot be fetched (this run's metadata source downloads nothing)");
            }

            try
            {
                var address = script.Value.Trim();
                var path = address.Split('?', '#')[0];
                kind = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
                if (kind is not ("ps1" or "cmd" or "bat"))
                {
                    return (null, $"{address} does not end in .ps1, .cmd or .bat, so how to run it is unknown");
                }

                var bytes = await downloader.DownloadScriptAsync(address, cancellationToken).ConfigureAwait(false);
                content = new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF');
            }
            catch (CloudException e)
            {
                return (null, e.Message);
            }
            catch (DecoderFallbackException)
            {
                return (null, $"{script.Value} is not UTF-8 text");
            }
        }

        var language = kind == "ps1" ? ScriptLanguage.PowerShell : ScriptLanguage.Batch;
        return (new ScriptItem(language, content, RunAs.LocalSystem, TaskFrequency.Always, Detach: false, [], ExitCodeConvention.Ec2Launch, null,
            $"{script.Scope} metadata {script.Key}"), null);
    }
}

/// <summary>
/// <c>runGceSpecializeScripts</c>: GCE's <c>sysprep-specialize-script-*</c>, once per instance, in the network stage of
/// the first run (GCE runs them inside Sysprep's specialize pass; Reseal's agent runs after Setup, so this is the
/// earliest point with metadata — said in the README).
/// </summary>
public sealed class GceSpecializeScriptsTask() : GceScriptTask("runGceSpecializeScripts", CloudScriptPhase.Specialize, FrequencyRule.Once,
    AgentStage.Network, "run GCE's sysprep-specialize-script-* (ps1, cmd, bat, url) once per instance");

/// <summary><c>runGceStartupScripts</c>: GCE's <c>windows-startup-script-*</c> at every boot, after Windows is ready.</summary>
public sealed class GceStartupScriptsTask() : GceScriptTask("runGceStartupScripts", CloudScriptPhase.Startup, FrequencyRule.Always,
    AgentStage.PostReady, "run GCE's windows-startup-script-* (ps1, cmd, bat, url) at every boot");
