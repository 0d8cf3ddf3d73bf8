using System.Collections.Immutable;
using System.Globalization;
using Reseal.Sysprep.Inspection;
using Reseal.Sysprep.Panther;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>The time limits of a seal run. Every wait has one: the watch never polls forever.</summary>
public sealed record SealRunSettings
{
    /// <summary>How often the logs and ImageState are read while Sysprep runs (default 2 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the BeforeSysprep hook may run before it is stopped and sealing is undone (default 10 min).</summary>
    public TimeSpan HookTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long Sysprep may run with no new line in its logs and no ImageState change before it is stopped and sealing
    /// undone (default 15 min). Never applied once ImageState says generalize is done.
    /// </summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Once this run logged an error in setuperr.log, how long Sysprep may stay silent before it is taken as failed and
    /// stopped (default 2 min): Sysprep run without <c>/quiet</c> shows an error dialog and waits for a click that never comes.
    /// </summary>
    public TimeSpan ErrorGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest Sysprep may run at all (default 2 h; also its process time limit).</summary>
    public TimeSpan TotalLimit { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How long to wait for a stopped Sysprep to end before undoing anyway (default 30 s).</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one serial-console write may take (default 10 s); a port that blocks must not stop sealing.</summary>
    public TimeSpan ConsoleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The defaults.</summary>
    public static SealRunSettings Default { get; } = new();
}

/// <summary>
/// <c>reseal seal</c> on a running Windows (DESIGN.md lifecycle step 1): preflight with the live facts, the plan's file
/// and registry steps with the undo journal (<see cref="SealApplier"/>), the user's BeforeSysprep hook, Sysprep with the
/// plan's arguments, and the watch — Sysprep's Panther logs streamed to <c>progress</c>, <c>Windows is being configured.
/// SysprepState=…</c> on the serial console at each ImageState change, success or failure decided from the exit code,
/// ImageState and this run's setuperr.log, and every wait bounded (<see cref="SealRunSettings"/>). On failure before
/// generalize finishes, every change is undone from the journal and the Panther logs are diagnosed.
/// </summary>
/// <remarks>
/// Works on any <see cref="IWindowsMachine"/> that can run programs: the running Windows (LiveWindows), Wine, or a test
/// fake. Real Sysprep exits once generalize is done (<c>/quit</c>) or powers the machine off (<c>/shutdown</c>,
/// <c>/reboot</c>), in which case this process may never see it exit: the console line and the progress stream have
/// already said that generalize finished. After a successful seal the journal stays in the image; the agent deletes it at
/// the clone's first boot.
/// </remarks>
public sealed partial class SealRunner
{
    /// <summary>Sysprep's program name, as the process list shows it.</summary>
    public const string SysprepProgram = "sysprep.exe";

    private const int MaxReportedErrors = 20;
    private const int MaxHookLines = 20;

    private readonly IWindowsMachine _machine;
    private readonly TimeProvider _time;
    private readonly SealRunSettings _settings;

    /// <summary>A runner for <paramref name="machine"/>.</summary>
    public SealRunner(IWindowsMachine machine, TimeProvider? time = null, SealRunSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
        _time = time ?? TimeProvider.System;
        _settings = settings ?? SealRunSettings.Default;
    }

    /// <summary>
    /// <c>reseal seal --dry-run</c> on the running machine: its facts, the live checks (elevated, no other sysprep.exe
    /// running) and the plan. Changes nothing.
    /// </summary>
    public SealReport Preflight(SealOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inspection = WindowsInspector.Inspect(_machine);
        return SealPlanner.Prepare(_machine, inspection, options, ReadEnvironment());
    }

    /// <summary>The facts about the running process the tree cannot tell: elevation and the sysprep.exe processes already running.</summary>
    public PreflightEnvironment ReadEnvironment()
    {
        bool? elevated;
        try
        {
            elevated = _machine.Processes.IsElevated;
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            elevated = null;
        }

        ImmutableArray<int>? running;
        try
        {
            running = [.. _machine.Processes.FindRunning(SysprepProgram)];
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            running = null;
        }

        return new PreflightEnvironment(false, elevated, running);
    }

    /// <summary>Runs the preflight and, when nothing blocks it (or <see cref="SealOptions.Force"/>), the whole seal.</summary>
    public Task<SealRunResult> RunAsync(SealOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(Preflight(options), progress, cancellationToken);
    }

