namespace Reseal.Registry;

// The regf on-disk layout, in one place for the reader, the compact writer and the in-place editor. Offsets are from
// the start of a cell's payload (after its 4-byte size field), which begins with the structure's 2-byte signature.
// Sources: registry.md §1 (msuhanov's regf specification, libregf's format document).

/// <summary>The base block (file offset 0, 4096 bytes).</summary>
internal static class BaseBlockLayout
{
    public const int PrimarySequence = 4;
    public const int SecondarySequence = 8;
    public const int LastWritten = 12;
    public const int MajorVersion = 20;
    public const int MinorVersion = 24;
    public const int FileType = 28;
    public const int Format = 32;
    public const int RootCell = 36;
    public const int HbinsSize = 40;
    public const int ClusteringFactor = 44;
    public const int Flags = 144;
    public const int Checksum = 508;
}

/// <summary>The key node <c>nk</c>.</summary>
internal static class KeyNodeLayout
{
    public const int Flags = 2;
    public const int LastWritten = 4;
    public const int AccessBits = 12;
    public const int Parent = 16;
    public const int SubkeyCount = 20;
    public const int VolatileSubkeyCount = 24;
    public const int SubkeyList = 28;
    public const int VolatileSubkeyList = 32;
    public const int ValueCount = 36;
    public const int ValueList = 40;
    public const int Security = 44;
    public const int Class = 48;
    public const int MaxSubkeyNameLength = 52;
    public const int MaxClassLength = 56;
    public const int MaxValueNameLength = 60;
    public const int MaxValueDataLength = 64;
    public const int WorkVar = 68;
    public const int NameLength = 72;
    public const int ClassLength = 74;
    public const int Name = 76;

    /// <summary>nk flag: the name is stored as Latin-1 (one byte a character).</summary>
    public const ushort CompressedNameFlag = 0x20;
}

/// <summary>The value key <c>vk</c>.</summary>
internal static class ValueKeyLayout
{
    public const int NameLength = 2;
    public const int DataSize = 4;
    public const int Data = 8;
    public const int Type = 12;
    public const int Flags = 16;
    public const int Name = 20;

    /// <summary>Data-size bit: the data (at most 4 bytes) is stored in the data field itself.</summary>
    public const uint ResidentFlag = 0x80000000;

    /// <summary>vk flag: the name is stored as Latin-1.</summary>
    public const ushort CompressedNameFlag = 0x1;
}

/// <summary>Subkey lists <c>li</c>, <c>lf</c>, <c>lh</c> and <c>ri</c>; value lists are bare u32 arrays.</summary>
internal static class ListLayout
{
    public const int Count = 2;
    public const int Entries = 4;

    /// <summary>Bytes per entry in lf and lh leaves (offset + hint or hash); li and ri entries are 4 bytes.</summary>
    public const int HashedEntry = 8;

    /// <summary>
    /// Entries Windows puts in one leaf when it writes a hive: (4096 − 32 − 8) / 8, so the cell fills one 4 KiB hbin
    /// (registry.md §1.5); longer lists are split under an ri.
    /// </summary>
    public const int LeafCapacity = 507;
}

/// <summary>The security cell <c>sk</c>.</summary>
internal static class SecurityLayout
{
    public const int Flink = 4;
    public const int Blink = 8;
    public const int ReferenceCount = 12;
    public const int DescriptorSize = 16;
    public const int Descriptor = 20;
}

/// <summary>The big data cell <c>db</c> (format 1.4 and later, data over <see cref="SegmentSize"/> bytes).</summary>
internal static class BigDataLayout
{
    public const int SegmentCount = 2;
    public const int SegmentList = 4;
    public const int Size = 8;

    /// <summary>Bytes each segment carries (all but the last exactly this many).</summary>
    public const int SegmentSize = 16344;
}
