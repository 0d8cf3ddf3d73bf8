// Panther log format (setupact.log, setuperr.log; %WINDIR%\Panther, %WINDIR%\System32\Sysprep\Panther, Panther\UnattendGC):
//
//   2024-05-14 10:00:02, Error      [0x0f0082] SYSPRP LaunchDll:Failure occurred while executing 'x.dll,Fn', returned error code 0x2[gle=0x00000002]
//   ^ timestamp (local, as written)  ^ msg id   ^ component                                                                ^ Win32 last error
//                        ^ level, padded to a fixed column (Info / Warning / Error)
//
// - Encoding: UTF-16LE with BOM on current Windows; UTF-16LE without BOM, UTF-8 (with or without BOM) or the ANSI code
//   page (read as Latin-1) in older systems and copies. Line ends CRLF, or LF in copies.
// - The message id and the component are optional; with an empty component column the message usually starts with a
//   bracketed tag ([setup.exe], [windeploy.exe], [Shell Unattend]).
// - Lines without the timestamp prefix are continuations of a multi-line message or noise: kept as raw records.
// - A crash leaves a truncated last line, sometimes followed by NUL padding; NULs are dropped.
// - Sysprep runs: "SYSPRP ===  Beginning of a new sysprep run  ===" ... "[0x0f0052] SYSPRP Shutting down SysPrep log";
//   several runs can share one file (SysprepRunTracker splits them).
// - Files can be huge (servicing logs CSI lines): they are streamed, and only the last MaxBytesPerFile bytes are parsed;
//   the line breaks before that window are counted so that line numbers stay true.
using System.Globalization;
using System.Text;

namespace Reseal.Sysprep.Panther;

/// <summary>
/// Reads Windows Setup / Sysprep logs (setupact.log, setuperr.log) as a stream of <see cref="PantherLogRecord"/>.
/// </summary>
/// <remarks>
/// <para>On-disk format (Panther logging, written by setup.exe, sysprep.exe, windeploy.exe and their DLLs):</para>
/// <list type="bullet">
/// <item>Text, usually UTF-16LE with a BOM (FF FE) on current Windows, UTF-8 or the ANSI code page on older ones and in
/// copies people paste; lines end in CRLF (LF in copies). A crash or power loss leaves a truncated last line, sometimes
/// followed by NUL padding.</item>
/// <item>Each entry: <c>YYYY-MM-DD HH:MM:SS, &lt;Level&gt; [&lt;msg-id&gt;] &lt;Component&gt; &lt;message&gt;[gle=0x…]</c> —
/// the timestamp is local time with no zone; the level (<c>Info</c>, <c>Warning</c>, <c>Error</c>) is padded with spaces
/// to a fixed column; the message id (<c>[0x0f004d]</c>) is optional; the component (<c>SYSPRP</c>, <c>CSI</c>,
/// <c>MOUPG</c>, <c>SP</c>, <c>CONX</c>, <c>IBS</c>...) may be an empty column, in which case the message often starts
/// with a bracketed tag (<c>[setup.exe]</c>, <c>[Shell Unattend]</c>); a trailing <c>[gle=0x…]</c> is the Win32 last
/// error.</item>
/// <item>Other lines are continuations of a multi-line message (CSI dumps, stack-like listings) or noise; they are kept
/// as <see cref="PantherLineKind.Raw"/> records.</item>
/// <item>A Sysprep run starts with <c>SYSPRP ===  Beginning of a new sysprep run  ===</c> and ends with
/// <c>[0x0f0052] SYSPRP Shutting down SysPrep log</c>; several runs can share one file (see <see cref="SysprepRunTracker"/>).</item>
/// </list>
/// <para>Files are streamed: memory stays bounded whatever their size (at most one line of
/// <see cref="PantherReadOptions.MaxLineLength"/> characters plus a 64 KiB buffer), and only the last
/// <see cref="PantherReadOptions.MaxBytesPerFile"/> bytes are parsed.</para>
/// </remarks>
public static class PantherLogReader
{
    private const int HeadSize = 4096;
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Opens a file and decides its encoding, whether it is text and which part will be read.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Access is denied.</exception>
    public static PantherLogFileInfo Inspect(string path, PantherReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= PantherReadOptions.Default;
        Validate(options);
        using var stream = OpenFile(path);
        return Inspect(stream, path, options);
    }

