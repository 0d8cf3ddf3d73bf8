using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Keys: finding, adding to and removing from subkey lists, deleting subtrees, security references.</summary>
public sealed partial class HiveEditor
{
    /// <summary>
    /// Leaves hold at most this many entries: one longer is split in two under an ri. Twice what Windows writes
    /// (<see cref="ListLayout.LeafCapacity"/>), so a leaf Windows filled can take more before it splits.
    /// </summary>
    private const int MaxLeafEntries = 2 * ListLayout.LeafCapacity;

    /// <summary>Lists of more entries than this are looked up by binary search once known to be sorted.</summary>
    private const int LinearLookupLimit = 64;

    private readonly Dictionary<uint, bool> _sortedChildren = [];

    /// <summary>A direct child by name (case-insensitive), or null.</summary>
    private uint? FindChild(uint parent, string name)
    {
        var node = Key(parent).Node;
        var count = node.U32(KeyNodeLayout.SubkeyCount, "subkey count");
        var list = node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
        if (count == 0 || list == HiveImage.None)
        {
            return null;
        }

        if (count <= LinearLookupLimit || !IsSorted(parent))
        {
            // Through the lh hashes or lf hints, entry by entry: right even when a damaged list is out of order.
            return Key(parent).GetSubkey(name) is { } found ? (uint)found.CellOffset : null;
        }

        var leaves = Leaves(list);
        var index = LowerBound(leaves, name);
        if (index < leaves.Total && NameRules.EqualsIgnoreCase(NameAt(leaves, index), name))
        {
            return leaves.EntryAt(this, index);
        }

        return null;
    }

    /// <summary>Whether the children of <paramref name="parent"/> are in Windows' order (checked once, then kept so by the edits).</summary>
    private bool IsSorted(uint parent)
    {
        if (!_sortedChildren.TryGetValue(parent, out var sorted))
        {
            var children = Key(parent).GetSubkeys();
            sorted = true;
            for (var i = 1; i < children.Count && sorted; i++)
            {
                sorted = NameRules.Compare(children[i - 1].Name, children[i].Name) < 0;
            }

            _sortedChildren[parent] = sorted;
        }

        return sorted;
    }

    /// <summary>Creates a child key (flags 0, no values, the parent's security cell) in its sorted place.</summary>
    private uint AddSubkey(uint parent, string name)
    {
        if (name.Length > RegistryLimits.MaxKeyNameLength)
        {
            throw new ArgumentException($"key name \"{name[..16]}…\" is {name.Length} characters long, more than the {RegistryLimits.MaxKeyNameLength} Windows allows", nameof(name));
        }

        var security = Key(parent).Node.U32(KeyNodeLayout.Security, "sk offset");
        var (stored, compressed) = RegfCells.EncodeName(name);
        var nk = Cells.Allocate(RegfCells.KeyNodeLength(stored.Length));
        var fields = new KeyNodeFields(KeyNodeAttributes.None, NowFileTime(), 0, parent, 0, HiveImage.None, 0, HiveImage.None,
            security, HiveImage.None, 0, 0, 0, 0, 0);
        RegfCells.WriteKeyNode(Payload(nk, "nk"), fields, stored, compressed);
        if (security != HiveImage.None)
        {
            AddSecurityReferences(security, 1);
        }

        InsertChild(parent, nk, name);
        var payload = Payload(parent, "nk");
        BinaryPrimitives.WriteUInt32LittleEndian(payload[KeyNodeLayout.SubkeyCount..],
            checked(BinaryPrimitives.ReadUInt32LittleEndian(payload[KeyNodeLayout.SubkeyCount..]) + 1));
        // The low 16 bits are the longest subkey name in bytes; the high 16 bits are flags (registry.md §1.4).
        RaiseMax(parent, KeyNodeLayout.MaxSubkeyNameLength, (uint)name.Length * 2, 0xFFFF);
        TouchKey(parent);
        ExpectChild(parent, name, exists: true);
        return nk;
    }

