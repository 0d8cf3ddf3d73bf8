using System.Buffers.Binary;
using System.Text;

namespace Reseal.Registry;

/// <summary>
/// Serializes a <see cref="HiveDocument"/> into a complete hive file, laid out as registry.md §1.11 asks:
/// root nk first at 0x20; cells 8-aligned and never crossing an hbin; each hbin's unused tail one free cell;
/// hbins of 4 KiB or the multiple of 4 KiB a big cell needs; subkey lists sorted with lh hashes (minor ≥ 5) or lf
/// hints, split into ri lists of 507-entry leaves; one sk per distinct descriptor with exact reference counts in
/// a circular flink/blink ring; data of ≤ 4 bytes resident, empty data NIL, data over 16344 bytes as db segments
/// (minor ≥ 4); base block with equal sequence numbers, sizes and checksum.
/// </summary>
internal sealed class HiveWriter
{
    private readonly HiveDocument _document;
    private readonly Dictionary<string, SecurityCell> _security = new(StringComparer.Ordinal);
    private readonly List<int> _securityOrder = [];
    private byte[] _area = new byte[1 << 16];
    private int _cursor;
    private int _hbinEnd;
    private readonly long _timestamp;

    private HiveWriter(HiveDocument document, long timestamp)
    {
        _document = document;
        _timestamp = timestamp;
    }

    public static byte[] Write(HiveDocument document, uint sequence, long timestamp)
    {
        var writer = new HiveWriter(document, timestamp);
        writer.CountSecurity(document.Root, document.Root.SecurityDescriptor ?? DefaultSecurity.Descriptor(), 0);
        var root = writer.WriteKey(document.Root, Hive.None, document.Root.SecurityDescriptor ?? DefaultSecurity.Descriptor(), 0);
        writer.LinkSecurityRing();
        writer.CloseHbin();

        var size = writer._hbinEnd;
        var file = new byte[checked(HiveHeader.Size + size)];
        writer._area.AsSpan(0, size).CopyTo(file.AsSpan(HiveHeader.Size));
        RegfCells.WriteBaseBlock(file.AsSpan(0, HiveHeader.Size), sequence, timestamp, document.MinorVersion, (uint)root, (uint)size);
        return file;
    }

    // ---- security ----

    private void CountSecurity(EditableKey key, byte[] inherited, int depth)
    {
        if (depth > Hive.MaxDepth)
        {
            throw new InvalidOperationException($"keys nest deeper than {Hive.MaxDepth} levels");
        }

        var descriptor = key.SecurityDescriptor ?? inherited;
        var id = Convert.ToBase64String(descriptor);
        if (!_security.TryGetValue(id, out var cell))
        {
            cell = new SecurityCell(descriptor);
            _security[id] = cell;
        }

        cell.References++;
        foreach (var child in key.Subkeys)
        {
            CountSecurity(child, descriptor, depth + 1);
        }
    }

    private int SecurityOffset(byte[] descriptor)
    {
        var cell = _security[Convert.ToBase64String(descriptor)];
        if (cell.Offset < 0)
        {
            cell.Offset = Allocate(checked(SecurityLayout.Descriptor + descriptor.Length));
            RegfCells.WriteSecurity(Payload(cell.Offset, SecurityLayout.Descriptor + descriptor.Length), (uint)cell.References, descriptor);
            _securityOrder.Add(cell.Offset);
        }

        return cell.Offset;
    }

    private void LinkSecurityRing()
    {
        for (var i = 0; i < _securityOrder.Count; i++)
        {
            var next = _securityOrder[(i + 1) % _securityOrder.Count];
            var previous = _securityOrder[(i - 1 + _securityOrder.Count) % _securityOrder.Count];
            RegfCells.WriteSecurityLinks(Payload(_securityOrder[i], SecurityLayout.ReferenceCount), (uint)next, (uint)previous);
        }
    }

    // ---- keys and values ----

    private int WriteKey(EditableKey key, uint parent, byte[] inheritedSecurity, int depth)
    {
        var (name, compressed) = RegfCells.EncodeName(key.Name);
        var nk = Allocate(RegfCells.KeyNodeLength(name.Length));
        var descriptor = key.SecurityDescriptor ?? inheritedSecurity;
        var sk = SecurityOffset(descriptor);

        var classOffset = Hive.None;
        var classLength = 0;
        if (key.ClassName is { Length: > 0 } className)
        {
            var bytes = Encoding.Unicode.GetBytes(className);
            classLength = bytes.Length;
            classOffset = (uint)Allocate(bytes.Length);
            bytes.CopyTo(Payload((int)classOffset, bytes.Length));
        }

        var maxValueName = 0;
        var maxValueData = 0;
        var valueList = Hive.None;
        if (key.Values.Count > 0)
        {
            var offsets = new int[key.Values.Count];
            for (var i = 0; i < offsets.Length; i++)
            {
                var value = key.Values[i];
                offsets[i] = WriteValue(value);
                maxValueName = Math.Max(maxValueName, value.Name.Length * 2);
                maxValueData = Math.Max(maxValueData, value.Data.Length);
            }

            valueList = (uint)Allocate(checked(4 * offsets.Length));
            var list = Payload((int)valueList, 4 * offsets.Length);
            for (var i = 0; i < offsets.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(list[(4 * i)..], (uint)offsets[i]);
            }
        }

        var maxSubkeyName = 0;
        var maxClass = 0;
        var children = new int[key.Subkeys.Count];
        for (var i = 0; i < children.Length; i++)
        {
            var child = key.Subkeys[i];
            children[i] = WriteKey(child, (uint)nk, descriptor, depth + 1);
            maxSubkeyName = Math.Max(maxSubkeyName, child.Name.Length * 2);
            maxClass = Math.Max(maxClass, (child.ClassName?.Length ?? 0) * 2);
        }

        var subkeyList = children.Length == 0 ? Hive.None : (uint)WriteSubkeyList(key, children);

        var flags = key.Flags & ~(KeyNodeAttributes.CompressedName | KeyNodeAttributes.Volatile | KeyNodeAttributes.HiveEntry);
        if (parent == Hive.None)
        {
            flags |= KeyNodeAttributes.HiveEntry | KeyNodeAttributes.NoDelete;
        }

        var fields = new KeyNodeFields(flags, key.LastWrittenFileTime, key.AccessBits, parent, (uint)children.Length, subkeyList,
            (uint)key.Values.Count, valueList, (uint)sk, classOffset, classLength, (uint)maxSubkeyName, (uint)maxClass,
            (uint)maxValueName, (uint)maxValueData);
        RegfCells.WriteKeyNode(Payload(nk, RegfCells.KeyNodeLength(name.Length)), fields, name, compressed);
        return nk;
    }

