using System.Collections.Immutable;
using System.Xml;
using System.Xml.Linq;
using Reseal.Sysprep.Seal;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Sysprep.Migration;

/// <summary>What <c>reseal agent migrate --apply</c> puts in place of the old agent.</summary>
/// <param name="From">The old agent: <see cref="SealAgent.Ec2Config"/>, <see cref="SealAgent.Ec2Launch"/> or <see cref="SealAgent.CloudbaseInit"/>.</param>
/// <param name="Config">The agent-config.yml bytes (already validated by the caller).</param>
/// <param name="ConfigHoldsPassword">True when the configuration holds a clear-text password: it is written readable by administrators only.</param>
/// <param name="ResealService">Reseal's service, installed when it is not there yet.</param>
/// <param name="Installer">Installs it (the SCM on a running Windows); null where none can (an offline tree), which then needs the service already installed.</param>
/// <param name="Force">Replace an existing agent-config.yml (kept in the journal, so a rollback restores it).</param>
public sealed record MigrationApplyRequest(SealAgent From, ImmutableArray<byte> Config, bool ConfigHoldsPassword, ServiceInstallSpec ResealService, IServiceInstaller? Installer, bool Force = false);

/// <summary>
/// Switches a machine from EC2Config, EC2Launch v1 or Cloudbase-Init to Reseal's agent, journaled like a seal
/// (<see cref="SealJournal"/>: every change recorded before it is made, in <see cref="JournalPath"/>), so a failure part-way
/// is undone at once and <see cref="RollbackAsync"/> undoes a finished apply exactly: the config written, the old agent's
/// service stopped and disabled (or EC2Launch v1's scheduled task disabled through schtasks), its SetupComplete.cmd lines
/// removed, Reseal's service installed. The SSM Agent is never touched. docs/agent-migration.md has the Win32 behaviour.
/// </summary>
public static class MigrationApplier
{
    /// <summary>The journal, beside the configuration it wrote.</summary>
    public const string JournalPath = @"%ProgramData%\Reseal\config\migrate-journal.json";

    /// <summary>EC2Launch v1's scheduled task (agents.md §2; SealAgents' task file).</summary>
    public const string Ec2LaunchTask = "Amazon Ec2 Launch - Instance Initialization";

    /// <summary>The SSM Agent's service, which the switch keeps.</summary>
    public const string SsmService = "AmazonSSMAgent";

    private static readonly TimeSpan ServiceTimeout = TimeSpan.FromSeconds(60);
    private const string SchTasks = @"%WINDIR%\System32\schtasks.exe";

    /// <summary>The old agent's service, or null (EC2Launch v1 runs from a scheduled task).</summary>
    public static string? OldService(SealAgent agent) => agent switch
    {
        SealAgent.Ec2Config => "Ec2Config",
        SealAgent.CloudbaseInit => SealAgents.CloudbaseInitService,
        _ => null,
    };

