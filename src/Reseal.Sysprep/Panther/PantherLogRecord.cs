namespace Reseal.Sysprep.Panther;

/// <summary>The level column of a Panther log line.</summary>
public enum PantherLogLevel
{
    /// <summary>The line has no level: a continuation or noise line.</summary>
    None,

    /// <summary><c>Info</c>.</summary>
    Info,

    /// <summary><c>Warning</c>.</summary>
    Warning,

    /// <summary><c>Error</c>.</summary>
    Error,

    /// <summary><c>Fatal</c>.</summary>
    Fatal,

    /// <summary>Any other word in the level column (<c>Perf</c>, <c>Debug</c>...); the text is in <see cref="PantherLogRecord.LevelText"/>.</summary>
    Other,
}

/// <summary>Whether a line followed the documented format.</summary>
public enum PantherLineKind
{
    /// <summary>A <c>YYYY-MM-DD HH:MM:SS, Level ...</c> line.</summary>
    Entry,

    /// <summary>Any other line: the continuation of a multi-line message, or noise. Kept as written.</summary>
    Raw,
}

/// <summary>
/// One line of setupact.log / setuperr.log. For <see cref="PantherLineKind.Raw"/> lines only <see cref="File"/>,
/// <see cref="LineNumber"/>, <see cref="Message"/> and <see cref="RawText"/> are set (<see cref="Message"/> is the whole text).
/// </summary>
/// <param name="File">The file the line came from.</param>
/// <param name="LineNumber">1-based line number in that file (counted even when the start of the file was skipped).</param>
/// <param name="Kind">Entry or raw.</param>
/// <param name="Timestamp">The timestamp as written (<c>2024-05-01 10:11:12</c>), or null.</param>
/// <param name="Level">The level.</param>
/// <param name="LevelText">The level as written, or null.</param>
/// <param name="MessageId">The message id as written (<c>0x0f004d</c>), or null.</param>
/// <param name="Component">The component column (<c>SYSPRP</c>, <c>CSI</c>...), or null when the column is empty.</param>
/// <param name="Message">The message, without the trailing <c>[gle=…]</c>.</param>
/// <param name="Gle">The Win32 last error (<c>0x00000005</c>), or null.</param>
/// <param name="RawText">The whole line as read (NUL characters and the line break removed).</param>
public sealed record PantherLogRecord(
    string File,
    long LineNumber,
    PantherLineKind Kind,
    string? Timestamp,
    PantherLogLevel Level,
    string? LevelText,
    string? MessageId,
    string? Component,
    string Message,
    string? Gle,
    string RawText)
{
    /// <summary>True for Error and Fatal entries.</summary>
    public bool IsError => Level is PantherLogLevel.Error or PantherLogLevel.Fatal;

    /// <summary><c>file:line</c>.</summary>
    public string Location => $"{File}:{LineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
