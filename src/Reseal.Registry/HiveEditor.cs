using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Options for <see cref="HiveEditor"/>.</summary>
public sealed record HiveEditOptions
{
    /// <summary>The clock for last-written times (default: the system's).</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>
    /// Edit a dirty hive whose transaction logs were not replayed, as it is on disk. What only the logs held is lost
    /// for good: the written hive is clean, so Windows will ignore those logs.
    /// </summary>
    public bool AllowStale { get; init; }
}

/// <summary>
/// Edits a hive in place, as Windows does: the file's image stays as it is except for the cells an edit touches.
/// New cells go into free cells or a new hbin at the end, freed cells are zeroed and coalesced, subkey lists stay
/// sorted with their lh hashes (or lf hints), data over 16344 bytes goes into big-data (db) cells in format 1.4 and
/// later, and security cells keep exact reference counts. <see cref="Save"/> writes the whole image atomically with
/// both sequence numbers set above every one the hive and its logs used and a fresh checksum, so no log is needed.
/// </summary>
/// <remarks>
/// When the hive's cells cannot be walked (a damaged hbin), in-place editing is unavailable
/// (<see cref="InPlaceUnavailableReason"/>); <see cref="HiveDocument"/> rewrites such a hive compactly instead.
/// </remarks>
public sealed partial class HiveEditor : IRegistryEditTarget<uint>
{
    private readonly Hive _hive;
    private readonly HiveImage _image;
    private readonly CellAllocator? _cells;
    private readonly TimeProvider _time;
    private readonly uint _root;

    private HiveEditor(Hive hive, TimeProvider time)
    {
        _hive = hive;
        _image = hive.ImageStore;
        _time = time;
        _root = hive.Header.RootCellOffset;
        LastSequence = hive.LastSequence;
        _cells = CellAllocator.TryCreate(_image, NowFileTime, out var problem);
        InPlaceUnavailableReason = problem;
    }

    /// <summary>Why this hive cannot be edited in place (its cells cannot be walked), or null when it can.</summary>
    public string? InPlaceUnavailableReason { get; }

    /// <summary>The latest sequence number the hive, its logs or this editor's saves used.</summary>
    public uint LastSequence { get; private set; }

    /// <summary>Whether anything was changed since the editor was opened or last saved.</summary>
    public bool HasChanges { get; private set; }

    /// <summary>A read view of the hive as edited so far.</summary>
    public Hive Hive => _hive;

    /// <summary>
    /// Opens a hive file for editing: reads it whole, replays its logs when it is dirty, and removes the temporary
    /// files a killed write left beside it. Throws <see cref="HiveFormatException"/> for a malformed hive and
    /// <see cref="InvalidOperationException"/> for a stale one (dirty, logs not replayed) unless
    /// <see cref="HiveEditOptions.AllowStale"/>.
    /// </summary>
    public static HiveEditor Open(string path, IReadOnlyList<string>? logPaths = null, HiveEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.RemoveStaleTemps(path);
        return Create(Hive.Open(path, logPaths), options);
    }

