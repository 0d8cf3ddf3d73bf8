namespace Reseal.Registry;

/// <summary>Key-node flags (nk @2).</summary>
[Flags]
public enum KeyNodeAttributes : ushort
{
    None = 0,
    Volatile = 0x1,
    HiveExit = 0x2,
    HiveEntry = 0x4,
    NoDelete = 0x8,
    SymbolicLink = 0x10,
    CompressedName = 0x20,
    PredefinedHandle = 0x40,
}

/// <summary>
/// A key in a <see cref="Hive"/>: a handle to its nk cell, decoded on demand.
/// </summary>
/// <remarks>
/// nk cell payload: <c>nk</c> · flags u16 @2 · FILETIME @4 · access bits @12 · parent @16 · subkey count @20 ·
/// volatile count @24 · subkey list @28 · volatile list @32 · value count @36 · value list @40 · sk @44 · class @48 ·
/// max name/class/value-name/value-data sizes @52..@64 · WorkVar @68 · name length u16 @72 · class length u16 @74 ·
/// name @76 (Latin-1 when flag 0x20, else UTF-16LE). The volatile fields mean nothing on disk and are ignored.
/// </remarks>
public readonly struct RegistryKey : IEquatable<RegistryKey>
{
    internal RegistryKey(Hive hive, int cellOffset)
    {
        Hive = hive;
        CellOffset = cellOffset;
    }

    /// <summary>The hive this key belongs to.</summary>
    public Hive Hive { get; }

    /// <summary>Offset of the nk cell in the hbin area.</summary>
    public int CellOffset { get; }

    internal CellReader Node => Hive.Structure((uint)CellOffset, "nk", 'n', 'k', KeyNodeLayout.Name, "key node header");

    /// <summary>The key's name as stored (the root's name is usually meaningless).</summary>
    public string Name
    {
        get
        {
            var raw = RawName(out var compressed);
            return Hive.DecodeName(raw, compressed);
        }
    }

    /// <summary>The stored name bytes and whether they are Latin-1 (else UTF-16LE).</summary>
    internal ReadOnlySpan<byte> RawName(out bool compressed) =>
        Node.StoredName(KeyNodeLayout.Flags, KeyNodeLayout.CompressedNameFlag, KeyNodeLayout.NameLength, KeyNodeLayout.Name, out compressed);

    /// <summary>Appends the vk offsets of this key's value list to <paramref name="into"/>; returns how many.</summary>
    internal int AppendValueOffsets(List<int> into) => AppendValueOffsets(Node, into);

    /// <summary>As <see cref="AppendValueOffsets(List{int})"/>, from this key's nk cell already read.</summary>
    internal int AppendValueOffsets(CellReader node, List<int> into)
    {
        var count = node.U32(KeyNodeLayout.ValueCount, "value count");
        var listOffset = node.U32(KeyNodeLayout.ValueList, "value list offset");
        if (count == 0 || listOffset == Hive.None)
        {
            return 0;
        }

        var list = Hive.Cell(listOffset, "value list");
        if ((ulong)count * 4 > (ulong)list.Length)
        {
            throw list.Fail($"value count {count} needs {(ulong)count * 4} bytes but the list cell holds {list.Length}");
        }

        for (var i = 0; i < (int)count; i++)
        {
            into.Add((int)list.U32(i * 4, "value offset"));
        }

        return (int)count;
    }

    /// <summary>Raw nk flags.</summary>
    public KeyNodeAttributes Flags => (KeyNodeAttributes)Node.U16(KeyNodeLayout.Flags, "flags");

    /// <summary>Last-written time as a raw FILETIME.</summary>
    public long LastWrittenFileTime => (long)Node.U64(KeyNodeLayout.LastWritten, "last-written time");

    /// <summary>Last-written time, or null when the FILETIME is out of range.</summary>
    public DateTimeOffset? LastWritten
    {
        get
        {
            var ft = LastWrittenFileTime;
            return ft is >= 0 and <= 2650467743999999999 ? DateTimeOffset.FromFileTime(ft).ToUniversalTime() : null;
        }
    }

    /// <summary>Number of subkeys the key node declares.</summary>
    public int SubkeyCount => (int)Math.Min(Node.U32(KeyNodeLayout.SubkeyCount, "subkey count"), int.MaxValue);

    /// <summary>Number of values the key node declares.</summary>
    public int ValueCount => (int)Math.Min(Node.U32(KeyNodeLayout.ValueCount, "value count"), int.MaxValue);

    /// <summary>The class name, or null when the key has none.</summary>
    /// <remarks>Class name: its own cell of UTF-16LE bytes, offset at nk @48 and byte length at nk @74.</remarks>
    public string? ClassName
    {
        get
        {
            var node = Node;
            var offset = node.U32(KeyNodeLayout.Class, "class offset");
            var length = node.U16(KeyNodeLayout.ClassLength, "class length");
            if (offset == Hive.None || length == 0)
            {
                return null;
            }

            var cell = Hive.Cell(offset, "class name");
            return Hive.DecodeName(cell.Bytes(0, length, "class name"), compressed: false);
        }
    }

    /// <summary>The self-relative security descriptor from the key's sk cell, or null when it has none.</summary>
    /// <remarks>
    /// sk cell payload: <c>sk</c> · reserved u16 · flink @4 · blink @8 (all sk cells form one circular list) ·
    /// reference count @12 (number of nk cells using it) · descriptor size @16 · SECURITY_DESCRIPTOR_RELATIVE @20.
    /// </remarks>
    public byte[]? GetSecurityDescriptor()
    {
        var offset = Node.U32(KeyNodeLayout.Security, "sk offset");
        if (offset == Hive.None)
        {
            return null;
        }

        var sk = Hive.Cell(offset, "sk");
        sk.RequireSignature('s', 'k');
        var size = sk.U32(SecurityLayout.DescriptorSize, "descriptor size");
        if (size > (uint)sk.Length)
        {
            throw sk.Fail($"descriptor size {size} exceeds the {sk.Length}-byte cell");
        }

        return sk.Bytes(SecurityLayout.Descriptor, (int)size, "descriptor").ToArray();
    }

    /// <summary>The parent key, or null for the root.</summary>
    public RegistryKey? Parent
    {
        get
        {
            if (CellOffset == (int)Hive.Header.RootCellOffset)
            {
                return null;
            }

            var parent = Node.U32(KeyNodeLayout.Parent, "parent offset");
            return parent == Hive.None ? null : new RegistryKey(Hive, (int)parent);
        }
    }

    /// <summary>Subkeys in stored order (which Windows keeps sorted by upcased name).</summary>
    public IReadOnlyList<RegistryKey> GetSubkeys()
    {
        var offsets = SubkeyOffsets();
        var keys = new RegistryKey[offsets.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = new RegistryKey(Hive, offsets[i]);
        }

        return keys;
    }

    internal List<int> SubkeyOffsets()
    {
        var node = Node;
        var list = node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
        var declared = node.U32(KeyNodeLayout.SubkeyCount, "subkey count");
        var offsets = new List<int>((int)Math.Min(declared, 4096));
        if (declared == 0 || list == Hive.None)
        {
            return offsets;
        }

        Hive.CollectSubkeys(list, offsets, Hive.HiveBinsSize / 80);
        return offsets;
    }

    /// <summary>A direct child by name (case-insensitive, through the list's hashes).</summary>
    public RegistryKey? GetSubkey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var node = Node;
        var list = node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
        if (node.U32(KeyNodeLayout.SubkeyCount, "subkey count") == 0 || list == Hive.None)
        {
            return null;
        }

        return Hive.FindSubkey(list, name);
    }

    /// <summary>Values in stored order.</summary>
    public IReadOnlyList<RegistryValue> GetValues()
    {
        var node = Node;
        var count = node.U32(KeyNodeLayout.ValueCount, "value count");
        var listOffset = node.U32(KeyNodeLayout.ValueList, "value list offset");
        if (count == 0 || listOffset == Hive.None)
        {
            return [];
        }

        var list = Hive.Cell(listOffset, "value list");
        if ((ulong)count * 4 > (ulong)list.Length)
        {
            throw list.Fail($"value count {count} needs {(ulong)count * 4} bytes but the list cell holds {list.Length}");
        }

        var values = new RegistryValue[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new RegistryValue(Hive, (int)list.U32(i * 4, "value offset"));
        }

        return values;
    }

    /// <summary>A value by name (case-insensitive); "" or "@" is not special: pass "" for the default value.</summary>
    public RegistryValue? GetValue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var value in GetValues())
        {
            if (NameRules.EqualsIgnoreCase(value.Name, name))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Path from the root, backslash-separated, starting with a backslash ("\" for the root).</summary>
    public string Path
    {
        get
        {
            var names = new List<string>();
            var key = this;
            while (key.Parent is { } parent)
            {
                if (names.Count >= Hive.MaxDepth)
                {
                    throw HiveFormatException.At(Hive.HbinAreaStart + (long)CellOffset, "nk", "parent chain deeper than 512 keys (cycle?)");
                }

                names.Add(key.Name);
                key = parent;
            }

            names.Reverse();
            return "\\" + string.Join('\\', names);
        }
    }

    public bool Equals(RegistryKey other) => ReferenceEquals(Hive, other.Hive) && CellOffset == other.CellOffset;

    public override bool Equals(object? obj) => obj is RegistryKey other && Equals(other);

    public override int GetHashCode() => CellOffset;

    public static bool operator ==(RegistryKey left, RegistryKey right) => left.Equals(right);

    public static bool operator !=(RegistryKey left, RegistryKey right) => !left.Equals(right);

    public override string ToString() => Name;
}