    /// <summary>
    /// Seals the machine a report was made from, following its plan. Refuses (changing nothing) a blocked report, a
    /// machine with a journal left by an earlier seal, or a plan made stale by edits since. Cancelling stops Sysprep and
    /// undoes, unless generalize has finished.
    /// </summary>
    public async Task<SealRunResult> RunAsync(SealReport report, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (SealApplier.Refusal(_machine, report) is { } refused)
        {
            return new SealRunResult { Outcome = SealRunOutcome.Refused, Message = refused.Message, Report = report };
        }

        var plan = report.Plan!;
        SealApplier.RestrictResealFolder(_machine);
        var session = new SealSession(_machine, _machine.Files.Expand(SealPaths.Journal), _time);
        if (plan.WithoutSysprep)
        {
            return ShutDownWithoutSysprep(report, session, progress);
        }

        try
        {
            Say(progress, "applying the plan's file and registry steps (journal: " + session.JournalPath + ")");
            session.ApplyBeforeHook(plan);
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            return FailOrThrow(report, session, e, progress);
        }

        if (plan.BeforeSysprepHook is { } hook && await RunHookAsync(hook, progress, cancellationToken).ConfigureAwait(false) is { } hookProblem)
        {
            return Fail(report, session, SealStepIds.BeforeSysprepHook, hookProblem, progress, diagnose: false);
        }

        try
        {
            session.ApplyFirstBootHook(plan);
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            return FailOrThrow(report, session, e, progress);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Fail(report, session, SealStepIds.RunSysprep, "cancelled before Sysprep started", progress, diagnose: false);
        }

        var watch = new Watch(this, plan, progress);
        await watch.RunAsync(cancellationToken).ConfigureAwait(false);
        return Conclude(report, session, watch, progress);
    }

    /// <summary>
    /// <c>reseal seal --rollback</c> on the running machine: undoes a seal from its journal. Refuses (unless
    /// <paramref name="force"/>) when ImageState says the machine is generalized: undoing then would leave a generalized
    /// image without its first-boot hook and with RDP open.
    /// </summary>
    public SealChangeResult Rollback(bool force = false)
    {
        if (!force && ReadImageState() is { } state && IsGeneralized(state))
        {
            return SealChangeResult.Refused("rollback",
                $"refused: ImageState is {state}, so Sysprep generalized this machine; undoing now would break the image (--force to roll back anyway)");
        }

        return SealApplier.Rollback(_machine, force);
    }

    private SealRunResult Conclude(SealReport report, SealSession session, Watch watch, IProgress<string>? progress)
    {
        var state = watch.State;
        var expected = ExpectedState(report.Plan!);
        var exit = watch.Outcome;
        var errors = watch.Errors.Take(MaxReportedErrors).Select(e => e.Location + ": " + e.RawText).ToImmutableArray();
        var changes = session.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}").ToImmutableArray();
        var warnings = watch.Warnings.ToImmutableArray();
        var reached = state is not null && state.Equals(expected, StringComparison.OrdinalIgnoreCase);
        if (watch.Stop is null && exit is { ExitCode: 0, TimedOut: false } && reached && watch.Errors.Count == 0)
        {
            var completion = report.Options.Completion;
            Say(progress, $"Sysprep succeeded: ImageState is {state}");
            return new SealRunResult
            {
                Outcome = SealRunOutcome.Sealed,
                Message = $"sealed: Sysprep generalized this machine (exit code 0, ImageState {state})",
                Report = report,
                Changes = changes,
                JournalPath = session.JournalPath,
                SysprepExitCode = 0,
                ImageStateBefore = watch.StateBefore,
                ImageStateAfter = state,
                NextSteps = NextSteps(completion, session.JournalPath),
                Warnings = warnings,
            };
        }

        var reason = FailureReason(watch, expected);
        if (state is not null && IsGeneralized(state))
        {
            Say(progress, $"ImageState is {state}: generalize finished, so nothing is undone");
            return new SealRunResult
            {
                Outcome = SealRunOutcome.GeneralizedWithErrors,
                Message = $"generalized with errors: {reason}",
                FailedStep = SealStepIds.Watch,
                Report = report,
                Changes = changes,
                JournalPath = session.JournalPath,
                WatchStop = watch.Stop?.Reason,
                SysprepExitCode = exit?.ExitCode,
                ImageStateBefore = watch.StateBefore,
                ImageStateAfter = state,
                SysprepErrors = errors,
                Diagnosis = Diagnose(),
                NextSteps = "ImageState says generalize finished, so nothing was undone (undoing would leave a generalized image without its first-boot hook and with RDP open). "
                    + "Read the diagnosis; if the errors matter, rebuild the image from its source rather than capturing this one.",
                Warnings = warnings,
            };
        }

