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

/// <summary>What the importer needs from a hive being edited: <see cref="HiveDocument"/> and <see cref="HiveEditor"/> both give it.</summary>
/// <typeparam name="TKey">A handle to an open key that stays valid until that key is deleted.</typeparam>
internal interface IRegistryEditTarget<TKey>
{
    /// <summary>Opens the key at a path, creating it and the keys along it when missing.</summary>
    TKey CreateKey(string path);

    bool DeleteKey(string path);

    void SetValue(TKey key, string name, uint type, ReadOnlySpan<byte> data);

    bool DeleteValue(TKey key, string name);
}

/// <summary>
/// Applies regedit text to a hive being edited (<see cref="HiveDocument"/> or <see cref="HiveEditor"/>): the
/// <c>Windows Registry Editor Version 5.00</c> (or <c>REGEDIT4</c>) header, <c>[key]</c> and <c>[-key]</c> sections,
/// values as <c>@</c> or <c>"name"</c> (escapes <c>\\</c> and <c>\"</c>) followed by <c>=</c> and <c>"string"</c>
/// (REG_SZ, NUL added), <c>dword:xxxxxxxx</c>, <c>hex:</c> (REG_BINARY), <c>hex(N):</c> (type N in hex),
/// <c>str(N):"…"</c> (hivexregedit), or <c>-</c> (delete); a line ending in a backslash continues on the next;
/// <c>;</c> starts a comment line. Files are read as a stream of lines (see <see cref="RegFileLines"/> for the limits).
/// </summary>
public static class RegImporter
{
    /// <summary>The largest .reg file imported, in bytes (1 GiB; see the README's limits).</summary>
    public const long MaxFileBytes = RegFileLines.MaxFileBytes;

    /// <summary>Imports .reg text into a document.</summary>
    public static RegImportResult Import(HiveDocument document, string text, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Import(document, new StringReader(text), options);
    }

    /// <summary>Imports .reg text, read line by line, into a document.</summary>
    public static RegImportResult Import(HiveDocument document, TextReader text, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(text);
        return Apply(document, RegFileLines.Physical(text), options);
    }

    /// <summary>Imports .reg text into a hive edited in place.</summary>
    public static RegImportResult Import(HiveEditor editor, string text, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(editor);
        ArgumentNullException.ThrowIfNull(text);
        return Apply(editor, RegFileLines.Physical(new StringReader(text)), options);
    }

    /// <summary>Imports .reg bytes from a stream (decoded as a .reg file is), read line by line, into a hive edited in place.</summary>
    public static RegImportResult Import(HiveEditor editor, Stream reg, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(editor);
        ArgumentNullException.ThrowIfNull(reg);
        return Apply(editor, RegFileLines.Physical(reg), options);
    }

    /// <summary>Imports a .reg file, streamed, into a hive edited in place.</summary>
    public static RegImportResult ImportFile(HiveEditor editor, string path, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(editor);
        return Apply(editor, RegFileLines.Physical(OpenRegFile(path)), options);
    }

    /// <summary>Imports a .reg file, streamed, into a document.</summary>
    public static RegImportResult ImportFile(HiveDocument document, string path, RegImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Apply(document, RegFileLines.Physical(OpenRegFile(path)), options);
    }

    /// <summary>Reads a whole .reg file as text: UTF-16 with a BOM (regedit), UTF-8, or Latin-1 lines that are not valid UTF-8.</summary>
    public static string ReadRegFile(string path)
    {
        var text = new StringBuilder();
        foreach (var (_, line) in RegFileLines.Physical(OpenRegFile(path)))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static FileStream OpenRegFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (stream.CanSeek && stream.Length > MaxFileBytes)
        {
            var length = stream.Length;
            stream.Dispose();
            throw new RegFileFormatException(1, 1, $"the file is {length} bytes, larger than the {MaxFileBytes >> 30} GiB Reseal imports");
        }

        return stream;
    }

    private static RegImportResult Apply<TKey>(IRegistryEditTarget<TKey> target, IEnumerable<(int Line, string Text)> physical, RegImportOptions? options)
    {
        var prefix = options?.Prefix?.TrimEnd('\\');
        using var lines = RegFileLines.Logical(physical).GetEnumerator();
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

        var current = default(TKey);
        var inKey = false;
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
                try
                {
                    if (delete)
                    {
                        inKey = false;
                        if (target.DeleteKey(path))
                        {
                            deleted++;
                        }
                    }
                    else
                    {
                        current = target.CreateKey(path);
                        inKey = true;
                        created++;
                    }
                }
                catch (ArgumentException e)
                {
                    throw new RegFileFormatException(number, indent + 2, e.Message);
                }

                continue;
            }

            if (!inKey)
            {
                throw new RegFileFormatException(number, indent + 1, "value line outside a [key] section (or under a deleted key)");
            }

            var cursor = new Cursor(line, number, indent);
            var name = cursor.Peek() == '@' ? cursor.Skip(1, string.Empty) : cursor.QuotedString("value name");
            cursor.Expect('=');
            if (cursor.Rest.Trim() == "-")
            {
                if (target.DeleteValue(current!, name))
                {
                    removed++;
                }

                continue;
            }

            var (type, data) = ParseData(ref cursor);
            try
            {
                target.SetValue(current!, name, type, data);
            }
            catch (ArgumentException e)
            {
                throw new RegFileFormatException(number, indent + 1, e.Message);
            }

            set++;
        }

        return new RegImportResult(created, deleted, set, removed);
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
            var bytes = new List<byte>(Math.Max(4, (line.Length - _at) / 3));
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
                var value = 0;
                while (_at < line.Length && HexValue(line[_at]) is var digit and >= 0)
                {
                    value = (value << 4) | digit;
                    _at++;
                }

                if (_at - start is 0 or > 2)
                {
                    _at = start;
                    throw Fail("expected a byte as one or two hex digits");
                }

                bytes.Add((byte)value);
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

        private static int HexValue(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };

        public readonly RegFileFormatException Fail(string problem) => new(number, indent + _at + 1, problem);
    }
}
