using System.Text;

namespace Reseal.Registry;

/// <summary>
/// Reads .reg text as lines, streamed: a file is decoded one line at a time (UTF-16 with a byte order mark, as
/// regedit writes it; otherwise each line as UTF-8, or Latin-1 when it is not valid UTF-8, as hivexregedit's Perl
/// writes each name), and continuation lines (a trailing backslash outside a quoted string) are joined as they
/// come. Memory is bounded by the longest logical line, never by the file.
/// </summary>
/// <remarks>
/// Limits, and why: a file may hold at most <see cref="MaxFileBytes"/> (1 GiB: the hive it fills cannot exceed 2 GiB
/// of cells, and a .reg spells every data byte with three characters); a logical line at most
/// <see cref="MaxLogicalLineChars"/> characters (32 Mi: a value of about 10 MiB in hex, far above the few MiB of the
/// largest values in real hives, and it is held in memory whole while it is parsed).
/// </remarks>
internal static class RegFileLines
{
    /// <summary>The largest .reg file read (1 GiB).</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>The longest logical line (continuations joined), in characters.</summary>
    public const int MaxLogicalLineChars = 32 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The physical lines of a .reg stream, without their line ends, each with its 1-based number.</summary>
    public static IEnumerable<(int Line, string Text)> Physical(Stream stream)
    {
        var head = new byte[3];
        var headLength = stream.ReadAtLeast(head, 3, throwOnEndOfStream: false);
        if (headLength >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        {
            var encoding = head[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
            var rest = new PrefixedStream(head.AsMemory(2, headLength - 2), stream);
            return Utf16Lines(new StreamReader(rest, encoding, detectEncodingFromByteOrderMarks: false, 1 << 16));
        }

        var skip = headLength == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
        return ByteLines(new PrefixedStream(head.AsMemory(skip, headLength - skip), stream));
    }

    /// <summary>The physical lines of text (for strings given directly).</summary>
    public static IEnumerable<(int Line, string Text)> Physical(TextReader reader) => Utf16Lines(reader);

    /// <summary>
    /// Joins continuation lines: a line (not a [key] or ; comment line) whose last non-blank character is a backslash
    /// outside a quoted string continues with the next line, trimmed. The quote state is carried from piece to
    /// piece, so a value spread over many lines costs time in proportion to its length.
    /// </summary>
    public static IEnumerable<(int Line, string Text)> Logical(IEnumerable<(int Line, string Text)> physical)
    {
        StringBuilder? builder = null;
        var start = 0;
        var inside = false;
        foreach (var (number, text) in physical)
        {
            if (builder is null)
            {
                var trimmed = text.AsSpan().TrimStart();
                if (trimmed.StartsWith("[") || trimmed.StartsWith(";"))
                {
                    yield return (number, text);
                    continue;
                }

                builder = new StringBuilder(text.TrimEnd());
                start = number;
                inside = ScanQuotes(builder, 0, false);
            }
            else
            {
                var piece = text.Trim();
                var from = builder.Length;
                builder.Append(piece);
                inside = ScanQuotes(builder, from, inside);
            }

            if (builder.Length > MaxLogicalLineChars)
            {
                throw new RegFileFormatException(start, 1,
                    $"line (with its continuation lines) is longer than {MaxLogicalLineChars} characters, the most a value's data may take in a .reg file here");
            }

            if (builder.Length > 0 && builder[^1] == '\\' && !inside)
            {
                builder.Length--;
                continue;
            }

            yield return (start, builder.ToString());
            builder = null;
        }

        if (builder is not null)
        {
            yield return (start, builder.ToString());
        }
    }

    /// <summary>Whether the text from <paramref name="from"/> ends inside a quoted string, starting in state <paramref name="inside"/>.</summary>
    private static bool ScanQuotes(StringBuilder line, int from, bool inside)
    {
        for (var i = from; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                inside = !inside;
            }
            else if (line[i] == '\\' && inside)
            {
                i++;
            }
        }

        return inside;
    }

    private static IEnumerable<(int Line, string Text)> Utf16Lines(TextReader reader)
    {
        using (reader)
        {
            var number = 0;
            var line = new StringBuilder();
            var buffer = new char[1 << 14];
            long total = 0;
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                CheckFileSize(total * 2, number + 1);
                var chunk = buffer.AsMemory(0, read);
                while (!chunk.IsEmpty)
                {
                    var end = chunk.Span.IndexOf('\n');
                    var piece = end < 0 ? chunk : chunk[..end];
                    line.Append(piece.Span);
                    CheckLength(line.Length, number + 1);
                    if (end < 0)
                    {
                        break;
                    }

                    chunk = chunk[(end + 1)..];
                    yield return (++number, WithoutCarriageReturn(line));
                    line.Clear();
                }
            }

            if (line.Length > 0)
            {
                yield return (++number, WithoutCarriageReturn(line));
            }
        }
    }

    private static IEnumerable<(int Line, string Text)> ByteLines(Stream stream)
    {
        using (stream)
        {
            var number = 0;
            var line = new MemoryStream();
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                CheckFileSize(total, number + 1);

                var chunk = buffer.AsMemory(0, read);
                while (!chunk.IsEmpty)
                {
                    var end = chunk.Span.IndexOf((byte)'\n');
                    var piece = end < 0 ? chunk : chunk[..end];
                    line.Write(piece.Span);
                    CheckLength(line.Length, number + 1);
                    if (end < 0)
                    {
                        break;
                    }

                    chunk = chunk[(end + 1)..];
                    yield return (++number, Decode(line));
                    line.SetLength(0);
                }
            }

            if (line.Length > 0)
            {
                yield return (++number, Decode(line));
            }
        }
    }

    /// <summary>One line's bytes: strict UTF-8, else Latin-1 (hivexregedit writes each string in either).</summary>
    private static string Decode(MemoryStream line)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    private static string WithoutCarriageReturn(StringBuilder line) =>
        line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();

    private static void CheckFileSize(long bytes, int number)
    {
        if (bytes > MaxFileBytes)
        {
            throw new RegFileFormatException(number, 1, $"the .reg text is larger than {MaxFileBytes >> 30} GiB, the most Reseal imports");
        }
    }

    private static void CheckLength(long length, int number)
    {
        if (length > MaxLogicalLineChars)
        {
            throw new RegFileFormatException(number, 1, $"line is longer than {MaxLogicalLineChars} characters, the most a value's data may take in a .reg file here");
        }
    }

    /// <summary>A stream that first returns bytes already read from another (the sniffed byte order mark).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!_prefix.IsEmpty)
            {
                var take = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..take].CopyTo(buffer);
                _prefix = _prefix[take..];
                return take;
            }

            return inner.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
