using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Options for <see cref="HiveDocument.Save"/>.</summary>
public sealed record HiveSaveOptions
{
    /// <summary>Keep the replaced file as a backup (default true).</summary>
    public bool KeepBackup { get; init; } = true;

    /// <summary>Backup path; default is the target path plus ".bak".</summary>
    public string? BackupPath { get; init; }
}

/// <summary>
/// A hive loaded into memory for editing: create keys and values, delete them, then write a whole new, compact,
/// clean hive (sorted lists, exact sk reference counts, one free cell per hbin tail, fresh checksum and sequence).
/// </summary>
public sealed class HiveDocument : IRegistryEditTarget<EditableKey>
{
    private readonly TimeProvider _time;

    private HiveDocument(TimeProvider time, uint minorVersion, uint lastSequence)
    {
        _time = time;
        MinorVersion = minorVersion;
        LastSequence = lastSequence;
        Root = new EditableKey(this, null, "ROOT");
    }

    /// <summary>Format minor version: 5 (lh lists, big data) unless loaded from an older hive.</summary>
    public uint MinorVersion { get; }

    /// <summary>The highest sequence number the source hive or its logs used; the next save writes one above it.</summary>
    public uint LastSequence { get; private set; }

    /// <summary>The root key.</summary>
    public EditableKey Root { get; private set; }

    /// <summary>An empty hive (format 1.5) with a root key of the given name.</summary>
    public static HiveDocument Create(string rootName = "ROOT", TimeProvider? time = null)
    {
        EditableKey.ValidateKeyName(rootName);
        var document = new HiveDocument(time ?? TimeProvider.System, 5, 0);
        document.Root = new EditableKey(document, null, rootName)
        {
            LastWrittenFileTime = document.NowFileTime(),
            Flags = KeyNodeAttributes.HiveEntry | KeyNodeAttributes.NoDelete,
            SecurityDescriptor = DefaultSecurity.Descriptor(),
        };
        return document;
    }

    /// <summary>
    /// Loads a hive for editing. Refuses a dirty hive whose logs were not replayed unless <paramref name="allowStale"/>
    /// (what only the logs held is then lost: the written hive is clean).
    /// </summary>
    public static HiveDocument FromHive(Hive hive, TimeProvider? time = null, bool allowStale = false)
    {
        ArgumentNullException.ThrowIfNull(hive);
        if (hive.IsStale && !allowStale)
        {
            throw new InvalidOperationException(
                "the hive is dirty and its transaction logs were not replayed; open it with its .LOG1/.LOG2 files before editing");
        }

        var document = new HiveDocument(time ?? TimeProvider.System, Math.Max(3, hive.Header.MinorVersion), hive.LastSequence);
        var root = hive.Root;
        document.Root = new EditableKey(document, null, root.Name);
        var visited = new HashSet<int>();
        var values = new ValueWalkGuard(hive);
        var pending = new Stack<(RegistryKey Source, EditableKey Target)>();
        pending.Push((root, document.Root));
        while (pending.Count > 0)
        {
            var (source, target) = pending.Pop();
            if (!visited.Add(source.CellOffset))
            {
                throw HiveFormatException.At(Hive.HbinAreaStart + (long)source.CellOffset, "nk", "key is reached twice (cycle or shared subtree)");
            }

            if (target.Depth > Hive.MaxDepth)
            {
                throw HiveFormatException.At(Hive.HbinAreaStart + (long)source.CellOffset, "nk", $"keys nest deeper than {Hive.MaxDepth} levels");
            }

            CopyKey(source, target, values);
            foreach (var child in source.GetSubkeys())
            {
                pending.Push((child, target.AddLoadedSubkey(child.Name)));
            }
        }

        return document;
    }

    /// <summary>Opens a hive file for editing, replaying logs when it is dirty.</summary>
    public static HiveDocument Open(string path, IReadOnlyList<string>? logPaths = null, TimeProvider? time = null) =>
        FromHive(Hive.Open(path, logPaths), time);

