using System.Globalization;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.Host.Phases;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.Tasks;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>
/// One agent run on a machine, as a sequence of phases (each in <c>Host/Phases</c>): the run lock and run.json; the console
/// start line and the agent folder's access list; the configuration; metadata (waiting for it within bounds); the
/// instance id and information lines; clean-up of what sealing left (cached answer-file passwords, the seal journal); user
/// data; the stages; what the metadata source adds (<see cref="CloudHooks"/>: OpenStack's password post-back, GCE's
/// password resets); a seal's follow-up; the reboot; run.json. Windows-neutral: it talks to the machine through its ports.
/// </summary>
public sealed class AgentSession(IWindowsMachine machine, AgentPaths paths, TimeProvider time, AgentRunOptions? options = null)
{
    /// <summary>
    /// Answer files Setup reads or caches and Reseal's own, scrubbed of passwords once the machine is up (the list is
    /// kept with the clean-up that uses it).
    /// </summary>
    public static IReadOnlyList<string> CachedAnswerFiles => SealCleanUp.CachedAnswerFiles;

    private readonly AgentRunOptions _options = options ?? new AgentRunOptions();

    /// <summary>
    /// Runs the agent once, or nothing when <see cref="AgentRunOptions.SkipIfRanSince"/> says it already ran. Throws
    /// <see cref="IOException"/> when the state folder cannot be created or another run holds the lock past the wait.
    /// </summary>
    public async Task<AgentRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var protection = IdentityPhase.Protect(machine);
        Directory.CreateDirectory(paths.StateDirectory);
        using var runLock = await RunLock.AcquireAsync(paths, _options.LockWait, time, cancellationToken).ConfigureAwait(false);
        if (_options.SkipIfRanSince is { } since && AgentService.RanSince(paths, since))
        {
            return new AgentRunResult(0, new BootRunResult([], AgentState.Fresh("-"), false, null), null, [], AlreadyRan: true);
        }

        using var log = new AgentLog(paths.AgentLog, time, _options.LogMirror);
        using var console = new AgentConsole(machine.SerialConsole, paths.ConsoleLog, log, _options.ConsoleMirror);
        var run = new AgentRun(machine, paths, time, _options, log, console);
        IdentityPhase.LogProtection(run, protection);
        var started = time.GetUtcNow();
        RunStatusWriter.Write(paths, log, "running", started, null, null);
        log.Info($"agent run started on {machine.Description}");
        foreach (var note in _options.StartNotes)
        {
            log.Info(note);
        }

        var finished = false;
        try
        {
            var (result, cleanLogs) = await RunLockedAsync(run, started, cancellationToken).ConfigureAwait(false);
            finished = true;
            if (cleanLogs)
            {
                console.Dispose();
                log.Dispose();
                SealCleanUp.DeleteLogs(paths);
            }

            // A bug in a task crashes the run loudly, but only now: the state was saved after every task, the other tasks
            // ran (a clone whose password task never ran cannot be reached), run.json says "failed" and any reboot a task
            // asked for was requested. The CLI reports it as a bug (exit 70); the service stops with its fault code.
            if (result.Run.Bugs.Count > 0)
            {
                throw new AgentBugException(result.Run.Bugs);
            }

            return result;
        }
        finally
        {
            if (!finished)
            {
                // An error outside the tasks (or cancellation): run.json must not keep saying "running".
                RunStatusWriter.Write(paths, log, "failed", started, time.GetUtcNow(), null);
            }
        }
    }

    // setNetwork's check after it changed the interfaces: the service that answered still does. A config drive or NoCloud
    // seed is a local disk that no network change can take away.
    private static Func<CancellationToken, Task<string?>>? MetadataCheck(Reseal.Cloud.Metadata.IMetadataProvider? provider) =>
        provider is null or { Source: Reseal.Cloud.Metadata.MetadataSource.ConfigDrive or Reseal.Cloud.Metadata.MetadataSource.NoCloud } ? null
            : async cancellationToken => await provider.IsAvailableAsync(cancellationToken).ConfigureAwait(false)
                ? null : $"the {provider.Source} metadata service at {provider.Endpoint} no longer answers";

    private async Task<(AgentRunResult Result, bool CleanLogs)> RunLockedAsync(AgentRun run, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var log = run.Log;
        run.Line(ConsoleLines.SysprepComplete);
        var config = ConfigPhase.Load(run);
        using var acquired = await MetadataPhase.AcquireAsync(run, config.Metadata, cancellationToken).ConfigureAwait(false);
        var cloud = CloudHooks.For(acquired);
        var metadata = acquired.Metadata is { } served ? cloud.WithLocalUserData(run, served) : null;
        var store = new AgentStateStore(paths.StateDirectory, time);
        var instanceId = IdentityPhase.InstanceId(run, metadata, store);
        IdentityPhase.WriteInformationLines(run, instanceId);
        SealCleanUp.AtStart(run);
        var userData = UserDataPhase.Parse(run, metadata);
        foreach (var note in metadata?.ScriptNotes ?? [])
        {
            log.Warning(note);
        }

        var loaded = store.Load(instanceId);
        foreach (var diagnostic in loaded.Diagnostics)
        {
            log.Warning(diagnostic.ToString());
        }

        var postBack = await cloud.PostBackAsync(run, acquired, config.Metadata, cancellationToken).ConfigureAwait(false);
        using var ownedPostBack = postBack as IDisposable;
        var context = new BootTaskContext
        {
            Machine = machine,
            Metadata = metadata,
            PasswordPostBack = postBack,
            ScriptDownloader = acquired.Provider as Reseal.Cloud.Metadata.IScriptDownloader,
            Time = time,
            ConfigFile = ReferenceEquals(config, Config.DefaultAgentConfig.Config) ? null : run.Paths.ConfigFile,
            VerifyMetadata = MetadataCheck(acquired.Provider),
        };
        context = _options.ConfigureTasks?.Invoke(context) ?? context;
        var result = await StagesPhase.RunAsync(run, config, userData, context, store, loaded.State, instanceId, cancellationToken).ConfigureAwait(false);
        foreach (var bug in result.Bugs)
        {
            log.Error($"{bug.Describe()}: a bug in reseal stopped this task (saved as failed; it runs again at the next boot)");
            log.Debug(bug.Detail());
        }

        await cloud.AfterTasksAsync(run, acquired, cancellationToken).ConfigureAwait(false);
        var cleanLogs = result.Sealed is { } seal && SealCleanUp.AfterSeal(run, seal, store);

        var rebooting = RebootPhase.Request(run, result);
        var exitCode = result.RebootRequested ? (rebooting ? AgentExitCodes.RebootStarted : AgentExitCodes.RebootRequired)
            : result.AnyFailed ? AgentExitCodes.TaskFailed : AgentExitCodes.Done;
        if (result.Sealed is not null)
        {
            RunStatusWriter.Remove(paths, log, result.AnyFailed ? "failed" : "completed");
        }
        else
        {
            // "rebooting" only when a reboot is coming (status --block waits on it); otherwise the run is over.
            RunStatusWriter.Write(paths, log, rebooting ? "rebooting" : result.AnyFailed ? "failed" : "completed", started, time.GetUtcNow(), result,
                rebootPending: result.RebootRequested && !rebooting,
                metadataFrom: acquired.Provider is { } provider ? (provider.Source.ToString(), provider.Endpoint) : null);
        }

        log.Info($"agent run finished: exit {exitCode.ToString(CultureInfo.InvariantCulture)}");
        return (new AgentRunResult(exitCode, result, metadata, run.Console.Lines), cleanLogs);
    }
}