    /// <summary>
    /// <see cref="Inspect(string, PantherReadOptions?)"/> on an open seekable stream (a file read through a machine's
    /// ports); <paramref name="path"/> names it in the result and in evidence.
    /// </summary>
    internal static PantherLogFileInfo Inspect(Stream stream, string path, PantherReadOptions options)
    {
        Validate(options);
        var length = stream.Length;
        var head = new byte[(int)Math.Min(HeadSize, length)];
        stream.ReadExactly(head);

        var (name, bomLength) = PantherLogEncoding.DetectEncoding(head);
        if (length == 0)
        {
            return new PantherLogFileInfo(path, 0, name, false, 0, 0, false, "the file is empty");
        }

        if (PantherLogEncoding.LooksBinary(head.AsSpan(bomLength), name))
        {
            return new PantherLogFileInfo(path, length, name, bomLength > 0, bomLength, 0, true,
                "the file is not a text log (binary content at its start); it was not read");
        }

        long start = bomLength;
        long skippedLines = 0;
        string? note = null;
        if (length - bomLength > options.MaxBytesPerFile)
        {
            start = length - options.MaxBytesPerFile;
            if (name.StartsWith("utf-16", StringComparison.Ordinal) && (start - bomLength) % 2 != 0)
            {
                start++;
            }

            skippedLines = PantherLogEncoding.CountLineBreaks(stream, bomLength, start, name);
            note = string.Create(CultureInfo.InvariantCulture,
                $"only the last {FormatBytes(length - start)} of {FormatBytes(length)} were read; lines 1-{skippedLines + 1} were skipped");
        }

        return new PantherLogFileInfo(path, length, name, bomLength > 0, start, skippedLines, false, note);
    }

    /// <summary>Streams the records of a file inspected with <see cref="Inspect(string, PantherReadOptions?)"/>. Binary files give none.</summary>
    public static IEnumerable<PantherLogRecord> ReadRecords(PantherLogFileInfo file, PantherReadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return ReadRecords(() => OpenFile(file.Path), file, options ?? PantherReadOptions.Default, cancellationToken);
    }

    /// <summary>Streams the records of a file opened (again) by <paramref name="open"/>, which is disposed when done.</summary>
    internal static IEnumerable<PantherLogRecord> ReadRecords(Func<Stream> open, PantherLogFileInfo file, PantherReadOptions options,
        CancellationToken cancellationToken) =>
        file.IsBinary || file.Length == 0 ? [] : ReadRecordsCore(open, file, options, cancellationToken);

    // Refuses FIFOs, sockets and devices instead of blocking on them (a FIFO named setupact.log once hung diagnose).
    private static FileStream OpenFile(string path) => Reseal.IO.RegularFile.OpenRead(path, 1, FileOptions.SequentialScan);