        return Fail(report, session, watch.Stop is { Reason: SysprepWatchStopReason.CouldNotRun } ? SealStepIds.RunSysprep : SealStepIds.Watch,
            reason, progress, diagnose: true, watch);
    }

    private static string FailureReason(Watch watch, string expected)
    {
        var state = watch.State ?? "(absent)";
        var parts = new List<string>();
        if (watch.Stop is { } stop)
        {
            parts.Add(stop.Text);
        }
        else if (watch.Outcome is { TimedOut: true })
        {
            parts.Add("Sysprep ran past its time limit and was stopped");
        }
        else if (watch.Outcome is { ExitCode: not 0 } failed)
        {
            parts.Add($"Sysprep exited with code {failed.ExitCode.ToString(CultureInfo.InvariantCulture)} (0x{failed.ExitCode:X8})");
        }

        if (state.Equals(SysprepImageState.Undeployable, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add($"ImageState is {state}: a Sysprep phase failed part-way");
        }
        else if (string.Equals(watch.State, watch.StateBefore, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add($"ImageState is still {state} (Sysprep did not generalize)");
        }
        else if (!state.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add($"ImageState is {state}, not {expected}");
        }

        if (watch.Errors.Count > 0)
        {
            parts.Add($"this run logged {watch.Errors.Count.ToString(CultureInfo.InvariantCulture)} error(s) in setuperr.log, the first at {watch.Errors[0].Location}: {watch.Errors[0].Message}");
        }

        return parts.Count == 0 ? "Sysprep did not report success" : string.Join("; ", parts);
    }

    /// <summary>A step's failure: undone and reported; a bug is undone too, then thrown (<see cref="SealBugException"/>).</summary>
    /// <summary>
    /// <c>--no-sysprep</c>: the agent state reset and password choice, journaled, then a shutdown request. A refused request
    /// undoes them. Once Windows has accepted it the journal is deleted: there is nothing left a rollback could usefully
    /// undo after the agent's next run, and a journal left behind would refuse the next seal.
    /// </summary>
    private SealRunResult ShutDownWithoutSysprep(SealReport report, SealSession session, IProgress<string>? progress)
    {
        var plan = report.Plan!;
        try
        {
            Say(progress, "resetting the agent state (journal: " + session.JournalPath + ")");
            session.ApplyBeforeHook(plan);
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            return FailOrThrow(report, session, e, progress);
        }

        try
        {
            _machine.Power.Request(PowerAction.Shutdown, ShutdownDelay, "Reseal: shutdown without Sysprep (reseal seal --no-sysprep)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Runtime.InteropServices.ExternalException or PlatformNotSupportedException or InvalidOperationException)
        {
            return Fail(report, session, SealStepIds.Shutdown, $"Windows did not accept the shutdown: {e.Message}", progress, diagnose: false);
        }

        var changes = session.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}").ToImmutableArray();
        var problems = new List<string>();
        SealUndo.TryDelete(_machine.Files, session.JournalPath, problems);
        Say(progress, $"Windows shuts down in {Show(ShutdownDelay)}");
        return new SealRunResult
        {
            Outcome = SealRunOutcome.ShutDownWithoutSysprep,
            Message = $"shutting down without Sysprep: {changes.Length} change(s) made; the agent runs its once-tasks again at the next boot",
            Report = report,
            Changes = changes,
            NextSteps = "capture the image once the machine is off. It is not generalized: every clone keeps this machine's SID and, until the agent renames it, its name; "
                + "use it for copies of this machine, and a full 'reseal seal' for images many clones start from.",
            Warnings = [.. problems],
        };
    }

    /// <summary>How long Windows waits before the <c>--no-sysprep</c> shutdown: time for the report to be printed.</summary>
    private static readonly TimeSpan ShutdownDelay = TimeSpan.FromSeconds(5);

    private SealRunResult FailOrThrow(SealReport report, SealSession session, Exception e, IProgress<string>? progress)
    {
        var step = session.Step;
        var failed = Fail(report, session, step, $"{step} failed: {e.Message}", progress, diagnose: false);
        return SealApplier.IsExpected(e) ? failed : throw new SealBugException(step, failed.UndoProblems, e);
    }

    private SealRunResult Fail(SealReport report, SealSession session, string step, string reason, IProgress<string>? progress,
        bool diagnose, Watch? watch = null)
    {
        Say(progress, $"{step} failed: {reason}");
        Say(progress, $"undoing {session.Journal.Changes.Length.ToString(CultureInfo.InvariantCulture)} change(s) from the journal");
        var changes = session.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}").ToImmutableArray();
        var problems = session.UndoAll();
        var diagnosis = diagnose ? Diagnose() : null;
        return new SealRunResult
        {
            Outcome = SealRunOutcome.Failed,
            Message = problems.Count == 0 ? $"failed and undone: {reason}" : $"failed, and NOT everything was undone: {reason}",
            FailedStep = step,
            Report = report,
            Changes = changes,
            Undone = true,
            UndoProblems = [.. problems],
            JournalPath = problems.Count == 0 ? null : session.JournalPath,
            WatchStop = watch?.Stop?.Reason,
            SysprepExitCode = watch?.Outcome?.ExitCode,
            ImageStateBefore = watch?.StateBefore,
            ImageStateAfter = watch?.State,
            SysprepErrors = watch is null ? [] : [.. watch.Errors.Take(MaxReportedErrors).Select(e => e.Location + ": " + e.RawText)],
            Diagnosis = diagnosis,
            NextSteps = problems.Count == 0
                ? (diagnose ? "the machine is as it was before reseal seal: fix the cause the diagnosis names, then seal again" : "the machine is as it was before reseal seal: fix the cause, then seal again")
                : "undo what is listed as NOT UNDONE by hand, or run reseal seal --rollback once the cause is fixed (the journal is kept)",
            Warnings = watch is null ? [] : [.. watch.Warnings],
        };
    }

    private PantherDiagnosis? Diagnose()
    {
        try
        {
            return new PantherDiagnoser().Diagnose(_machine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Runs the user's hook with <c>cmd.exe /c</c>; returns why it failed, or null.</summary>
    private async Task<string?> RunHookAsync(string hook, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var files = _machine.Files;
        var cmd = files.Expand(SealPaths.CmdExe);
        var request = new ProcessRequest(cmd, ["/c", hook], _settings.HookTimeout) { WorkingDirectory = hook[..hook.LastIndexOf('\\')] };
        Say(progress, $"running your BeforeSysprep hook: {cmd} /c {hook}");
        ProcessOutcome outcome;
        try
        {
            outcome = await _machine.Processes.RunAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return $"the BeforeSysprep hook {hook} was cancelled";
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            return $"the BeforeSysprep hook {hook} could not be run: {e.Message}";
        }

        foreach (var line in (outcome.StandardOutput + "\n" + outcome.StandardError).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).TakeLast(MaxHookLines))
        {
            Say(progress, "hook: " + line);
        }

        if (outcome.TimedOut)
        {
            return $"the BeforeSysprep hook {hook} did not end within {Show(_settings.HookTimeout)} and was stopped";
        }

        return outcome.ExitCode == 0
            ? null
            : $"the BeforeSysprep hook {hook} exited with code {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}";
    }

    private static string NextSteps(SysprepCompletion completion, string journal) => completion switch
    {
        SysprepCompletion.Quit => "Windows keeps running, generalized: shut it down (shutdown /s /t 0) and capture the disk. Do not restart or log on first: the next boot runs specialize and OOBE. "
            + $"The journal {journal} stays in the image; the agent deletes it at the clone's first boot.",
        SysprepCompletion.Reboot => "Windows restarts now into specialize and OOBE; SetupComplete.cmd then starts the agent. "
            + $"The journal {journal} stays in the image; the agent deletes it at first boot.",
        _ => "Windows shuts down now: capture the disk once the machine is off. Each clone runs specialize and OOBE at first boot, then SetupComplete.cmd starts the agent. "
            + $"The journal {journal} stays in the image; the agent deletes it at the clone's first boot.",
    };

    private static string ExpectedState(SealPlan plan) =>
        plan.SysprepArguments.Any(a => a.Equals("/audit", StringComparison.OrdinalIgnoreCase))
            ? SysprepImageState.GeneralizeResealToAudit
            : SysprepImageState.GeneralizeResealToOobe;

    private static bool IsGeneralized(string state) => new SysprepImageState(state, null).IsGeneralized;

    private string? ReadImageState()
    {
        try
        {
            return _machine.System.GetImageState().RawText;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    private static void Say(IProgress<string>? progress, string line) => progress?.Report(line);

    private static string Show(TimeSpan span) =>
        span.TotalMinutes >= 1 ? span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min" : span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}
