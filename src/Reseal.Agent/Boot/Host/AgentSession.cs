using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.UserData;
using Reseal.Agent.Seal;
using Reseal.Cloud;
using Reseal.Cloud.Metadata;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>Where the agent keeps its files on the machine (host paths, already expanded).</summary>
/// <param name="ConfigFile">agent-config.yml (the built-in default is used when it does not exist).</param>
/// <param name="StateDirectory">state.json, previous-state.json, run.json, the run lock.</param>
/// <param name="LogDirectory">agent.log, console.log, script logs.</param>
public sealed record AgentPaths(string ConfigFile, string StateDirectory, string LogDirectory)
{
    /// <summary>The paths of DESIGN.md under <c>%ProgramData%\Reseal</c>, expanded by the machine's file port.</summary>
    public static AgentPaths For(IWindowsFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return new(files.Expand(SealPaths.AgentConfig), files.Expand(SealPaths.StateDirectory), files.Expand(SealPaths.LogDirectory));
    }

    /// <summary>The console copy.</summary>
    public string ConsoleLog => Path.Combine(LogDirectory, "console.log");

    /// <summary>The agent's log.</summary>
    public string AgentLog => Path.Combine(LogDirectory, "agent.log");

    /// <summary>The last run's status (what <c>reseal agent status</c> reads).</summary>
    public string RunStatus => Path.Combine(StateDirectory, RunStatusFile.FileName);

    /// <summary>Held while a run is in progress: one agent run at a time.</summary>
    public string LockFile => Path.Combine(StateDirectory, RunStatusFile.LockFileName);
}

/// <summary>How a run is set up.</summary>
public sealed record AgentRunOptions
{
    /// <summary>The agent's version for the <c>Launch:</c> line.</summary>
    public string Version { get; init; } = "0.1.0";

    /// <summary>Metadata providers to try instead of those the configuration or the default order names (tests, <c>--metadata-*</c>).</summary>
    public IReadOnlyList<IMetadataProvider>? Providers { get; init; }

    /// <summary>How long to wait for metadata when the configuration does not say.</summary>
    public TimeSpan MetadataWait { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Pause between metadata attempts.</summary>
    public TimeSpan MetadataRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the service reads the Setup state while Windows is still being configured.</summary>
    public TimeSpan SetupPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The time limits of the first-boot hand-over the service waits for (<see cref="SetupHandOver"/>).</summary>
    public HandOverSettings HandOver { get; init; } = HandOverSettings.Default;

    /// <summary>Lines logged at the start of the run (what the service's wait for Setup saw).</summary>
    public IReadOnlyList<string> StartNotes { get; init; } = [];

    /// <summary>How long to wait for another run to finish before giving up.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Checked once the run lock is held: when run.json records a finished run that started after this time, nothing is
    /// run (the service uses the boot time, so a run by SetupComplete.cmd in this boot is not repeated).
    /// </summary>
    public DateTimeOffset? SkipIfRanSince { get; init; }

    /// <summary>Reboot the machine when a task asks for it (off for <c>agent run --no-reboot</c> and tests).</summary>
    public bool AllowReboot { get; init; } = true;

    /// <summary>Told about stage and task outcomes (the Windows Event Log on a running machine).</summary>
    public Action<AgentEvent>? Events { get; init; }

    /// <summary>Opens the serial port GCE reads password-reset answers from (COM4); null: GCE resets are answered nowhere and skipped.</summary>
    public Func<ISerialConsole>? GceReplyPort { get; init; }

    /// <summary>Receives console text as it is written (the terminal of <c>reseal agent run</c>).</summary>
    public Action<string>? ConsoleMirror { get; init; }

    /// <summary>Receives log lines as they are written.</summary>
    public Action<string>? LogMirror { get; init; }

    /// <summary>The task settings (script folder, time limits); the machine and metadata are filled in by the session.</summary>
    public Func<BootTaskContext, BootTaskContext>? ConfigureTasks { get; init; }
}

/// <summary>An event for the Windows Event Log: a task's or the run's outcome.</summary>
/// <param name="Level">0 information, 1 warning, 2 error.</param>
/// <param name="Stage">The stage, or null for run-level events.</param>
/// <param name="Task">The task name, or null.</param>
/// <param name="Message">The text.</param>
public sealed record AgentEvent(int Level, AgentStage? Stage, string? Task, string Message);

/// <summary>What a run did.</summary>
/// <param name="ExitCode">One of <see cref="AgentExitCodes"/>: 0 every task succeeded; 1 a task failed; 1641 a reboot was started and the run continues after it; 3010 a reboot was asked for but not started.</param>
/// <param name="Run">The runner's result.</param>
/// <param name="Metadata">The metadata used, or null.</param>
/// <param name="ConsoleLines">The console lines written.</param>
/// <param name="AlreadyRan">True when nothing ran because <see cref="AgentRunOptions.SkipIfRanSince"/> found a finished run.</param>
public sealed record AgentRunResult(int ExitCode, BootRunResult Run, InstanceMetadata? Metadata, IReadOnlyList<string> ConsoleLines, bool AlreadyRan = false);

/// <summary>
/// One agent run on a machine: console start lines, metadata (waiting for it within bounds), information lines, the
/// stages over the configuration and user data, the JSON summary, run status, and clean-up of what sealing left
/// (cached answer-file passwords, the seal journal). Windows-neutral: it talks to the machine through its ports.
/// </summary>
public sealed class AgentSession(IWindowsMachine machine, AgentPaths paths, TimeProvider time, AgentRunOptions? options = null)
{
    /// <summary>
    /// Answer files Setup reads or caches (the one location table, <see cref="AnswerFileLocations"/>) and Reseal's own,
    /// scrubbed of passwords once the machine is up. Other agents' files are templates they give Sysprep again: left alone.
    /// </summary>
    public static IReadOnlyList<string> CachedAnswerFiles { get; } =
        [.. AnswerFileLocations.All.Where(p => p.Kind != AnswerFilePlaceKind.Agent).Select(p => p.WindowsPath), SealPaths.AnswerFile];

