using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Subkey lists (lf/lh leaves and ri indexes): lookup by name, sorted insert with splitting, removal.</summary>
public sealed partial class HiveEditor
{
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
