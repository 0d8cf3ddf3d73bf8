using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Windows.Layout;
using Reseal.Cloud.Metadata;
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

    /// <summary>
    /// Set by the service: after its run, when the metadata came from GCE, keep watching <c>windows-keys</c> until the
    /// service stops (<see cref="GceKeyWatch"/>). Null (<c>agent run</c>, tests): the run answers the requests it finds and ends.
    /// </summary>
    public GceWatchSettings? GceWatch { get; init; }

    /// <summary>
    /// Set by the service: true once Windows has told it that it is shutting down (not a person stopping it). On GCE the
    /// service then runs <c>windows-shutdown-script-*</c> within <see cref="ShutdownScriptBudget"/>.
    /// </summary>
    public Func<bool>? ShuttingDown { get; init; }

    /// <summary>How long the shutdown scripts may take in all (below the service's stop timeout, which is below the preshutdown timeout).</summary>
    public TimeSpan ShutdownScriptBudget { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Receives console text as it is written (the terminal of <c>reseal agent run</c>).</summary>
    public Action<string>? ConsoleMirror { get; init; }

    /// <summary>Receives log lines as they are written.</summary>
    public Action<string>? LogMirror { get; init; }

    /// <summary>The tasks the configuration and user data may name (tests add their own); null: <see cref="TaskRegistry.BuiltIn"/>.</summary>
    public TaskRegistry? Tasks { get; init; }

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
