using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Reseal.Registry;

/// <summary>
/// The one bounds-checked reader for hive structures: a span over one structure plus the file offset it starts at
/// and the structure's name, so every failure names both. All reads are little-endian.
/// </summary>
internal readonly ref struct CellReader
{
    private readonly ReadOnlySpan<byte> _span;

    public CellReader(ReadOnlySpan<byte> span, long fileOffset, string structure)
    {
        _span = span;
        FileOffset = fileOffset;
        Structure = structure;
    }

    public long FileOffset { get; }

    public string Structure { get; }

    public int Length => _span.Length;

    public ReadOnlySpan<byte> Span => _span;

    public ushort U16(int at, string field) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(at, 2, field));

    public uint U32(int at, string field) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(at, 4, field));

    public ulong U64(int at, string field) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(at, 8, field));

    public ReadOnlySpan<byte> Bytes(int at, int length, string field) => Slice(at, length, field);

    public bool HasSignature(char a, char b) => _span.Length >= 2 && _span[0] == (byte)a && _span[1] == (byte)b;

    public void RequireSignature(char a, char b)
    {
        if (!HasSignature(a, b))
        {
            ThrowSignature(a, b);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowSignature(char a, char b)
    {
        var found = _span.Length >= 2 ? $"{Printable(_span[0])}{Printable(_span[1])}" : "(too short)";
        throw Fail($"expected signature '{a}{b}', found '{found}'");
    }

    /// <summary>
    /// A stored name (key or value): its length at <paramref name="lengthField"/> (u16), its bytes at
    /// <paramref name="nameStart"/>, Latin-1 when <paramref name="compressedFlag"/> is set in the u16 at
    /// <paramref name="flagsField"/>, else UTF-16LE.
    /// </summary>
    public ReadOnlySpan<byte> StoredName(int flagsField, ushort compressedFlag, int lengthField, int nameStart, out bool compressed)
    {
        compressed = (U16(flagsField, "flags") & compressedFlag) != 0;
        return Bytes(nameStart, U16(lengthField, "name length"), "name");
    }

    public HiveFormatException Fail(string problem) => HiveFormatException.At(FileOffset, Structure, problem);

    // Every read of every walk passes here: the check inlined, the message built only in the helper when it fails.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Slice(int at, int length, string field)
    {
        if (at < 0 || length < 0 || (long)at + length > _span.Length)
        {
            ThrowOutside(at, length, field);
        }

        return _span.Slice(at, length);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowOutside(int at, int length, string field) =>
        throw Fail($"{field} (bytes {at}..{(long)at + length}) lies outside the {_span.Length}-byte structure");

    private static string Printable(byte b) => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}";
}
