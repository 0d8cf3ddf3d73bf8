using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Reseal.Registry;

/// <summary>A value's data as text: what <see cref="RegistryValueCodec.Decode(uint, ReadOnlySpan{byte})"/> makes of its bytes.</summary>
/// <param name="Text">A string (sz, expand_sz, link), a number in decimal (dword, dword_be, qword), or lowercase hex bytes.</param>
/// <param name="Strings">The strings of a multi_sz; null for other types.</param>
/// <param name="Number">The number of a dword, dword_be or qword of the right size; null otherwise.</param>
public sealed record DecodedValue(string Text, IReadOnlyList<string>? Strings, ulong? Number);

/// <summary>
/// Value data to and from text, one rule for every command: type names (<c>sz</c>, <c>expand_sz</c>,
/// <c>multi_sz</c>, <c>dword</c>, <c>dword_be</c>, <c>qword</c>, <c>binary</c>, <c>none</c>, <c>link</c>, the
/// resource types, or <c>0x</c>N for any other number), data from arguments (text, one argument per multi_sz string,
/// numbers in decimal or 0x hex, hex bytes with optional commas or spaces) and data shown as text. Strings are
/// stored as UTF-16LE with their terminating NUL, as regedit stores them.
/// </summary>
public static class RegistryValueCodec
{
    private static readonly string[] Names =
    [
        "none", "sz", "expand_sz", "binary", "dword", "dword_be", "link", "multi_sz", "resource_list",
        "full_resource_descriptor", "resource_requirements_list", "qword",
    ];

    /// <summary>The named types, in type-number order.</summary>
    public static IReadOnlyList<string> TypeNames => Names;

    /// <summary>The name of a type number (<c>0x</c>N for unnamed ones).</summary>
    public static string TypeName(uint type) => type < Names.Length ? Names[type] : $"0x{type:x}";

    /// <summary>A type from its name or number (<c>0x</c>N or decimal); false when it is neither.</summary>
    public static bool TryParseType(string text, out uint type)
    {
        ArgumentNullException.ThrowIfNull(text);
        var index = Array.FindIndex(Names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            type = (uint)index;
            return true;
        }

        var parsed = TryParseNumber(text, uint.MaxValue, out var number);
        type = (uint)number;
        return parsed;
    }

    /// <summary>
    /// The bytes for data given as text arguments: one string for sz, expand_sz and link; any number of strings for
    /// multi_sz; one number for dword, dword_be and qword; hex bytes (any number of arguments) for every other type.
    /// Throws <see cref="FormatException"/> saying what is wrong.
    /// </summary>
    public static byte[] Encode(uint type, IReadOnlyList<string> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        switch ((RegistryValueType)type)
        {
            case RegistryValueType.Sz or RegistryValueType.ExpandSz or RegistryValueType.Link:
                return Encoding.Unicode.GetBytes(Single(type, data) + "\0");
            case RegistryValueType.MultiSz:
                var text = new StringBuilder();
                foreach (var item in data)
                {
                    if (item.Length == 0 || item.Contains('\0', StringComparison.Ordinal))
                    {
                        throw new FormatException("a multi_sz string may be neither empty nor contain NUL (an empty string ends the list)");
                    }

                    text.Append(item).Append('\0');
                }

                return Encoding.Unicode.GetBytes(text.Append('\0').ToString());
            case RegistryValueType.DWord or RegistryValueType.DWordBigEndian:
                var dword = new byte[4];
                var number = (uint)Number(Single(type, data), uint.MaxValue);
                if (type == (uint)RegistryValueType.DWord)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(dword, number);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(dword, number);
                }

                return dword;
            case RegistryValueType.QWord:
                var qword = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(qword, Number(Single(type, data), ulong.MaxValue));
                return qword;
            default:
                var hex = string.Concat(data).Replace(",", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
                try
                {
                    return Convert.FromHexString(hex);
                }
                catch (FormatException)
                {
                    throw new FormatException($"{TypeName(type)} data '{string.Join(' ', data)}' is not hex bytes (e.g. 01,02,ff)");
                }
        }
    }

    /// <summary>The data as text: strings up to their first NUL, numbers in decimal, anything else (or of an odd size) as hex.</summary>
    public static DecodedValue Decode(uint type, ReadOnlySpan<byte> data)
    {
        switch ((RegistryValueType)type)
        {
            case RegistryValueType.Sz or RegistryValueType.ExpandSz or RegistryValueType.Link:
                return new DecodedValue(DecodeString(data), null, null);
            case RegistryValueType.MultiSz:
                var parts = DecodeMultiString(data);
                return new DecodedValue(string.Join('\n', parts), parts, null);
            case RegistryValueType.DWord when data.Length == 4:
                return Numeric(BinaryPrimitives.ReadUInt32LittleEndian(data));
            case RegistryValueType.DWordBigEndian when data.Length == 4:
                return Numeric(BinaryPrimitives.ReadUInt32BigEndian(data));
            case RegistryValueType.QWord when data.Length == 8:
                return Numeric(BinaryPrimitives.ReadUInt64LittleEndian(data));
            default:
                return new DecodedValue(Convert.ToHexStringLower(data), null, null);
        }
    }

    /// <summary>The data of a value read from a hive, as text.</summary>
    public static DecodedValue Decode(RegistryValue value)
    {
        byte[]? scratch = null;
        var data = value.ReadData(ref scratch, out var type);
        return Decode(type, data);
    }

    /// <summary>UTF-16LE up to the first NUL (an odd trailing byte dropped): how a string value reads.</summary>
    internal static string DecodeString(ReadOnlySpan<byte> data)
    {
        var chars = MemoryMarshal.Cast<byte, char>(data[..(data.Length & ~1)]);
        var nul = chars.IndexOf('\0');
        return new string(nul >= 0 ? chars[..nul] : chars);
    }

    /// <summary>UTF-16LE split at NULs, trailing empty strings dropped: how a multi_sz value reads.</summary>
    internal static List<string> DecodeMultiString(ReadOnlySpan<byte> data)
    {
        var parts = new string(MemoryMarshal.Cast<byte, char>(data[..(data.Length & ~1)])).Split('\0').ToList();
        while (parts.Count > 0 && parts[^1].Length == 0)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return parts;
    }

    private static DecodedValue Numeric(ulong number) => new(number.ToString(CultureInfo.InvariantCulture), null, number);

    private static string Single(uint type, IReadOnlyList<string> data) =>
        data.Count == 1 ? data[0] : throw new FormatException($"a {TypeName(type)} value takes exactly one data argument; got {data.Count}");

    private static ulong Number(string text, ulong max) =>
        TryParseNumber(text, max, out var value) ? value : throw new FormatException($"'{text}' is not a number from 0 to {max} (decimal, or hex with 0x)");

    private static bool TryParseNumber(string text, ulong max, out ulong value)
    {
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok && value <= max;
    }
}
