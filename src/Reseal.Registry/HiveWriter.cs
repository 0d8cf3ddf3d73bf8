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
    private const int LeafCapacity = 507;
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
        var header = file.AsSpan(0, HiveHeader.Size);
        "regf"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], timestamp);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], document.MinorVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[32..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[36..], (uint)root);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(header[44..], 1);
        HiveHeader.WriteChecksum(header);
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
            cell.Offset = Allocate(checked(20 + descriptor.Length));
            var sk = Payload(cell.Offset, 20 + descriptor.Length);
            "sk"u8.CopyTo(sk);
            BinaryPrimitives.WriteUInt32LittleEndian(sk[12..], (uint)cell.References);
            BinaryPrimitives.WriteUInt32LittleEndian(sk[16..], (uint)descriptor.Length);
            descriptor.CopyTo(sk[20..]);
            _securityOrder.Add(cell.Offset);
        }

        return cell.Offset;
    }

    private void LinkSecurityRing()
    {
        for (var i = 0; i < _securityOrder.Count; i++)
        {
            var sk = Payload(_securityOrder[i], 12);
            var next = _securityOrder[(i + 1) % _securityOrder.Count];
            var previous = _securityOrder[(i - 1 + _securityOrder.Count) % _securityOrder.Count];
            BinaryPrimitives.WriteUInt32LittleEndian(sk[4..], (uint)next);
            BinaryPrimitives.WriteUInt32LittleEndian(sk[8..], (uint)previous);
        }
    }

    // ---- keys and values ----

    private int WriteKey(EditableKey key, uint parent, byte[] inheritedSecurity, int depth)
    {
        var (name, compressed) = EncodeName(key.Name);
        var nk = Allocate(checked(76 + name.Length));
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

        if (compressed)
        {
            flags |= KeyNodeAttributes.CompressedName;
        }

        var p = Payload(nk, 76 + name.Length);
        "nk"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[2..], (ushort)flags);
        BinaryPrimitives.WriteInt64LittleEndian(p[4..], key.LastWrittenFileTime);
        BinaryPrimitives.WriteUInt32LittleEndian(p[12..], key.AccessBits);
        BinaryPrimitives.WriteUInt32LittleEndian(p[16..], parent);
        BinaryPrimitives.WriteUInt32LittleEndian(p[20..], (uint)children.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(p[24..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(p[28..], subkeyList);
        BinaryPrimitives.WriteUInt32LittleEndian(p[32..], Hive.None);
        BinaryPrimitives.WriteUInt32LittleEndian(p[36..], (uint)key.Values.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(p[40..], valueList);
        BinaryPrimitives.WriteUInt32LittleEndian(p[44..], (uint)sk);
        BinaryPrimitives.WriteUInt32LittleEndian(p[48..], classOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(p[52..], (uint)maxSubkeyName);
        BinaryPrimitives.WriteUInt32LittleEndian(p[56..], (uint)maxClass);
        BinaryPrimitives.WriteUInt32LittleEndian(p[60..], (uint)maxValueName);
        BinaryPrimitives.WriteUInt32LittleEndian(p[64..], (uint)maxValueData);
        BinaryPrimitives.WriteUInt16LittleEndian(p[72..], (ushort)name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(p[74..], (ushort)classLength);
        name.CopyTo(p[76..]);
        return nk;
    }

    private int WriteSubkeyList(EditableKey key, int[] children)
    {
        var useHash = _document.MinorVersion >= 5;
        var leaves = new List<int>();
        for (var start = 0; start < children.Length; start += LeafCapacity)
        {
            var count = Math.Min(LeafCapacity, children.Length - start);
            var leaf = Allocate(4 + (8 * count));
            var p = Payload(leaf, 4 + (8 * count));
            (useHash ? "lh"u8 : "lf"u8).CopyTo(p);
            BinaryPrimitives.WriteUInt16LittleEndian(p[2..], (ushort)count);
            for (var i = 0; i < count; i++)
            {
                var name = key.Subkeys[start + i].Name;
                BinaryPrimitives.WriteUInt32LittleEndian(p[(4 + (8 * i))..], (uint)children[start + i]);
                BinaryPrimitives.WriteUInt32LittleEndian(p[(8 + (8 * i))..], useHash ? NameRules.LhHash(name) : NameRules.LfHint(name));
            }

            leaves.Add(leaf);
        }

        if (leaves.Count == 1)
        {
            return leaves[0];
        }

        var ri = Allocate(4 + (4 * leaves.Count));
        var r = Payload(ri, 4 + (4 * leaves.Count));
        "ri"u8.CopyTo(r);
        BinaryPrimitives.WriteUInt16LittleEndian(r[2..], (ushort)leaves.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[(4 + (4 * i))..], (uint)leaves[i]);
        }

        return ri;
    }

    private int WriteValue(EditableValue value)
    {
        var (name, compressed) = EncodeName(value.Name);
        var vk = Allocate(checked(20 + name.Length));
        var data = value.Data;
        uint size;
        uint dataField;
        if (data.Length <= 4)
        {
            size = 0x80000000u | (uint)data.Length;
            Span<byte> inline = stackalloc byte[4];
            if (data.Length == 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(inline, Hive.None);
            }
            else
            {
                data.CopyTo(inline);
            }

            dataField = BinaryPrimitives.ReadUInt32LittleEndian(inline);
        }
        else if (data.Length > RegistryValue.BigDataSegment && _document.MinorVersion >= 4)
        {
            size = (uint)data.Length;
            dataField = (uint)WriteBigData(data);
        }
        else
        {
            size = (uint)data.Length;
            dataField = (uint)Allocate(data.Length);
            data.CopyTo(Payload((int)dataField, data.Length));
        }

        var p = Payload(vk, 20 + name.Length);
        "vk"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[2..], (ushort)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(p[8..], dataField);
        BinaryPrimitives.WriteUInt32LittleEndian(p[12..], value.Type);
        BinaryPrimitives.WriteUInt16LittleEndian(p[16..], (ushort)(compressed ? 1 : 0));
        name.CopyTo(p[20..]);
        return vk;
    }

    private int WriteBigData(byte[] data)
    {
        var count = (data.Length + RegistryValue.BigDataSegment - 1) / RegistryValue.BigDataSegment;
        if (count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"value of {data.Length} bytes needs more than {ushort.MaxValue} big-data segments");
        }

        var segments = new int[count];
        for (var i = 0; i < count; i++)
        {
            var start = i * RegistryValue.BigDataSegment;
            var length = Math.Min(RegistryValue.BigDataSegment, data.Length - start);
            // Every segment cell is full size, as Windows writes them: readers such as hivex take a segment's
            // length from its cell size (cell − 8), so a short last cell would lose bytes.
            segments[i] = Allocate(RegistryValue.BigDataSegment);
            data.AsSpan(start, length).CopyTo(Payload(segments[i], length));
        }

        var list = Allocate(4 * count);
        var l = Payload(list, 4 * count);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(l[(4 * i)..], (uint)segments[i]);
        }

        var db = Allocate(8);
        var d = Payload(db, 8);
        "db"u8.CopyTo(d);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], (ushort)count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], (uint)list);
        return db;
    }

    private static (byte[] Bytes, bool Compressed) EncodeName(string name) =>
        NameRules.IsLatin1(name) ? (Encoding.Latin1.GetBytes(name), true) : (Encoding.Unicode.GetBytes(name), false);

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

        var header = _area.AsSpan(start, 32);
        header.Clear();
        "hbin"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)start);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)size);
        if (start == 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(header[20..], _timestamp);
        }

        _area.AsSpan(start + 32, size - 32).Clear();
        _cursor = start + 32;
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
