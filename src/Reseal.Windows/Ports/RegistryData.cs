using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;

namespace Reseal.Windows.Ports;

/// <summary>
/// A registry value's type and raw bytes. The bytes are authoritative (Windows keeps odd data, such as a DWORD of the
/// wrong size, and so do we); the typed views return null rather than throw when the data does not fit.
/// </summary>
public sealed record RegistryData
{
    /// <summary>REG_SZ.</summary>
    public const uint TypeString = 1;

    /// <summary>REG_EXPAND_SZ.</summary>
    public const uint TypeExpandString = 2;

    /// <summary>REG_BINARY.</summary>
    public const uint TypeBinary = 3;

    /// <summary>REG_DWORD.</summary>
    public const uint TypeDWord = 4;

    /// <summary>REG_DWORD_BIG_ENDIAN.</summary>
    public const uint TypeDWordBigEndian = 5;

    /// <summary>REG_MULTI_SZ.</summary>
    public const uint TypeMultiString = 7;

    /// <summary>REG_QWORD.</summary>
    public const uint TypeQWord = 11;

    /// <summary>Creates a value from its raw type and bytes (copied).</summary>
    public RegistryData(uint type, ReadOnlySpan<byte> bytes)
    {
        Type = type;
        Bytes = [.. bytes];
    }

    /// <summary>The raw type (any uint is legal; SAM stores RIDs here).</summary>
    public uint Type { get; }

    /// <summary>The raw data.</summary>
    public ImmutableArray<byte> Bytes { get; }

    /// <summary>True for REG_SZ, REG_EXPAND_SZ and REG_LINK.</summary>
    public bool IsString => Type is TypeString or TypeExpandString or 6;

    /// <summary>A REG_SZ holding <paramref name="text"/> with its terminating NUL, as Windows stores it.</summary>
    public static RegistryData FromString(string text, bool expandable = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new RegistryData(expandable ? TypeExpandString : TypeString, Encoding.Unicode.GetBytes(text + "\0"));
    }

    /// <summary>A REG_DWORD.</summary>
    public static RegistryData FromDWord(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return new RegistryData(TypeDWord, bytes);
    }

    /// <summary>A REG_QWORD.</summary>
    public static RegistryData FromQWord(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return new RegistryData(TypeQWord, bytes);
    }

    /// <summary>A REG_MULTI_SZ (each string NUL-terminated, then one more NUL).</summary>
    public static RegistryData FromMultiString(IEnumerable<string> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        var text = new StringBuilder();
        foreach (var s in strings)
        {
            text.Append(s).Append('\0');
        }

        text.Append('\0');
        return new RegistryData(TypeMultiString, Encoding.Unicode.GetBytes(text.ToString()));
    }

    /// <summary>A REG_BINARY.</summary>
    public static RegistryData FromBinary(ReadOnlySpan<byte> bytes) => new(TypeBinary, bytes);

    /// <summary>The data as UTF-16LE text up to the first NUL, whatever the type; odd trailing byte dropped.</summary>
    public string AsText()
    {
        var span = Bytes.AsSpan();
        var chars = MemoryMarshal.Cast<byte, char>(span[..(span.Length & ~1)]);
        var nul = chars.IndexOf('\0');
        return new string(nul >= 0 ? chars[..nul] : chars);
    }

    /// <summary>The text of a string value; null for other types.</summary>
    public string? AsString() => IsString ? AsText() : null;

    /// <summary>A DWORD (big-endian for type 5); null unless the data is exactly 4 bytes.</summary>
    public uint? AsDWord()
    {
        if (Bytes.Length != 4)
        {
            return null;
        }

        return Type == TypeDWordBigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan())
            : BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan());
    }

    /// <summary>A QWORD; null unless the data is exactly 8 bytes.</summary>
    public ulong? AsQWord() => Bytes.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan()) : null;

    /// <summary>The strings of a MULTI_SZ (trailing empty strings dropped); a single string for SZ types.</summary>
    public IReadOnlyList<string> AsMultiString()
    {
        var span = Bytes.AsSpan();
        var text = new string(MemoryMarshal.Cast<byte, char>(span[..(span.Length & ~1)]));
        var parts = text.Split('\0').ToList();
        while (parts.Count > 0 && parts[^1].Length == 0)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return parts;
    }

    /// <summary>Equal when type and bytes are equal.</summary>
    public bool Equals(RegistryData? other) =>
        other is not null && Type == other.Type && Bytes.AsSpan().SequenceEqual(other.Bytes.AsSpan());

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Bytes.Length);
}

/// <summary>A named value in a key.</summary>
public sealed record NamedRegistryData(string Name, RegistryData Data);
