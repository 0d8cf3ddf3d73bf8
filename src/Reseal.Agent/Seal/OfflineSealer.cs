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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            var problems = Undo(windows, run.Journal);
            TryDelete(files, journalPath, problems);
            RemoveDirectories(windows, run.Journal.CreatedDirectories, problems);
            return new OfflineSealResult("apply", false,
                $"failed and undone: {e.Message}{(problems.Count == 0 ? "" : "; undo problems: " + string.Join("; ", problems))}", [], null, 1);
        }
    }

    /// <summary>Undoes an offline apply of the tree at <paramref name="root"/>.</summary>
    public static OfflineSealResult Rollback(string root, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return Directory.Exists(root) ? Rollback(OfflineWindows.Open(root, time)) : Refused("rollback", $"{root} does not exist or is not a directory", 3);
    }

    /// <summary>Undoes an offline apply from its journal: files and registry values get their previous bytes back.</summary>
    public static OfflineSealResult Rollback(OfflineWindows windows)
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

        var problems = Undo(windows, journal);
        if (problems.Count > 0)
        {
            return new OfflineSealResult("rollback", false, "some changes could not be undone (the journal is kept): " + string.Join("; ", problems),
                [], journalPath, 1);
        }

        TryDelete(files, journalPath, problems);
        RemoveDirectories(windows, journal.CreatedDirectories, problems);
        return new OfflineSealResult("rollback", problems.Count == 0,
            problems.Count == 0 ? $"undid {journal.Changes.Length} change(s)" : "undone, but: " + string.Join("; ", problems),
            [.. journal.Changes.Reverse().Select(c => $"{c.Step}: restored {c.Describe()}")], journalPath, problems.Count == 0 ? 0 : 1);
    }

    private static OfflineSealResult Refused(string operation, string message, int exitCode) => new(operation, false, message, [], null, exitCode);

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
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
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
            foreach (var path in plan.StateFiles)
            {
                Record(new FileJournalChange(SealStepIds.ResetAgentState, path, [.. _files.ReadAllBytes(path)]));
            }

            if (!plan.StateFiles.IsEmpty)
            {
                new AgentStateStore(_files.ToHostPath(SealPaths.StateDirectory), time).Reset();
            }

            foreach (var path in plan.LogFiles)
            {
                Record(new FileJournalChange(SealStepIds.ResetAgentState, path, [.. _files.ReadAllBytes(path)]));
                _files.DeleteFile(path);
            }

            // The answer file.
            var target = plan.AnswerFile.TargetPath;
            Record(new FileJournalChange(SealStepIds.WriteAnswerFile, target, _files.FileExists(target) ? [.. _files.ReadAllBytes(target)] : default));
            _files.WriteAllBytes(target, plan.AnswerFile.Bytes.AsSpan());

            // Cached answer files moved aside (copy to the new name, then delete the old). The journal keeps only the
            // two paths: the bytes may hold passwords and the journal stays in the image.
            foreach (var move in plan.StaleAnswerFiles)
            {
                if (_files.FileExists(move.To))
                {
                    throw new InvalidOperationException($"{move.To} already exists; move it away before sealing");
                }

                var bytes = _files.ReadAllBytes(move.From);
                Record(new MoveJournalChange(SealStepIds.MoveStaleAnswerFile, move.From, move.To));
                _files.WriteAllBytes(move.To, bytes);
                _files.DeleteFile(move.From);
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
                Record(new FileJournalChange(SealStepIds.FirstBootHook, plan.SetupComplete.Path, plan.SetupComplete.Before));
                _files.WriteAllBytes(plan.SetupComplete.Path, plan.SetupComplete.After.AsSpan());
            }
        }

        private static string Parent(string windowsPath) => windowsPath[..windowsPath.LastIndexOf('\\')];

        private void Record(JournalChange change)
        {
            Journal = Journal.Add(change);
            Save();
        }

        private void Save() => _files.WriteAllBytes(journalPath, Journal.Serialize());
    }
}
