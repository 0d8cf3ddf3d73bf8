using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>What an apply or rollback of a seal plan's file and registry steps did.</summary>
/// <param name="Operation"><c>apply</c> or <c>rollback</c>.</param>
/// <param name="Succeeded">True when every change was made (apply) or undone (rollback).</param>
/// <param name="Message">One line saying what happened.</param>
/// <param name="Changes">The changes made or undone, one line each.</param>
/// <param name="JournalPath">The undo journal (Windows path), when one is involved.</param>
/// <param name="ExitCode">0 done, 1 refused or failed (a failed apply is undone), 3 not a Windows tree.</param>
public sealed record SealChangeResult(string Operation, bool Succeeded, string Message, ImmutableArray<string> Changes, string? JournalPath, int ExitCode)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Text for people.</summary>
    public string ToText() =>
        $"{Operation}: {Message}\n" + string.Concat(Changes.Select(c => $"  - {c}\n")) + (JournalPath is null ? "" : $"  journal: {JournalPath}\n");

    /// <summary>JSON for machines.</summary>
    public JsonObject ToJson() => new()
    {
        ["operation"] = Operation,
        ["succeeded"] = Succeeded,
        ["message"] = Message,
        ["changes"] = new JsonArray([.. Changes.Select(c => (JsonNode?)JsonValue.Create(c))]),
        ["journal"] = JournalPath,
        ["exitCode"] = ExitCode,
    };

    /// <summary>The JSON rendering as indented text.</summary>
    public string ToJsonText() => ToJson().ToJsonString(Indented);

    internal static SealChangeResult Refused(string operation, string message, int exitCode) => new(operation, false, message, [], null, exitCode);
}

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
        try
        {
            // Before anything is written there: the agent runs what %ProgramData%\Reseal holds as SYSTEM, and ProgramData
            // lets every user create files. Not journaled (restricting it again is harmless; a rollback keeps it).
            machine.Files.RestrictToAdministrators(@"%ProgramData%\Reseal");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
        {
            // Reported by the agent at first boot, which restricts it again; sealing goes on.
        }

        var session = new Session(machine, journalPath, time);
        try
        {
            session.ApplyBeforeHook(plan);
            session.ApplyFirstBootHook(plan);
            var where = machine.OfflineTree is null ? "" : " (an offline tree)";
            return new SealChangeResult("apply", true, $"applied {session.Journal.Changes.Length} change(s); Sysprep was not run{where}",
                [.. session.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}")], journalPath, 0);
        }
        catch (Exception e) when (!IsFatal(e))
        {
            // Whatever went wrong, a half-applied machine is worse than none: undo, then report the failure.
            var problems = session.UndoAll();
            return new SealChangeResult("apply", false,
                $"failed and undone: {e.Message}{(problems.Count == 0 ? "" : "; undo problems: " + string.Join("; ", problems))}", [], null, 1);
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
            return new SealChangeResult("rollback", true, $"nothing to roll back: no {journalPath}", [], null, 0);
        }

        var journal = SealJournal.Parse(files.ReadAllBytes(journalPath), journalPath, out var problem);
        if (journal is null)
        {
            return SealChangeResult.Refused("rollback", problem!, 1);
        }

        List<string> drifted;
        try
        {
            drifted = Drifted(files, journal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new SealChangeResult("rollback", false, $"refused: could not check the files apply changed: {e.Message}; nothing was rolled back", [], journalPath, 1);
        }

        if (drifted.Count > 0 && !force)
        {
            return new SealChangeResult("rollback", false,
                $"refused: {drifted.Count} file(s) changed after apply ({string.Join(", ", drifted)}); nothing was rolled back (--force to roll back anyway, losing those changes)",
                [.. drifted.Select(d => $"changed after apply: {d}")], journalPath, 1);
        }

        var problems = Undo(machine, journal);
        if (problems.Count > 0)
        {
            return new SealChangeResult("rollback", false, "some changes could not be undone (the journal is kept): " + string.Join("; ", problems),
                [], journalPath, 1);
        }

        TryDelete(files, journalPath, problems);
        RemoveDirectories(files, journal.CreatedDirectories, problems);
        var forced = drifted.Count == 0 ? "" : $" (forced over changes made after apply to {string.Join(", ", drifted)})";
        return new SealChangeResult("rollback", problems.Count == 0,
            (problems.Count == 0 ? $"undid {journal.Changes.Length} change(s)" : "undone, but: " + string.Join("; ", problems)) + forced,
            [.. journal.Changes.Reverse().Select(c => $"{c.Step}: restored {c.Describe()}")], journalPath, problems.Count == 0 ? 0 : 1);
    }

    /// <summary>Why a report's plan cannot be applied to the machine now, or null when it can.</summary>
    internal static SealChangeResult? Refusal(IWindowsMachine machine, SealReport report)
    {
        if (report.Plan is not { } plan)
        {
            return SealChangeResult.Refused("apply", report.Summary, 3);
        }

        if (plan.Agent is null)
        {
            return SealChangeResult.Refused("apply", "refused: " + (plan.AgentProblem ?? "no launch agent was chosen"), 1);
        }

        if (report.Readiness == SealReadiness.Blocked)
        {
            return SealChangeResult.Refused("apply", $"refused: {string.Join(", ", report.Errors.Select(e => e.Code))} block sealing (--force to seal anyway)", 1);
        }

        var files = machine.Files;
        var journalPath = files.Expand(SealPaths.Journal);
        if (files.FileExists(journalPath))
        {
            return SealChangeResult.Refused("apply", $"refused: {journalPath} exists, so an earlier seal was not rolled back; roll it back first (reseal seal --rollback)", 1);
        }

        if (plan.AnswerFile.Bytes.IsDefault)
        {
            return SealChangeResult.Refused("apply", $"refused: the answer file {plan.AnswerFile.Source} could not be read", 1);
        }

        var current = files.FileExists(plan.SetupComplete.Path) ? files.ReadAllBytes(plan.SetupComplete.Path) : null;
        if ((current is null) != plan.SetupComplete.Before.IsDefault
            || (current is not null && !current.AsSpan().SequenceEqual(plan.SetupComplete.Before.AsSpan())))
        {
            return SealChangeResult.Refused("apply", $"refused: {plan.SetupComplete.Path} changed since the plan was made; plan again", 1);
        }

        return null;
    }

    /// <summary>Exceptions no undo should be attempted after: the process is in no state to go on.</summary>
    internal static bool IsFatal(Exception e) => e is OutOfMemoryException or StackOverflowException or InsufficientExecutionStackException;

    /// <summary>A file's current state as the journal records it (<see cref="SealJournal.FileState"/>).</summary>
    private static string CurrentState(IWindowsFiles files, string path) =>
        SealJournal.FileState(files.FileExists(path) ? files.ReadAllBytes(path) : null);

    /// <summary>
    /// The paths whose current state is not what apply left, in journal order. Each path is checked against the last
    /// change to it; changes without a recorded state (older journals, a crash mid-change) are not checked.
    /// </summary>
    private static List<string> Drifted(IWindowsFiles files, SealJournal journal)
    {
        var expected = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        void Expect(string path, string? state)
        {
            if (!expected.ContainsKey(path))
            {
                order.Add(path);
            }

            expected[path] = state;
        }

        foreach (var change in journal.Changes)
        {
            switch (change)
            {
                case FileJournalChange file:
                    Expect(file.Path, file.After);
                    break;
                case MoveJournalChange move:
                    Expect(move.From, move.After is null ? null : SealJournal.Absent);
                    Expect(move.To, move.After);
                    break;
            }
        }

        return [.. order.Where(path => expected[path] is { } state && !string.Equals(CurrentState(files, path), state, StringComparison.Ordinal))];
    }

    /// <summary>Undoes the changes in reverse order; returns what failed.</summary>
    private static List<string> Undo(IWindowsMachine machine, SealJournal journal)
    {
        var problems = new List<string>();
        var files = machine.Files;
        var registry = machine.Registry;
        foreach (var change in journal.Changes.Reverse())
        {
            try
            {
                switch (change)
                {
                    case MoveJournalChange move:
                        if (files.FileExists(move.To))
                        {
                            files.WriteAllBytes(move.From, files.ReadAllBytes(move.To));
                            files.DeleteFile(move.To);
                        }

                        break;
                    case FileJournalChange { Before.IsDefault: true } file:
                        files.DeleteFile(file.Path);
                        break;
                    case FileJournalChange file:
                        // A change journaled but never made (a failure right after journaling it) is already as before.
                        if (!files.FileExists(file.Path) || !files.ReadAllBytes(file.Path).AsSpan().SequenceEqual(file.Before.AsSpan()))
                        {
                            files.WriteAllBytes(file.Path, file.Before.AsSpan());
                        }

                        break;
                    case RegistryJournalChange { BeforeType: { } type } value:
                        var before = new RegistryData(type, value.Before.AsSpan());
                        if (!before.Equals(registry.GetValue(value.Hive, value.Key, value.Name)))
                        {
                            registry.SetValue(value.Hive, value.Key, value.Name, before);
                        }

                        break;
                    case RegistryJournalChange value:
                        registry.DeleteValue(value.Hive, value.Key, value.Name);
                        if (!value.KeyExisted && registry.KeyExists(value.Hive, value.Key) && registry.GetValues(value.Hive, value.Key).Count == 0
                            && registry.GetSubkeyNames(value.Hive, value.Key).Count == 0)
                        {
                            registry.DeleteKey(value.Hive, value.Key);
                        }

                        break;
                }
            }
            catch (Exception e) when (!IsFatal(e))
            {
                problems.Add($"{change.Describe()}: {e.Message}");
            }
        }

        return problems;
    }

    private static void TryDelete(IWindowsFiles files, string path, List<string> problems)
    {
        try
        {
            files.DeleteFile(path);
        }
        catch (Exception e) when (!IsFatal(e))
        {
            problems.Add($"{path}: {e.Message}");
        }
    }

    /// <summary>Removes the directories the apply created, innermost first, when they are empty again.</summary>
    private static void RemoveDirectories(IWindowsFiles files, ImmutableArray<string> directories, List<string> problems)
    {
        foreach (var directory in directories.Reverse())
        {
            try
            {
                if (files.DirectoryExists(directory) && files.ListFiles(directory).Count == 0 && files.ListDirectories(directory).Count == 0)
                {
                    files.DeleteDirectory(directory);
                }
            }
            catch (Exception e) when (!IsFatal(e))
            {
                problems.Add($"{directory}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// One apply, in the plan's order: each change is journaled (and the journal saved) before it is made, and what it
    /// left is recorded once it is made. The BeforeSysprep hook runs between <see cref="ApplyBeforeHook"/> and
    /// <see cref="ApplyFirstBootHook"/> (by <see cref="SealRunner"/>; an offline apply has none to run).
    /// </summary>
    internal sealed class Session(IWindowsMachine machine, string journalPath, TimeProvider time)
    {
        private readonly IWindowsFiles _files = machine.Files;
        private readonly IRegistry _registry = machine.Registry;

        public SealJournal Journal { get; private set; } = new(time.GetUtcNow(), [], []);

        /// <summary>The step being applied (for messages).</summary>
        public string Step { get; private set; } = SealStepIds.ResetAgentState;

        public string JournalPath => journalPath;

        /// <summary>Agent state, answer file, cached answer files and UnattendFile, RDP: the steps before the BeforeSysprep hook.</summary>
        public void ApplyBeforeHook(SealPlan plan)
        {
            // Directories the apply creates, outermost first, so a rollback can remove them.
            var created = new List<string>();
            foreach (var directory in new[] { _files.Expand(SealPaths.SysprepDirectory), Parent(plan.SetupComplete.Path) })
            {
                var path = "";
                foreach (var part in directory.Split('\\'))
                {
                    path = path.Length == 0 ? part : path + "\\" + part;
                    if (path.Length > 2 && !_files.DirectoryExists(path) && !created.Contains(path, StringComparer.OrdinalIgnoreCase))
                    {
                        created.Add(path);
                    }
                }
            }

            Journal = Journal with { CreatedDirectories = [.. created] };
            foreach (var directory in created)
            {
                _files.CreateDirectory(directory);
            }

            Save();

            // Agent state (the files AgentStateStore.Reset deletes that exist); with --clean the logs.
            Step = SealStepIds.ResetAgentState;
            foreach (var path in plan.StateFiles.Concat(plan.LogFiles))
            {
                if (!_files.FileExists(path))
                {
                    continue;
                }

                var index = Record(new FileJournalChange(Step, path, [.. _files.ReadAllBytes(path)]));
                _files.DeleteFile(path);
                Left(index, path);
            }

            // The kept agent's own state: its files deleted or rewritten, its registry values deleted or set.
            foreach (var change in plan.AgentStateChanges)
            {
                switch (change)
                {
                    case DeleteAgentFile delete when _files.FileExists(delete.Path):
                        var deleted = Record(new FileJournalChange(Step, delete.Path, [.. _files.ReadAllBytes(delete.Path)]));
                        _files.DeleteFile(delete.Path);
                        Left(deleted, delete.Path);
                        break;
                    case RewriteAgentFile rewrite:
                        var rewritten = Record(new FileJournalChange(Step, rewrite.Path, _files.FileExists(rewrite.Path) ? [.. _files.ReadAllBytes(rewrite.Path)] : default));
                        _files.WriteAllBytes(rewrite.Path, rewrite.After.AsSpan());
                        Left(rewritten, rewrite.Path);
                        break;
                    case AgentRegistryChange value:
                        var current = _registry.GetValue(value.Hive, value.Key, value.Name);
                        if (value.Data is null ? current is null : value.Data.Equals(current))
                        {
                            break;
                        }

                        Record(new RegistryJournalChange(Step, value.Hive, value.Key, value.Name, _registry.KeyExists(value.Hive, value.Key), current?.Type, current is null ? [] : current.Bytes));
                        if (value.Data is null)
                        {
                            _registry.DeleteValue(value.Hive, value.Key, value.Name);
                        }
                        else
                        {
                            _registry.SetValue(value.Hive, value.Key, value.Name, value.Data);
                        }

                        break;
                }
            }

            // The answer file.
            Step = SealStepIds.WriteAnswerFile;
            var target = plan.AnswerFile.TargetPath;
            // The previous file is journaled without its secrets (a static password, obfuscated, is one): the journal stays in
            // the image. Rollback gives it back scrubbed; one that is not an answer file at all is not kept (rollback deletes ours).
            var answer = Record(new FileJournalChange(Step, target, _files.FileExists(target) && WithoutSecrets(_files.ReadAllBytes(target), target) is { } previous
                ? [.. previous] : default));
            _files.WriteAllBytes(target, plan.AnswerFile.Bytes.AsSpan());
            Left(answer, target);

            // Cached answer files moved aside (copy to the new name, then delete the old). The copy keeps no secret: every
            // password the classifier finds is replaced by Setup's own *SENSITIVE*DATA*DELETED*, so a rollback still
            // puts the file back (scrubbed) and the image holds no clear text. A file that is not a readable answer file
            // cannot be scrubbed: it is deleted, not kept (Setup could not use it either). The journal keeps only paths.
            Step = SealStepIds.MoveStaleAnswerFile;
            foreach (var move in plan.StaleAnswerFiles)
            {
                if (_files.FileExists(move.To))
                {
                    throw new InvalidOperationException($"{move.To} already exists; move it away before sealing");
                }

                var kept = WithoutSecrets(_files.ReadAllBytes(move.From), move.From);
                var index = Record(new MoveJournalChange(Step, move.From, move.To));
                if (kept is not null)
                {
                    _files.WriteAllBytes(move.To, kept);
                }

                _files.DeleteFile(move.From);
                Left(index, move.To);
            }

            // HKLM\SYSTEM\Setup!UnattendFile naming another answer file: cleared.
            if (plan.UnattendFileToClear is not null
                && _registry.GetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName) is { } unattend)
            {
                Record(new RegistryJournalChange(Step, RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName, true, unattend.Type, unattend.Bytes));
                _registry.DeleteValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName);
            }

            // RDP denied.
            Step = SealStepIds.DenyRdp;
            var before = _registry.GetValue(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName);
            if (before?.AsDWord() != 1 || before.Type != RegistryData.TypeDWord)
            {
                Record(new RegistryJournalChange(Step, RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName,
                    _registry.KeyExists(RegistryHive.System, SealPaths.TerminalServerKey), before?.Type, before is null ? [] : before.Bytes));
                _registry.SetValue(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName, RegistryData.FromDWord(1));
            }
        }

        /// <summary>
        /// The first-boot hook in SetupComplete.cmd, computed from the file as it is now (the BeforeSysprep hook may have
        /// changed it), so nothing it wrote is lost.
        /// </summary>
        public void ApplyFirstBootHook(SealPlan plan)
        {
            Step = SealStepIds.FirstBootHook;
            if (plan.HookLines.IsEmpty)
            {
                return; // the kept agent starts by itself (EC2Launch v2's service, EC2Launch v1's scheduled task)
            }

            var path = plan.SetupComplete.Path;
            ImmutableArray<byte> current = _files.FileExists(path) ? [.. _files.ReadAllBytes(path)] : default;
            var after = SealPlanner.WithHookLines(current.IsDefault ? [] : current.AsSpan(), plan.HookLines);
            if (!current.IsDefault && current.AsSpan().SequenceEqual(after.AsSpan()))
            {
                return;
            }

            var index = Record(new FileJournalChange(Step, path, current));
            _files.WriteAllBytes(path, after.AsSpan());
            Left(index, path);
        }

        /// <summary>Undoes every change, deletes the journal and the directories the apply created; returns what failed.</summary>
        public List<string> UndoAll()
        {
            var problems = Undo(machine, Journal);
            if (problems.Count > 0)
            {
                // The journal on disk is what a later "reseal seal --rollback" needs: keep it.
                problems.Add($"the journal {journalPath} is kept: run reseal seal --rollback once the cause is fixed");
                return problems;
            }

            TryDelete(_files, journalPath, problems);
            RemoveDirectories(_files, Journal.CreatedDirectories, problems);
            return problems;
        }

        private static string Parent(string windowsPath) => windowsPath[..windowsPath.LastIndexOf('\\')];

        /// <summary>The answer file with every secret scrubbed (Setup's marker), or null when it is not a readable answer file.</summary>
        private static byte[]? WithoutSecrets(byte[] bytes, string path)
        {
            try
            {
                return AnswerFileScrubber.Scrub(bytes, path).Bytes;
            }
            catch (AnswerFileFormatException)
            {
                return null;
            }
        }

        /// <summary>Journals a change (and saves the journal) before it is made; returns its index.</summary>
        private int Record(JournalChange change)
        {
            Journal = Journal.Add(change);
            Save();
            return Journal.Changes.Length - 1;
        }

        /// <summary>Journals what a change left at <paramref name="path"/>, once it is made, so rollback can notice later edits.</summary>
        private void Left(int index, string path)
        {
            Journal = Journal.WithAfter(index, CurrentState(_files, path));
            Save();
        }

        private void Save() => _files.WriteAllBytes(journalPath, Journal.Serialize());
    }
}