    /// <summary>Deletes <paramref name="key"/> and everything below it, and removes it from <paramref name="parent"/>'s list.</summary>
    private void DeleteSubtree(uint parent, uint key)
    {
        // Everything is read before anything is freed: a damaged subtree fails here with the image untouched.
        var keys = new List<uint>();
        var cells = new List<uint>();
        var security = new List<uint>();
        var pending = new Stack<(uint Key, int Depth)>([(key, 0)]);
        var seen = new HashSet<uint>();
        while (pending.Count > 0)
        {
            var (current, depth) = pending.Pop();
            if (!seen.Add(current) || depth > RegistryLimits.MaxDepth)
            {
                throw HiveFormatException.At(HiveImage.HbinAreaStart + (long)current, "nk",
                    "key is reached twice or nests deeper than 512 levels below the key being deleted");
            }

            keys.Add(current);
            var subtreeKey = Key(current);
            var node = subtreeKey.Node;
            AppendValueCells(subtreeKey, cells);
            if (node.U32(KeyNodeLayout.Class, "class offset") is var classCell and not HiveImage.None
                && node.U16(KeyNodeLayout.ClassLength, "class length") > 0)
            {
                cells.Add(classCell);
            }

            if (node.U32(KeyNodeLayout.SubkeyList, "subkey list offset") is var list and not HiveImage.None
                && node.U32(KeyNodeLayout.SubkeyCount, "subkey count") > 0)
            {
                var leaves = Leaves(list);
                if (leaves.IsIndexed)
                {
                    cells.Add(list);
                }

                cells.AddRange(leaves.Offsets);
                foreach (var child in subtreeKey.SubkeyOffsets())
                {
                    pending.Push(((uint)child, depth + 1));
                }
            }

            if (node.U32(KeyNodeLayout.Security, "sk offset") is var sk and not HiveImage.None)
            {
                security.Add(sk);
            }

            cells.Add(current);
        }

        var distinct = new HashSet<uint>();
        foreach (var cell in cells)
        {
            if (!distinct.Add(cell))
            {
                throw HiveFormatException.At(HiveImage.HbinAreaStart + (long)cell, "cell",
                    "a cell is shared by two structures of the subtree being deleted; it cannot be deleted in place");
            }
        }

        var name = Key(key).Name;
        RemoveChild(parent, key);
        var payload = Payload(parent, "nk");
        BinaryPrimitives.WriteUInt32LittleEndian(payload[KeyNodeLayout.SubkeyCount..],
            BinaryPrimitives.ReadUInt32LittleEndian(payload[KeyNodeLayout.SubkeyCount..]) - 1);
        TouchKey(parent);
        foreach (var sk in security)
        {
            AddSecurityReferences(sk, -1);
        }

        foreach (var cell in cells)
        {
            Cells.Free(cell);
        }

        foreach (var gone in keys)
        {
            Forget(gone);
        }

        ExpectChild(parent, name, exists: false);
    }

    private static void AppendValueCells(RegistryKey key, List<uint> cells)
    {
        var offsets = new List<int>();
        if (key.AppendValueOffsets(offsets) == 0)
        {
            return;
        }

        cells.Add(key.Node.U32(KeyNodeLayout.ValueList, "value list offset"));
        foreach (var vk in offsets)
        {
            new RegistryValue(key.Hive, vk).AppendDataCells(cells);
            cells.Add((uint)vk);
        }
    }

    /// <summary>Changes an sk cell's reference count; at zero it leaves the ring of sk cells and is freed.</summary>
    private void AddSecurityReferences(uint sk, int change)
    {
        var cell = _hive.Cell(sk, "sk");
        cell.RequireSignature('s', 'k');
        var references = cell.U32(SecurityLayout.ReferenceCount, "reference count");
        var updated = change > 0 ? checked(references + (uint)change) : references - (uint)Math.Min(references, (uint)-change);
        WriteU32(sk, SecurityLayout.ReferenceCount, updated, "sk");
        if (updated != 0 || sk == Key(_root).Node.U32(KeyNodeLayout.Security, "sk offset"))
        {
            return;
        }

        var flink = cell.U32(SecurityLayout.Flink, "flink");
        var blink = cell.U32(SecurityLayout.Blink, "blink");
        if (flink != sk && blink != sk)
        {
            WriteU32(blink, SecurityLayout.Flink, flink, "sk (blink)");
            WriteU32(flink, SecurityLayout.Blink, blink, "sk (flink)");
        }

        Cells.Free(sk);
    }

    // ---- subkey lists ----

    /// <summary>The leaves of a subkey list (the list itself, or an ri's leaves) with their entry counts.</summary>
    private sealed class LeafSet(bool indexed, uint[] offsets, int[] counts)
    {
        public bool IsIndexed { get; } = indexed;

        public uint[] Offsets { get; } = offsets;

        public int[] Counts { get; } = counts;

        public int Total { get; } = counts.Sum();

        /// <summary>The leaf holding global entry <paramref name="index"/> (the last leaf for index == Total) and the index inside it.</summary>
        public (int Leaf, int Index) Locate(int index)
        {
            for (var leaf = 0; leaf < Counts.Length; leaf++)
            {
                if (index < Counts[leaf] || leaf == Counts.Length - 1)
                {
                    return (leaf, index);
                }

                index -= Counts[leaf];
            }

            return (0, index);
        }

