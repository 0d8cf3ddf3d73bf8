using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>
/// Allocates and frees cells in an in-memory hive image the way Windows keeps its hbins: a new cell takes the
/// smallest free cell it fits in (split when the rest can still be a cell), or a new hbin appended at the end of the
/// hbin area when none fits; a freed cell is marked free, its payload zeroed (no deleted value's data stays behind
/// in the file) and coalesced with free neighbours, so no two free cells are adjacent (registry.md §1.3).
/// </summary>
internal sealed class CellAllocator
{
    private const int MinimumCell = 8;
    private readonly HiveImage _image;
    private readonly Func<long> _now;
    private readonly SortedSet<(int Size, int Offset)> _bySize = [];
    private readonly Dictionary<int, int> _sizeAt = [];
    private readonly Dictionary<int, int> _startEndingAt = [];

    private CellAllocator(HiveImage image, Func<long> now)
    {
        _image = image;
        _now = now;
    }

    /// <summary>
    /// Indexes the free cells of every hbin; null (with the reason) when an hbin's cells cannot be walked, in which
    /// case the hive cannot be edited in place.
    /// </summary>
    public static CellAllocator? TryCreate(HiveImage image, Func<long> now, out string? problem)
    {
        var allocator = new CellAllocator(image, now);
        for (var start = 0; start < image.HbinsSize;)
        {
            var hbin = image.Hbin(start);
            var at = HiveImage.HbinHeaderSize;
            while (at < hbin.Length)
            {
                var raw = BinaryPrimitives.ReadInt32LittleEndian(hbin[at..]);
                var length = raw < 0 ? -(long)raw : raw;
                if (length < MinimumCell || length % 8 != 0 || at + length > hbin.Length)
                {
                    problem = $"the cell at file offset 0x{HiveImage.HbinAreaStart + start + at:X} has size {raw}, so the cells of its hbin cannot be walked";
                    return null;
                }

                if (raw > 0)
                {
                    allocator.Add(start + at, (int)length);
                }

                at += (int)length;
            }

            start += hbin.Length;
        }

        problem = null;
        return allocator;
    }

    /// <summary>Allocates a cell with room for <paramref name="payload"/> bytes (zeroed); returns its offset.</summary>
    public uint Allocate(int payload)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payload);
        var size = checked((payload + 4 + 7) & ~7);
        var found = _bySize.GetViewBetween((size, int.MinValue), (int.MaxValue, int.MaxValue)).Min;
        if (found.Size == 0)
        {
            // Nothing fits: a new hbin at the end, as large as the cell needs (registry.md §1.11 item 2).
            var hbinSize = Math.Max(4096, checked((size + HiveImage.HbinHeaderSize + 4095) & ~4095));
            var start = _image.AppendHbin(hbinSize, _now());
            Add(start + HiveImage.HbinHeaderSize, hbinSize - HiveImage.HbinHeaderSize);
            found = (hbinSize - HiveImage.HbinHeaderSize, start + HiveImage.HbinHeaderSize);
        }

        Remove(found.Offset, found.Size);
        if (found.Size - size >= MinimumCell)
        {
            var rest = found.Offset + size;
            BinaryPrimitives.WriteInt32LittleEndian(_image.WritableRange(rest, 4), found.Size - size);
            Add(rest, found.Size - size);
        }
        else
        {
            size = found.Size;
        }

        var cell = _image.WritableRange(found.Offset, size);
        BinaryPrimitives.WriteInt32LittleEndian(cell, -size);
        cell[4..].Clear();
        return (uint)found.Offset;
    }

    /// <summary>Frees the allocated cell at <paramref name="offset"/>, zeroing it and merging it with free neighbours.</summary>
    public void Free(uint offset)
    {
        var cell = _image.WritableCell(offset, "cell to free");
        var start = (int)offset;
        var length = cell.Length;
        if (_sizeAt.TryGetValue(start + length, out var next))
        {
            // Free cells never start at an hbin boundary (the hbin header is there), so a free cell right after
            // this one is in the same hbin.
            Remove(start + length, next);
            length += next;
        }

        if (_startEndingAt.TryGetValue(start, out var previous))
        {
            var previousSize = _sizeAt[previous];
            Remove(previous, previousSize);
            start = previous;
            length += previousSize;
        }

        var merged = _image.WritableRange(start, length);
        merged.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(merged, length);
        Add(start, length);
    }

    /// <summary>Payload bytes the allocated cell at <paramref name="offset"/> can hold.</summary>
    public int Capacity(uint offset) => _image.WritableCell(offset, "cell").Length - 4;

    private void Add(int offset, int size)
    {
        _bySize.Add((size, offset));
        _sizeAt[offset] = size;
        _startEndingAt[offset + size] = offset;
    }

    private void Remove(int offset, int size)
    {
        _bySize.Remove((size, offset));
        _sizeAt.Remove(offset);
        _startEndingAt.Remove(offset + size);
    }
}
