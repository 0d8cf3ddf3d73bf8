using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Reseal.Registry;

/// <summary>Options for <see cref="RegImporter"/>.</summary>
public sealed record RegImportOptions
{
    /// <summary>Key prefix to strip, e.g. <c>HKEY_LOCAL_MACHINE\SOFTWARE</c>; every key in the file must start with it.</summary>
    public string? Prefix { get; init; }
}

/// <summary>What an import changed.</summary>
public sealed record RegImportResult(int KeysCreatedOrOpened, int KeysDeleted, int ValuesSet, int ValuesDeleted);

/// <summary>
/// Applies regedit text to a <see cref="HiveDocument"/>: the <c>Windows Registry Editor Version 5.00</c> (or
/// <c>REGEDIT4</c>) header, <c>[key]</c> and <c>[-key]</c> sections, values as <c>@</c> or <c>"name"</c> (escapes
/// <c>\\</c> and <c>\"</c>) followed by <c>=</c> and <c>"string"</c> (REG_SZ, NUL added), <c>dword:xxxxxxxx</c>,
/// <c>hex:</c> (REG_BINARY), <c>hex(N):</c> (type N in hex), <c>str(N):"…"</c> (hivexregedit), or <c>-</c> (delete);
/// a line ending in a backslash continues on the next; <c>;</c> starts a comment line.
/// </summary>
public static class RegImporter
{
    /// <summary>Imports .reg text.</summary>
    public static RegImportResult Import(HiveDocument document, string text, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(text);
        var prefix = options?.Prefix?.TrimEnd('\\');
        var lines = LogicalLines(text).GetEnumerator();
        int created = 0, deleted = 0, set = 0, removed = 0;
        (int Line, string Text)? header = null;
        while (lines.MoveNext())
        {
            if (lines.Current.Text.Trim().Length > 0)
            {
                header = lines.Current;
                break;
            }
        }

        if (header is null || (header.Value.Text.Trim() != "Windows Registry Editor Version 5.00" && header.Value.Text.Trim() != "REGEDIT4"))
        {
            throw new RegFileFormatException(header?.Line ?? 1, 1,
                "expected the header 'Windows Registry Editor Version 5.00' or 'REGEDIT4'");
        }

        EditableKey? current = null;
        while (lines.MoveNext())
        {
            var (number, raw) = lines.Current;
            var line = raw.TrimStart();
            var indent = raw.Length - line.Length;
            line = line.TrimEnd();
            if (line.Length == 0 || line[0] == ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (line[^1] != ']')
                {
                    throw new RegFileFormatException(number, indent + line.Length, "key line does not end with ']'");
                }

                var delete = line.Length > 1 && line[1] == '-';
                var path = StripPrefix(line[(delete ? 2 : 1)..^1], prefix, number, indent + 2);
                if (delete)
                {
                    current = null;
                    if (document.DeleteKey(path))
                    {
                        deleted++;
                    }
                }
                else
                {
                    try
                    {
                        current = document.CreateKey(path);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        throw new RegFileFormatException(number, indent + 2, e.Message);
                    }

                    created++;
                }

                continue;
            }

            if (current is null)
            {
                throw new RegFileFormatException(number, indent + 1, "value line outside a [key] section (or under a deleted key)");
            }

            var cursor = new Cursor(line, number, indent);
            var name = cursor.Peek() == '@' ? cursor.Skip(1, string.Empty) : cursor.QuotedString("value name");
            cursor.Expect('=');
            if (cursor.Rest.Trim() == "-")
            {
                if (current.DeleteValue(name))
                {
                    removed++;
                }

                continue;
            }

            var (type, data) = ParseData(ref cursor);
            try
            {
                current.SetValue(name, type, data);
            }
            catch (ArgumentException e)
            {
                throw new RegFileFormatException(number, indent + 1, e.Message);
            }

            set++;
        }

        return new RegImportResult(created, deleted, set, removed);
    }

    /// <summary>Reads a .reg file: UTF-16 with a BOM (regedit), UTF-8, or Latin-1 when not valid UTF-8.</summary>
    public static string ReadRegFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
        {
            using var reader = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        // hivexregedit writes each name as Latin-1 or UTF-8 (Perl's choice per string), so decode line by line.
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var text = new StringBuilder(bytes.Length);
        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        while (!span.IsEmpty)
        {
            var end = span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..(end + 1)];
            try
            {
                text.Append(strict.GetString(line));
            }
            catch (DecoderFallbackException)
            {
                text.Append(Encoding.Latin1.GetString(line));
            }

            span = span[line.Length..];
        }

