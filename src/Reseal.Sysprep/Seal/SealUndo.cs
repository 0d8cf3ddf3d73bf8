using System.Collections.Immutable;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// Undoing a seal from its journal: which files changed since apply left them (drift), and restoring files, registry
/// values and created directories in reverse order. Used by <see cref="SealApplier.Rollback"/> and by a failed apply
/// (<see cref="SealSession.UndoAll"/>).
/// </summary>
internal static class SealUndo
{
    /// <summary>A file's current state as the journal records it (<see cref="SealJournal.FileState"/>).</summary>
    internal static string CurrentState(IWindowsFiles files, string path) =>
        SealJournal.FileState(files.FileExists(path) ? files.ReadAllBytes(path) : null);

    /// <summary>
    /// The paths whose current state is not what apply left, in journal order. Each path is checked against the last
    /// change to it; changes without a recorded state (older journals, a crash mid-change) are not checked.
    /// </summary>
    internal static List<string> Drifted(IWindowsFiles files, SealJournal journal)
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
    internal static List<string> Undo(IWindowsMachine machine, SealJournal journal)
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
                    case ServiceStartJournalChange start:
                        // A service removed since is left alone; one already back as it was needs nothing.
                        if (machine.Services.Find(start.Name) is { } service && service.StartMode != start.Before)
                        {
                            machine.Services.SetStartMode(service.Name, start.Before);
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
            catch (Exception e) when (!SealApplier.IsFatal(e))
            {
                problems.Add($"{change.Describe()}: {e.Message}");
            }
        }

        return problems;
    }

    internal static void TryDelete(IWindowsFiles files, string path, List<string> problems)
    {
        try
        {
            files.DeleteFile(path);
        }
        catch (Exception e) when (!SealApplier.IsFatal(e))
        {
            problems.Add($"{path}: {e.Message}");
        }
    }

    /// <summary>Removes the directories the apply created, innermost first, when they are empty again.</summary>
    internal static void RemoveDirectories(IWindowsFiles files, ImmutableArray<string> directories, List<string> problems)
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
            catch (Exception e) when (!SealApplier.IsFatal(e))
            {
                problems.Add($"{directory}: {e.Message}");
            }
        }
    }
}