        public uint EntryAt(HiveEditor editor, int index)
        {
            var (leaf, at) = Locate(index);
            var cell = editor._hive.Cell(Offsets[leaf], "subkey list");
            return cell.U32(ListLayout.Entries + (at * RegfCells.EntryStride(cell.Span[..2])), "entry");
        }
    }

    private LeafSet Leaves(uint list)
    {
        var cell = _hive.Cell(list, "subkey list");
        if (!cell.HasSignature('r', 'i'))
        {
            RequireLeaf(cell);
            return new LeafSet(false, [list], [cell.U16(ListLayout.Count, "count")]);
        }

        var count = cell.U16(ListLayout.Count, "count");
        var offsets = new uint[count];
        var counts = new int[count];
        for (var i = 0; i < count; i++)
        {
            offsets[i] = cell.U32(ListLayout.Entries + (4 * i), "ri entry");
            var leaf = _hive.Cell(offsets[i], "subkey list (ri leaf)");
            RequireLeaf(leaf);
            counts[i] = leaf.U16(ListLayout.Count, "count");
        }

        return new LeafSet(true, offsets, counts);
    }

    private static void RequireLeaf(CellReader cell)
    {
        if (!cell.HasSignature('l', 'i') && !cell.HasSignature('l', 'f') && !cell.HasSignature('l', 'h'))
        {
            throw cell.Fail("expected a subkey list leaf (li, lf or lh)");
        }

        _ = cell.Bytes(ListLayout.Entries, cell.U16(ListLayout.Count, "count") * RegfCells.EntryStride(cell.Span[..2]), "entries");
    }

    private string NameAt(LeafSet leaves, int index) => Key(leaves.EntryAt(this, index)).Name;

