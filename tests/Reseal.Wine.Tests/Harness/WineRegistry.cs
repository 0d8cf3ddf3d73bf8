using System.Globalization;
using System.Text;

namespace Reseal.Wine.Tests.Harness;

/// <summary>A registry value as <c>reg query</c> prints it.</summary>
/// <param name="Name">The value name; <c>(Default)</c> for the default value.</param>
/// <param name="Type"><c>REG_SZ</c>, <c>REG_DWORD</c>, <c>REG_MULTI_SZ</c>...</param>
/// <param name="Data">The data as printed: text, <c>0x1</c> for a DWORD, items joined by <c>\0</c> for a multi-string.</param>
public sealed record RegistryValue(string Name, string Type, string Data)
{
    /// <summary>The DWORD, or null when the value is not a number.</summary>
    public uint? AsDWord =>
        Data.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && uint.TryParse(Data.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v
        : uint.TryParse(Data, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d
        : null;
}

/// <summary>
/// Reads registry data two ways: the output of Wine's <c>reg query</c> (live, while the machine runs), and the text
/// files a Wine prefix keeps its hives in (offline, after <c>wineserver -k</c> flushed them).
/// </summary>
/// <remarks>
/// <para><c>reg query KEY [/v NAME]</c> prints the key's full name, then one line per value: four spaces, name, four
/// spaces, type, four spaces, data.</para>
/// <para>Prefix files: <c>system.reg</c> holds HKLM, <c>user.reg</c> HKCU, <c>userdef.reg</c> HKU\.DEFAULT. After a
/// <c>WINE REGISTRY Version 2</c> header, each key is <c>[Path\\With\\Escaped\\Backslashes] timestamp</c> (relative to the
/// hive root), followed by <c>#time=</c>/<c>#class=</c> metadata and values <c>"name"=...</c> (<c>@</c> for the default):
/// <c>"text"</c>, <c>dword:0000000a</c>, <c>str(2):"..."</c> (expandable), <c>str(7):"a\0b\0"</c> (multi), <c>hex:..</c>
/// or <c>hex(N):..</c> (continued with <c>\</c> at the end of a line). Strings escape <c>\\ \" \n \r \t \0 \xNNNN</c>.</para>
/// </remarks>
public static class WineRegistry
{
    /// <summary>Parses the output of <c>reg query</c> (one key) into its values.</summary>
    public static IReadOnlyList<RegistryValue> ParseQuery(string output)
    {
        var values = new List<RegistryValue>();
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith("    ", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line[4..].Split("    ", 3);
            if (parts.Length >= 2 && parts[1].StartsWith("REG_", StringComparison.Ordinal))
            {
                values.Add(new RegistryValue(parts[0], parts[1], parts.Length == 3 ? parts[2] : string.Empty));
            }
        }

        return values;
    }

    /// <summary>
    /// Reads a value from a prefix's hive files (the machine must be powered off, or the files may be stale).
    /// <paramref name="key"/> starts with <c>HKLM\</c>, <c>HKCU\</c> or <c>HKU\.DEFAULT\</c>. Strings come back unescaped,
    /// DWORDs as <c>0x...</c>, multi-strings joined by <c>\0</c>; null when the key or value is absent.
    /// </summary>
    public static RegistryValue? ReadOffline(string prefix, string key, string name)
    {
        var (file, path) = SplitRoot(key);
        var text = File.ReadAllText(Path.Combine(prefix, file), Encoding.UTF8);
        var header = "[" + path.Replace("\\", "\\\\", StringComparison.Ordinal) + "]";
        var inKey = false;
        var wanted = name.Length == 0 || name == "(Default)" ? "@" : "\"" + Escape(name) + "\"";
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.StartsWith('['))
            {
                var close = line.LastIndexOf(']');
                inKey = close > 0 && line[..(close + 1)].Equals(header, StringComparison.OrdinalIgnoreCase);
                continue;
            }

            if (!inKey || !line.StartsWith(wanted + "=", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var data = line[(wanted.Length + 1)..];
            while (data.EndsWith('\\') && i + 1 < lines.Length && !data.StartsWith('"'))
            {
                data = data[..^1] + lines[++i].Trim();
            }

            return ParseData(name, data);
        }

        return null;
    }

    private static RegistryValue ParseData(string name, string data)
    {
        if (data.StartsWith('"'))
        {
            return new RegistryValue(name, "REG_SZ", Unescape(data[1..^1]));
        }

        if (data.StartsWith("dword:", StringComparison.Ordinal))
        {
            return new RegistryValue(name, "REG_DWORD", "0x" + uint.Parse(data[6..], NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture));
        }

        if (data.StartsWith("str(2):", StringComparison.Ordinal))
        {
            return new RegistryValue(name, "REG_EXPAND_SZ", Unescape(data[8..^1]));
        }

        if (data.StartsWith("str(7):", StringComparison.Ordinal))
        {
            return new RegistryValue(name, "REG_MULTI_SZ", Unescape(data[8..^1]).TrimEnd('\0'));
        }

        return new RegistryValue(name, "REG_BINARY", data);
    }

    private static (string File, string Path) SplitRoot(string key)
    {
        foreach (var (root, file) in new[] { (@"HKU\.DEFAULT\", "userdef.reg"), (@"HKEY_USERS\.DEFAULT\", "userdef.reg"), (@"HKLM\", "system.reg"),
                     (@"HKEY_LOCAL_MACHINE\", "system.reg"), (@"HKCU\", "user.reg"), (@"HKEY_CURRENT_USER\", "user.reg") })
        {
            if (key.StartsWith(root, StringComparison.OrdinalIgnoreCase))
            {
                return (file, key[root.Length..]);
            }
        }

        throw new ArgumentException($"'{key}' does not start with HKLM\\, HKCU\\ or HKU\\.DEFAULT\\", nameof(key));
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string Unescape(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                builder.Append(text[i]);
                continue;
            }

            var c = text[++i];
            switch (c)
            {
                case 'n':
                    builder.Append('\n');
                    break;
                case 'r':
                    builder.Append('\r');
                    break;
                case 't':
                    builder.Append('\t');
                    break;
                case '0':
                    builder.Append('\0');
                    break;
                case 'x':
                    var end = i + 1;
                    while (end < text.Length && end - i <= 4 && Uri.IsHexDigit(text[end]))
                    {
                        end++;
                    }

                    if (end == i + 1)
                    {
                        builder.Append('x');
                        break;
                    }

                    builder.Append((char)int.Parse(text.AsSpan(i + 1, end - i - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i = end - 1;
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }
}
