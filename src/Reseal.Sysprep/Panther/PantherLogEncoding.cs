using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Reseal.Sysprep.Panther;

/// <summary>
/// The encodings Panther logs come in (UTF-16LE/BE with or without a BOM, UTF-8, the ANSI code page read as Latin-1):
/// detection from a file's first bytes, whether those bytes are text at all, and counting line breaks without decoding.
/// </summary>
internal static class PantherLogEncoding
{
    internal static (string Name, int BomLength) DetectEncoding(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return ("utf-16le", 2);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return ("utf-16be", 2);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return ("utf-8", 3);
        }

        // No BOM: ASCII text in UTF-16 has a NUL in every other byte (trailing NUL padding says nothing).
        head = head[..(head.LastIndexOfAnyExcept((byte)0) + 1)];
        int evenZeros = 0, oddZeros = 0;
        for (var i = 0; i < head.Length; i++)
        {
            if (head[i] == 0)
            {
                if (i % 2 == 0)
                {
                    evenZeros++;
                }
                else
                {
                    oddZeros++;
                }
            }
        }

        var pairs = head.Length / 2;
        if (pairs >= 2 && oddZeros >= pairs * 0.4 && evenZeros <= oddZeros / 8)
        {
            return ("utf-16le", 0);
        }

        if (pairs >= 2 && evenZeros >= pairs * 0.4 && oddZeros <= evenZeros / 8)
        {
            return ("utf-16be", 0);
        }

        // A multi-byte sequence may be cut at the end of the head: check up to the last ASCII byte.
        var lastAscii = head.LastIndexOfAnyInRange((byte)0, (byte)0x7F);
        var prefix = lastAscii < 0 ? head : head[..(lastAscii + 1)];
        return Utf8.IsValid(prefix) ? ("utf-8", 0) : ("latin1", 0);
    }

    internal static bool LooksBinary(ReadOnlySpan<byte> head, string encodingName)
    {
        if (head.IsEmpty)
        {
            return false;
        }

        // Trailing NULs are the padding a crash leaves, not content.
        var text = EncodingFor(encodingName).GetString(head).TrimEnd('\0');
        var control = 0;
        foreach (var c in text)
        {
            if ((c < 0x20 && c is not ('\t' or '\r' or '\n' or '\f')) || c == '\uFFFD' || (c >= 0x7F && c < 0xA0 && encodingName == "latin1"))
            {
                control++;
            }
        }

        return control > text.Length / 10;
    }

    internal static Encoding EncodingFor(string name) => name switch
    {
        "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: false),
        "utf-16be" => new UnicodeEncoding(bigEndian: true, byteOrderMark: false),
        "utf-8" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        _ => Encoding.Latin1,
    };

    /// <summary>Counts line breaks between two offsets without decoding (LF, or LF NUL / NUL LF for UTF-16).</summary>
    internal static long CountLineBreaks(Stream stream, long from, long to, string encodingName)
    {
        stream.Position = from;
        var buffer = new byte[1 << 20];
        long count = 0;
        var remaining = to - from;
        var utf16 = encodingName.StartsWith("utf-16", StringComparison.Ordinal);
        var bigEndian = encodingName == "utf-16be";
        while (remaining > 0)
        {
            var want = (int)Math.Min(buffer.Length, remaining);
            var read = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (read <= 0)
            {
                break;
            }

            var span = buffer.AsSpan(0, read);
            if (!utf16)
            {
                count += span.Count((byte)'\n');
            }
            else
            {
                // Chunks are even-sized, so UTF-16 code units never straddle two reads.
                var units = MemoryMarshal.Cast<byte, ushort>(span[..(read & ~1)]);
                count += units.Count(bigEndian == BitConverter.IsLittleEndian ? (ushort)0x0A00 : (ushort)0x000A);
            }

            remaining -= read;
        }

        return count;
    }
}
