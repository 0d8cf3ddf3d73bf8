using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// Performs the file and registry steps of a seal plan on any machine — agent state reset, answer file, cached answer
/// files moved aside and <c>Setup!UnattendFile</c> cleared, RDP denied, SetupComplete.cmd — through its ports, so one
/// implementation serves an offline tree (<see cref="OfflineSealer"/>), the running Windows (<see cref="SealRunner"/>)
/// and test fakes. Every change is recorded first in an undo journal (<see cref="SealPaths.Journal"/>); a failure
/// part-way undoes what was done, and <see cref="Rollback"/> restores the files and values exactly.
/// </summary>
public static class SealApplier
{
    /// <summary>Applies a report's plan to the machine it was made from. Refuses a blocked report (unless it was forced).</summary>
    public static SealChangeResult Apply(IWindowsMachine machine, SealReport report, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(report);
        time ??= TimeProvider.System;
        if (Refusal(machine, report) is { } refused)
        {
            return refused;
        }

        var plan = report.Plan!;
        var journalPath = machine.Files.Expand(SealPaths.Journal);
        RestrictResealFolder(machine);
        var session = new SealSession(machine, journalPath, time);
        try
        {
            session.ApplyBeforeHook(plan);
            session.ApplyFirstBootHook(plan);
            var where = machine.OfflineTree is null ? "" : " (an offline tree)";
            if (plan.WithoutSysprep)
            {
                where += "; --no-sysprep: nothing is shut down by an offline apply";
            }

            return new SealChangeResult("apply", SealChangeStatus.Done, $"applied {session.Journal.Changes.Length} change(s); Sysprep was not run{where}",
                [.. session.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}")], journalPath);
        }
        catch (Exception e) when (!IsFatal(e))
        {
            // Whatever went wrong, a half-applied machine is worse than none: undo, then report the failure, or, for a bug,
            // crash loudly with what the undo left.
            var problems = session.UndoAll();
            if (!IsExpected(e))
            {
                throw new SealBugException(session.Step, problems, e);
            }

            return new SealChangeResult("apply", problems.Count == 0 ? SealChangeStatus.FailedAndUndone : SealChangeStatus.Incomplete,
                $"failed and undone: {e.Message}{(problems.Count == 0 ? "" : "; undo problems: " + string.Join("; ", problems))}", [], null);
        }
    }

    /// <summary>
    /// Undoes an apply from its journal: files and registry values get their previous bytes back. Every change is checked
    /// first: when a file is not as apply left it (edited, deleted or recreated since), nothing is changed and the drifted
    /// paths are listed, unless <paramref name="force"/>, which restores them anyway (losing those edits).
    /// </summary>
    public static SealChangeResult Rollback(IWindowsMachine machine, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var files = machine.Files;
        var journalPath = files.Expand(SealPaths.Journal);
        if (!files.FileExists(journalPath))
        {
            return new SealChangeResult("rollback", SealChangeStatus.NothingToDo, $"nothing to roll back: no {journalPath}", [], null);
        }

        var journal = SealJournal.Parse(files.ReadAllBytes(journalPath), journalPath, out var problem);
        if (journal is null)
        {
            return SealChangeResult.Refused("rollback", problem!);
        }

        List<string> drifted;
        try
        {
            drifted = SealUndo.Drifted(files, journal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new SealChangeResult("rollback", SealChangeStatus.Refused, $"refused: could not check the files apply changed: {e.Message}; nothing was rolled back", [], journalPath);
        }

        if (drifted.Count > 0 && !force)
        {
            return new SealChangeResult("rollback", SealChangeStatus.Refused,
                $"refused: {drifted.Count} file(s) changed after apply ({string.Join(", ", drifted)}); nothing was rolled back (--force to roll back anyway, losing those changes)",
                [.. drifted.Select(d => $"changed after apply: {d}")], journalPath);
        }

        var problems = SealUndo.Undo(machine, journal);
        if (problems.Count > 0)
        {
            return new SealChangeResult("rollback", SealChangeStatus.Incomplete, "some changes could not be undone (the journal is kept): " + string.Join("; ", problems),
                [], journalPath);
        }

        SealUndo.TryDelete(files, journalPath, problems);
        SealUndo.RemoveDirectories(files, journal.CreatedDirectories, problems);
        var forced = drifted.Count == 0 ? "" : $" (forced over changes made after apply to {string.Join(", ", drifted)})";
        return new SealChangeResult("rollback", problems.Count == 0 ? SealChangeStatus.Done : SealChangeStatus.Incomplete,
            (problems.Count == 0 ? $"undid {journal.Changes.Length} change(s)" : "undone, but: " + string.Join("; ", problems)) + forced,
            [.. journal.Changes.Reverse().Select(c => $"{c.Step}: restored {c.Describe()}")], journalPath);
    }

    /// <summary>
    /// Before anything is written to %ProgramData%\Reseal: the agent runs what it holds as SYSTEM, ProgramData lets every
    /// user create files, and a specified password goes into its configuration. Not journaled (restricting it again is
    /// harmless; a rollback keeps it). A failure is reported by the agent at first boot, which restricts it again.
    /// </summary>
    internal static void RestrictResealFolder(IWindowsMachine machine)
    {
        try
        {
            machine.Files.RestrictToAdministrators(@"%ProgramData%\Reseal");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
        {
            // sealing goes on
        }
    }

    /// <summary>Why a report's plan cannot be applied to the machine now, or null when it can.</summary>
    internal static SealChangeResult? Refusal(IWindowsMachine machine, SealReport report)
    {
        if (report.Plan is not { } plan)
        {
            return SealChangeResult.NotWindows("apply", SealReport.NotWindowsSummary);
        }

        if (plan.Agent is null)
        {
            return SealChangeResult.Refused("apply", "refused: " + (plan.AgentProblem ?? "no launch agent was chosen"));
        }

        if (report.Readiness == SealReadiness.Blocked)
        {
            return SealChangeResult.Refused("apply", $"refused: {string.Join(", ", report.Errors.Select(e => e.Code))} block sealing (--force to seal anyway)");
        }

        var files = machine.Files;
        var journalPath = files.Expand(SealPaths.Journal);
        if (files.FileExists(journalPath))
        {
            return SealChangeResult.Refused("apply", $"refused: {journalPath} exists, so an earlier seal was not rolled back; roll it back first (reseal seal --rollback)");
        }

        if (plan.AdminPasswordProblem is { } password)
        {
            return SealChangeResult.Refused("apply", "refused: " + password);
        }

        if (plan.AnswerFile is { Bytes.IsDefault: true })
        {
            return SealChangeResult.Refused("apply", $"refused: the answer file {plan.AnswerFile.Source} could not be read");
        }

        var current = files.FileExists(plan.SetupComplete.Path) ? files.ReadAllBytes(plan.SetupComplete.Path) : null;
        if ((current is null) != plan.SetupComplete.Before.IsDefault
            || (current is not null && !current.AsSpan().SequenceEqual(plan.SetupComplete.Before.AsSpan())))
        {
            return SealChangeResult.Refused("apply", $"refused: {plan.SetupComplete.Path} changed since the plan was made; plan again");
        }

        return null;
    }

    /// <summary>
    /// Failures a correct step can meet on a real machine or tree: I/O and access errors, Win32 errors, an unsupported
    /// platform, a path the machine cannot expand, a damaged hive or answer file, a port refusing an operation. Anything
    /// else (a null dereference, a bad cast, a null argument) is a bug: undone, then thrown as a <see cref="SealBugException"/>.
    /// </summary>
    internal static bool IsExpected(Exception e) => e is not ArgumentNullException
        && e is IOException or UnauthorizedAccessException or System.Runtime.InteropServices.ExternalException or PlatformNotSupportedException
            or ArgumentException or KeyNotFoundException or InvalidOperationException or TimeoutException
            or Reseal.Unattend.Model.AnswerFileFormatException or Reseal.Registry.HiveFormatException;

    /// <summary>Exceptions no undo should be attempted after: the process is in no state to go on.</summary>
    internal static bool IsFatal(Exception e) => e is OutOfMemoryException or StackOverflowException or InsufficientExecutionStackException;
}
