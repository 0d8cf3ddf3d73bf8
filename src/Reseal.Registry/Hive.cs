using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Reseal.Registry;

/// <summary>
/// A registry hive file opened for reading. Parsing is lazy: keys and values are handles into the file's bytes,
/// decoded when asked for, and every offset is checked before it is followed.
/// </summary>
/// <remarks>
/// Layout after the 4096-byte base block: a run of hbins. Each hbin is <c>hbin</c> · its offset in the hbin area ·
/// its size (a multiple of 4096) · reserved · FILETIME @20 · spare @28, then cells up to its end. A cell is an int32
/// size (negative = allocated, positive = free, 8-aligned, including the size field) followed by its payload.
/// Cell offsets in the file are relative to the hbin area (file offset 4096); 0xFFFFFFFF means "none".
/// </remarks>
public sealed class Hive
{
    internal const int HbinAreaStart = 4096;
    internal const uint None = 0xFFFFFFFF;

    /// <summary>Deepest key nesting Windows allows; deeper trees are treated as corrupt.</summary>
    public const int MaxDepth = 512;

    private readonly byte[] _file;
    private readonly int[] _hbinEndByPage;
    private readonly List<string> _warnings = [];

    private Hive(byte[] file, HiveHeader header, bool logsReplayed)
    {
        _file = file;
        Header = header;
        LogsReplayed = logsReplayed;
        _hbinEndByPage = WalkHbins(file, header);
        var rootOffset = header.RootCellOffset;
        var root = Cell(rootOffset, "nk (root key)");
        root.RequireSignature('n', 'k');
        Root = new RegistryKey(this, (int)rootOffset);
        if ((Root.Flags & KeyNodeAttributes.HiveEntry) == 0)
        {
            _warnings.Add($"root key at file offset 0x{HbinAreaStart + rootOffset:X} lacks the HIVE_ENTRY (0x4) flag");
        }
    }

    /// <summary>The parsed base block.</summary>
    public HiveHeader Header { get; }

    /// <summary>The root key.</summary>
    public RegistryKey Root { get; }

    /// <summary>True when this image was produced by replaying transaction logs into a dirty hive.</summary>
    public bool LogsReplayed { get; }

    /// <summary>
    /// The highest sequence number seen in the transaction logs given to <see cref="Load"/> or <see cref="Open"/>,
    /// applied or not (0 without logs). A hive written from this one must use a higher sequence so Windows ignores
    /// those logs.
    /// </summary>
    public uint HighestLogSequence { get; private init; }

    /// <summary>The file was dirty and its logs were not replayed, so recent changes may be missing.</summary>
    public bool IsStale => Header.IsDirty && !LogsReplayed;

    /// <summary>Things that are odd but readable (stale dirty hive, missing root flag).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Size of the hbin area in bytes.</summary>
    public int HiveBinsSize => (int)Header.HiveBinsDataSize;

    internal ReadOnlySpan<byte> FileBytes => _file;

    /// <summary>The hive file image this view reads (after log replay, the recovered image).</summary>
    public ReadOnlyMemory<byte> Image => _file;

    /// <summary>Opens a hive file, replaying the given transaction logs if the hive is dirty.</summary>
    public static Hive Open(string path, IReadOnlyList<string>? logPaths = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ReadFile(path);
        byte[][]? logs = null;
        if (logPaths is { Count: > 0 })
        {
            logs = new byte[logPaths.Count][];
            for (var i = 0; i < logs.Length; i++)
            {
                logs[i] = File.ReadAllBytes(logPaths[i]);
            }
        }

        try
        {
            return Load(bytes, logs);
        }
        catch (HiveFormatException e)
        {
            throw e.InFile(path);
        }
    }