        return text.ToString();
    }

    private static string StripPrefix(string path, string? prefix, int line, int column)
    {
        if (prefix is not null)
        {
            if (!path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                || (path.Length > prefix.Length && path[prefix.Length] != '\\'))
            {
                throw new RegFileFormatException(line, column, $"key '{path}' is not under the prefix '{prefix}'");
            }

            path = path[prefix.Length..];
        }

        return path.Trim('\\');
    }

    private static (uint Type, byte[] Data) ParseData(ref Cursor cursor)
    {
        if (cursor.Peek() == '"')
        {
            return (1, Utf16WithNul(cursor.QuotedString("string value")));
        }

        if (cursor.TryLiteral("dword:"))
        {
            var digits = cursor.Rest.Trim();
            if (digits.Length is 0 or > 8 || !uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var dword))
            {
                throw cursor.Fail("dword: needs 1 to 8 hex digits");
            }

            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, dword);
            return (4, bytes);
        }

        if (cursor.TryLiteral("hex:"))
        {
            return (3, cursor.HexBytes());
        }

        var isHex = cursor.TryLiteral("hex(");
        if (isHex || cursor.TryLiteral("str("))
        {
            var type = cursor.HexNumberUntil(')');
            cursor.Expect(':');
            return isHex ? (type, cursor.HexBytes()) : (type, Utf16WithNul(cursor.QuotedString("string value")));
        }

        throw cursor.Fail("expected \"string\", dword:, hex:, hex(N): or -");
    }

    private static byte[] Utf16WithNul(string text) => Encoding.Unicode.GetBytes(text + "\0");

    /// <summary>Physical lines joined at trailing backslashes, each with its first line number.</summary>
    private static IEnumerable<(int Line, string Text)> LogicalLines(string text)
    {
        var physical = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < physical.Length; i++)
        {
            var start = i;
            var line = physical[i];
            if (line.TrimStart().StartsWith('[') || line.TrimStart().StartsWith(';'))
            {
                yield return (start + 1, line);
                continue;
            }

            var builder = new StringBuilder(line.TrimEnd());
            while (builder.Length > 0 && builder[^1] == '\\' && !EndsInsideString(builder) && i + 1 < physical.Length)
            {
                builder.Length--;
                i++;
                builder.Append(physical[i].Trim());
            }

            yield return (start + 1, builder.ToString());
        }
    }

    /// <summary>True when the trailing backslash is inside a quoted string, where it is data, not a continuation.</summary>
    private static bool EndsInsideString(StringBuilder line)
    {
        var inside = false;
        for (var i = 0; i < line.Length; i++)
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

    private ref struct Cursor(string line, int number, int indent)
    {
        private int _at;

        public readonly string Rest => line[_at..];

        public readonly char Peek() => _at < line.Length ? line[_at] : '\0';

        public string Skip(int count, string result)
        {
            _at += count;
            return result;
        }

        public bool TryLiteral(string literal)
        {
            if (string.Compare(line, _at, literal, 0, literal.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                _at += literal.Length;
                return true;
            }

            return false;
        }

        public void Expect(char c)
        {
            while (Peek() == ' ')
            {
                _at++;
            }

            if (Peek() != c)
            {
                throw Fail($"expected '{c}'");
            }

            _at++;
            while (Peek() == ' ')
            {
                _at++;
            }
        }

        public string QuotedString(string what)
        {
            if (Peek() != '"')
            {
                throw Fail($"expected a quoted {what}");
            }

            var builder = new StringBuilder();
            _at++;
            while (_at < line.Length)
            {
                var c = line[_at++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c == '\\' && _at < line.Length)
                {
                    c = line[_at++];
                }

                builder.Append(c);
            }

            throw Fail($"unterminated {what}");
        }

        public uint HexNumberUntil(char end)
        {
            var close = line.IndexOf(end, _at);
            if (close < 0 || !uint.TryParse(line.AsSpan(_at, close - _at), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var number))
            {
                throw Fail($"expected a hex type number followed by '{end}'");
            }

            _at = close + 1;
            return number;
        }

        public byte[] HexBytes()
        {
            var bytes = new List<byte>();
            while (_at < line.Length)
            {
                while (Peek() is ' ' or '\t')
                {
                    _at++;
                }

                if (_at >= line.Length)
                {
                    break;
                }

                var start = _at;
                while (_at < line.Length && Uri.IsHexDigit(line[_at]))
                {
                    _at++;
                }

                if (_at - start is 0 or > 2)
                {
                    _at = start;
                    throw Fail("expected a byte as one or two hex digits");
                }

                bytes.Add(byte.Parse(line.AsSpan(start, _at - start), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                while (Peek() is ' ' or '\t')
                {
                    _at++;
                }

                if (_at < line.Length)
                {
                    Expect(',');
                }
            }

            return [.. bytes];
        }

        public readonly RegFileFormatException Fail(string problem) => new(number, indent + _at + 1, problem);
    }
}
