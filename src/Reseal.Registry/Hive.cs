using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>
/// A registry hive file opened for reading. Parsing is lazy: keys and values are handles into the file's bytes,
/// decoded when asked for, and every offset is checked before it is followed. <see cref="Open"/> reads the whole file
/// into memory; <see cref="OpenLazy"/> reads only the hbins that hold the cells asked for (dispose it when done).
/// </summary>
/// <remarks>
/// Layout after the 4096-byte base block: a run of hbins (see <see cref="HiveImage"/>) holding cells. Cell offsets in
/// the file are relative to the hbin area (file offset 4096); 0xFFFFFFFF means "none".
/// </remarks>
public sealed partial class Hive : IDisposable
{
    internal const int HbinAreaStart = HiveImage.HbinAreaStart;
    internal const uint None = HiveImage.None;

    /// <summary>Deepest key nesting Windows allows; deeper trees are treated as corrupt.</summary>
    public const int MaxDepth = RegistryLimits.MaxDepth;

    private readonly HiveImage _image;
    private readonly List<string> _warnings = [];

    private Hive(HiveImage image, HiveHeader header, bool logsReplayed)
    {
        _image = image;
        Header = header;
        LogsReplayed = logsReplayed;
        var rootOffset = header.RootCellOffset;
        var root = Cell(rootOffset, "nk (root key)");
        root.RequireSignature('n', 'k');
        Root = new RegistryKey(this, (int)rootOffset);
        if ((Root.Flags & KeyNodeAttributes.HiveEntry) == 0)
        {
            _warnings.Add($"root key at file offset 0x{HbinAreaStart + rootOffset:X} lacks the HIVE_ENTRY (0x4) flag");
        }
    }

    /// <summary>The parsed base block (as opened; an in-place edit rewrites it when the hive is written).</summary>
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
    public uint HighestLogSequence => LogSequence ?? 0;

    /// <summary>The highest sequence number seen in the logs, or null when there were none (0 is a valid number).</summary>
    internal uint? LogSequence { get; private init; }

    /// <summary>
    /// The latest sequence number this hive and its logs used, in serial-number order; a write of this hive must use
    /// the next one (<see cref="RegfCells.NextSequence"/>) so Windows ignores those logs (registry.md §1.11 item 1).
    /// </summary>
    internal uint LastSequence
    {
        get
        {
            var last = RegfCells.LaterSequence(Header.PrimarySequence, Header.SecondarySequence);
            return LogSequence is { } logs ? RegfCells.LaterSequence(last, logs) : last;
        }
    }

    /// <summary>The file was dirty and its logs were not replayed, so recent changes may be missing.</summary>
    public bool IsStale => Header.IsDirty && !LogsReplayed;

    /// <summary>Things that are odd but readable (stale dirty hive, missing root flag).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Size of the hbin area in bytes.</summary>
    public int HiveBinsSize => _image.HbinsSize;

    /// <summary>The whole file image, when it is in memory.</summary>
    internal ReadOnlySpan<byte> FileBytes => _image.Bytes;

    internal HiveImage ImageStore => _image;

    /// <summary>The hive file image this view reads (after log replay, the recovered image); read now for a lazy hive.</summary>
    public ReadOnlyMemory<byte> Image => _image.InMemoryImage ? _image.Memory : _image.ReadAll();

    /// <summary>Opens a hive file, reading it whole, and replays the given transaction logs if the hive is dirty.</summary>
    public static Hive Open(string path, IReadOnlyList<string>? logPaths = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ReadFile(path, out var origin, out var length);
        try
        {
            return LoadAt(bytes, origin, length, ReadLogs(logPaths));
        }
        catch (HiveFormatException e)
        {
            throw e.InFile(path);
        }
    }