    private static void Validate(PantherReadOptions options)
    {
        if (options.MaxBytesPerFile < 1024 || options.MaxLineLength < 80)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxBytesPerFile must be at least 1024 and MaxLineLength at least 80.");
        }
    }

    /// <summary>Reads a whole file into memory (for small files and tests; <see cref="ReadRecords(PantherLogFileInfo, PantherReadOptions?, CancellationToken)"/> streams).</summary>
    public static IReadOnlyList<PantherLogRecord> ReadAll(string path, PantherReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var info = Inspect(path, options);
        return ReadRecords(info, options, cancellationToken).ToArray();
    }

    /// <summary>Reads a small text file (State.ini...) with the same encoding detection as logs; at most <paramref name="maxBytes"/>.</summary>
    public static string ReadSmallText(string path, int maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = Reseal.IO.RegularFile.OpenRead(path);
        var bytes = new byte[(int)Math.Min(maxBytes, stream.Length)];
        stream.ReadExactly(bytes);
        return DecodeText(bytes);
    }

    /// <summary>Bytes of a small text file as text, with the encoding detection logs get.</summary>
    internal static string DecodeText(byte[] bytes)
    {
        var (name, bomLength) = PantherLogEncoding.DetectEncoding(bytes);
        return PantherLogEncoding.EncodingFor(name).GetString(bytes, bomLength, bytes.Length - bomLength);
    }

    /// <summary>Parses text already in memory (a pasted log, a test).</summary>
    public static IReadOnlyList<PantherLogRecord> ParseText(string text, string fileName = "<text>")
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<PantherLogRecord>();
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            var line = Clean(lines[i]);
            if (line is not null)
            {
                records.Add(ParseLine(line, fileName, i + 1));
            }
        }

        return records;
    }

    /// <summary>Parses one line (without its line break).</summary>
    public static PantherLogRecord ParseLine(string text, string file, long lineNumber)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        var s = text.AsSpan();
        if (s.Length < 22 || !IsTimestamp(s[..19]) || s[19] != ',' || s[20] != ' ')
        {
            return Raw(text, file, lineNumber);
        }

        var pos = 21;
        SkipSpaces(s, ref pos);
        var levelStart = pos;
        while (pos < s.Length && char.IsAsciiLetter(s[pos]))
        {
            pos++;
        }

        if (pos == levelStart || (pos < s.Length && !char.IsWhiteSpace(s[pos])))
        {
            return Raw(text, file, lineNumber);
        }

        var levelText = text[levelStart..pos];
        SkipSpaces(s, ref pos);

        string? messageId = null;
        if (pos + 3 < s.Length && s[pos] == '[' && s[pos + 1] == '0' && (s[pos + 2] is 'x' or 'X'))
        {
            var close = s[pos..].IndexOf(']');
            if (close > 3 && close <= 20 && IsHex(s.Slice(pos + 3, close - 3)))
            {
                messageId = text.Substring(pos + 1, close - 1);
                pos += close + 1;
                SkipSpaces(s, ref pos);
            }
        }

        string? component = null;
        var tokenEnd = pos;
        while (tokenEnd < s.Length && (char.IsAsciiLetterUpper(s[tokenEnd]) || char.IsAsciiDigit(s[tokenEnd]) || s[tokenEnd] == '_'))
        {
            tokenEnd++;
        }

        if (tokenEnd - pos >= 2 && tokenEnd - pos <= 16 && char.IsAsciiLetterUpper(s[pos]) && tokenEnd < s.Length && s[tokenEnd] == ' ')
        {
            component = text[pos..tokenEnd];
            pos = tokenEnd;
            SkipSpaces(s, ref pos);
        }

        var message = text[pos..].TrimEnd();
        string? gle = null;
        if (message.EndsWith(']'))
        {
            var open = message.LastIndexOf("[gle=", StringComparison.OrdinalIgnoreCase);
            if (open >= 0)
            {
                gle = message[(open + 5)..^1];
                message = message[..open].TrimEnd();
            }
        }

        return new PantherLogRecord(file, lineNumber, PantherLineKind.Entry, text[..19], ParseLevel(levelText), levelText,
            messageId, component, message, gle, text);
    }

    private static IEnumerable<PantherLogRecord> ReadRecordsCore(Func<Stream> open, PantherLogFileInfo file, PantherReadOptions options, CancellationToken cancellationToken)
    {
        var encoding = PantherLogEncoding.EncodingFor(file.EncodingName);
        using var stream = open();
        stream.Position = Math.Min(file.StartOffset, stream.Length);
        using var reader = new StreamReader(stream, encoding, detectEncodingFromByteOrderMarks: false, BufferSize);
        var buffer = new char[BufferSize];
        var line = new StringBuilder();
        var lineNumber = file.SkippedLines + 1;
        var dropFirst = file.IsWindowed;
        var overflow = false;
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = buffer.AsMemory(0, read);
            while (!chunk.IsEmpty)
            {
                var newline = chunk.Span.IndexOf('\n');
                var part = newline < 0 ? chunk : chunk[..newline];
                var room = options.MaxLineLength - line.Length;
                if (part.Length > room)
                {
                    line.Append(part.Span[..Math.Max(0, room)]);
                    overflow = true;
                }
                else
                {
                    line.Append(part.Span);
                }

                if (newline < 0)
                {
                    break;
                }

                chunk = chunk[(newline + 1)..];
                var record = Finish(line, file.Path, lineNumber, ref dropFirst, overflow);
                overflow = false;
                lineNumber++;
                if (record is not null)
                {
                    yield return record;
                }
            }
        }

        if (line.Length > 0)
        {
            var last = Finish(line, file.Path, lineNumber, ref dropFirst, overflow);
            if (last is not null)
            {
                yield return last;
            }
        }
    }

    private static PantherLogRecord? Finish(StringBuilder line, string file, long lineNumber, ref bool dropFirst, bool overflow)
    {
        var text = Clean(line.ToString());
        line.Clear();
        if (dropFirst)
        {
            // The window starts mid-line: the first (partial) line is not parsed.
            dropFirst = false;
            return null;
        }

        if (text is null)
        {
            return null;
        }

        if (overflow)
        {
            text += " …[line cut]";
        }

        return ParseLine(text, file, lineNumber);
    }

    /// <summary>Removes the CR and NUL padding; null for a line that was only NULs.</summary>
    internal static string? Clean(string raw)
    {
        var text = raw.EndsWith('\r') ? raw[..^1] : raw;
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            var hadText = text.AsSpan().IndexOfAnyExcept('\0') >= 0;
            text = text.Replace("\0", string.Empty, StringComparison.Ordinal);
            if (!hadText)
            {
                return null;
            }
        }

        return text;
    }

    private static PantherLogRecord Raw(string text, string file, long lineNumber) =>
        new(file, lineNumber, PantherLineKind.Raw, null, PantherLogLevel.None, null, null, null, text, null, text);

    private static PantherLogLevel ParseLevel(string text) => text.ToUpperInvariant() switch
    {
        "INFO" => PantherLogLevel.Info,
        "WARNING" or "WARN" => PantherLogLevel.Warning,
        "ERROR" => PantherLogLevel.Error,
        "FATAL" => PantherLogLevel.Fatal,
        _ => PantherLogLevel.Other,
    };

    private static void SkipSpaces(ReadOnlySpan<char> s, ref int pos)
    {
        while (pos < s.Length && (s[pos] == ' ' || s[pos] == '\t'))
        {
            pos++;
        }
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static bool IsHex(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExcept(HexDigits);

    private static bool IsTimestamp(ReadOnlySpan<char> s)
    {
        // YYYY-MM-DD HH:MM:SS
        for (var i = 0; i < 19; i++)
        {
            var ok = i switch
            {
                4 or 7 => s[i] == '-',
                10 => s[i] == ' ',
                13 or 16 => s[i] == ':',
                _ => char.IsAsciiDigit(s[i]),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static string FormatBytes(long bytes) =>
        bytes >= 1024 * 1024
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}