    /// <summary>An editor over a copy of <paramref name="hive"/>'s image (the hive itself is not changed).</summary>
    public static HiveEditor FromHive(Hive hive, HiveEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hive);
        return Create(hive.CopyInMemory(), options);
    }

    private static HiveEditor Create(Hive hive, HiveEditOptions? options)
    {
        if (hive.IsStale && options?.AllowStale != true)
        {
            throw new InvalidOperationException(
                "the hive is dirty and its transaction logs were not replayed; open it with its .LOG1/.LOG2 files before editing");
        }

        return new HiveEditor(hive, options?.Time ?? TimeProvider.System);
    }

    /// <summary>Returns whether the key exists.</summary>
    public bool KeyExists(string path) => Find(path, create: false) is not null;

    /// <summary>Creates the key at <paramref name="path"/> and any missing keys along it.</summary>
    public void CreateKey(string path) => _ = Find(path, create: true);

    /// <summary>Deletes the key at a path and everything below it; false when it does not exist. The root stays.</summary>
    public bool DeleteKey(string path)
    {
        if (Find(path, create: false) is not { } key || key.Offset == _root)
        {
            return false;
        }

        DeleteSubtree(key.Parent, key.Offset);
        return true;
    }

    /// <summary>Sets a value (its bytes verbatim, no NUL added), creating the key when missing.</summary>
    public void SetValue(string keyPath, string name, uint type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (RegistryLimits.CheckValueName(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }

        SetValue(Find(keyPath, create: true)!.Value.Offset, name, type, data);
    }

    /// <summary>Deletes a value; false when the key or the value does not exist.</summary>
    public bool DeleteValue(string keyPath, string name) =>
        Find(keyPath, create: false) is { } key && DeleteValue(key.Offset, name);

    uint IRegistryEditTarget<uint>.CreateKey(string path) => Find(path, create: true)!.Value.Offset;

    void IRegistryEditTarget<uint>.SetValue(uint key, string name, uint type, ReadOnlySpan<byte> data) => SetValue(key, name, type, data);

    bool IRegistryEditTarget<uint>.DeleteValue(uint key, string name) => DeleteValue(key, name);

    /// <summary>The complete file image with the base block made clean for the next sequence number.</summary>
    public byte[] ToBytes()
    {
        PrepareBaseBlock(RegfCells.NextSequence(LastSequence));
        return _image.Memory.ToArray();
    }

    /// <summary>
    /// Writes the edited hive through the project's one atomic writer: the image with both sequence numbers set to
    /// the next one and a fresh checksum goes to a new temporary file, is flushed, read back and verified (the same
    /// bytes, a clean hive whose cells walk, and every edit reading back as made), then replaces the file, the old
    /// one kept as <c>.bak</c> unless told not to.
    /// </summary>
    public void Save(string path, HiveSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        RequireInPlace();
        options ??= new HiveSaveOptions();
        var sequence = RegfCells.NextSequence(LastSequence);
        PrepareBaseBlock(sequence);
        var full = Path.GetFullPath(path);
        AtomicFile.Write(full, _image.Memory.Span, new AtomicWriteOptions
        {
            Verify = Verify,
            BackupPath = options.KeepBackup ? options.BackupPath ?? full + ".bak" : null,
        });
        LastSequence = sequence;
        HasChanges = false;
    }

    internal long NowFileTime() => _time.GetUtcNow().ToFileTime();

    /// <summary>Sets the base block for a clean write: both sequence numbers, the primary file type, the hbin area size, the checksum.</summary>
    private void PrepareBaseBlock(uint sequence)
    {
        var header = _image.WritableBaseBlock();
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.PrimarySequence..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.SecondarySequence..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.FileType..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[BaseBlockLayout.HbinsSize..], (uint)_image.HbinsSize);
        HiveHeader.WriteChecksum(header);
    }

    // ---- paths ----

    private readonly record struct KeyRef(uint Offset, uint Parent);

    /// <summary>The key at a path (creating missing keys when asked), or null.</summary>
    /// <remarks>
    /// <c>CurrentControlSet</c> as the first component resolves through <c>Select\Current</c> when the hive has no
    /// such key, as it does for reads: Windows' CurrentControlSet is a link to that control set, not a key on disk.
    /// </remarks>
    private KeyRef? Find(string path, bool create)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (RegistryLimits.CheckKeyPath(path) is { } problem)
        {
            throw new ArgumentException(problem, nameof(path));
        }

        var parts = path.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        var key = new KeyRef(_root, HiveImage.None);
        for (var i = 0; i < parts.Length; i++)
        {
            var child = FindChild(key.Offset, parts[i]);
            if (child is null && i == 0 && NameRules.EqualsIgnoreCase(parts[0], "CurrentControlSet")
                && _hive.ResolveCurrentControlSet() is { } controlSet)
            {
                child = (uint)controlSet.CellOffset;
            }

            if (child is null)
            {
                if (!create)
                {
                    return null;
                }

                RequireInPlace();
                child = AddSubkey(key.Offset, parts[i]);
            }

            key = new KeyRef(child.Value, key.Offset);
        }

        return key;
    }

    private void RequireInPlace()
    {
        if (_cells is null)
        {
            throw new InvalidOperationException($"the hive cannot be edited in place: {InPlaceUnavailableReason}");
        }
    }

    private CellAllocator Cells
    {
        get
        {
            RequireInPlace();
            return _cells!;
        }
    }

    // ---- cells of structures ----

    private RegistryKey Key(uint nk) => new(_hive, (int)nk);

    /// <summary>The payload (after the size field) of an allocated cell, writable.</summary>
    private Span<byte> Payload(uint offset, string structure) => _image.WritableCell(offset, structure)[4..];

    private uint ReadU32(uint cell, int at, string structure) => BinaryPrimitives.ReadUInt32LittleEndian(Payload(cell, structure)[at..]);

    private void WriteU32(uint cell, int at, uint value, string structure) =>
        BinaryPrimitives.WriteUInt32LittleEndian(Payload(cell, structure)[at..], value);

    private void TouchKey(uint nk)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Payload(nk, "nk")[KeyNodeLayout.LastWritten..], NowFileTime());
        HasChanges = true;
    }

    /// <summary>Raises a 32-bit "max length" field of a key node to at least <paramref name="value"/>.</summary>
    private void RaiseMax(uint nk, int field, uint value, uint mask = 0xFFFFFFFF)
    {
        var payload = Payload(nk, "nk");
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(payload[field..]);
        if ((stored & mask) < value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload[field..], (stored & ~mask) | (value & mask));
        }
    }
}
