using System.Text;
using System.Text.Json;

namespace Reseal.Cloud;

/// <summary>
/// The one way JSON from outside (metadata services and config drives, serial-console lines, captured metadata) is
/// parsed. <see cref="JsonDocument"/> accepts a string escape that is half of a UTF-16 surrogate pair (<c>"\ud800"</c>):
/// it is well-formed JSON text, but no string holds it, and <see cref="JsonElement.GetString"/> then throws
/// <see cref="InvalidOperationException"/> wherever the value is read. Such a document is refused here, at the edge,
/// as a <see cref="JsonException"/> naming the line and byte, like any other JSON syntax error.
/// </summary>
public static class StrictJson
{
    /// <summary>Parses UTF-8 JSON; <see cref="JsonException"/> for bad syntax or a lone surrogate escape.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, JsonDocumentOptions options = default)
    {
        RefuseLoneSurrogates(utf8.Span, options);
        return JsonDocument.Parse(utf8, options);
    }

    /// <summary>Parses JSON text; <see cref="JsonException"/> for bad syntax or a lone surrogate escape.</summary>
    public static JsonDocument Parse(string text, JsonDocumentOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.UTF8.GetBytes(text), options);
    }

    // One forward pass with the reader the document would use; only escaped strings can hold a lone surrogate, and
    // only those are decoded. Syntax errors are left for JsonDocument to report in its own words.
    private static void RefuseLoneSurrogates(ReadOnlySpan<byte> utf8, JsonDocumentOptions options)
    {
        if (FindUndecodableString(utf8, options) is not { } found)
        {
            return;
        }

        var (at, what) = found;

        var before = utf8[..at];
        var line = before.Count((byte)'\n');
        var column = before.Length - (before.LastIndexOf((byte)'\n') + 1);
        throw new LoneSurrogateJsonException($"line {line + 1}, byte {column + 1}: a string holds {what}, which no text can hold", line, column);
    }

    // Also bytes that are not UTF-8 inside a string: JsonDocument accepts them and GetString throws later (fuzzing found it).
    private static (int At, string What)? FindUndecodableString(ReadOnlySpan<byte> utf8, JsonDocumentOptions options)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.CommentHandling,
            MaxDepth = options.MaxDepth,
        });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                {
                    continue;
                }

                if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
                {
                    return ((int)reader.TokenStartIndex, "bytes that are not UTF-8");
                }

                if (reader.ValueIsEscaped)
                {
                    try
                    {
                        _ = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        return ((int)reader.TokenStartIndex, "an escape that is half of a UTF-16 surrogate pair (\\uD800-\\uDFFF alone)");
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A syntax error: JsonDocument.Parse reports it.
        }

        return null;
    }
}

/// <summary>JSON refused by <see cref="StrictJson"/> for a string no text can hold (a lone surrogate escape, bytes not UTF-8) (a <see cref="JsonException"/> like any syntax error).</summary>
public sealed class LoneSurrogateJsonException : JsonException
{
    /// <summary>Creates the exception; <paramref name="line"/> and <paramref name="bytePositionInLine"/> are 0-based, as JsonException's.</summary>
    public LoneSurrogateJsonException(string message, long line, long bytePositionInLine)
        : base(message, null, line, bytePositionInLine)
    {
    }
}
