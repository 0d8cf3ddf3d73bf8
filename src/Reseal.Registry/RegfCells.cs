using System.Buffers.Binary;
using System.Text;

namespace Reseal.Registry;

/// <summary>The fields of a new key node, as the compact writer and the in-place editor fill them.</summary>
internal readonly record struct KeyNodeFields(
    KeyNodeAttributes Flags,
    long LastWritten,
    uint AccessBits,
    uint Parent,
    uint SubkeyCount,
    uint SubkeyList,
    uint ValueCount,
    uint ValueList,
    uint Security,
    uint Class,
    int ClassLength,
    uint MaxSubkeyName,
    uint MaxClass,
    uint MaxValueName,
    uint MaxValueData);

/// <summary>
/// Writes regf structures into cell payloads (see <see cref="KeyNodeLayout"/> and its siblings): the one encoder the
/// compact writer and the in-place editor share, so both lay out a key, a value or a list the same way.
/// </summary>
internal static class RegfCells
{
    /// <summary>A name as stored: Latin-1 (compressed) when every character fits, else UTF-16LE.</summary>
    public static (byte[] Bytes, bool Compressed) EncodeName(string name) =>
        NameRules.IsLatin1(name) ? (Encoding.Latin1.GetBytes(name), true) : (Encoding.Unicode.GetBytes(name), false);

    /// <summary>Payload length of a key node with a stored name of <paramref name="nameBytes"/> bytes.</summary>
    public static int KeyNodeLength(int nameBytes) => checked(KeyNodeLayout.Name + nameBytes);

    /// <summary>Payload length of a value key with a stored name of <paramref name="nameBytes"/> bytes.</summary>
    public static int ValueKeyLength(int nameBytes) => checked(ValueKeyLayout.Name + nameBytes);

