using System.Collections.Immutable;

namespace Reseal.Sysprep.Seal;

/// <summary>How an apply or rollback of a seal plan's file and registry steps ended.</summary>
public enum SealChangeStatus
{
    /// <summary>Every change was made (apply) or undone (rollback).</summary>
    Done,

    /// <summary>Nothing needed doing (a rollback without a journal).</summary>
    NothingToDo,

    /// <summary>Nothing was changed: a blocked report, a journal left by an earlier seal, drifted files, a stale plan.</summary>
    Refused,

    /// <summary>Apply failed part-way and everything it had done was undone.</summary>
    FailedAndUndone,

    /// <summary>Some changes could not be made or undone: the machine is not as it was (the journal is kept).</summary>
    Incomplete,

    /// <summary>The target is not a Windows tree (or does not exist); nothing was changed.</summary>
    NotWindows,
}

/// <summary>What an apply or rollback of a seal plan's file and registry steps did.</summary>
/// <param name="Operation"><c>apply</c> or <c>rollback</c>.</param>
/// <param name="Status">How it ended; what code decides from.</param>
/// <param name="Message">One line saying what happened (for people; never parsed).</param>
/// <param name="Changes">The changes made or undone, one line each.</param>
/// <param name="JournalPath">The undo journal (Windows path), when one is involved.</param>
public sealed record SealChangeResult(string Operation, SealChangeStatus Status, string Message, ImmutableArray<string> Changes, string? JournalPath)
{
    /// <summary>True when every change was made (apply) or undone (rollback), or nothing needed doing.</summary>
    public bool Succeeded => Status is SealChangeStatus.Done or SealChangeStatus.NothingToDo;

    internal static SealChangeResult Refused(string operation, string message) => new(operation, SealChangeStatus.Refused, message, [], null);

    internal static SealChangeResult NotWindows(string operation, string message) => new(operation, SealChangeStatus.NotWindows, message, [], null);
}