    private readonly AgentRunOptions _options = options ?? new AgentRunOptions();

    /// <summary>
    /// Runs the agent once, or nothing when <see cref="AgentRunOptions.SkipIfRanSince"/> says it already ran. Throws
    /// <see cref="IOException"/> when the state folder cannot be created or another run holds the lock past the wait.
    /// </summary>
    public async Task<AgentRunResult> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.StateDirectory);
        using var runLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        if (_options.SkipIfRanSince is { } since && AgentService.RanSince(paths, since))
        {
            return new AgentRunResult(0, new BootRunResult([], AgentState.Fresh("-"), false, null), null, [], AlreadyRan: true);
        }

        using var log = new AgentLog(paths.AgentLog, time, _options.LogMirror);
        using var console = new AgentConsole(machine.SerialConsole, paths.ConsoleLog, log, _options.ConsoleMirror);
        var started = time.GetUtcNow();
        WriteRunStatus("running", started, null, null, log);
        log.Info($"agent run started on {machine.Description}");
        foreach (var note in _options.StartNotes)
        {
            log.Info(note);
        }

        var finished = false;
        try
        {
            var result = await RunLockedAsync(console, log, started, cancellationToken).ConfigureAwait(false);
            finished = true;
            if (_cleanLogsAfterRun)
            {
                console.Dispose();
                log.Dispose();
                CleanLogs();
            }

            return result;
        }
        finally
        {
            if (!finished)
            {
                // An error outside the tasks (or cancellation): run.json must not keep saying "running".
                WriteRunStatus("failed", started, time.GetUtcNow(), null, log);
            }
        }
    }

    private async Task<AgentRunResult> RunLockedAsync(AgentConsole console, AgentLog log, DateTimeOffset started, CancellationToken cancellationToken)
    {
        void Line(string text) => console.Write(ConsoleLines.Format(time, text));

        Line(ConsoleLines.SysprepComplete);
        Protect(log);
        var config = LoadConfig(log, Line);
        var (metadata, provider) = await AcquireMetadataAsync(config.Metadata, log, Line, cancellationToken).ConfigureAwait(false);
        using var ownedProvider = _options.Providers is null ? provider : null; // injected providers stay the caller's
        var store = new AgentStateStore(paths.StateDirectory, time);
        // Without metadata this is the instance that ran before (its once-tasks stay done), never a new one: a boot that
        // missed the metadata service must not make the next boot set and print a second password.
        var instanceId = metadata?.InstanceId is { Length: > 0 } id ? id : store.PeekInstanceId() ?? FallbackInstanceId();

        Line(ConsoleLines.Agent(_options.Version));
        Line(ConsoleLines.InstanceId(instanceId));
        if (machine.System.GetComputerName() is { } hostName)
        {
            Line(ConsoleLines.HostName(hostName));
        }

        if (ReadRdpCertificate(log) is { } certificate)
        {
            Line(ConsoleLines.RdpCertificateSubject(certificate.SubjectName));
            Line(ConsoleLines.RdpCertificateThumbprint(certificate.Der));
        }

        CleanUpAfterSeal(log);
        var userData = ParseUserData(metadata, log, Line);

        var loaded = store.Load(instanceId);
        foreach (var diagnostic in loaded.Diagnostics)
        {
            log.Warning(diagnostic.ToString());
        }

        var postBack = await PostBackAsync(metadata, provider, config.Metadata, log, cancellationToken).ConfigureAwait(false);
        using var ownedPostBack = postBack as IDisposable;
        var context = new BootTaskContext { Machine = machine, Metadata = metadata, PasswordPostBack = postBack, Time = time };
        context = _options.ConfigureTasks?.Invoke(context) ?? context;
        var plan = BootPlan.Create(config, userData);
        foreach (var line in plan.Describe())
        {
            log.Info("plan: " + line);
        }

        var runner = new BootRunner(new WindowsTaskExecutor(context), store, time, text =>
        {
            console.Write(text);
            if (text.Contains(ConsoleLines.Ready, StringComparison.Ordinal))
            {
                _options.Events?.Invoke(new AgentEvent(0, null, null, ConsoleLines.Ready)); // event 5000 when it happens
            }
        });
        var result = await runner.RunAsync(plan, loaded.State, new BootRunOptions { InstanceId = instanceId }, cancellationToken).ConfigureAwait(false);
        Report(result, log);
        if (provider is GceMetadataProvider gce)
        {
            await ResetGceAccountsAsync(gce, log, cancellationToken).ConfigureAwait(false);
        }

        if (result.Sealed is { } seal)
        {
            AfterSeal(seal, store, log);
        }

        var rebooting = false;
        // Never restart while Setup runs (SetupComplete.cmd "must not reboot the system"): whoever started this run, the
        // machine is only restarted once Setup has handed it over.
        var setup = result.RebootRequested && _options.AllowReboot ? SetupProgress.Read(machine) : null;
        if (setup is { InsideSetup: true })
        {
            log.Warning($"a task asked for a reboot, but Windows Setup is still running ({setup.Describe()}): the machine is not restarted now; the task runs again at the next boot");
        }
        else if (result.RebootRequested && _options.AllowReboot)
        {
            try
            {
                machine.Power.Request(PowerAction.Reboot, TimeSpan.FromSeconds(5), "Reseal agent: a task asked for a reboot; the agent continues after it");
                log.Info("reboot requested");
                rebooting = true;
            }
            catch (Exception e) when (e is PlatformNotSupportedException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Error($"a task asked for a reboot but it could not be requested: {e.Message}");
            }
        }

        var exitCode = result.RebootRequested ? (rebooting ? AgentExitCodes.RebootStarted : AgentExitCodes.RebootRequired)
            : result.AnyFailed ? AgentExitCodes.TaskFailed : AgentExitCodes.Done;
        // "rebooting" only when a reboot is coming (status --block waits on it); otherwise the run is over.
        WriteRunStatus(rebooting ? "rebooting" : result.AnyFailed ? "failed" : "completed", started, time.GetUtcNow(), result, log,
            rebootPending: result.RebootRequested && !rebooting);

        log.Info($"agent run finished: exit {exitCode.ToString(CultureInfo.InvariantCulture)}");
        return new AgentRunResult(exitCode, result, metadata, console.Lines);
    }

    // The sysprep task generalized the machine. The run saved the state after the seal had cleared it: clear it again, so
    // no clone inherits this instance's once-tasks (a clone without metadata would keep this instance's id). Then the
    // logs (once closed, by RunAsync) and the power-off the task asked for.
    private void AfterSeal(SealFollowUp seal, AgentStateStore store, AgentLog log)
    {
        try
        {
            var removed = store.Reset();
            log.Info($"the machine is sealed: cleared the agent state again ({removed.ToString(CultureInfo.InvariantCulture)} file(s)) so the image carries none");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"the machine is sealed but the agent state could not be cleared: {e.Message}; run 'reseal agent reset' before capturing");
        }

        _cleanLogsAfterRun = seal.CleanLogs;
        if (seal.Shutdown && _options.AllowReboot)
        {
            try
            {
                machine.Power.Request(PowerAction.Shutdown, TimeSpan.FromSeconds(5), "Reseal agent: the sysprep task sealed this instance");
                log.Info("shutdown requested (sysprep task, shutdown: true)");
            }
            catch (Exception e) when (e is PlatformNotSupportedException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Error($"the sysprep task asked for a shutdown but it could not be requested: {e.Message}; shut the machine down before capturing");
            }
        }
    }

    private bool _cleanLogsAfterRun;

    private void CleanLogs()
    {
        if (!_cleanLogsAfterRun || !Directory.Exists(paths.LogDirectory))
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

    private AgentConfig LoadConfig(AgentLog log, Action<string> line)
    {
        if (!File.Exists(paths.ConfigFile))
        {
            log.Info($"{paths.ConfigFile} does not exist: running the default configuration");
            return DefaultAgentConfig.Config;
        }

        var read = AgentConfigReader.ReadFile(paths.ConfigFile);
        foreach (var diagnostic in read.Diagnostics)
        {
            log.Warning(diagnostic.ToString());
        }

        if (read.IsValid)
        {
            return read.Config!;
        }

        // A broken configuration must not leave the machine without a password or the ready line: say so, run the default.
        var errors = read.Diagnostics.Count(d => d.IsError);
        line($"Message: {Path.GetFileName(paths.ConfigFile)} has {errors.ToString(CultureInfo.InvariantCulture)} error(s) (see agent.log or 'reseal agent validate'); running the default configuration");
        _options.Events?.Invoke(new AgentEvent(2, null, null, $"{paths.ConfigFile} is invalid; the default configuration ran instead"));
        return DefaultAgentConfig.Config;
    }

    // %ProgramData%\Reseal gets an access list of SYSTEM and Administrators only: ProgramData lets every user create
    // files, and the agent runs what its folders hold as SYSTEM.
    private void Protect(AgentLog log)
    {
        try
        {
            if (machine.Files.RestrictToAdministrators(@"%ProgramData%\Reseal"))
            {
                log.Info(@"%ProgramData%\Reseal is restricted to SYSTEM and Administrators");
            }
        }
#pragma warning disable CA1031 // Any failure to set the access list is reported, never fatal to the boot.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.Warning($"could not restrict %ProgramData%\\Reseal to SYSTEM and Administrators: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<(InstanceMetadata? Metadata, IMetadataProvider? Provider)> AcquireMetadataAsync(MetadataSettings? settings, AgentLog log,
        Action<string> line, CancellationToken cancellationToken)
    {
        var providers = _options.Providers ?? CreateProviders(settings, log);
        var wait = settings?.WaitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : _options.MetadataWait;
        line(ConsoleLines.WaitingForMetadata);
        if (providers.Count == 0)
        {
            line(ConsoleLines.MetadataNotAvailable);
            log.Warning("no metadata source is configured or mounted: going on without metadata");
            return (null, null);
        }

        var deadline = time.GetUtcNow() + wait;
        var attempt = 0;
        while (true)
        {
            attempt++;
            var detection = await MetadataDetector.DetectAsync(providers, cancellationToken).ConfigureAwait(false);
            if (detection.Provider is { } provider)
            {
                try
                {
                    var metadata = await provider.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
                    line(ConsoleLines.MetadataAvailable);
                    log.Info($"metadata from {provider.Source} at {provider.Endpoint} ({metadata.Protocol ?? "?"}), instance {metadata.InstanceId}");
                    DisposeAllBut(providers, provider);
                    return (metadata, provider);
                }
                catch (CloudException e)
                {
                    log.Warning($"metadata attempt {attempt.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
                }
            }
            else if (attempt == 1)
            {
                log.Info("no metadata source answered: tried " + string.Join(", ", detection.Tried.Select(t => $"{t.Source} at {t.Endpoint}")));
            }

            if (time.GetUtcNow() >= deadline)
            {
                line(ConsoleLines.MetadataTimedOut);
                log.Warning($"no metadata after {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: going on without it (no launch key, no user data)");
                DisposeAllBut(providers, null);
                return (null, null);
            }

            await Task.Delay(_options.MetadataRetryDelay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void DisposeAllBut(IReadOnlyList<IMetadataProvider> providers, IMetadataProvider? keep)
    {
        if (_options.Providers is not null)
        {
            return; // the caller's
        }

        foreach (var provider in providers.Where(p => !ReferenceEquals(p, keep)))
        {
            provider.Dispose();
        }
    }

    private static List<IMetadataProvider> CreateProviders(MetadataSettings? settings, AgentLog log)
    {
        if (settings is null || (settings.Sources.Count == 0 && settings.Endpoints.Count == 0))
        {
            return [.. MetadataDetector.CreateProviders()];
        }

        var names = settings.Sources.Count > 0 ? settings.Sources : [.. MetadataDetector.DefaultOrder.Select(SourceName)];
        var providers = new List<IMetadataProvider>();
        foreach (var name in names)
        {
            var source = MetadataDetector.ParseSource(name);
            try
            {
                if (settings.Endpoints.TryGetValue(name, out var endpoint))
                {
                    providers.Add(MetadataDetector.Create(source, endpoint));
                }
                else
                {
                    providers.AddRange(MetadataDetector.CreateProviders([source]));
                }
            }
            catch (ArgumentException e)
            {
                log.Warning($"metadata source {name}: {e.Message}");
            }
        }

        return providers;
    }

    private static string SourceName(MetadataSource source) => source.ToString().ToLowerInvariant();

    private static async Task<IPasswordPostBack?> PostBackAsync(InstanceMetadata? metadata, IMetadataProvider? provider, MetadataSettings? settings,
        AgentLog log, CancellationToken cancellationToken)
    {
        if (metadata is null)
        {
            return null;
        }

        if (provider is OpenStackMetadataProvider openStack)
        {
            return new OpenStackPostBack(openStack, owned: false);
        }

        if (metadata.Source != MetadataSource.ConfigDrive)
        {
            return null;
        }

        // A config drive carries no password endpoint: post to the metadata service when the cloud also runs one.
        var service = (OpenStackMetadataProvider)MetadataDetector.Create(MetadataSource.OpenStack, settings?.Endpoints.GetValueOrDefault("openstack"));
        if (await service.IsAvailableAsync(cancellationToken).ConfigureAwait(false))
        {
            log.Info($"the password will be posted to {service.Endpoint}");
            return new OpenStackPostBack(service, owned: true);
        }

        log.Info($"no OpenStack metadata service at {service.Endpoint}: the password is published on the console only");
        service.Dispose();
        return null;
    }

    private static UserDataResult? ParseUserData(InstanceMetadata? metadata, AgentLog log, Action<string> line)
    {
        if (metadata is not { HasUserData: true })
        {
            return null;
        }

        var result = UserDataParser.Parse(metadata.UserData.Span, source: "user data");
        log.Info($"user data: {result.FormatName}, {result.RawBytes.ToString(CultureInfo.InvariantCulture)} bytes, {result.Items.Count.ToString(CultureInfo.InvariantCulture)} item(s)");
        foreach (var diagnostic in result.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Info))
        {
            // Unsupported or malformed user data is said on the console too, never dropped silently.
            log.Warning(diagnostic.ToString());
            line($"Message: user data {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Code}: {ConsoleLines.OneLine(diagnostic.Message)}");
        }

        return result;
    }

    private RdpCertificateInfo? ReadRdpCertificate(AgentLog log)
    {
        try
        {
            return RdpCertificate.Read(machine.Registry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException or PlatformNotSupportedException)
        {
            log.Warning($"the Remote Desktop certificate cannot be read: {e.Message}");
            return null;
        }
    }

    private async Task ResetGceAccountsAsync(GceMetadataProvider gce, AgentLog log, CancellationToken cancellationToken)
    {
        if (_options.GceReplyPort is not { } open)
        {
            log.Warning("GCE windows-keys requests are not answered: no COM4 port was given");
            return;
        }

        try
        {
            var scan = await gce.GetWindowsKeysAsync(cancellationToken).ConfigureAwait(false);
            var com4 = open();
            GceResetReport report;
            try
            {
                report = await GceAccountResets.ApplyAsync(machine, scan, com4, paths.StateDirectory, time, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                com4.Close(); // opened once for this run's answers, then released
            }

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

    private void CleanUpAfterSeal(AgentLog log)
    {
        var files = machine.Files;
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

    private string FallbackInstanceId()
    {
        var guid = machine.Registry.GetString(RegistryHive.Software, @"Microsoft\Cryptography", "MachineGuid");
        return "no-metadata-" + (guid ?? machine.System.GetComputerName() ?? "unknown");
    }

    private void Report(BootRunResult result, AgentLog log)
    {
        foreach (var outcome in result.Outcomes)
        {
            var text = $"{outcome.Stage.ToYamlName()} {outcome.Task}#{outcome.Entry.ToString(CultureInfo.InvariantCulture)}: {outcome.Outcome}" +
                (outcome.Message is null ? string.Empty : " — " + outcome.Message);
            var level = outcome.Outcome == TaskOutcomeKind.Failed ? 2 : outcome.Outcome == TaskOutcomeKind.Skipped ? 1 : 0;
            if (level == 2)
            {
                log.Error(text);
            }
            else
            {
                log.Info(text);
            }

            _options.Events?.Invoke(new AgentEvent(level, outcome.Stage, outcome.Task, text));
        }

    }

    private void WriteRunStatus(string status, DateTimeOffset started, DateTimeOffset? finished, BootRunResult? result, AgentLog log, bool rebootPending = false)
    {
        try
        {
            WriteRunStatusFile(status, started, finished, result, rebootPending);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"{paths.RunStatus} cannot be written ({e.Message}); 'reseal agent status' will not see this run");
        }
    }

    private void WriteRunStatusFile(string status, DateTimeOffset started, DateTimeOffset? finished, BootRunResult? result, bool rebootPending)
    {
        var json = new JsonObject
        {
            ["status"] = status,
            ["startedAt"] = started.ToString("O", CultureInfo.InvariantCulture),
            ["finishedAt"] = finished?.ToString("O", CultureInfo.InvariantCulture),
            ["processId"] = Environment.ProcessId,
            ["failed"] = result is null ? null : new JsonArray([.. result.Outcomes.Where(o => o.Outcome == TaskOutcomeKind.Failed)
                .Select(o => (JsonNode?)JsonValue.Create($"{o.Stage.ToYamlName()} {o.Task}#{o.Entry.ToString(CultureInfo.InvariantCulture)}: {o.Message}"))]),
            ["readyAfterMs"] = result?.ReadyAfter is { } ready ? (long)ready.TotalMilliseconds : null,
            ["rebootPending"] = rebootPending,
        };
        AtomicFile.WriteText(paths.RunStatus, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + _options.LockWait;
        while (true)
        {
            try
            {
                return new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"another agent run holds {paths.LockFile} (waited {_options.LockWait.TotalMinutes:0} minutes)", e);
            }
        }
    }

    private sealed class OpenStackPostBack(OpenStackMetadataProvider provider, bool owned) : IPasswordPostBack, IDisposable
    {
        public string Endpoint => provider.Endpoint;

        public async Task<bool> HoldsPasswordAsync(CancellationToken cancellationToken) =>
            !string.IsNullOrWhiteSpace(await provider.GetStoredPasswordAsync(cancellationToken).ConfigureAwait(false));

        public Task<PasswordPostResult> PostAsync(string encryptedPasswordBase64, CancellationToken cancellationToken) =>
            provider.PostPasswordAsync(encryptedPasswordBase64, cancellationToken);

        public void Dispose()
        {
            if (owned)
            {
                provider.Dispose();
            }
        }
    }
}
