using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot.State;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Seal;

/// <summary>What an offline apply or rollback did.</summary>
/// <param name="Operation"><c>apply</c> or <c>rollback</c>.</param>
/// <param name="Succeeded">True when every change was made (apply) or undone (rollback).</param>
/// <param name="Message">One line saying what happened.</param>
/// <param name="Changes">The changes made or undone, one line each.</param>
/// <param name="JournalPath">The undo journal (Windows path), when one is involved.</param>
/// <param name="ExitCode">0 done, 1 refused or failed (a failed apply is undone), 3 not a Windows tree.</param>
public sealed record OfflineSealResult(string Operation, bool Succeeded, string Message, ImmutableArray<string> Changes, string? JournalPath, int ExitCode)
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
}

/// <summary>
/// Performs the file and registry part of a seal plan on an offline tree — agent state reset, answer file, cached answer
/// files moved aside, RDP denied, SetupComplete.cmd — and nothing that needs a running Windows (no hook, no Sysprep).
/// Every change is recorded first in an undo journal (<see cref="SealPaths.Journal"/>); a failure part-way undoes what
/// was done, and <see cref="Rollback(OfflineWindows)"/> restores the files and values exactly.
/// </summary>
public static class OfflineSealer
{
    /// <summary>Runs the preflight on the tree at <paramref name="root"/> and applies the plan when nothing blocks it.</summary>
    public static OfflineSealResult Apply(string root, SealOptions? options = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        time ??= TimeProvider.System;
        var report = SealPlanner.DryRun(root, options, time);
        return report.Plan is null ? Refused("apply", report.Summary, 3) : Apply(OfflineWindows.Open(root, time), report, time);
    }

    /// <summary>Applies a report's plan to the tree it was made from. Refuses a blocked report (unless it was forced).</summary>
    public static OfflineSealResult Apply(OfflineWindows windows, SealReport report, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(report);
        time ??= TimeProvider.System;
        if (report.Plan is not { } plan)
        {
            return Refused("apply", report.Summary, 3);
        }

        if (report.Readiness == SealReadiness.Blocked)
        {
            return Refused("apply", $"refused: {string.Join(", ", report.Errors.Select(e => e.Code))} block sealing (--force to apply anyway)", 1);
        }

        var files = windows.Files;
        var journalPath = files.Expand(SealPaths.Journal);
        if (files.FileExists(journalPath))
        {
            return Refused("apply", $"refused: {journalPath} exists, so an earlier apply was not rolled back; roll it back first", 1);
        }

        if (plan.AnswerFile.Bytes.IsDefault)
        {
            return Refused("apply", $"refused: the answer file {plan.AnswerFile.Source} could not be read", 1);
        }

        var current = files.FileExists(plan.SetupComplete.Path) ? files.ReadAllBytes(plan.SetupComplete.Path) : null;
        if ((current is null) != plan.SetupComplete.Before.IsDefault
            || (current is not null && !current.AsSpan().SequenceEqual(plan.SetupComplete.Before.AsSpan())))
        {
            return Refused("apply", $"refused: {plan.SetupComplete.Path} changed since the plan was made; plan again", 1);
        }

        var run = new ApplyRun(windows, journalPath, time);
        try
        {
            run.Execute(plan);
            return new OfflineSealResult("apply", true, $"applied {run.Journal.Changes.Length} change(s); Sysprep was not run (an offline tree)",
                [.. run.Journal.Changes.Select(c => $"{c.Step}: {c.Describe()}")], journalPath, 0);
        }
        catch (Exception e) when (!IsFatal(e))
        {
            // Whatever went wrong, a half-applied tree is worse than none: undo, then report the failure.
            var problems = Undo(windows, run.Journal);
            TryDelete(files, journalPath, problems);
            RemoveDirectories(windows, run.Journal.CreatedDirectories, problems);
            return new OfflineSealResult("apply", false,
                $"failed and undone: {e.Message}{(problems.Count == 0 ? "" : "; undo problems: " + string.Join("; ", problems))}", [], null, 1);
        }
    }

    /// <summary>Undoes an offline apply of the tree at <paramref name="root"/>; refuses when files changed after apply.</summary>
    public static OfflineSealResult Rollback(string root, TimeProvider? time = null) => Rollback(root, force: false, time);

