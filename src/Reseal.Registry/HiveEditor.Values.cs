using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Values: lookup, set (reusing the data cell when the new data fits), delete, and where data is stored.</summary>
public sealed partial class HiveEditor
{
    /// <summary>Keys with more values than this get a name index, so setting many values in one key stays linear.</summary>
    private const int IndexValuesAbove = 32;

    /// <summary>The most data one value can hold here: 65535 big-data segments (the db cell's count is 16 bits).</summary>
    private const int MaxDataLength = ushort.MaxValue * BigDataLayout.SegmentSize;

    private readonly Dictionary<uint, Dictionary<string, uint>> _valueIndexes = [];

    private void SetValue(uint key, string name, uint type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (RegistryLimits.CheckValueName(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }

        if (data.Length > MaxDataLength)
        {
            throw new ArgumentException($"value data of {data.Length} bytes is more than the {MaxDataLength} a hive value can hold", nameof(data));
        }

        RequireInPlace();
        if (FindValue(key, name) is { } existing)
        {
            ReplaceData(existing, type, data);
        }
        else
        {
            AddValue(key, name, type, data);
        }

        RaiseMax(key, KeyNodeLayout.MaxValueDataLength, (uint)data.Length);
        TouchKey(key);
        ExpectValue(key, name, type, data);
    }

    private bool DeleteValue(uint key, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (FindValue(key, name) is not { } vk)
        {
            return false;
        }

        RequireInPlace();
        var cells = new List<uint>();
        new RegistryValue(_hive, (int)vk).AppendDataCells(cells);
        var node = Key(key).Node;
        var count = node.U32(KeyNodeLayout.ValueCount, "value count");
        var list = node.U32(KeyNodeLayout.ValueList, "value list offset");
        var offsets = new List<int>();
        Key(key).AppendValueOffsets(offsets);
        var position = offsets.IndexOf((int)vk);
        if (count == 1)
        {
            Cells.Free(list);
            WriteU32(key, KeyNodeLayout.ValueList, HiveImage.None, "nk");
        }
        else
        {
            // Values keep their order: the entries after it move up one.
            var payload = Payload(list, "value list");
            payload[((position + 1) * 4)..((int)count * 4)].CopyTo(payload[(position * 4)..]);
            payload.Slice(((int)count - 1) * 4, 4).Clear();
        }

        WriteU32(key, KeyNodeLayout.ValueCount, count - 1, "nk");
        foreach (var cell in cells)
        {
            Cells.Free(cell);
        }

        Cells.Free(vk);
        if (_valueIndexes.TryGetValue(key, out var index))
        {
            index.Remove(name);
        }

        TouchKey(key);
        ExpectValue(key, name, null, default);
        return true;
    }

    /// <summary>The value's vk offset, or null.</summary>
    private uint? FindValue(uint key, string name)
    {
        if (_valueIndexes.TryGetValue(key, out var index))
        {
            return index.TryGetValue(name, out var indexed) ? indexed : null;
        }

        var offsets = new List<int>();
        Key(key).AppendValueOffsets(offsets);
        if (offsets.Count > IndexValuesAbove)
        {
            index = new Dictionary<string, uint>(offsets.Count, NameRules.Comparer);
            foreach (var offset in offsets)
            {
                // The first of duplicate names wins, as in the linear search below.
                index.TryAdd(new RegistryValue(_hive, offset).Name, (uint)offset);
            }

            _valueIndexes[key] = index;
            return index.TryGetValue(name, out var vk) ? vk : null;
        }

        foreach (var offset in offsets)
        {
            if (NameRules.EqualsIgnoreCase(new RegistryValue(_hive, offset).Name, name))
            {
                return (uint)offset;
            }
        }

        return null;
    }

    private void AddValue(uint key, string name, uint type, ReadOnlySpan<byte> data)
    {
        var (size, field) = StoreData(data);
        var (stored, compressed) = RegfCells.EncodeName(name);
        var vk = Cells.Allocate(RegfCells.ValueKeyLength(stored.Length));
        RegfCells.WriteValueKey(Payload(vk, "vk"), stored, compressed, size, field, type);

        var node = Key(key).Node;
        var count = node.U32(KeyNodeLayout.ValueCount, "value count");
        var list = node.U32(KeyNodeLayout.ValueList, "value list offset");
        if (count == 0 || list == HiveImage.None)
        {
            count = 0;
            list = Cells.Allocate(4);
        }
        else if ((count + 1) * 4 > (uint)Cells.Capacity(list))
        {
            // A new list with room to spare (half again), so adding many values to one key stays linear.
            var entries = _hive.Cell(list, "value list").Bytes(0, (int)count * 4, "value offsets").ToArray();
            Cells.Free(list);
            list = Cells.Allocate(checked((int)(count + 1 + ((count + 1) / 2)) * 4));
            entries.CopyTo(Payload(list, "value list"));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(Payload(list, "value list")[((int)count * 4)..], vk);
        WriteU32(key, KeyNodeLayout.ValueList, list, "nk");
        WriteU32(key, KeyNodeLayout.ValueCount, count + 1, "nk");
        RaiseMax(key, KeyNodeLayout.MaxValueNameLength, (uint)name.Length * 2);
        if (_valueIndexes.TryGetValue(key, out var index))
        {
            index.TryAdd(name, vk);
        }
    }

    /// <summary>New data for an existing value: in its data cell when both are single cells and it fits, else stored anew.</summary>
    private void ReplaceData(uint vk, uint type, ReadOnlySpan<byte> data)
    {
        var cells = new List<uint>();
        new RegistryValue(_hive, (int)vk).AppendDataCells(cells);
        var single = data.Length > 4 && !IsBig(data.Length);
        if (single && cells.Count == 1 && Cells.Capacity(cells[0]) >= data.Length)
        {
            var payload = Payload(cells[0], "value data");
            data.CopyTo(payload);
            payload[data.Length..].Clear();
            WriteValueFields(vk, (uint)data.Length, cells[0], type);
            return;
        }

        // Freed first, so the new data can take the space the old data leaves.
        foreach (var cell in cells)
        {
            Cells.Free(cell);
        }

        var (size, field) = StoreData(data);
        WriteValueFields(vk, size, field, type);
    }

    private void WriteValueFields(uint vk, uint size, uint field, uint type)
    {
        var payload = Payload(vk, "vk");
        BinaryPrimitives.WriteUInt32LittleEndian(payload[ValueKeyLayout.DataSize..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[ValueKeyLayout.Data..], field);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[ValueKeyLayout.Type..], type);
    }

    private bool IsBig(int length) => length > BigDataLayout.SegmentSize && _hive.Header.MinorVersion >= 4;

    /// <summary>Stores data as Windows does (registry.md §1.6–1.7) and returns the vk's size and data fields.</summary>
    private (uint Size, uint Field) StoreData(ReadOnlySpan<byte> data)
    {
        if (data.Length <= 4)
        {
            return RegfCells.ResidentData(data);
        }

        if (!IsBig(data.Length))
        {
            var cell = Cells.Allocate(data.Length);
            data.CopyTo(Payload(cell, "value data"));
            return RegfCells.ExternalData(data.Length, cell);
        }

        var count = RegfCells.BigDataSegments(data.Length);
        var segments = new uint[count];
        for (var i = 0; i < count; i++)
        {
            // Full-size segment cells, as Windows writes them: some readers take a segment's length from its cell.
            var start = i * BigDataLayout.SegmentSize;
            segments[i] = Cells.Allocate(BigDataLayout.SegmentSize);
            data.Slice(start, Math.Min(BigDataLayout.SegmentSize, data.Length - start)).CopyTo(Payload(segments[i], "big data segment"));
        }

        var list = Cells.Allocate(4 * count);
        var entries = Payload(list, "big data segment list");
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(entries[(4 * i)..], segments[i]);
        }

        var db = Cells.Allocate(BigDataLayout.Size);
        RegfCells.WriteBigData(Payload(db, "db"), count, list);
        return RegfCells.ExternalData(data.Length, db);
    }
}
