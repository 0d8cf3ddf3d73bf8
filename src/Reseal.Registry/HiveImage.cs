using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace Reseal.Registry;

/// <summary>
/// The bytes of a hive file and the map of its hbins, behind <see cref="Cell"/>, the one place a cell offset becomes
/// bytes. Either the whole image is in memory (loaded, replayed from logs, or being edited in place), or only the
/// base block is and each hbin is read from the file by a positioned read the first time a cell in it is asked for,
/// so a lookup reads a few pages of an 11.7 MB hive instead of all of it.
/// </summary>
/// <remarks>
/// After the 4096-byte base block comes a run of hbins. Each is <c>hbin</c> · its offset in the hbin area · its size
/// (a multiple of 4096) · reserved · FILETIME @20 · spare @28, then cells up to its end; cells never cross an hbin.
/// A cell is an int32 size (negative = allocated, positive = free, 8-aligned, including the size field) followed by
/// its payload. Every hbin header is walked and checked when the image is opened (32 bytes each), so a cell's hbin is
/// known before its bytes are.
/// </remarks>
internal sealed class HiveImage : IDisposable
{
    internal const int HbinAreaStart = 4096;
    internal const int HbinHeaderSize = 32;
    internal const uint None = 0xFFFFFFFF;
    private const int Page = 4096;

    private byte[] _bytes;
    // Where the file's first byte is in _bytes: 0, except for a file read into a buffer placed so that the image
    // starts on a huge-page boundary (LargeFileBuffer).
    private readonly int _origin;
    private int _length;
    private readonly SafeFileHandle? _file;
    private readonly byte[]?[]? _cache;
    private int[] _startByPage;
    private int[] _endByPage;
    private int _hbinsSize;

    private HiveImage(byte[] bytes, int origin, int length, SafeFileHandle? file, int hbinsSize)
    {
        _bytes = bytes;
        _origin = origin;
        _length = length;
        _file = file;
        _hbinsSize = hbinsSize;
        _startByPage = new int[hbinsSize / Page];
        _endByPage = new int[hbinsSize / Page];
        if (file is not null)
        {
            _cache = new byte[]?[hbinsSize / Page];
        }

        Walk(0);
    }

    /// <summary>An image held entirely in memory (the array is kept; its first <paramref name="length"/> bytes are the file).</summary>
    public static HiveImage InMemory(byte[] bytes, int length, HiveHeader header) =>
        new(bytes, 0, length, null, (int)header.HiveBinsDataSize);

    /// <summary>An image held entirely in memory from <paramref name="origin"/> on in <paramref name="bytes"/> (which is kept).</summary>
    public static HiveImage InMemory(byte[] bytes, int origin, int length, HiveHeader header) =>
        new(bytes, origin, length, null, (int)header.HiveBinsDataSize);

    /// <summary>An image read from <paramref name="file"/> (which it owns) as cells are asked for.</summary>
    public static HiveImage OnDemand(SafeFileHandle file, byte[] baseBlock, HiveHeader header) =>
        new(baseBlock, 0, baseBlock.Length, file, (int)header.HiveBinsDataSize);

    /// <summary>Size of the hbin area in bytes.</summary>
    public int HbinsSize => _hbinsSize;

    /// <summary>How many hbins an on-demand image has read so far (tests check that lookups stay lazy).</summary>
    internal int HbinsRead => _cache?.Count(h => h is not null) ?? 0;

    /// <summary>How many hbins the hive has.</summary>
    internal int HbinCount
    {
        get
        {
            var count = 0;
            for (var start = 0; start < _hbinsSize; start = _endByPage[start / Page])
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>Whether every byte of the file is in memory (so it can be edited).</summary>
    public bool InMemoryImage => _file is null;

    /// <summary>The whole file image: the in-memory bytes, or the file read now (once) for an on-demand image.</summary>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            if (_file is not null)
            {
                throw new InvalidOperationException("an on-demand hive image has no whole-file bytes; load it into memory");
            }

            return _bytes.AsSpan(_origin, _length);
        }
    }

    /// <summary>Length of the file image in bytes.</summary>
    public int Length => _length;

