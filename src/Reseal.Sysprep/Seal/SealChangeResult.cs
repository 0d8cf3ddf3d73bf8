using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

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
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>True when every change was made (apply) or undone (rollback), or nothing needed doing.</summary>
    public bool Succeeded => Status is SealChangeStatus.Done or SealChangeStatus.NothingToDo;

    /// <summary>Process exit code: 0 done, 1 refused or failed (a failed apply is undone), 3 not a Windows tree.</summary>
    public int ExitCode => Status switch
    {
        SealChangeStatus.Done or SealChangeStatus.NothingToDo => 0,
        SealChangeStatus.NotWindows => 3,
        _ => 1,
    };

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

    internal static SealChangeResult Refused(string operation, string message) => new(operation, SealChangeStatus.Refused, message, [], null);

    internal static SealChangeResult NotWindows(string operation, string message) => new(operation, SealChangeStatus.NotWindows, message, [], null);
}
