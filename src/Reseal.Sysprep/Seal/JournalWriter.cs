using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// The undo journal of one apply (a seal's or a migration's), kept on disk as it grows: each change is recorded, and the
/// journal saved, before it is made; what the change left is recorded once it is made, so a rollback can notice later
/// edits. One writer for both, so they journal the same way.
/// </summary>
internal sealed class JournalWriter(IWindowsFiles files, string journalPath, TimeProvider time)
{
    /// <summary>The journal so far.</summary>
    public SealJournal Journal { get; private set; } = new(time.GetUtcNow(), [], []);

    /// <summary>Where it is saved (Windows path).</summary>
    public string JournalPath => journalPath;

    /// <summary>Records the directories the apply creates (outermost first), creates those missing, and saves.</summary>
    public void CreateDirectories(IReadOnlyList<string> created)
    {
        Journal = Journal with { CreatedDirectories = [.. created] };
        foreach (var directory in created.Where(d => !files.DirectoryExists(d)))
        {
            files.CreateDirectory(directory);
        }

        Save();
    }

    /// <summary>Journals a change (and saves the journal) before it is made; returns its index.</summary>
    public int Record(JournalChange change)
    {
        Journal = Journal.Add(change);
        Save();
        return Journal.Changes.Length - 1;
    }

    /// <summary>Journals what a change left at <paramref name="path"/>, once it is made.</summary>
    public void Left(int index, string path)
    {
        Journal = Journal.WithAfter(index, SealUndo.CurrentState(files, path));
        Save();
    }

    /// <summary>
    /// After an undo that met <paramref name="problems"/>: none — the journal and the directories the apply created are
    /// deleted; some — the journal is kept, for <paramref name="rollbackCommand"/> once the cause is fixed, and that is said.
    /// </summary>
    public List<string> AfterUndo(List<string> problems, string rollbackCommand)
    {
        if (problems.Count > 0)
        {
            problems.Add($"the journal {journalPath} is kept: run {rollbackCommand} once the cause is fixed");
            return problems;
        }

        SealUndo.TryDelete(files, journalPath, problems);
        SealUndo.RemoveDirectories(files, Journal.CreatedDirectories, problems);
        return problems;
    }

    private void Save() => files.WriteAllBytes(journalPath, Journal.Serialize());
}
