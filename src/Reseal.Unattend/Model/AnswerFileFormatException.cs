namespace Reseal.Unattend.Model;

/// <summary>What made an answer file unreadable.</summary>
public enum AnswerFileErrorKind
{
    /// <summary>The file could not be read (missing, permission, I/O).</summary>
    Unreadable,

    /// <summary>Not well-formed XML.</summary>
    Malformed,

    /// <summary>A construct refused for safety: DTDs, entities, excessive size or nesting.</summary>
    Refused,
}

/// <summary>
/// An answer file that cannot be read as XML. The message is one line and names the file, line and column.
/// </summary>
public sealed class AnswerFileFormatException : Exception
{
    public AnswerFileFormatException(string? file, SourcePosition position, AnswerFileErrorKind kind, string reason, Exception? inner = null)
        : base(Format(file, position, reason), inner)
    {
        File = file;
        Position = position;
        Kind = kind;
        Reason = reason;
    }

    /// <summary>The file's display path, or null for in-memory text.</summary>
    public string? File { get; }

    public SourcePosition Position { get; }

    public AnswerFileErrorKind Kind { get; }

    /// <summary>The reason alone, without the location.</summary>
    public string Reason { get; }

    private static string Format(string? file, SourcePosition position, string reason)
    {
        var where = file ?? "<input>";
        return position.IsKnown ? $"{where}:{position.Line}:{position.Column}: {reason}" : $"{where}: {reason}";
    }
}