    /// <summary>Applies the switch; a failure part-way is undone before the result says so.</summary>
    public static async Task<SealChangeResult> ApplyAsync(IWindowsMachine machine, MigrationApplyRequest request, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(request);
        if (request.From is not (SealAgent.Ec2Config or SealAgent.Ec2Launch or SealAgent.CloudbaseInit))
        {
            throw new ArgumentException($"cannot migrate from {request.From}", nameof(request));
        }

        time ??= TimeProvider.System;
        var files = machine.Files;
        var journalPath = files.Expand(JournalPath);
        var configPath = files.Expand(SealPaths.AgentConfig);
        var offline = machine.OfflineTree is not null;
        if (files.FileExists(journalPath))
        {
            return SealChangeResult.Refused("apply", $"an earlier migration's journal is at {journalPath}: undo it with 'reseal agent migrate --rollback' first (or delete it if that migration is to stay)");
        }

        if (files.FileExists(configPath) && !request.Force)
        {
            return SealChangeResult.Refused("apply", $"{configPath} exists; use --force to replace it (the journal keeps it, so --rollback restores it)");
        }

        if (offline && request.From == SealAgent.Ec2Launch)
        {
            return SealChangeResult.Refused("apply", $"EC2Launch v1 starts from the scheduled task '{Ec2LaunchTask}', which only the running Windows' Task Scheduler can disable (it also keeps the task in its registry cache); run --apply on that Windows");
        }

        var resealService = machine.Services.Find(request.ResealService.Name);
        if (resealService is null && request.Installer is null)
        {
            return SealChangeResult.Refused("apply", $"the service '{request.ResealService.Name}' is not installed and cannot be installed here{(offline ? " (an offline tree has no service manager)" : "")}: install Reseal (its MSI, or 'reseal agent install' on the running Windows) first");
        }

        // The folders the apply creates, outermost first, found before restricting %ProgramData%\Reseal (which may
        // create it), so a rollback removes exactly what was not there.
        var created = new List<string>();
        var path = "";
        foreach (var part in configPath[..configPath.LastIndexOf('\\')].Split('\\'))
        {
            path = path.Length == 0 ? part : path + "\\" + part;
            if (path.Length > 2 && !files.DirectoryExists(path))
            {
                created.Add(path);
            }
        }

        try
        {
            // As a seal does, before anything is written there: the agent runs what %ProgramData%\Reseal holds as SYSTEM,
            // and ProgramData lets every user create files. Not journaled (restricting it again is harmless).
            files.RestrictToAdministrators(@"%ProgramData%\Reseal");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
        {
            // The agent restricts it again at its first run; the switch goes on.
        }

        var session = new Session(machine, journalPath, time);
        try
        {
            await session.RunAsync(request, configPath, created, resealService, offline, cancellationToken).ConfigureAwait(false);
            var kept = machine.Services.Find(SsmService) is { } ssm ? [$"kept: service {ssm.Name} (the SSM Agent) untouched"] : Array.Empty<string>();
            return new SealChangeResult("apply", SealChangeStatus.Done, $"switched from {SealAgents.DetectorName(request.From)} to Reseal: {session.Journal.Changes.Length} change(s), journaled in {journalPath}",
                [.. session.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}"), .. kept], journalPath);
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            var problems = await session.UndoAllAsync(request.Installer, CancellationToken.None).ConfigureAwait(false);
            if (!IsExpected(e))
            {
                throw new SealBugException(session.Step, problems, e);
            }

            return new SealChangeResult("apply", problems.Count == 0 ? SealChangeStatus.FailedAndUndone : SealChangeStatus.Incomplete,
                $"failed at {session.Step} and undone: {e.Message}{(problems.Count == 0 ? "" : "; undo problems: " + string.Join("; ", problems))}", [], problems.Count == 0 ? null : journalPath);
        }
    }

    /// <summary>
    /// Undoes a finished apply from its journal, exactly; refuses (unless forced) when a file changed since.
    /// <paramref name="installer"/> removes the service the apply installed (the SCM on a running Windows).
    /// </summary>
    public static async Task<SealChangeResult> RollbackAsync(IWindowsMachine machine, IServiceInstaller? installer, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var files = machine.Files;
        var journalPath = files.Expand(JournalPath);
        if (!files.FileExists(journalPath))
        {
            return new SealChangeResult("rollback", SealChangeStatus.NothingToDo, $"nothing to roll back: no {journalPath}", [], null);
        }

        var journal = SealJournal.Parse(files.ReadAllBytes(journalPath), journalPath, c => CheckAllowed(c, files), "migration", out var problem);
        if (journal is null)
        {
            return SealChangeResult.Refused("rollback", problem!);
        }

        var drifted = SealUndo.Drifted(files, journal);
        if (drifted.Count > 0 && !force)
        {
            return SealChangeResult.Refused("rollback", $"changed since the migration: {string.Join(", ", drifted)}; rolling back would lose those changes (use --force to roll back anyway)");
        }

        var problems = await UndoAsync(machine, journal, installer, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            return new SealChangeResult("rollback", SealChangeStatus.Incomplete, $"rolled back with problems (the journal {journalPath} is kept): {string.Join("; ", problems)}",
                [.. journal.Changes.Reverse().Select(c => $"{c.Step}: {c.Describe()}")], journalPath);
        }

        SealUndo.TryDelete(files, journalPath, problems);
        SealUndo.RemoveDirectories(files, journal.CreatedDirectories, problems);
        return new SealChangeResult("rollback", SealChangeStatus.Done, $"rolled back {journal.Changes.Length} change(s) of the migration",
            [.. journal.Changes.Reverse().Select(c => $"{c.Step}: {c.Describe()}")], null);
    }

    private static bool IsExpected(Exception e) =>
        e is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException or TimeoutException
            or OperationCanceledException or System.ComponentModel.Win32Exception or ArgumentException;

    /// <summary>Undoes every change in reverse order: files and registry values as a seal's undo does, services and the task here.</summary>
    private static async Task<List<string>> UndoAsync(IWindowsMachine machine, SealJournal journal, IServiceInstaller? installer, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var change in journal.Changes.Reverse())
        {
            try
            {
                switch (change)
                {
                    case ServiceStartJournalChange start:
                        if (machine.Services.Find(start.Name) is { } service && service.StartMode != start.Before)
                        {
                            machine.Services.SetStartMode(start.Name, start.Before);
                        }

                        break;
                    case ServiceRunJournalChange { WasRunning: true } run:
                        if (machine.Services.Find(run.Name) is { State: not ServiceRunState.Running })
                        {
                            await machine.Services.StartAsync(run.Name, ServiceTimeout, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                    case ServiceInstalledJournalChange installed:
                        if (machine.Services.Find(installed.Name) is not null)
                        {
                            (installer ?? throw new PlatformNotSupportedException("removing the service needs the running Windows' service manager")).Uninstall(installed.Name);
                        }

                        break;
                    case ScheduledTaskJournalChange { WasEnabled: true } task:
                        // Journaled before the change: when /DISABLE never took effect, the task is still enabled.
                        if (await TaskEnabledAsync(machine, cancellationToken).ConfigureAwait(false) != false)
                        {
                            break;
                        }

                        await SchTasksAsync(machine, ["/Change", "/TN", @"\" + task.Name, "/ENABLE"], cancellationToken).ConfigureAwait(false);
                        break;
                    case ServiceRunJournalChange or ScheduledTaskJournalChange:
                        break;
                    default:
                        problems.AddRange(SealUndo.Undo(machine, journal with { Changes = [change] }));
                        break;
                }
            }
            catch (Exception e) when (!SealApplier.IsFatal(e))
            {
                problems.Add($"{change.Describe()}: {e.Message}");
            }
        }

        return problems;
    }

    private static async Task<ProcessOutcome> SchTasksAsync(IWindowsMachine machine, string[] arguments, CancellationToken cancellationToken)
    {
        var outcome = await machine.Processes.RunAsync(new ProcessRequest(machine.Files.Expand(SchTasks), arguments, TimeSpan.FromSeconds(60)), cancellationToken).ConfigureAwait(false);
        return outcome.Succeeded
            ? outcome
            : throw new InvalidOperationException($"schtasks {string.Join(' ', arguments)} failed (exit {outcome.ExitCode}{(outcome.TimedOut ? ", timed out" : "")}): {(outcome.StandardError + outcome.StandardOutput).Trim()}");
    }

    /// <summary>
    /// Whether the task is enabled, from <c>schtasks /Query /XML</c>: the task XML's <c>Settings/Enabled</c> (true when
    /// absent, the Task Scheduler schema's default). Null when the task does not exist.
    /// </summary>
    private static async Task<bool?> TaskEnabledAsync(IWindowsMachine machine, CancellationToken cancellationToken)
    {
        var outcome = await machine.Processes.RunAsync(new ProcessRequest(machine.Files.Expand(SchTasks), ["/Query", "/TN", @"\" + Ec2LaunchTask, "/XML"], TimeSpan.FromSeconds(60)), cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new StringReader(outcome.StandardOutput.TrimStart('\uFEFF')), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var settings = XDocument.Load(reader).Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "Settings");
            var enabled = settings?.Elements().FirstOrDefault(e => e.Name.LocalName == "Enabled")?.Value.Trim();
            return enabled is null || !enabled.Equals("false", StringComparison.OrdinalIgnoreCase);
        }
        catch (XmlException e)
        {
            throw new InvalidOperationException($"schtasks /Query /XML printed no task definition: {e.Message}", e);
        }
    }

    /// <summary>Only the changes a migration makes are accepted, so a planted journal cannot make rollback touch anything else.</summary>
    private static void CheckAllowed(JournalChange change, IWindowsFiles files)
    {
        var config = files.Expand(SealPaths.AgentConfig);
        var setupComplete = files.Expand(SealPaths.SetupComplete);
        string[] services = ["Ec2Config", SealAgents.CloudbaseInitService, ServiceInstallSpec.ResealServiceName];
        var allowed = change switch
        {
            FileJournalChange file => string.Equals(file.Path, config, StringComparison.OrdinalIgnoreCase) || string.Equals(file.Path, setupComplete, StringComparison.OrdinalIgnoreCase),
            ServiceStartJournalChange start => services.Contains(start.Name, StringComparer.OrdinalIgnoreCase),
            ServiceRunJournalChange run => services.Contains(run.Name, StringComparer.OrdinalIgnoreCase),
            ServiceInstalledJournalChange installed => string.Equals(installed.Name, ServiceInstallSpec.ResealServiceName, StringComparison.OrdinalIgnoreCase),
            ScheduledTaskJournalChange task => string.Equals(task.Name, Ec2LaunchTask, StringComparison.Ordinal),
            _ => false,
        };
        if (!allowed)
        {
            throw new FormatException($"'{change.Describe()}' is not a change a migration makes");
        }
    }

    /// <summary>One apply: each change journaled (and the journal saved) before it is made.</summary>
    private sealed class Session(IWindowsMachine machine, string journalPath, TimeProvider time)
    {
        private readonly IWindowsFiles _files = machine.Files;
        private readonly JournalWriter _journal = new(machine.Files, journalPath, time);

        public SealJournal Journal => _journal.Journal;

        public string Step { get; private set; } = "write-config";

        public async Task RunAsync(MigrationApplyRequest request, string configPath, IReadOnlyList<string> created, ServiceInfo? resealService, bool offline, CancellationToken cancellationToken)
        {
            _journal.CreateDirectories(created);

            // 1. The configuration (administrators only when it holds a password, as the contract for "Specify" asks).
            Step = "write-config";
            var index = Record(new FileJournalChange(Step, configPath, _files.FileExists(configPath) ? [.. _files.ReadAllBytes(configPath)] : default));
            if (request.ConfigHoldsPassword)
            {
                _files.WriteProtectedFile(configPath, request.Config.AsSpan(), null);
            }
            else
            {
                _files.WriteAllBytes(configPath, request.Config.AsSpan());
            }

            Left(index, configPath);

            // 2. The old agent stopped and disabled: its service, or EC2Launch v1's scheduled task.
            if (OldService(request.From) is { } name && machine.Services.Find(name) is { } old)
            {
                Step = "stop-old-service";
                if (!offline && old.State is ServiceRunState.Running or ServiceRunState.StartPending or ServiceRunState.Paused)
                {
                    Record(new ServiceRunJournalChange(Step, old.Name, WasRunning: true));
                    await machine.Services.StopAsync(old.Name, ServiceTimeout, cancellationToken).ConfigureAwait(false);
                }

                Step = "disable-old-service";
                if (old.StartMode is { } mode and not ServiceStartMode.Disabled)
                {
                    Record(new ServiceStartJournalChange(Step, old.Name, mode));
                    machine.Services.SetStartMode(old.Name, ServiceStartMode.Disabled);
                }
            }
            else if (request.From == SealAgent.Ec2Launch)
            {
                Step = "disable-scheduled-task";
                if (await TaskEnabledAsync(machine, cancellationToken).ConfigureAwait(false) == true)
                {
                    Record(new ScheduledTaskJournalChange(Step, Ec2LaunchTask, WasEnabled: true));
                    await SchTasksAsync(machine, ["/Change", "/TN", @"\" + Ec2LaunchTask, "/DISABLE"], cancellationToken).ConfigureAwait(false);
                }
            }

            // 3. Its SetupComplete.cmd lines removed (the lines a seal keeping it would add).
            Step = "remove-setupcomplete-line";
            var setupComplete = _files.Expand(SealPaths.SetupComplete);
            if (_files.FileExists(setupComplete) && SealAgents.HookLines(request.From) is { IsEmpty: false } lines)
            {
                var before = _files.ReadAllBytes(setupComplete);
                if (SetupCompleteScript.WithoutLines(before, lines) is { } after)
                {
                    var changed = Record(new FileJournalChange(Step, setupComplete, [.. before]));
                    _files.WriteAllBytes(setupComplete, after.AsSpan());
                    Left(changed, setupComplete);
                }
            }

            // 4. Reseal's service, installed (or enabled again) so it runs at the next boot.
            Step = "install-reseal-service";
            if (resealService is null)
            {
                Record(new ServiceInstalledJournalChange(Step, request.ResealService.Name));
                request.Installer!.Install(request.ResealService);
            }
            else if (resealService.StartMode is { } resealMode and not ServiceStartMode.Automatic)
            {
                Record(new ServiceStartJournalChange(Step, resealService.Name, resealMode));
                machine.Services.SetStartMode(resealService.Name, ServiceStartMode.Automatic);
            }
        }

        public async Task<List<string>> UndoAllAsync(IServiceInstaller? installer, CancellationToken cancellationToken)
        {
            var problems = await UndoAsync(machine, Journal, installer, cancellationToken).ConfigureAwait(false);
            return _journal.AfterUndo(problems, "'reseal agent migrate --rollback'");
        }

        private int Record(JournalChange change) => _journal.Record(change);

        private void Left(int index, string path) => _journal.Left(index, path);
    }
}
