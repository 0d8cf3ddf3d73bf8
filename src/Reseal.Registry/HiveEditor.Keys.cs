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
}
