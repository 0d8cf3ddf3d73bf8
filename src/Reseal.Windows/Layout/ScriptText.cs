using System.Text;

namespace Reseal.Windows.Layout;

/// <summary>
/// Text helpers for the files seal reads and writes, and the agent reads after it (SetupComplete.cmd: the same decoding
/// on both sides, so a hook the seal wrote is the hook the agent finds).
/// </summary>
public static class ScriptText
{
    /// <summary>Bytes as text: UTF-16 with a BOM, otherwise UTF-8 (BOM dropped).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            bytes = bytes[3..];
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Bytes as Latin-1: one char per byte, so batch files in any ANSI code page survive a round trip.</summary>
    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// How a script's bytes are edited: UTF-16 (LE or BE, by its byte-order mark) as UTF-16 after the mark; anything
    /// else (ANSI in any code page, UTF-8 with or without a mark) as Latin-1, one char per byte. Either way each char maps
    /// to a fixed number of bytes (<paramref name="bytesPerChar"/>), so an edit can splice bytes and keep the rest exact.
    /// </summary>
    public static Encoding ScriptEncoding(ReadOnlySpan<byte> bytes, out int bomLength, out int bytesPerChar)
    {
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
        {
            (bomLength, bytesPerChar) = (2, 2);
            return new UnicodeEncoding(bigEndian: false, byteOrderMark: false);
        }

        if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
        {
            (bomLength, bytesPerChar) = (2, 2);
            return new UnicodeEncoding(bigEndian: true, byteOrderMark: false);
        }

        (bomLength, bytesPerChar) = (0, 1);
        return Encoding.Latin1;
    }

    /// <summary>
    /// A script's text for people: UTF-16 by its byte-order mark, UTF-8 (mark dropped) when the bytes are valid UTF-8,
    /// otherwise Latin-1 (an ANSI code page this process cannot know).
    /// </summary>
    public static string DecodeScript(ReadOnlySpan<byte> bytes)
    {
        var encoding = ScriptEncoding(bytes, out var bomLength, out _);
        if (bomLength > 0)
        {
            return encoding.GetString(bytes[bomLength..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }
}