    /// <summary>
    /// Undoes an offline apply of the tree at <paramref name="root"/>. Unless <paramref name="force"/>, refuses (changing
    /// nothing) when a file apply wrote, deleted or moved is no longer as apply left it.
    /// </summary>
    public static OfflineSealResult Rollback(string root, bool force, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return Directory.Exists(root) ? Rollback(OfflineWindows.Open(root, time), force) : Refused("rollback", $"{root} does not exist or is not a directory", 3);
    }

    /// <summary>Undoes an offline apply from its journal; refuses when files changed after apply.</summary>
    public static OfflineSealResult Rollback(OfflineWindows windows) => Rollback(windows, force: false);

    /// <summary>
    /// Undoes an offline apply from its journal: files and registry values get their previous bytes back. Every change is
    /// checked first: when a file is not as apply left it (edited, deleted or recreated since), nothing is changed and the
    /// drifted paths are listed, unless <paramref name="force"/>, which restores them anyway (losing those edits).
    /// </summary>
    public static OfflineSealResult Rollback(OfflineWindows windows, bool force)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var files = windows.Files;
        var journalPath = files.Expand(SealPaths.Journal);
        if (!files.FileExists(journalPath))
        {
            return new OfflineSealResult("rollback", true, $"nothing to roll back: no {journalPath}", [], null, 0);
        }

        var journal = SealJournal.Parse(files.ReadAllBytes(journalPath), journalPath, out var problem);
        if (journal is null)
        {
            return Refused("rollback", problem!, 1);
        }

        List<string> drifted;
        try
        {
            drifted = Drifted(files, journal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new OfflineSealResult("rollback", false, $"refused: could not check the files apply changed: {e.Message}; nothing was rolled back", [], journalPath, 1);
        }

        if (drifted.Count > 0 && !force)
        {
            return new OfflineSealResult("rollback", false,
                $"refused: {drifted.Count} file(s) changed after apply ({string.Join(", ", drifted)}); nothing was rolled back (--force to roll back anyway, losing those changes)",
                [.. drifted.Select(d => $"changed after apply: {d}")], journalPath, 1);
        }

        var problems = Undo(windows, journal);
        if (problems.Count > 0)
        {
            return new OfflineSealResult("rollback", false, "some changes could not be undone (the journal is kept): " + string.Join("; ", problems),
                [], journalPath, 1);
        }

        TryDelete(files, journalPath, problems);
        RemoveDirectories(windows, journal.CreatedDirectories, problems);
        var forced = drifted.Count == 0 ? "" : $" (forced over changes made after apply to {string.Join(", ", drifted)})";
        return new OfflineSealResult("rollback", problems.Count == 0,
            (problems.Count == 0 ? $"undid {journal.Changes.Length} change(s)" : "undone, but: " + string.Join("; ", problems)) + forced,
            [.. journal.Changes.Reverse().Select(c => $"{c.Step}: restored {c.Describe()}")], journalPath, problems.Count == 0 ? 0 : 1);
    }

    private static OfflineSealResult Refused(string operation, string message, int exitCode) => new(operation, false, message, [], null, exitCode);

    /// <summary>Exceptions no undo should be attempted after: the process is in no state to go on.</summary>
    private static bool IsFatal(Exception e) => e is OutOfMemoryException or StackOverflowException or InsufficientExecutionStackException;

    /// <summary>A file's current state as the journal records it (<see cref="SealJournal.FileState"/>).</summary>
    private static string CurrentState(OfflineFiles files, string path) =>
        SealJournal.FileState(files.FileExists(path) ? files.ReadAllBytes(path) : null);

