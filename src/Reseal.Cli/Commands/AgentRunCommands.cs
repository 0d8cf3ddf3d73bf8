using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.UserData;
using Reseal.Cli.Rendering;
using Reseal.Cloud;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Events;
using Reseal.Windows.Layout;
using Reseal.Windows.Live;
using Reseal.Windows.Live.Service;
using Reseal.Windows.Service;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal agent run | plan | status | reset</c>: running the agent on this Windows machine, previewing a run for captured
/// metadata on any OS, and reading or clearing its state.
/// </summary>
internal static class AgentRunCommands
{

    /// <summary>The version printed on the console's <c>Launch:</c> line.</summary>
    public static string Version => typeof(AgentRunCommands).Assembly.GetName().Version is { } v
        ? $"{v.Major.ToString(CultureInfo.InvariantCulture)}.{v.Minor.ToString(CultureInfo.InvariantCulture)}.{v.Build.ToString(CultureInfo.InvariantCulture)}"
        : "0.0.0";

    public static Command Run(CliContext context)
    {
        var config = new Option<string?>("--config", "-c") { Description = @"agent-config.yml to use instead of %ProgramData%\Reseal\config\agent-config.yml.", HelpName = "file" };
        var noReboot = new Option<bool>("--no-reboot") { Description = "Do not restart when a task asks for it (exit 3010 says one was asked for)." };
        var command = new Command("run", "Run the agent once on this Windows machine: console lines to COM1 and console.log, the stages, 'Windows is Ready to use', user data, the JSON summary. Exit 0 all tasks succeeded, 1 a task failed, 1641 a task asked for a reboot and it was started (the run continues after it), 3010 a task asked for a reboot that was not started (--no-reboot, or Windows Setup still running), 4 not Windows.")
        {
            config, noReboot,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var machine = Machine(context);
            var paths = PathsOf(context, machine);
            if (parse.GetValue(config) is { } file)
            {
                paths = paths with { ConfigFile = Path.GetFullPath(file) };
            }

            // Started from SetupComplete.cmd (an image sealed by an earlier version) or otherwise inside Setup: hand the boot
            // over to the service instead of running there (SetupComplete.cmd must not restart the machine nor hold Setup).
            if (SetupProgress.Read(machine) is { InsideSetup: true } setup)
            {
                context.Message($"Windows Setup is still running ({setup.Describe()}): handing this boot over to the Reseal service, which runs the agent once Setup has finished ('reseal agent status --block' waits for it)");
                foreach (var line in await SetupHandOver.RecordAsync(machine, paths, context.Time ?? TimeProvider.System, Uptime(), null, cancellationToken).ConfigureAwait(false))
                {
                    context.Message(line);
                }

                return ExitCodes.Success;
            }

            IEventLogWriter events = OperatingSystem.IsWindows() ? new LiveEventLog(onFailure: problem => context.Message("event log: " + problem)) : NullEventLog.Instance;
            using var ownedEvents = events as IDisposable;
            var session = new AgentSession(machine, paths, context.Time ?? TimeProvider.System, new AgentRunOptions
            {
                Version = Version,
                AllowReboot = !parse.GetValue(noReboot),
                ConsoleMirror = text => context.Out.Write(text),
                LogMirror = line => context.Error.WriteLine(line),
                Events = e => WriteEvent(events, e),
                GceReplyPort = OpenCom4,
            });
            var result = await session.RunAsync(cancellationToken).ConfigureAwait(false);
            return result.ExitCode; // 0, 1, or the reboot signals 1641/3010 (ExitCodes, docs/exit-codes.md)
        });
        return command;
    }

    /// <summary>
    /// <c>reseal agent setup-complete</c>: the line seal adds to SetupComplete.cmd. Records "Setup reached SetupComplete in
    /// this boot" and makes sure the service is started; the service runs the agent once Setup has finished. It never runs a
    /// task or restarts the machine, and a watchdog ends it within <see cref="SetupCompleteLimit"/> whatever happens, so
    /// Setup is never held.
    /// </summary>
    public static Command SetupComplete(CliContext context)
    {
        var command = new Command("setup-complete", "Run by the line seal adds to SetupComplete.cmd: records that Setup reached SetupComplete in this boot and starts the Reseal service, which runs the agent once Setup has finished. Returns within seconds, never restarts the machine, always exits 0 (Setup ignores the code).")
        {
            Hidden = true,
        };
        command.SetAction(async (_, cancellationToken) =>
        {
            // Whatever hangs (a P/Invoke, the SCM), Setup gets its script back: the process ends at the limit.
            using var watchdog = new Timer(_ => Environment.Exit(ExitCodes.Success), null, SetupCompleteLimit, Timeout.InfiniteTimeSpan);
            try
            {
                var machine = Machine(context);
                var lines = await SetupHandOver.RecordAsync(machine, PathsOf(context, machine), context.Time ?? TimeProvider.System, Uptime(),
                    new HandOverSettings { ServiceStartTimeout = SetupCompleteLimit / 2 }, cancellationToken).ConfigureAwait(false);
                foreach (var line in lines)
                {
                    context.Message(line);
                }
            }
            catch (Exception e) when (e is PlatformNotSupportedException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                context.Message("setup-complete: " + e.Message);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The longest <c>agent setup-complete</c> may hold SetupComplete.cmd.</summary>
    internal static readonly TimeSpan SetupCompleteLimit = TimeSpan.FromSeconds(30);

    private static Reseal.Windows.Ports.IWindowsMachine Machine(CliContext context) => context.LiveMachine?.Invoke() ?? LiveMachine.Create();

    private static AgentPaths PathsOf(CliContext context, Reseal.Windows.Ports.IWindowsMachine machine) =>
        context.AgentPaths?.Invoke(machine) ?? AgentPaths.For(machine.Files);

    private static TimeSpan Uptime() => TimeSpan.FromMilliseconds(Environment.TickCount64);

    public static Command Service(CliContext context)
    {
        var command = new Command("service", "The Windows service entry point (the SCM starts it: 'agent install' registers it). At each boot: waits until Setup has finished (ImageState, the Setup flags, windeploy.exe, and at the first boot the hand-over SetupComplete.cmd records), then runs the agent once; the only place the agent may restart the machine.")
        {
            Hidden = false,
        };
        command.SetAction(_ =>
        {
            if (!OperatingSystem.IsWindows())
            {
                throw new EnvironmentException("the agent service runs on Windows only");
            }

            try
            {
                // Windows shutting down (shutdown or preshutdown) rather than a person stopping the service: on GCE the
                // service then runs the shutdown scripts.
                var shuttingDown = 0;
                var hostOptions = new ServiceHostOptions
                {
                    StopTimeout = TimeSpan.FromSeconds(55),
                    OnStopRequested = control =>
                    {
                        if (control is ServiceControlCode.Shutdown or ServiceControlCode.Preshutdown)
                        {
                            Volatile.Write(ref shuttingDown, 1);
                        }
                    },
                };
                return WindowsServiceHost.Run(ServiceInstallSpec.ResealServiceName, async cancellationToken =>
                {
                    var machine = LiveMachine.Create();
                    IEventLogWriter events = OperatingSystem.IsWindows() ? new LiveEventLog() : NullEventLog.Instance;
                    using var ownedEvents = events as IDisposable;
                    return await AgentService.RunAsync(machine, AgentPaths.For(machine.Files), TimeProvider.System, TimeSpan.FromMilliseconds(Environment.TickCount64),
                        new AgentRunOptions
                        {
                            Version = Version,
                            Events = e => WriteEvent(events, e),
                            GceReplyPort = OpenCom4,
                            GceWatch = GceWatchSettings.Default,
                            ShuttingDown = () => Volatile.Read(ref shuttingDown) == 1,
                        }, cancellationToken).ConfigureAwait(false);
                }, hostOptions);
            }
            catch (NotStartedAsServiceException e)
            {
                throw new EnvironmentException(e.Message);
            }
        });
        return command;
    }

    public static Command Install(CliContext context)
    {
        var exe = new Option<string?>("--exe") { Description = @"reseal.exe to register (default: this program, normally %ProgramFiles%\Reseal\reseal.exe).", HelpName = "path" };
        var command = new Command("install", "Register the agent as the automatic Windows service 'Reseal' (LocalSystem, restarts on failure, its Event Log source). Updates an existing registration. Does not start it: it runs at the next boot.")
        {
            exe,
        };
        command.SetAction(parse =>
        {
            if (!OperatingSystem.IsWindows())
            {
                throw new EnvironmentException("installing the agent service needs Windows");
            }

            var path = parse.GetValue(exe) ?? Environment.ProcessPath ?? throw new EnvironmentException("cannot tell where this program is; give --exe");
            var result = new WindowsServiceInstaller(LiveMachine.Create().Registry).Install(ServiceInstallSpec.ForReseal(Path.GetFullPath(path)));
            context.Message(result.Message);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Uninstall(CliContext context)
    {
        var command = new Command("uninstall", "Stop and remove the 'Reseal' Windows service (success when it is not installed). State and logs are kept; 'agent reset --clean' removes them.");
        command.SetAction(_ =>
        {
            if (!OperatingSystem.IsWindows())
            {
                throw new EnvironmentException("removing the agent service needs Windows");
            }

            var result = new WindowsServiceInstaller(LiveMachine.Create().Registry).Uninstall(ServiceInstallSpec.ResealServiceName);
            context.Message(result.Message);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>COM4, where GCE reads password-reset answers.</summary>
    private static LiveSerialConsole OpenCom4() =>
        OperatingSystem.IsWindows() ? new LiveSerialConsole("COM4") : throw new PlatformNotSupportedException("COM4 needs Windows");

    /// <summary>Writes an agent event to the Event Log with EC2Launch v2-style ids (stage digit, task digits, level digit).</summary>
    internal static void WriteEvent(IEventLogWriter log, AgentEvent agentEvent)
    {
        var stage = agentEvent.Stage switch
        {
            AgentStage.Boot => EventIds.StageBoot,
            AgentStage.Network => EventIds.StageNetwork,
            AgentStage.PreReady => EventIds.StagePreReady,
            AgentStage.UserData => EventIds.StagePostReadyUserData,
            AgentStage.PostReady => EventIds.StagePostReadyLocalData,
            _ => agentEvent.Message == Agent.Boot.ConsoleOutput.ConsoleLines.Ready ? EventIds.StageReady : EventIds.StageService,
        };
        var task = agentEvent.Task is null ? 0 : Math.Max(0, TaskCatalog.All.ToList().FindIndex(t => t.Name == agentEvent.Task)) + 1;
        var level = (EventLogLevel)agentEvent.Level;
        log.Write(level, stage == EventIds.StageReady ? EventIds.WindowsIsReady : EventIds.For(stage, task, level), agentEvent.Message);
    }

    public static Command Plan(CliContext context)
    {
        var config = new Option<string?>("--config", "-c") { Description = "agent-config.yml; the built-in default when omitted.", HelpName = "file" };
        var userData = new Option<string?>("--user-data", "-u") { Description = "User data file (overrides the user data in --metadata).", HelpName = "file" };
        var metadata = new Option<string?>("--metadata", "-m")
        {
            Description = "Captured metadata: the JSON 'reseal metadata show --format json' prints, or a config-drive or NoCloud folder.",
            HelpName = "path",
        };
        var windowsBuild = new Option<int?>("--windows-build")
        {
            Description = "The Windows build the plan is for (17763 is Windows Server 2019): tasks that need a later Windows are shown as skipped.",
            HelpName = "number",
        };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("plan", "Print, on any OS, what the agent would run and in which stage for a configuration, user data and captured metadata, and which tasks it would skip and why (not built, not on this cloud, not on this Windows). A configuration with errors shows the built-in default the agent runs instead. Changes nothing. Exit 1 when the configuration or user data has errors.")
        {
            config, userData, metadata, windowsBuild, format,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configResult = parse.GetValue(config) is { } configPath
                ? (File.Exists(configPath) ? AgentConfigReader.ReadFile(configPath) : throw new BadInputException($"{configPath}: file not found"))
                : new AgentConfigResult(DefaultAgentConfig.Config, []);
            var captured = parse.GetValue(metadata) is { } metadataPath ? await ReadCapturedAsync(metadataPath, cancellationToken).ConfigureAwait(false) : null;
            UserDataResult? parsed = null;
            if (parse.GetValue(userData) is { } userDataPath)
            {
                parsed = File.Exists(userDataPath) ? UserDataParser.ParseFile(userDataPath) : throw new BadInputException($"{userDataPath}: file not found");
            }
            else if (captured is { HasUserData: true })
            {
                parsed = UserDataParser.Parse(captured.UserData.Span, source: "user data in " + parse.GetValue(metadata));
            }

            var diagnostics = configResult.Diagnostics.Concat(parsed?.Diagnostics ?? []).ToList();
            if (parse.GetValue(windowsBuild) is < 0)
            {
                throw new BadInputException("--windows-build must be a build number such as 17763");
            }

            // The agent runs the built-in default when agent-config.yml has errors (ConfigPhase): plan what would really run.
            var errors = configResult.Diagnostics.Count(d => d.IsError);
            string? defaultBecause = configResult.IsValid ? null
                : $"{parse.GetValue(config)} has {errors.ToString(System.Globalization.CultureInfo.InvariantCulture)} error(s): the agent would run its built-in default configuration instead";
            var plan = BootPlan.Create(configResult.IsValid ? configResult.Config! : DefaultAgentConfig.Config, parsed);
            var facts = new Reseal.Agent.Boot.Tasks.PlanFacts(captured, parse.GetValue(windowsBuild) is { } build ? new Reseal.Windows.Ports.OsVersion { Build = build } : null);
            string launchKey;
            try
            {
                launchKey = captured is null ? "unknown (no --metadata)" : RsaPublicKey.SelectLaunchKey(captured.PublicKeys).ToString();
            }
            catch (CloudException e)
            {
                launchKey = "none: " + e.Message;
            }

            // The network description the metadata carries, checked, and what setNetwork would set from it (if it runs).
            var network = captured?.NetworkData is { } networkText
                ? Reseal.Agent.Boot.Network.NetworkConfigReader.Read(networkText, Reseal.Agent.Boot.Tasks.SetNetworkTask.DescriptionName(captured.Source))
                : null;
            var appliesNetwork = plan.Units.Any(u => u.TaskName == "setNetwork");
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new System.Text.Json.Nodes.JsonObject
                {
                    ["network"] = network is null ? null : NetworkRendering.Json(network, appliesNetwork),
                    ["instanceId"] = captured?.InstanceId,
                    ["source"] = captured?.Source.ToString(),
                    ["launchKey"] = launchKey,
                    ["userDataFormat"] = plan.UserDataFormatName,
                    ["runsDefaultBecause"] = defaultBecause,
                    ["steps"] = new System.Text.Json.Nodes.JsonArray([.. plan.Describe(facts).Select(s => (System.Text.Json.Nodes.JsonNode?)s)]),
                    ["diagnostics"] = new System.Text.Json.Nodes.JsonArray([.. diagnostics.Select(d => (System.Text.Json.Nodes.JsonNode?)d.ToString())]),
                }));
            }
            else
            {
                if (captured is not null)
                {
                    context.Out.WriteLine($"instance {captured.InstanceId} from {captured.Source}; launch key: {launchKey}");
                }

                if (defaultBecause is not null)
                {
                    context.Out.WriteLine($"-- {defaultBecause}:");
                }

                foreach (var step in plan.Describe(facts))
                {
                    context.Out.WriteLine(step);
                }

                if (network is not null)
                {
                    foreach (var line in NetworkRendering.Text(network, appliesNetwork))
                    {
                        context.Out.WriteLine(line);
                    }
                }

                // The network description's problems are said, but do not fail the plan: setNetwork configures the rest.
                foreach (var diagnostic in diagnostics.Concat(network?.Diagnostics ?? []))
                {
                    context.Error.WriteLine(diagnostic.ToString());
                }
            }

            return diagnostics.Any(d => d.IsError) ? ExitCodes.Findings : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Reads captured metadata (a JSON file, or a config drive or NoCloud folder); a CloudException is bad input (DomainErrors).</summary>
    private static async Task<InstanceMetadata> ReadCapturedAsync(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            if (new FileInfo(path).Length > 64L * 1024 * 1024)
            {
                throw new BadInputException($"{path}: larger than 64 MiB; not captured metadata");
            }

            return InstanceMetadata.FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path);
        }

        if (!Directory.Exists(path))
        {
            throw new BadInputException($"{path}: no such file or folder");
        }

        var source = Directory.Exists(Path.Combine(path, "openstack")) ? MetadataSource.ConfigDrive : MetadataSource.NoCloud;
        using var provider = MetadataDetector.Create(source, path);
        return await provider.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
    }

    public static Command Status(CliContext context)
    {
        var block = new Option<bool>("--block", "-b") { Description = "Wait while a run is in progress." };
        var timeout = new Option<int>("--timeout") { Description = "With --block: give up after this many seconds (0: wait as long as it takes).", DefaultValueFactory = _ => 0 };
        var stateDir = StateDirOption();
        var command = new Command("status", "The last agent run's status, with EC2Launch v2's exit codes: 0 completed, 1 a task failed, 2 running (or rebooting to continue), 3 unknown (a run was interrupted), 4 error reading the status, 5 no run yet.")
        {
            block, timeout, stateDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = StateDirectory(parse.GetValue(stateDir));
            var deadline = parse.GetValue(timeout) > 0 ? TimeProvider.System.GetUtcNow().AddSeconds(parse.GetValue(timeout)) : (DateTimeOffset?)null;
            while (true)
            {
                var (code, text) = ReadStatus(directory);
                if (code != 2 || !parse.GetValue(block) || (deadline is { } end && TimeProvider.System.GetUtcNow() >= end))
                {
                    context.Out.WriteLine(text);
                    return code;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>
    /// Reads run.json: (exit code, one line). A run writes its final status before it releases the lock, so "running"
    /// with no lock held is read once more before it is called interrupted: the run may have ended between the two looks
    /// (seen under load, where the first read and the lock probe were most of a second apart).
    /// </summary>
    internal static (int Code, string Text) ReadStatus(string stateDirectory)
    {
        var first = ReadStatusOnce(stateDirectory);
        return first.Code == 3 ? ReadStatusOnce(stateDirectory) : first;
    }

    private static (int Code, string Text) ReadStatusOnce(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, RunStatusFile.FileName);
        try
        {
            if (RunStatusFile.Read(stateDirectory) is not { } record)
            {
                return (5, $"no agent run recorded ({path} does not exist)");
            }

            var started = record.StartedAt ?? "?";
            return record.Status switch
            {
                "completed" => (0, $"completed (run started {started})"),
                "failed" => (1, $"failed (run started {started}): {string.Join("; ", record.Failed)}"),
                "rebooting" => (2, $"rebooting to continue (run started {started})"),
                "running" when RunStatusFile.IsLockHeld(stateDirectory) => (2, $"running (started {started})"),
                "running" => (3, $"unknown: the run started {started} was interrupted (no agent holds the run lock)"),
                var status => (4, $"{path}: unknown status '{status}'"),
            };
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return (4, $"{path}: cannot be read: {e.Message}");
        }
    }

    public static Command Reset(CliContext context)
    {
        var clean = new Option<bool>("--clean") { Description = "Also delete the agent's logs (console.log, agent.log, script logs)." };
        var stateDir = StateDirOption();
        var logDir = new Option<string?>("--log-dir") { Description = @"The log folder (default %ProgramData%\Reseal\log on Windows).", HelpName = "dir" };
        var command = new Command("reset", "Forget what the agent did, so every once-task (the administrator password included) runs again at the next start. Refuses while a run is in progress.")
        {
            clean, stateDir, logDir,
        };
        command.SetAction(parse =>
        {
            var directory = StateDirectory(parse.GetValue(stateDir));
            if (RunStatusFile.IsLockHeld(directory))
            {
                throw new EnvironmentException($"an agent run is in progress (it holds {Path.Combine(directory, RunStatusFile.LockFileName)}); wait for it ('reseal agent status --block')");
            }

            var removed = new AgentStateStore(directory, TimeProvider.System).Reset();
            var runStatus = Path.Combine(directory, RunStatusFile.FileName);
            if (File.Exists(runStatus))
            {
                File.Delete(runStatus);
                removed++;
            }

            if (parse.GetValue(clean))
            {
                var logs = parse.GetValue(logDir) ?? (OperatingSystem.IsWindows() ? LiveMachine.Create().Files.Expand(SealPaths.LogDirectory) : null)
                    ?? throw new UsageException("--clean off Windows needs --log-dir");
                if (Directory.Exists(logs))
                {
                    foreach (var file in Directory.EnumerateFiles(logs))
                    {
                        File.Delete(file);
                        removed++;
                    }
                }
            }

            context.Message($"reset: removed {removed.ToString(CultureInfo.InvariantCulture)} file(s); once-tasks run again at the next start");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<string?> StateDirOption() =>
        new("--state-dir") { Description = @"The agent's state folder (default %ProgramData%\Reseal\state on Windows; needed elsewhere, e.g. in a mounted image).", HelpName = "dir" };

    private static string StateDirectory(string? given) =>
        given ?? (OperatingSystem.IsWindows()
            ? LiveMachine.Create().Files.Expand(SealPaths.StateDirectory)
            : throw new EnvironmentException(@"the agent's state lives on Windows (%ProgramData%\Reseal\state); off Windows give --state-dir DIR (for a mounted image: DIR/ProgramData/Reseal/state)"));
}