    private int WriteSubkeyList(EditableKey key, int[] children)
    {
        var signature = RegfCells.LeafSignature(_document.MinorVersion);
        var leaves = new List<int>();
        for (var start = 0; start < children.Length; start += ListLayout.LeafCapacity)
        {
            var count = Math.Min(ListLayout.LeafCapacity, children.Length - start);
            var length = ListLayout.Entries + (ListLayout.HashedEntry * count);
            var leaf = Allocate(length);
            var p = Payload(leaf, length);
            RegfCells.WriteListHeader(p, signature, count);
            for (var i = 0; i < count; i++)
            {
                RegfCells.WriteLeafEntry(p, signature, i, (uint)children[start + i], key.Subkeys[start + i].Name);
            }

            leaves.Add(leaf);
        }

        if (leaves.Count == 1)
        {
            return leaves[0];
        }

        var ri = Allocate(ListLayout.Entries + (4 * leaves.Count));
        var r = Payload(ri, ListLayout.Entries + (4 * leaves.Count));
        RegfCells.WriteListHeader(r, "ri"u8, leaves.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[(ListLayout.Entries + (4 * i))..], (uint)leaves[i]);
        }

        return ri;
    }

    private int WriteValue(EditableValue value)
    {
        var (name, compressed) = RegfCells.EncodeName(value.Name);
        var vk = Allocate(RegfCells.ValueKeyLength(name.Length));
        var data = value.Data;
        var (size, dataField) = data.Length <= 4
            ? RegfCells.ResidentData(data)
            : RegfCells.ExternalData(data.Length, data.Length > BigDataLayout.SegmentSize && _document.MinorVersion >= 4
                ? (uint)WriteBigData(data)
                : (uint)WriteSingleCell(data));
        RegfCells.WriteValueKey(Payload(vk, RegfCells.ValueKeyLength(name.Length)), name, compressed, size, dataField, value.Type);
        return vk;
    }

    private int WriteSingleCell(byte[] data)
    {
        var cell = Allocate(data.Length);
        data.CopyTo(Payload(cell, data.Length));
        return cell;
    }

    private int WriteBigData(byte[] data)
    {
        var count = RegfCells.BigDataSegments(data.Length);
        if (count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"value of {data.Length} bytes needs more than {ushort.MaxValue} big-data segments");
        }

        var segments = new int[count];
        for (var i = 0; i < count; i++)
        {
            var start = i * BigDataLayout.SegmentSize;
            var length = Math.Min(BigDataLayout.SegmentSize, data.Length - start);
            // Every segment cell is full size, as Windows writes them: readers such as hivex take a segment's
            // length from its cell size (cell − 8), so a short last cell would lose bytes.
            segments[i] = Allocate(BigDataLayout.SegmentSize);
            data.AsSpan(start, length).CopyTo(Payload(segments[i], length));
        }

        var list = Allocate(4 * count);
        var l = Payload(list, 4 * count);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(l[(4 * i)..], (uint)segments[i]);
        }

        var db = Allocate(BigDataLayout.Size);
        RegfCells.WriteBigData(Payload(db, BigDataLayout.Size), count, (uint)list);
        return db;
    }

    // ---- cells and hbins ----

    private int Allocate(int payload)
    {
        var size = checked((payload + 4 + 7) & ~7);
        if (_cursor + (long)size > _hbinEnd)
        {
            CloseHbin();
            OpenHbin(Math.Max(4096, checked((size + 32 + 4095) & ~4095)));
        }

        var offset = _cursor;
        _cursor += size;
        BinaryPrimitives.WriteInt32LittleEndian(_area.AsSpan(offset), -size);
        return offset;
    }

    private Span<byte> Payload(int offset, int length) => _area.AsSpan(offset + 4, length);

    private void OpenHbin(int size)
    {
        var start = _hbinEnd;
        var end = checked(start + size);
        if (end > _area.Length)
        {
            Array.Resize(ref _area, Math.Max(end, checked(_area.Length * 2)));
        }

        RegfCells.WriteHbinHeader(_area.AsSpan(start, HiveImage.HbinHeaderSize), start, size, start == 0 ? _timestamp : 0);
        _area.AsSpan(start + HiveImage.HbinHeaderSize, size - HiveImage.HbinHeaderSize).Clear();
        _cursor = start + HiveImage.HbinHeaderSize;
        _hbinEnd = end;
    }

    private void CloseHbin()
    {
        var remaining = _hbinEnd - _cursor;
        if (remaining > 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_area.AsSpan(_cursor), remaining);
            _cursor = _hbinEnd;
        }
    }

    private sealed class SecurityCell(byte[] descriptor)
    {
        public byte[] Descriptor { get; } = descriptor;

        public int References { get; set; }

        public int Offset { get; set; } = -1;
    }
}
