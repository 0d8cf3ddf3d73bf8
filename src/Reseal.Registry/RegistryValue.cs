using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>
/// A value in a <see cref="Hive"/>: a handle to its vk cell. The raw bytes are authoritative; typed accessors never
/// throw on odd-but-legal data (a DWORD of the wrong size, an unterminated string).
/// </summary>
/// <remarks>
/// vk cell payload: <c>vk</c> · name length u16 @2 (0 = the default value) · data size u32 @4 (MSB set = resident:
/// up to 4 bytes stored at the start of the @8 field) · data cell offset @8 · type u32 @12 · flags u16 @16
/// (0x1 = Latin-1 name) · name @20. Non-resident data is one cell, or in hives of minor version ≥ 4 with more than
/// 16344 bytes a <c>db</c> cell: <c>db</c> · segment count u16 @2 · offset of a cell of u32 segment offsets @4;
/// every segment but the last carries exactly 16344 bytes.
/// </remarks>
public readonly struct RegistryValue
{
    internal const int BigDataSegment = BigDataLayout.SegmentSize;

    internal RegistryValue(Hive hive, int cellOffset)
    {
        Hive = hive;
        CellOffset = cellOffset;
    }

    public Hive Hive { get; }

    /// <summary>Offset of the vk cell in the hbin area.</summary>
    public int CellOffset { get; }

    internal CellReader Node => Hive.Structure((uint)CellOffset, "vk", 'v', 'k', ValueKeyLayout.Name, "value header");

    /// <summary>The value's name; "" for the default value.</summary>
    public string Name
    {
        get
        {
            var raw = RawName(out var compressed);
            return Hive.DecodeName(raw, compressed);
        }
    }

    /// <summary>The stored name bytes and whether they are Latin-1 (else UTF-16LE).</summary>
    internal ReadOnlySpan<byte> RawName(out bool compressed) => RawName(Node, out compressed);

    /// <summary>As <see cref="RawName(out bool)"/>, from a vk cell already read.</summary>
    internal static ReadOnlySpan<byte> RawName(CellReader node, out bool compressed) =>
        node.StoredName(ValueKeyLayout.Flags, ValueKeyLayout.CompressedNameFlag, ValueKeyLayout.NameLength, ValueKeyLayout.Name, out compressed);

    /// <summary>The raw type number.</summary>
    public uint RawType => Node.U32(ValueKeyLayout.Type, "type");

    /// <summary>The type (any uint is legal; compare with <see cref="RawType"/> for unnamed ones).</summary>
    public RegistryValueType Type => (RegistryValueType)RawType;

    /// <summary>Declared data length in bytes.</summary>
    public int DataLength => (int)(Node.U32(ValueKeyLayout.DataSize, "data size") & ~ValueKeyLayout.ResidentFlag);

    /// <summary>The raw data bytes.</summary>
    public byte[] GetData()
    {
        byte[]? scratch = null;
        return ReadData(ref scratch).ToArray();
    }

    /// <summary>Data as a string for SZ/EXPAND_SZ/LINK: UTF-16LE up to the first NUL (odd trailing byte dropped).</summary>
    public string GetString() => RegistryValueCodec.DecodeString(GetData());

    /// <summary>Data as MULTI_SZ strings (split on NUL, trailing empties dropped).</summary>
    public IReadOnlyList<string> GetMultiString() => RegistryValueCodec.DecodeMultiString(GetData());

    /// <summary>A DWORD (little-endian, or big-endian for type 5); null when the data is not 4 bytes.</summary>
    public uint? GetDWord()
    {
        var data = GetData();
        if (data.Length != 4)
        {
            return null;
        }

        return RawType == 5 ? BinaryPrimitives.ReadUInt32BigEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);
    }

    /// <summary>A QWORD; null when the data is not 8 bytes.</summary>
    public ulong? GetQWord()
    {
        var data = GetData();
        return data.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(data) : null;
    }

    /// <summary>
    /// The data as a span: straight into the file for resident and single-cell data, otherwise assembled from big-data
    /// segments into <paramref name="scratch"/> (grown as needed).
    /// </summary>
    internal ReadOnlySpan<byte> ReadData(ref byte[]? scratch) => ReadData(ref scratch, out _);

    /// <summary>The data and the raw type, from one read of the vk cell.</summary>
    internal ReadOnlySpan<byte> ReadData(ref byte[]? scratch, out uint type) => ReadData(ref scratch, out type, out _, assemble: true);

    /// <summary>
    /// Makes every check <see cref="ReadData(ref byte[], out uint)"/> makes, from this value's vk cell
    /// <paramref name="node"/> already read, and throws where it would, but copies no big-data segments; returns the
    /// data's length.
    /// </summary>
    internal int CheckData(CellReader node)
    {
        byte[]? none = null;
        _ = ReadData(node, ref none, out _, out var length, assemble: false);
        return length;
    }

    /// <summary>
    /// The data and raw type as <see cref="ReadData(ref byte[], out uint)"/> reads them, but big data is checked and
    /// not assembled: then the span is empty and <paramref name="length"/> says how long the data is; its pieces come
    /// from <see cref="BigDataPiece"/>.
    /// </summary>
    internal ReadOnlySpan<byte> ReadDataUnassembled(out uint type, out int length)
    {
        byte[]? none = null;
        return ReadData(Node, ref none, out type, out length, assemble: false);
    }

    /// <summary>
    /// Segment <paramref name="index"/> of big data of <paramref name="length"/> bytes, after
    /// <see cref="ReadDataUnassembled"/> checked the whole chain; empty past the last segment.
    /// </summary>
    internal ReadOnlySpan<byte> BigDataPiece(int index, int length)
    {
        var start = (long)index * BigDataSegment;
        if (start >= length)
        {
            return [];
        }

        var db = Hive.Cell(Node.U32(ValueKeyLayout.Data, "data offset"), "value data");
        var list = Hive.Cell(db.U32(BigDataLayout.SegmentList, "segment list offset"), "big data segment list");
        var segment = Hive.Cell(list.U32(index * 4, "segment offset"), "big data segment");
        return segment.Bytes(0, (int)Math.Min(BigDataSegment, length - start), "segment data");
    }

    private ReadOnlySpan<byte> ReadData(ref byte[]? scratch, out uint type, out int dataLength, bool assemble) =>
        ReadData(Node, ref scratch, out type, out dataLength, assemble);

    private ReadOnlySpan<byte> ReadData(CellReader node, scoped ref byte[]? scratch, out uint type, out int dataLength, bool assemble)
    {
        type = node.U32(ValueKeyLayout.Type, "type");
        var raw = node.U32(ValueKeyLayout.DataSize, "data size");
        var length = (int)(raw & ~ValueKeyLayout.ResidentFlag);
        dataLength = length;
        if ((raw & ValueKeyLayout.ResidentFlag) != 0)
        {
            if (length > 4)
            {
                throw node.Fail($"resident data size {length} is larger than the 4-byte field");
            }

            return node.Bytes(ValueKeyLayout.Data, length, "resident data");
        }

        if (length == 0)
        {
            return [];
        }

        var dataOffset = node.U32(ValueKeyLayout.Data, "data offset");
        var cell = Hive.Cell(dataOffset, "value data");
        if (IsBigData(cell, length))
        {
            return ReadBigData(cell, length, ref scratch, assemble);
        }

        if (length > cell.Length)
        {
            throw cell.Fail($"declared data size {length} exceeds the {cell.Length}-byte data cell");
        }

        return cell.Bytes(0, length, "data");
    }

    /// <summary>
    /// Appends the offsets of the cells that hold this value's data: none when it is resident or empty, the data
    /// cell, or the db cell, its segment list and the segments (what deleting or replacing the value frees).
    /// </summary>
    internal void AppendDataCells(List<uint> into)
    {
        var node = Node;
        var raw = node.U32(ValueKeyLayout.DataSize, "data size");
        var length = (int)(raw & ~ValueKeyLayout.ResidentFlag);
        if ((raw & ValueKeyLayout.ResidentFlag) != 0 || length == 0)
        {
            return;
        }

        var dataOffset = node.U32(ValueKeyLayout.Data, "data offset");
        var cell = Hive.Cell(dataOffset, "value data");
        into.Add(dataOffset);
        if (!IsBigData(cell, length))
        {
            return;
        }

        var count = cell.U16(BigDataLayout.SegmentCount, "segment count");
        var listOffset = cell.U32(BigDataLayout.SegmentList, "segment list offset");
        var list = Hive.Cell(listOffset, "big data segment list");
        into.Add(listOffset);
        for (var i = 0; i < count; i++)
        {
            var segment = list.U32(i * 4, "segment offset");
            _ = Hive.Cell(segment, "big data segment");
            into.Add(segment);
        }
    }

    /// <summary>Whether a data cell is a db (big data) cell: format 1.4+, more than one segment of data, and a db signature.</summary>
    /// <remarks>In a 1.3 hive a large value is one plain cell even if its data starts with "db" (registry.md §1.7).</remarks>
    private bool IsBigData(CellReader cell, int length) =>
        Hive.Header.MinorVersion >= 4 && length > BigDataSegment && cell.HasSignature('d', 'b') && cell.Length < length;

    private ReadOnlySpan<byte> ReadBigData(CellReader db, int length, scoped ref byte[]? scratch, bool assemble)
    {
        // Everything is checked before the buffer is allocated: the declared length comes straight from the vk cell,
        // and segment lists that repeat one segment would otherwise turn a small file into a huge allocation.
        if (length > Hive.HiveBinsSize)
        {
            throw db.Fail($"declared big data size {length} is larger than the 0x{Hive.HiveBinsSize:X}-byte hbin area");
        }

        var count = db.U16(BigDataLayout.SegmentCount, "segment count");
        var needed = (length + BigDataSegment - 1) / BigDataSegment;
        if (count != needed)
        {
            throw db.Fail($"{count} segments, but {length} bytes need exactly {needed} segments of {BigDataSegment} bytes");
        }

        var list = Hive.Cell(db.U32(BigDataLayout.SegmentList, "segment list offset"), "big data segment list");
        if (count * 4 > list.Length)
        {
            throw list.Fail($"{count} segments need {count * 4} bytes but the list cell holds {list.Length}");
        }

        var seen = new HashSet<uint>();
        for (var i = 0; i < count; i++)
        {
            var offset = list.U32(i * 4, "segment offset");
            if (!seen.Add(offset))
            {
                throw list.Fail($"segment {i} (cell 0x{offset:X}) repeats an earlier segment");
            }

            var segment = Hive.Cell(offset, "big data segment");
            var take = Math.Min(BigDataSegment, length - (i * BigDataSegment));
            if (segment.Length < take)
            {
                throw segment.Fail($"big data segment {i} holds {segment.Length} bytes, fewer than the {take} it must carry");
            }
        }

        if (!assemble)
        {
            return [];
        }

        if (scratch is null || scratch.Length < length)
        {
            // Grown by at least half each time, so a walk over many big values of rising size allocates a few times.
            scratch = GC.AllocateUninitializedArray<byte>(Math.Max(length, Math.Min(Hive.HiveBinsSize, (scratch?.Length ?? 0) * 3 / 2)));
        }

        for (var i = 0; i < count; i++)
        {
            var segment = Hive.Cell(list.U32(i * 4, "segment offset"), "big data segment");
            var take = Math.Min(BigDataSegment, length - (i * BigDataSegment));
            segment.Bytes(0, take, "segment data").CopyTo(scratch.AsSpan(i * BigDataSegment));
        }

        return scratch.AsSpan(0, length);
    }

    public override string ToString() => Name;
}