    /// <summary>
    /// The paths whose current state is not what apply left, in journal order. Each path is checked against the last
    /// change to it; changes without a recorded state (older journals, a crash mid-change) are not checked.
    /// </summary>
    private static List<string> Drifted(OfflineFiles files, SealJournal journal)
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
    private static List<string> Undo(OfflineWindows windows, SealJournal journal)
    {
        var problems = new List<string>();
        foreach (var change in journal.Changes.Reverse())
        {
            try
            {
                switch (change)
                {
                    case MoveJournalChange move:
                        if (windows.Files.FileExists(move.To))
                        {
                            windows.Files.WriteAllBytes(move.From, windows.Files.ReadAllBytes(move.To));
                            windows.Files.DeleteFile(move.To);
                        }

                        break;
                    case FileJournalChange { Before.IsDefault: true } file:
                        windows.Files.DeleteFile(file.Path);
                        break;
                    case FileJournalChange file:
                        windows.Files.WriteAllBytes(file.Path, file.Before.AsSpan());
                        break;
                    case RegistryJournalChange { BeforeType: { } type } value:
                        windows.Registry.SetValue(value.Hive, value.Key, value.Name, new RegistryData(type, value.Before.AsSpan()));
                        break;
                    case RegistryJournalChange value:
                        windows.Registry.DeleteValue(value.Hive, value.Key, value.Name);
                        if (!value.KeyExisted && windows.Registry.GetValues(value.Hive, value.Key).Count == 0
                            && windows.Registry.GetSubkeyNames(value.Hive, value.Key).Count == 0)
                        {
                            windows.Registry.DeleteKey(value.Hive, value.Key);
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

    private static void TryDelete(OfflineFiles files, string path, List<string> problems)
    {
        try
        {
            files.DeleteFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{path}: {e.Message}");
        }
    }

    /// <summary>Removes the directories the apply created, innermost first, when they are empty again.</summary>
    private static void RemoveDirectories(OfflineWindows windows, ImmutableArray<string> directories, List<string> problems)
    {
        foreach (var directory in directories.Reverse())
        {
            try
            {
                var host = windows.Files.ToHostPath(directory);
                if (Directory.Exists(host) && !Directory.EnumerateFileSystemEntries(host).Any())
                {
                    Directory.Delete(host);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add($"{directory}: {e.Message}");
            }
        }
    }

    /// <summary>One apply: each change is journaled (and the journal saved) before it is made.</summary>
    private sealed class ApplyRun(OfflineWindows windows, string journalPath, TimeProvider time)
    {
        private readonly OfflineFiles _files = windows.Files;

        public SealJournal Journal { get; private set; } = new(time.GetUtcNow(), [], []);

        public void Execute(SealPlan plan)
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

            // Agent state, through the store's own reset; with --clean the logs.
            var reset = new List<(int Index, string Path)>();
            foreach (var path in plan.StateFiles)
            {
                reset.Add((Record(new FileJournalChange(SealStepIds.ResetAgentState, path, [.. _files.ReadAllBytes(path)])), path));
            }

            if (!plan.StateFiles.IsEmpty)
            {
                new AgentStateStore(_files.ToHostPath(SealPaths.StateDirectory), time).Reset();
                foreach (var (index, path) in reset)
                {
                    Left(index, path);
                }
            }

            foreach (var path in plan.LogFiles)
            {
                var index = Record(new FileJournalChange(SealStepIds.ResetAgentState, path, [.. _files.ReadAllBytes(path)]));
                _files.DeleteFile(path);
                Left(index, path);
            }

            // The answer file.
            var target = plan.AnswerFile.TargetPath;
            var answer = Record(new FileJournalChange(SealStepIds.WriteAnswerFile, target, _files.FileExists(target) ? [.. _files.ReadAllBytes(target)] : default));
            _files.WriteAllBytes(target, plan.AnswerFile.Bytes.AsSpan());
            Left(answer, target);

            // Cached answer files moved aside (copy to the new name, then delete the old). The journal keeps only the
            // two paths: the bytes may hold passwords and the journal stays in the image.
            foreach (var move in plan.StaleAnswerFiles)
            {
                if (_files.FileExists(move.To))
                {
                    throw new InvalidOperationException($"{move.To} already exists; move it away before sealing");
                }

                var bytes = _files.ReadAllBytes(move.From);
                var index = Record(new MoveJournalChange(SealStepIds.MoveStaleAnswerFile, move.From, move.To));
                _files.WriteAllBytes(move.To, bytes);
                _files.DeleteFile(move.From);
                Left(index, move.To);
            }

            // RDP denied.
            var registry = windows.Registry;
            var before = registry.GetValue(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName);
            if (before?.AsDWord() != 1 || before.Type != RegistryData.TypeDWord)
            {
                Record(new RegistryJournalChange(SealStepIds.DenyRdp, RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName,
                    registry.KeyExists(RegistryHive.System, SealPaths.TerminalServerKey), before?.Type, before is null ? [] : before.Bytes));
                registry.SetValue(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName, RegistryData.FromDWord(1));
            }

            // The first-boot hook.
            if (!plan.SetupComplete.Unchanged)
            {
                var index = Record(new FileJournalChange(SealStepIds.FirstBootHook, plan.SetupComplete.Path, plan.SetupComplete.Before));
                _files.WriteAllBytes(plan.SetupComplete.Path, plan.SetupComplete.After.AsSpan());
                Left(index, plan.SetupComplete.Path);
            }
        }

        private static string Parent(string windowsPath) => windowsPath[..windowsPath.LastIndexOf('\\')];

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