    /// <summary>The in-memory file image (not a copy); in memory only.</summary>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            RequireInMemory();
            return _bytes.AsMemory(_origin, _length);
        }
    }

    /// <summary>The whole file as a new array (for an on-demand image, read from the file now).</summary>
    public byte[] ReadAll()
    {
        if (_file is null)
        {
            return _bytes.AsSpan(_origin, _length).ToArray();
        }

        var length = RandomAccess.GetLength(_file);
        if (length > Array.MaxLength)
        {
            throw HiveFormatException.At(0, "base block", "file larger than 2 GiB");
        }

        return ReadExactly(0, (int)length, "file");
    }

    /// <summary>The payload of an allocated cell (after its size field), checked to lie inside one hbin.</summary>
    public CellReader Cell(uint offset, string structure)
    {
        var (bytes, at, length) = Locate(offset, structure, allocated: true);
        return new CellReader(bytes.AsSpan(at + 4, length - 4), HbinAreaStart + (long)offset, structure);
    }

    /// <summary>The whole cell (size field included) at <paramref name="offset"/>, writable; the image must be in memory.</summary>
    public Span<byte> WritableCell(uint offset, string structure, bool allocated = true)
    {
        RequireInMemory();
        var (bytes, at, length) = Locate(offset, structure, allocated);
        return bytes.AsSpan(at, length);
    }

    /// <summary>Raw bytes of the hbin area at [offset, offset + length), which must lie inside one hbin; in memory only.</summary>
    public Span<byte> WritableRange(int offset, int length)
    {
        RequireInMemory();
        if (offset < 0 || length < 0 || (long)offset + length > _hbinsSize)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"range 0x{offset:X}+{length} is outside the hbin area");
        }

        return _bytes.AsSpan(_origin + HbinAreaStart + offset, length);
    }

    /// <summary>The base block, writable; in memory only.</summary>
    public Span<byte> WritableBaseBlock()
    {
        RequireInMemory();
        return _bytes.AsSpan(_origin, HiveHeader.Size);
    }

    /// <summary>The hbin containing hbin-area offset <paramref name="offset"/>: its start and end.</summary>
    public (int Start, int End) HbinOf(int offset)
    {
        if (offset < 0 || offset >= _hbinsSize)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        return (_startByPage[offset / Page], _endByPage[offset / Page]);
    }

    /// <summary>The bytes of the hbin that starts at <paramref name="start"/> (header included).</summary>
    public ReadOnlySpan<byte> Hbin(int start)
    {
        var end = _endByPage[start / Page];
        return HbinBytes(start, end, out var at).AsSpan(at, end - start);
    }

    /// <summary>Appends an hbin of <paramref name="size"/> bytes (a multiple of 4096) holding one free cell; returns its start.</summary>
    public int AppendHbin(int size, long timestamp)
    {
        RequireInMemory();
        if (size < Page || size % Page != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size));
        }

        var start = _hbinsSize;
        var end = checked(start + size);
        var fileEnd = checked(HbinAreaStart + end);
        if (_origin + (long)fileEnd > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(checked(_origin + fileEnd), (int)Math.Min(Array.MaxLength, (long)_bytes.Length * 3 / 2)));
        }

        // Anything after the old hbin area (a tail of padding or remnants) is overwritten, as Windows does when the
        // hive grows over it.
        var hbin = _bytes.AsSpan(_origin + HbinAreaStart + start, size);
        hbin.Clear();
        RegfCells.WriteHbinHeader(hbin, start, size, timestamp);
        BinaryPrimitives.WriteInt32LittleEndian(hbin[HbinHeaderSize..], size - HbinHeaderSize);

        Array.Resize(ref _startByPage, end / Page);
        Array.Resize(ref _endByPage, end / Page);
        for (var page = start / Page; page < end / Page; page++)
        {
            _startByPage[page] = start;
            _endByPage[page] = end;
        }

        _hbinsSize = end;
        _length = Math.Max(_length, fileEnd);
        return start;
    }

    /// <summary>Drops whatever follows the hbin area (the file then ends with the last hbin).</summary>
    public void TrimToHbins()
    {
        RequireInMemory();
        _length = HbinAreaStart + _hbinsSize;
    }

    public void Dispose() => _file?.Dispose();

    private (byte[] Bytes, int At, int Length) Locate(uint offset, string structure, bool allocated)
    {
        // Every cell read of every walk passes here: the failures are built in BadCell, out of this path.
        if (offset % 8 != 0 || offset >= (uint)_hbinsSize)
        {
            BadCell(offset, structure, allocated, 0, 0);
        }

        var start = (int)offset;
        var hbinStart = _startByPage[start / Page];
        var hbinEnd = _endByPage[start / Page];
        if (start - hbinStart < HbinHeaderSize)
        {
            BadCell(offset, structure, allocated, 0, 0);
        }

        var bytes = HbinBytes(hbinStart, hbinEnd, out var hbinAt);
        var at = hbinAt + (start - hbinStart);
        var raw = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at, 4));
        var length = raw < 0 ? -(long)raw : raw;
        if ((allocated ? raw >= 0 : raw <= 0) || length < 8 || length > hbinEnd - start)
        {
            BadCell(offset, structure, allocated, raw, hbinEnd);
        }

        return (bytes, at, (int)length);
    }

    /// <summary>Throws what is wrong with the cell at <paramref name="offset"/>, which <see cref="Locate"/> refused.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BadCell(uint offset, string structure, bool allocated, int raw, int hbinEnd)
    {
        var fileOffset = HbinAreaStart + (long)offset;
        if (offset == None)
        {
            throw HiveFormatException.At(fileOffset, structure, "cell offset is 0xFFFFFFFF (none) where a cell is required");
        }

        if (offset % 8 != 0 || offset >= (uint)_hbinsSize)
        {
            throw HiveFormatException.At(fileOffset, structure,
                $"cell offset 0x{offset:X} is not 8-aligned inside the 0x{_hbinsSize:X}-byte hbin area");
        }

        if ((int)offset - _startByPage[(int)offset / Page] < HbinHeaderSize)
        {
            throw HiveFormatException.At(fileOffset, structure, $"cell offset 0x{offset:X} points into an hbin header");
        }

        if (allocated && raw >= 0)
        {
            throw HiveFormatException.At(fileOffset, structure, $"cell is free (size field {raw}), not allocated");
        }

        if (!allocated && raw <= 0)
        {
            throw HiveFormatException.At(fileOffset, structure, $"cell is allocated (size field {raw}), not free");
        }

        var length = raw < 0 ? -(long)raw : raw;
        throw HiveFormatException.At(fileOffset, structure,
            $"cell size {length} is smaller than 8 or crosses the end of its hbin at 0x{hbinEnd:X}");
    }

    /// <summary>The array holding the hbin [start, end) and where in it the hbin begins.</summary>
    private byte[] HbinBytes(int start, int end, out int at)
    {
        if (_cache is null)
        {
            at = _origin + HbinAreaStart + start;
            return _bytes;
        }

        at = 0;
        return _cache[start / Page] ??= ReadExactly(HbinAreaStart + (long)start, end - start, "hbin");
    }

    /// <summary>Walks and checks every hbin header from <paramref name="position"/> to the end of the hbin area.</summary>
    private void Walk(int position)
    {
        Span<byte> header = stackalloc byte[HbinHeaderSize];
        while (position < _hbinsSize)
        {
            var fileOffset = HbinAreaStart + position;
            if (_hbinsSize - position < HbinHeaderSize)
            {
                throw HiveFormatException.At(fileOffset, "hbin", "header runs past the end of the hbin area");
            }

            if (_cache is null)
            {
                _bytes.AsSpan(_origin + fileOffset, HbinHeaderSize).CopyTo(header);
            }
            else
            {
                ReadExactly(fileOffset, header, "hbin");
            }

            var r = new CellReader(header, fileOffset, "hbin");
            if (!header[..4].SequenceEqual("hbin"u8))
            {
                throw r.Fail($"expected signature 'hbin', found bytes {Convert.ToHexString(header[..4])}");
            }

            var stored = r.U32(4, "offset");
            var size = r.U32(8, "size");
            if (stored != position)
            {
                throw r.Fail($"stored offset 0x{stored:X} does not match its position 0x{position:X}");
            }

            if (size < Page || size % Page != 0 || size > (uint)(_hbinsSize - position))
            {
                throw r.Fail($"size 0x{size:X} is not a multiple of 4096 that fits in the hbin area (0x{_hbinsSize - position:X} bytes left)");
            }

            var end = position + (int)size;
            for (var page = position / Page; page < end / Page; page++)
            {
                _startByPage[page] = position;
                _endByPage[page] = end;
            }

            position = end;
        }
    }

    private byte[] ReadExactly(long fileOffset, int length, string structure)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(length);
        ReadExactly(fileOffset, buffer, structure);
        return buffer;
    }

    private void ReadExactly(long fileOffset, Span<byte> buffer, string structure)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            int read;
            try
            {
                read = RandomAccess.Read(_file!, buffer[filled..], fileOffset + filled);
            }
            catch (IOException e)
            {
                throw new HiveFormatException($"{structure} at file offset 0x{fileOffset + filled:X}: the file could not be read ({e.Message})", e);
            }

            if (read == 0)
            {
                // The file shrank after it was opened (another program rewrote it in place).
                throw HiveFormatException.At(fileOffset + filled, structure, "the file ends here: it was truncated while being read");
            }

            filled += read;
        }
    }

    private void RequireInMemory()
    {
        if (_file is not null)
        {
            throw new InvalidOperationException("an on-demand hive image cannot be edited; load it into memory");
        }
    }
}