    /// <summary>The first entry whose name sorts after <paramref name="name"/> (binary search, names upcased by code unit).</summary>
    private int LowerBound(LeafSet leaves, string name)
    {
        int lo = 0, hi = leaves.Total;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (NameRules.Compare(NameAt(leaves, mid), name) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Inserts <paramref name="child"/> into its parent's subkey list at its sorted place.</summary>
    private void InsertChild(uint parent, uint child, string name)
    {
        var node = Key(parent).Node;
        var list = node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
        if (list == HiveImage.None || node.U32(KeyNodeLayout.SubkeyCount, "subkey count") == 0)
        {
            var signature = RegfCells.LeafSignature(_hive.Header.MinorVersion);
            var leaf = Cells.Allocate(ListLayout.Entries + RegfCells.EntryStride(signature));
            var payload = Payload(leaf, "subkey list");
            RegfCells.WriteListHeader(payload, signature, 1);
            RegfCells.WriteLeafEntry(payload, signature, 0, child, name);
            WriteU32(parent, KeyNodeLayout.SubkeyList, leaf, "nk");
            _sortedChildren[parent] = true;
            return;
        }

        var leaves = Leaves(list);
        var (index, at) = leaves.Locate(LowerBound(leaves, name));
        var (left, right) = InsertIntoLeaf(leaves.Offsets[index], at, child, name);
        if (!leaves.IsIndexed)
        {
            WriteU32(parent, KeyNodeLayout.SubkeyList, right is null ? left : NewIndex([left, right.Value]), "nk");
            return;
        }

        var updated = leaves.Offsets.ToList();
        updated[index] = left;
        if (right is { } split)
        {
            updated.Insert(index + 1, split);
        }

        WriteIndex(parent, list, updated);
    }

    /// <summary>
    /// Inserts an entry into a leaf, growing it into a new cell when full (by half again, so many inserts stay
    /// linear), or splitting it into two leaves past <see cref="MaxLeafEntries"/>. Returns the leaf (moved or not)
    /// and the right half of a split.
    /// </summary>
    private (uint Leaf, uint? Right) InsertIntoLeaf(uint leaf, int at, uint child, string name)
    {
        var cell = _hive.Cell(leaf, "subkey list");
        var signature = cell.Span[..2].ToArray();
        var stride = RegfCells.EntryStride(signature);
        var count = cell.U16(ListLayout.Count, "count");
        var entries = cell.Bytes(ListLayout.Entries, count * stride, "entries").ToArray();
        var capacity = (cell.Length - ListLayout.Entries) / stride;
        if (count + 1 <= capacity)
        {
            var payload = Payload(leaf, "subkey list");
            entries.AsSpan(at * stride).CopyTo(payload[(ListLayout.Entries + ((at + 1) * stride))..]);
            RegfCells.WriteLeafEntry(payload, signature, at, child, name);
            RegfCells.WriteListHeader(payload, signature, count + 1);
            return (leaf, null);
        }

        // The new entry list, then one or two new cells for it.
        var all = new byte[(count + 1) * stride];
        entries.AsSpan(0, at * stride).CopyTo(all);
        entries.AsSpan(at * stride).CopyTo(all.AsSpan((at + 1) * stride));
        Span<byte> entry = stackalloc byte[ListLayout.Entries + stride];
        RegfCells.WriteLeafEntry(entry, signature, 0, child, name);
        entry[ListLayout.Entries..].CopyTo(all.AsSpan(at * stride));
        Cells.Free(leaf);
        if (count + 1 <= MaxLeafEntries)
        {
            return (NewLeaf(signature, all, Math.Min(MaxLeafEntries, count + 1 + ((count + 1) / 2))), null);
        }

        var half = (count + 1) / 2 * stride;
        return (NewLeaf(signature, all.AsSpan(0, half), 0), NewLeaf(signature, all.AsSpan(half), 0));
    }

    private uint NewLeaf(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> entries, int capacity)
    {
        var stride = RegfCells.EntryStride(signature);
        var count = entries.Length / stride;
        var leaf = Cells.Allocate(ListLayout.Entries + (Math.Max(capacity, count) * stride));
        var payload = Payload(leaf, "subkey list");
        RegfCells.WriteListHeader(payload, signature, count);
        entries.CopyTo(payload[ListLayout.Entries..]);
        return leaf;
    }

    private uint NewIndex(List<uint> leaves)
    {
        var ri = Cells.Allocate(ListLayout.Entries + (4 * leaves.Count));
        var payload = Payload(ri, "subkey list (ri)");
        RegfCells.WriteListHeader(payload, "ri"u8, leaves.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload[(ListLayout.Entries + (4 * i))..], leaves[i]);
        }

        return ri;
    }

    /// <summary>Rewrites an ri with these leaves: in its cell when they fit, else in a new one; none left frees it.</summary>
    private void WriteIndex(uint parent, uint ri, List<uint> leaves)
    {
        if (leaves.Count == 0)
        {
            Cells.Free(ri);
            WriteU32(parent, KeyNodeLayout.SubkeyList, HiveImage.None, "nk");
            return;
        }

        if (ListLayout.Entries + (4 * leaves.Count) > Cells.Capacity(ri))
        {
            Cells.Free(ri);
            WriteU32(parent, KeyNodeLayout.SubkeyList, NewIndex(leaves), "nk");
            return;
        }

        var payload = Payload(ri, "subkey list (ri)");
        RegfCells.WriteListHeader(payload, "ri"u8, leaves.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload[(ListLayout.Entries + (4 * i))..], leaves[i]);
        }
    }

    /// <summary>Removes <paramref name="child"/> from its parent's subkey list, freeing leaves (and the ri) left empty.</summary>
    private void RemoveChild(uint parent, uint child)
    {
        var list = Key(parent).Node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
        var leaves = Leaves(list);
        for (var i = 0; i < leaves.Offsets.Length; i++)
        {
            var cell = _hive.Cell(leaves.Offsets[i], "subkey list");
            var signature = cell.Span[..2].ToArray();
            var stride = RegfCells.EntryStride(signature);
            for (var at = 0; at < leaves.Counts[i]; at++)
            {
                if (cell.U32(ListLayout.Entries + (at * stride), "entry") != child)
                {
                    continue;
                }

                var count = leaves.Counts[i];
                if (count > 1)
                {
                    var payload = Payload(leaves.Offsets[i], "subkey list");
                    payload[(ListLayout.Entries + ((at + 1) * stride))..(ListLayout.Entries + (count * stride))]
                        .CopyTo(payload[(ListLayout.Entries + (at * stride))..]);
                    payload.Slice(ListLayout.Entries + ((count - 1) * stride), stride).Clear();
                    RegfCells.WriteListHeader(payload, signature, count - 1);
                    return;
                }

                Cells.Free(leaves.Offsets[i]);
                if (leaves.IsIndexed)
                {
                    var rest = leaves.Offsets.ToList();
                    rest.RemoveAt(i);
                    WriteIndex(parent, list, rest);
                }
                else
                {
                    WriteU32(parent, KeyNodeLayout.SubkeyList, HiveImage.None, "nk");
                }

                return;
            }
        }

        throw HiveFormatException.At(HiveImage.HbinAreaStart + (long)child, "nk", "key is not in its parent's subkey list");
    }
}
