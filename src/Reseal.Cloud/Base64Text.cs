using System.Buffers.Text;

namespace Reseal.Cloud;

/// <summary>
/// Standard base64 (RFC 4648 §4) as keys, consoles and metadata services carry it: wrapped over lines, indented or
/// padded with spaces. One place strips the whitespace and checks the alphabet and padding, without regular
/// expressions (so no match timeouts on large input).
/// </summary>
internal static class Base64Text
{
    /// <summary>The text without any whitespace (line breaks, indentation, CR).</summary>
    public static string RemoveWhitespace(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan();
        var count = 0;
        foreach (var c in span)
        {
            if (char.IsWhiteSpace(c))
            {
                count++;
            }
        }

        if (count == 0)
        {
            return text;
        }

        return string.Create(text.Length - count, text, static (destination, source) =>
        {
            var at = 0;
            foreach (var c in source)
            {
                if (!char.IsWhiteSpace(c))
                {
                    destination[at++] = c;
                }
            }
        });
    }

    /// <summary>True when the text (whitespace already removed) is non-empty, well-padded standard base64.</summary>
    public static bool IsValid(string compact) => compact.Length > 0 && Base64.IsValid(compact.AsSpan());

    /// <summary>True when every character is in the base64 alphabet, '=' or whitespace (a line that may be part of a body).</summary>
    public static bool IsAlphabetOrWhitespace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' || char.IsWhiteSpace(c)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes after removing whitespace; null when the result is empty or not valid base64.</summary>
    public static byte[]? TryDecode(string text)
    {
        var compact = RemoveWhitespace(text);
        if (!IsValid(compact))
        {
            return null;
        }

        var buffer = new byte[(compact.Length / 4) * 3];
        return Convert.TryFromBase64String(compact, buffer, out var written) ? buffer.AsSpan(0, written).ToArray() : null;
    }
}