    /// <summary>
    /// Opens a hive file for lookups that read only what they need: the base block and the 32-byte hbin headers now,
    /// each hbin the first time one of its cells is read. A dirty hive with logs is replayed into memory as
    /// <see cref="Open"/> does. The file stays open until the hive is disposed; dispose it before replacing the file.
    /// </summary>
    public static Hive OpenLazy(string path, IReadOnlyList<string>? logPaths = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            var length = RandomAccess.GetLength(file);
            if (length > Array.MaxLength)
            {
                throw HiveFormatException.At(0, "base block", "file larger than 2 GiB");
            }

            var baseBlock = new byte[(int)Math.Min(length, HiveHeader.Size)];
            var read = 0;
            while (read < baseBlock.Length && RandomAccess.Read(file, baseBlock.AsSpan(read), read) is var n and > 0)
            {
                read += n;
            }

            var header = HiveHeader.Parse(baseBlock.AsSpan(0, read), length);
            if (header.IsDirty && logPaths is { Count: > 0 })
            {
                file.Dispose();
                return Open(path, logPaths);
            }

            var hive = new Hive(HiveImage.OnDemand(file, baseBlock, header), header, logsReplayed: false)
            {
                LogSequence = logPaths is { Count: > 0 } ? LogReplayer.HighestSequence(ReadLogs(logPaths)!) : null,
            };
            hive.AddDirtyWarning();
            return hive;
        }
        catch (HiveFormatException e)
        {
            file.Dispose();
            throw e.InFile(path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Loads a hive from its bytes (which it keeps; do not change them afterwards), replaying logs if dirty.</summary>
    public static Hive Load(byte[] bytes, IReadOnlyList<byte[]>? logs = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return LoadAt(bytes, 0, bytes.Length, logs);
    }

    /// <summary>Loads the hive file held in <paramref name="bytes"/> from <paramref name="origin"/> on.</summary>
    private static Hive LoadAt(byte[] bytes, int origin, int length, IReadOnlyList<byte[]>? logs)
    {
        var file = bytes.AsSpan(origin, length);
        var header = HiveHeader.Parse(file);
        if (header.IsDirty && logs is { Count: > 0 })
        {
            var replay = LogReplayer.Replay(file, logs);
            var replayedHeader = HiveHeader.Parse(replay.Hive);
            var replayed = new Hive(HiveImage.InMemory(replay.Hive, replay.Hive.Length, replayedHeader), replayedHeader, logsReplayed: true)
            {
                LogSequence = LogReplayer.HighestSequence(logs),
            };
            replayed._warnings.AddRange(replay.Notes);
            return replayed;
        }

        var hive = new Hive(HiveImage.InMemory(bytes, origin, length, header), header, logsReplayed: false)
        {
            LogSequence = logs is { Count: > 0 } ? LogReplayer.HighestSequence(logs) : null,
        };
        hive.AddDirtyWarning();
        return hive;
    }

    /// <summary>A hive over an in-memory copy of this one's image (for editing), with what is known about its logs.</summary>
    internal Hive CopyInMemory()
    {
        var bytes = _image.ReadAll();
        var header = HiveHeader.Parse(bytes);
        var copy = new Hive(HiveImage.InMemory(bytes, bytes.Length, header), header, LogsReplayed) { LogSequence = LogSequence };
        copy._warnings.Clear();
        copy._warnings.AddRange(_warnings);
        return copy;
    }

    /// <summary>Closes the file of a hive opened with <see cref="OpenLazy"/>; nothing for one in memory.</summary>
    public void Dispose() => _image.Dispose();

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

    /// <summary>The payload of an allocated cell (after its size field), checked to lie inside one hbin.</summary>
    internal CellReader Cell(uint offset, string structure) => _image.Cell(offset, structure);

    /// <summary>
    /// The cell of a key node or value (how <see cref="RegistryKey"/> and <see cref="RegistryValue"/> open theirs):
    /// allocated, starting with the two-letter signature and at least <paramref name="headerLength"/> bytes long.
    /// </summary>
    internal CellReader Structure(uint offset, string structure, char first, char second, int headerLength, string headerName)
    {
        var r = Cell(offset, structure);
        r.RequireSignature(first, second);
        if (r.Length < headerLength)
        {
            throw r.Fail($"cell of {r.Length} bytes is shorter than the {headerLength}-byte {headerName}");
        }

        return r;
    }

    private void AddDirtyWarning()
    {
        if (Header.IsDirty)
        {
            _warnings.Insert(0, Header.ChecksumValid
                ? $"hive is dirty (sequence numbers {Header.PrimarySequence} ≠ {Header.SecondarySequence}) and no logs were replayed: recent changes may be missing"
                : $"hive is dirty (base block checksum 0x{Header.StoredChecksum:X8} ≠ 0x{Header.ComputedChecksum:X8}) and no logs were replayed");
        }
    }

    private static byte[][]? ReadLogs(IReadOnlyList<string>? logPaths)
    {
        if (logPaths is not { Count: > 0 })
        {
            return null;
        }

        var logs = new byte[logPaths.Count][];
        for (var i = 0; i < logs.Length; i++)
        {
            logs[i] = File.ReadAllBytes(logPaths[i]);
        }

        return logs;
    }

    /// <summary>
    /// Reads a whole file into an array that is not zeroed first (the read fills it); the file is
    /// <paramref name="length"/> bytes from <paramref name="origin"/> on (see <see cref="LargeFileBuffer"/>).
    /// </summary>
    private static byte[] ReadFile(string path, out int origin, out int length)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength > int.MaxValue)
        {
            throw HiveFormatException.At(0, "base block", "file larger than 2 GiB").InFile(path);
        }

        var bytes = LargeFileBuffer.Allocate((int)fileLength, out origin);
        var filled = 0;
        while (filled < fileLength)
        {
            var read = RandomAccess.Read(handle, bytes.AsSpan(origin + filled, (int)fileLength - filled), filled);
            if (read == 0)
            {
                // The file shrank since its length was taken: what was read is the file.
                break;
            }

            filled += read;
        }

        length = filled;
        return bytes;
    }
}