    /// <summary>A key by backslash path (case-insensitive), or null.</summary>
    /// <remarks>
    /// <c>CurrentControlSet</c> as the first component resolves through <c>Select\Current</c> when the hive has no
    /// such key, as it does for reads (Windows' CurrentControlSet is a link to that control set, not a key on disk).
    /// </remarks>
    public EditableKey? GetKey(string path) => Walk(path, create: false);

    /// <summary>Returns the key at a path, creating missing keys along it.</summary>
    public EditableKey CreateKey(string path) => Walk(path, create: true)!;

    private EditableKey? Walk(string path, bool create)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (RegistryLimits.CheckKeyPath(path) is { } problem)
        {
            throw new ArgumentException(problem, nameof(path));
        }

        var key = Root;
        var parts = path.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = key.GetSubkey(parts[i]);
            if (next is null && i == 0 && NameRules.EqualsIgnoreCase(parts[0], "CurrentControlSet"))
            {
                next = CurrentControlSet();
            }

            if (next is null && create)
            {
                next = key.CreateSubkey(parts[i]);
            }

            if (next is null)
            {
                return null;
            }

            key = next;
        }

        return key;
    }

    private EditableKey? CurrentControlSet() =>
        Root.GetSubkey("Select")?.GetValue("Current") is { Data.Length: 4 } current
            ? Root.GetSubkey($"ControlSet{BinaryPrimitives.ReadUInt32LittleEndian(current.Data):D3}")
            : null;

    EditableKey IRegistryEditTarget<EditableKey>.CreateKey(string path) => CreateKey(path);

    void IRegistryEditTarget<EditableKey>.SetValue(EditableKey key, string name, uint type, ReadOnlySpan<byte> data) => key.SetValue(name, type, data);

    bool IRegistryEditTarget<EditableKey>.DeleteValue(EditableKey key, string name) => key.DeleteValue(name);

    /// <summary>Deletes the key at a path and everything below it; false when it does not exist. The root stays.</summary>
    public bool DeleteKey(string path)
    {
        var key = GetKey(path);
        if (key?.Parent is null)
        {
            return false;
        }

        return key.Parent.DeleteSubkey(key.Name);
    }

    /// <summary>Sets a value, creating the key when missing.</summary>
    public void SetValue(string keyPath, string name, uint type, ReadOnlySpan<byte> data) =>
        CreateKey(keyPath).SetValue(name, type, data);

    /// <summary>Deletes a value; false when the key or value does not exist.</summary>
    public bool DeleteValue(string keyPath, string name) => GetKey(keyPath)?.DeleteValue(name) ?? false;

    /// <summary>Serializes to a complete hive file image.</summary>
    public byte[] ToBytes() => HiveWriter.Write(this, RegfCells.NextSequence(LastSequence), NowFileTime());

    /// <summary>
    /// Writes the hive atomically: serialize, re-read and compare with this document, write a temporary file beside
    /// the target, flush it to disk, keep a backup of the old file, then rename over the target.
    /// </summary>
    public void Save(string path, HiveSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        HiveFiles.WriteAtomically(path, ToBytes(), options, written => HiveVerifier.Verify(this, written));
        LastSequence = RegfCells.NextSequence(LastSequence);
    }

    internal long NowFileTime() => _time.GetUtcNow().ToFileTime();

    private static void CopyKey(RegistryKey source, EditableKey target, ValueWalkGuard values)
    {
        target.ClassName = source.ClassName;
        target.LastWrittenFileTime = source.LastWrittenFileTime;
        target.Flags = source.Flags & ~(KeyNodeAttributes.CompressedName | KeyNodeAttributes.Volatile);
        target.AccessBits = source.Node.U32(KeyNodeLayout.AccessBits, "access bits");
        target.SecurityDescriptor = source.GetSecurityDescriptor();
        byte[]? scratch = null;
        foreach (var value in source.GetValues())
        {
            values.Visit(value.CellOffset);
            var data = value.ReadData(ref scratch);
            values.Charge(value.CellOffset, data.Length);
            target.AddLoadedValue(new EditableValue(value.Name, value.RawType, data.ToArray()));
        }
    }
}
