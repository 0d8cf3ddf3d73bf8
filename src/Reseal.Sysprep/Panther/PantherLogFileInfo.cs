namespace Reseal.Sysprep.Panther;

/// <summary>What the reader learned about one file before reading its lines.</summary>
/// <param name="Path">The file.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="EncodingName"><c>utf-16le</c>, <c>utf-16be</c>, <c>utf-8</c> or <c>latin1</c> (ANSI read as Latin-1).</param>
/// <param name="HasByteOrderMark">Whether the file starts with a BOM.</param>
/// <param name="StartOffset">The byte offset where reading starts (after the BOM, or where the window starts).</param>
/// <param name="SkippedLines">Lines before the window, not parsed (0 when the whole file is read).</param>
/// <param name="IsBinary">The start of the file is not text (NULs or control characters); no lines are read.</param>
/// <param name="Note">A sentence for the user when something was skipped or odd, or null.</param>
public sealed record PantherLogFileInfo(
    string Path,
    long Length,
    string EncodingName,
    bool HasByteOrderMark,
    long StartOffset,
    long SkippedLines,
    bool IsBinary,
    string? Note)
{
    /// <summary>True when the start of the file was skipped because of <see cref="PantherReadOptions.MaxBytesPerFile"/>.</summary>
    public bool IsWindowed => SkippedLines > 0 || StartOffset > (HasByteOrderMark ? BomLength(EncodingName) : 0);

    internal static int BomLength(string encodingName) => encodingName == "utf-8" ? 3 : 2;
}