    public static void WriteKeyNode(Span<byte> p, in KeyNodeFields f, ReadOnlySpan<byte> name, bool compressed)
    {
        var flags = f.Flags & ~KeyNodeAttributes.CompressedName;
        if (compressed)
        {
            flags |= KeyNodeAttributes.CompressedName;
        }

        "nk"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[KeyNodeLayout.Flags..], (ushort)flags);
        BinaryPrimitives.WriteInt64LittleEndian(p[KeyNodeLayout.LastWritten..], f.LastWritten);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.AccessBits..], f.AccessBits);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.Parent..], f.Parent);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.SubkeyCount..], f.SubkeyCount);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.VolatileSubkeyCount..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.SubkeyList..], f.SubkeyList);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.VolatileSubkeyList..], HiveImage.None);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.ValueCount..], f.ValueCount);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.ValueList..], f.ValueList);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.Security..], f.Security);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.Class..], f.Class);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.MaxSubkeyNameLength..], f.MaxSubkeyName);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.MaxClassLength..], f.MaxClass);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.MaxValueNameLength..], f.MaxValueName);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.MaxValueDataLength..], f.MaxValueData);
        BinaryPrimitives.WriteUInt32LittleEndian(p[KeyNodeLayout.WorkVar..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(p[KeyNodeLayout.NameLength..], (ushort)name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(p[KeyNodeLayout.ClassLength..], (ushort)f.ClassLength);
        name.CopyTo(p[KeyNodeLayout.Name..]);
    }

    /// <summary>The vk size field and data field for data of <paramref name="length"/> bytes stored in a cell at <paramref name="dataCell"/>.</summary>
    public static (uint Size, uint DataField) ExternalData(int length, uint dataCell) => ((uint)length, dataCell);

    /// <summary>The vk size field and data field for data of at most 4 bytes, stored in the data field itself.</summary>
    /// <remarks>Data shorter than 4 bytes sits at the start of the field (hivex and yarp; registry.md §1.6); empty data is NIL.</remarks>
    public static (uint Size, uint DataField) ResidentData(ReadOnlySpan<byte> data)
    {
        if (data.Length > 4)
        {
            throw new ArgumentException("resident data is at most 4 bytes", nameof(data));
        }

        Span<byte> field = stackalloc byte[4];
        if (data.IsEmpty)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(field, HiveImage.None);
        }
        else
        {
            field.Clear();
            data.CopyTo(field);
        }

        return (ValueKeyLayout.ResidentFlag | (uint)data.Length, BinaryPrimitives.ReadUInt32LittleEndian(field));
    }

    public static void WriteValueKey(Span<byte> p, ReadOnlySpan<byte> name, bool compressed, uint size, uint dataField, uint type)
    {
        "vk"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[ValueKeyLayout.NameLength..], (ushort)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(p[ValueKeyLayout.DataSize..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(p[ValueKeyLayout.Data..], dataField);
        BinaryPrimitives.WriteUInt32LittleEndian(p[ValueKeyLayout.Type..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(p[ValueKeyLayout.Flags..], (ushort)(compressed ? ValueKeyLayout.CompressedNameFlag : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(p[(ValueKeyLayout.Flags + 2)..], 0);
        name.CopyTo(p[ValueKeyLayout.Name..]);
    }

    /// <summary>Signature and count of a subkey list (li, lf, lh or ri).</summary>
    public static void WriteListHeader(Span<byte> p, ReadOnlySpan<byte> signature, int count)
    {
        signature.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[ListLayout.Count..], checked((ushort)count));
    }

    /// <summary>Entry <paramref name="index"/> of a leaf: the nk offset, and for lf/lh the hint or hash of its name.</summary>
    public static void WriteLeafEntry(Span<byte> p, ReadOnlySpan<byte> signature, int index, uint nk, string name)
    {
        var stride = EntryStride(signature);
        var at = ListLayout.Entries + (index * stride);
        BinaryPrimitives.WriteUInt32LittleEndian(p[at..], nk);
        if (stride == ListLayout.HashedEntry)
        {
            var hash = signature.SequenceEqual("lh"u8) ? NameRules.LhHash(name) : NameRules.LfHint(name);
            BinaryPrimitives.WriteUInt32LittleEndian(p[(at + 4)..], hash);
        }
    }

    /// <summary>Bytes per entry of a list with this signature.</summary>
    public static int EntryStride(ReadOnlySpan<byte> signature) =>
        signature.SequenceEqual("lh"u8) || signature.SequenceEqual("lf"u8) ? ListLayout.HashedEntry : 4;

    /// <summary>The leaf signature a new list gets: lh in format 1.5 and later, lf before (registry.md §1.5).</summary>
    public static ReadOnlySpan<byte> LeafSignature(uint minorVersion) => minorVersion >= 5 ? "lh"u8 : "lf"u8;

    public static void WriteSecurity(Span<byte> p, uint references, ReadOnlySpan<byte> descriptor)
    {
        "sk"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[2..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(p[SecurityLayout.ReferenceCount..], references);
        BinaryPrimitives.WriteUInt32LittleEndian(p[SecurityLayout.DescriptorSize..], (uint)descriptor.Length);
        descriptor.CopyTo(p[SecurityLayout.Descriptor..]);
    }

    public static void WriteSecurityLinks(Span<byte> p, uint flink, uint blink)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p[SecurityLayout.Flink..], flink);
        BinaryPrimitives.WriteUInt32LittleEndian(p[SecurityLayout.Blink..], blink);
    }

    /// <summary>Segments a big value of <paramref name="length"/> bytes needs.</summary>
    public static int BigDataSegments(int length) => (length + BigDataLayout.SegmentSize - 1) / BigDataLayout.SegmentSize;

    public static void WriteBigData(Span<byte> p, int segments, uint segmentList)
    {
        "db"u8.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[BigDataLayout.SegmentCount..], checked((ushort)segments));
        BinaryPrimitives.WriteUInt32LittleEndian(p[BigDataLayout.SegmentList..], segmentList);
    }

    /// <summary>An hbin header: signature, its offset in the hbin area, its size, a FILETIME (0 = none).</summary>
    public static void WriteHbinHeader(Span<byte> header, int offset, int size, long timestamp)
    {
        header[..HiveImage.HbinHeaderSize].Clear();
        "hbin"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)offset);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)size);
        BinaryPrimitives.WriteInt64LittleEndian(header[20..], timestamp);
    }

    /// <summary>A clean base block (both sequence numbers equal, type 0, format 1, clustering 1) with its checksum.</summary>
    public static void WriteBaseBlock(Span<byte> header, uint sequence, long timestamp, uint minorVersion, uint root, uint hbinsSize)
    {
        "regf"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.PrimarySequence..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.SecondarySequence..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[BaseBlockLayout.LastWritten..], timestamp);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.MajorVersion..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.MinorVersion..], minorVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.FileType..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.Format..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.RootCell..], root);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.HbinsSize..], hbinsSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.ClusteringFactor..], 1);
        HiveHeader.WriteChecksum(header);
    }

    /// <summary>
    /// The sequence number a write uses after <paramref name="last"/>: one more, wrapping from 0xFFFFFFFF to 0 as
    /// Windows' own counter does (the numbers are compared as serial numbers, so 0 comes after 0xFFFFFFFF).
    /// </summary>
    public static uint NextSequence(uint last) => unchecked(last + 1);

    /// <summary>The later of two sequence numbers in serial-number order (RFC 1982 style, wrapping at 2^32).</summary>
    public static uint LaterSequence(uint a, uint b) => unchecked((int)(a - b)) >= 0 ? a : b;
}