/// <summary>
/// Guards a walk over every value of a hive against shared cells: each vk cell may be reached once, and the value
/// data read in total may not exceed the hbin area (distinct cells cannot hold more). Without it, keys that share a
/// value list, or vk cells that share one large data cell, multiply the work and output without bound.
/// </summary>
internal sealed class ValueWalkGuard(Hive hive)
{
    private readonly ulong[] _seen = new ulong[(hive.HiveBinsSize / 8 / 64) + 1];
    private long _remaining = hive.HiveBinsSize;

    /// <summary>Forgets every value seen and all data charged, for another walk of the same hive.</summary>
    public void Reset()
    {
        Array.Clear(_seen);
        _remaining = hive.HiveBinsSize;
    }

    /// <summary>Records that a vk cell is reached; a second time is a <see cref="HiveFormatException"/>.</summary>
    public void Visit(int vkOffset)
    {
        // An offset outside the hbin area or unaligned is left for Hive.Cell to reject when the vk is read.
        if (vkOffset < 0 || vkOffset % 8 != 0 || vkOffset >= hive.HiveBinsSize)
        {
            return;
        }

        var bit = vkOffset / 8;
        var mask = 1UL << (bit % 64);
        if ((_seen[bit / 64] & mask) != 0)
        {
            throw HiveFormatException.At(Hive.HbinAreaStart + (long)vkOffset, "vk",
                "value is reached twice (a value list or vk cell shared between keys or repeated in a list)");
        }

        _seen[bit / 64] |= mask;
    }

    /// <summary>Counts data read for a value; more than the hbin area in total is a <see cref="HiveFormatException"/>.</summary>
    public void Charge(int vkOffset, int length)
    {
        _remaining -= length;
        if (_remaining < 0)
        {
            throw HiveFormatException.At(Hive.HbinAreaStart + (long)vkOffset, "vk",
                $"value data read so far exceeds the 0x{hive.HiveBinsSize:X}-byte hbin area (data cells shared between values)");
        }
    }
}