    /// <summary>Reads a whole file into an array that is not zeroed first (the read fills it).</summary>
    private static byte[] ReadFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue)
        {
            throw HiveFormatException.At(0, "base block", "file larger than 2 GiB");
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        var filled = 0;
        while (filled < bytes.Length)
        {
            var read = RandomAccess.Read(handle, bytes.AsSpan(filled), filled);
            if (read == 0)
            {
                Array.Resize(ref bytes, filled);
                break;
            }

            filled += read;
        }

        return bytes;
    }

    /// <summary>Loads a hive from its bytes (which it keeps; do not change them afterwards), replaying logs if dirty.</summary>
    public static Hive Load(byte[] bytes, IReadOnlyList<byte[]>? logs = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var header = ParseHeaderForOpen(bytes);
        if (header.IsDirty && logs is { Count: > 0 })
        {
            var replay = LogReplayer.Replay(bytes, logs);
            var replayed = new Hive(replay.Hive, HiveHeader.Parse(replay.Hive), logsReplayed: true)
            {
                HighestLogSequence = replay.HighestSequenceSeen,
            };
            replayed._warnings.AddRange(replay.Notes);
            return replayed;
        }

        var hive = new Hive(bytes, header, logsReplayed: false)
        {
            HighestLogSequence = logs is { Count: > 0 } ? LogReplayer.HighestSequence(logs) : 0,
        };
        if (header.IsDirty)
        {
            hive._warnings.Insert(0, header.ChecksumValid
                ? $"hive is dirty (sequence numbers {header.PrimarySequence} ≠ {header.SecondarySequence}) and no logs were replayed: recent changes may be missing"
                : $"hive is dirty (base block checksum 0x{header.StoredChecksum:X8} ≠ 0x{header.ComputedChecksum:X8}) and no logs were replayed");
        }

        return hive;
    }

    private static HiveHeader ParseHeaderForOpen(byte[] bytes)
    {
        if (bytes.LongLength > int.MaxValue)
        {
            throw HiveFormatException.At(0, "base block", "file larger than 2 GiB");
        }

        return HiveHeader.Parse(bytes);
    }

    /// <summary>Finds a key by a backslash-separated path relative to the root, case-insensitively.</summary>
    /// <remarks><c>CurrentControlSet</c> resolves through <c>Select\Current</c> when the hive has no such key.</remarks>
    public RegistryKey? OpenKey(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxDepth)
        {
            return null;
        }

        var key = Root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = key.GetSubkey(parts[i]);
            if (next is null && i == 0 && NameRules.EqualsIgnoreCase(parts[0], "CurrentControlSet"))
            {
                next = ResolveCurrentControlSet();
            }

            if (next is null)
            {
                return null;
            }

            key = next.Value;
        }

        return key;
    }

    /// <summary>The <c>ControlSet00N</c> key that <c>Select\Current</c> names, in a SYSTEM hive.</summary>
    public RegistryKey? ResolveCurrentControlSet()
    {
        var current = Root.GetSubkey("Select")?.GetValue("Current");
        if (current is not { } value || value.DataLength != 4)
        {
            return null;
        }

        var number = BinaryPrimitives.ReadUInt32LittleEndian(value.GetData());
        return Root.GetSubkey($"ControlSet{number:D3}");
    }

    // ---- cells ----

    private static int[] WalkHbins(byte[] file, HiveHeader header)
    {
        var size = (int)header.HiveBinsDataSize;
        var ends = new int[size / 4096];
        var position = 0;
        while (position < size)
        {
            var fileOffset = HbinAreaStart + position;
            if (size - position < 32)
            {
                throw HiveFormatException.At(fileOffset, "hbin", "header runs past the end of the hbin area");
            }

            var r = new CellReader(file.AsSpan(fileOffset, 32), fileOffset, "hbin");
            if (!r.Span[..4].SequenceEqual("hbin"u8))
            {
                throw r.Fail($"expected signature 'hbin', found bytes {Convert.ToHexString(r.Span[..4])}");
            }

            var stored = r.U32(4, "offset");
            var hbinSize = r.U32(8, "size");
            if (stored != position)
            {
                throw r.Fail($"stored offset 0x{stored:X} does not match its position 0x{position:X}");
            }

            if (hbinSize < 4096 || hbinSize % 4096 != 0 || hbinSize > size - position)
            {
                throw r.Fail($"size 0x{hbinSize:X} is not a multiple of 4096 that fits in the hbin area (0x{size - position:X} bytes left)");
            }

            var end = position + (int)hbinSize;
            for (var page = position / 4096; page < end / 4096; page++)
            {
                ends[page] = end;
            }

            position = end;
        }

        return ends;
    }

    /// <summary>The payload of an allocated cell (after its size field), checked to lie inside one hbin.</summary>
    internal CellReader Cell(uint offset, string structure)
    {
        var fileOffset = HbinAreaStart + (long)offset;
        if (offset == None)
        {
            throw HiveFormatException.At(fileOffset, structure, "cell offset is 0xFFFFFFFF (none) where a cell is required");
        }

        if (offset % 8 != 0 || offset >= Header.HiveBinsDataSize)
        {
            throw HiveFormatException.At(fileOffset, structure,
                $"cell offset 0x{offset:X} is not 8-aligned inside the 0x{Header.HiveBinsDataSize:X}-byte hbin area");
        }

        var start = (int)offset;
        var hbinEnd = _hbinEndByPage[start / 4096];
        if (start % 4096 < 32 && IsHbinStart(start - (start % 4096)))
        {
            throw HiveFormatException.At(fileOffset, structure, $"cell offset 0x{offset:X} points into an hbin header");
        }

        var raw = BinaryPrimitives.ReadInt32LittleEndian(_file.AsSpan(HbinAreaStart + start, 4));
        if (raw >= 0)
        {
            throw HiveFormatException.At(fileOffset, structure, $"cell is free (size field {raw}), not allocated");
        }

        var length = -(long)raw;
        if (length < 8 || length > hbinEnd - start)
        {
            throw HiveFormatException.At(fileOffset, structure,
                $"cell size {length} is smaller than 8 or crosses the end of its hbin at 0x{hbinEnd:X}");
        }

        return new CellReader(_file.AsSpan(HbinAreaStart + start + 4, (int)length - 4), fileOffset, structure);
    }

    private bool IsHbinStart(int position)
    {
        var page = position / 4096;
        return page == 0 || _hbinEndByPage[page - 1] == position;
    }

    // ---- names and lists ----

    internal static string DecodeName(ReadOnlySpan<byte> raw, bool compressed)
    {
        if (compressed)
        {
            return Encoding.Latin1.GetString(raw);
        }

        return new string(MemoryMarshal.Cast<byte, char>(raw[..(raw.Length & ~1)]));
    }

    /// <summary>Decodes a stored name into <paramref name="destination"/> (at least raw.Length chars); returns its length.</summary>
    internal static int DecodeNameInto(ReadOnlySpan<byte> raw, bool compressed, Span<char> destination)
    {
        if (compressed)
        {
            for (var i = 0; i < raw.Length; i++)
            {
                destination[i] = (char)raw[i];
            }

            return raw.Length;
        }

        var chars = MemoryMarshal.Cast<byte, char>(raw[..(raw.Length & ~1)]);
        chars.CopyTo(destination);
        return chars.Length;
    }

    /// <summary>Appends the nk offsets of a subkey list (li/lf/lh, or ri of those) to <paramref name="into"/>.</summary>
    /// <remarks>
    /// Subkey list cells: a 2-byte signature and a u16 count, then the entries. <c>li</c>: u32 nk offsets.
    /// <c>lf</c>: u32 nk offset + 4-byte hint (first four name characters as stored, Latin-1, NUL-padded).
    /// <c>lh</c>: u32 nk offset + u32 hash (h = 37·h + c over the upcased UTF-16 units). <c>ri</c>: u32 offsets of
    /// li/lf/lh leaves (no nested ri), together sorted. Windows keeps every list sorted by upcased name.
    /// </remarks>
    internal void CollectSubkeys(uint listOffset, List<int> into, int limit)
    {
        var list = Cell(listOffset, "subkey list");
        if (list.HasSignature('r', 'i'))
        {
            var count = list.U16(2, "count");
            for (var i = 0; i < count; i++)
            {
                var leafOffset = list.U32(checked(4 + (4 * i)), "ri entry");
                var leaf = Cell(leafOffset, "subkey list (ri leaf)");
                if (leaf.HasSignature('r', 'i'))
                {
                    throw leaf.Fail("an ri list contains another ri list (nesting is not allowed)");
                }

                CollectLeaf(leaf, into, limit);
            }
        }
        else
        {
            CollectLeaf(list, into, limit);
        }
    }

    private static void CollectLeaf(CellReader leaf, List<int> into, int limit)
    {
        int stride;
        if (leaf.HasSignature('l', 'h') || leaf.HasSignature('l', 'f'))
        {
            stride = 8;
        }
        else if (leaf.HasSignature('l', 'i'))
        {
            stride = 4;
        }
        else
        {
            throw leaf.Fail("expected a subkey list signature (li, lf, lh or ri)");
        }

        var count = leaf.U16(2, "count");
        if (into.Count + count > limit)
        {
            throw leaf.Fail($"subkey lists hold more entries than the {limit} subkeys the hbin area can contain");
        }

        _ = leaf.Bytes(4, checked(count * stride), "entries");
        for (var i = 0; i < count; i++)
        {
            into.Add((int)leaf.U32(4 + (i * stride), "entry"));
        }
    }

    /// <summary>Looks a child up by name: lh hashes, lf hints, then a name check.</summary>
    internal RegistryKey? FindSubkey(uint listOffset, string name)
    {
        var list = Cell(listOffset, "subkey list");
        if (list.HasSignature('r', 'i'))
        {
            var count = list.U16(2, "count");
            for (var i = 0; i < count; i++)
            {
                var found = FindInLeaf(Cell(list.U32(checked(4 + (4 * i)), "ri entry"), "subkey list (ri leaf)"), name);
                if (found is not null)
                {
                    return found;
                }
            }

            return null;
        }

        return FindInLeaf(list, name);
    }

    private RegistryKey? FindInLeaf(CellReader leaf, string name)
    {
        var count = leaf.U16(2, "count");
        if (leaf.HasSignature('l', 'h'))
        {
            var hash = NameRules.LhHash(name);
            _ = leaf.Bytes(4, count * 8, "entries");
            for (var i = 0; i < count; i++)
            {
                if (leaf.U32(8 + (i * 8), "hash") == hash && NameMatches(leaf.U32(4 + (i * 8), "entry"), name))
                {
                    return new RegistryKey(this, (int)leaf.U32(4 + (i * 8), "entry"));
                }
            }

            return null;
        }

        if (leaf.HasSignature('l', 'f'))
        {
            _ = leaf.Bytes(4, count * 8, "entries");
            for (var i = 0; i < count; i++)
            {
                var hint = leaf.U32(8 + (i * 8), "hint");
                if (HintMayMatch(hint, name) && NameMatches(leaf.U32(4 + (i * 8), "entry"), name))
                {
                    return new RegistryKey(this, (int)leaf.U32(4 + (i * 8), "entry"));
                }
            }

            return null;
        }

        if (leaf.HasSignature('l', 'i'))
        {
            _ = leaf.Bytes(4, count * 4, "entries");
            for (var i = 0; i < count; i++)
            {
                if (NameMatches(leaf.U32(4 + (i * 4), "entry"), name))
                {
                    return new RegistryKey(this, (int)leaf.U32(4 + (i * 4), "entry"));
                }
            }

            return null;
        }

        throw leaf.Fail("expected a subkey list signature (li, lf, lh or ri)");
    }

    private static bool HintMayMatch(uint hint, string name)
    {
        if (hint == 0)
        {
            return true;
        }

        for (var i = 0; i < 4; i++)
        {
            var c = (char)((hint >> (8 * i)) & 0xFF);
            if (i >= name.Length)
            {
                return c == 0;
            }

            if (NameRules.Upcase(c) != NameRules.Upcase(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    private bool NameMatches(uint nkOffset, string name) =>
        NameRules.EqualsIgnoreCase(new RegistryKey(this, (int)nkOffset).Name, name);
}
