using Reseal.Registry;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// The registry of an offline Windows tree: the hive files in <c>%WINDIR%\System32\config</c>, found case-insensitively,
/// read with <see cref="Reseal.Registry.Hive"/> (dirty hives are repaired from their <c>.LOG1/.LOG2</c> files when those
/// exist) and written through <see cref="HiveDocument"/>, which saves a new clean hive atomically and keeps a backup.
/// </summary>
public sealed class OfflineRegistry : IRegistry
{
    private readonly OfflineFiles _files;
    private readonly TimeProvider _time;
    private readonly Dictionary<RegistryHive, (Hive? Hive, OfflineHiveStatus Status)> _loaded = [];
    private readonly Dictionary<RegistryHive, HiveDocument> _documents = [];
    private readonly Dictionary<RegistryHive, string> _backups = [];
    private readonly string? _backupDirectory;
    private readonly Lock _gate = new();

    /// <summary>Creates the registry over a tree's files.</summary>
    public OfflineRegistry(OfflineFiles files, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        _files = files;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The Windows path of a hive file.</summary>
    public static string HivePath(RegistryHive hive) => @"C:\Windows\System32\config\" + RegistryHives.FileName(hive);

    /// <summary>Opens (once) and reports how a hive could be read.</summary>
    public OfflineHiveStatus GetStatus(RegistryHive hive) => Load(hive).Status;

    /// <summary>The opened hive for direct reading, or null when it is missing or unreadable.</summary>
    public Hive? TryGetHive(RegistryHive hive) => Load(hive).Hive;

    /// <inheritdoc/>
    public bool KeyExists(RegistryHive hive, string keyPath) => OpenKey(hive, keyPath) is not null;

    /// <inheritdoc/>
    public RegistryData? GetValue(RegistryHive hive, string keyPath, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = OpenKey(hive, keyPath);
        var value = key is { } k ? Guard(hive, () => k.GetValue(name)) : null;
        return value is { } v ? Convert(hive, v) : null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<NamedRegistryData> GetValues(RegistryHive hive, string keyPath)
    {
        var key = OpenKey(hive, keyPath);
        if (key is not { } k)
        {
            return [];
        }

        return Guard(hive, () => k.GetValues().Select(v => new NamedRegistryData(v.Name, Convert(hive, v))).ToList());
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetSubkeyNames(RegistryHive hive, string keyPath)
    {
        var key = OpenKey(hive, keyPath);
        if (key is not { } k)
        {
            return [];
        }

        return Guard(hive, () => k.GetSubkeys().Select(s => s.Name).ToList());
    }

    /// <inheritdoc/>
    public void SetValue(RegistryHive hive, string keyPath, string name, RegistryData data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        Edit(hive, keyPath, (document, path) =>
        {
            document.CreateKey(path).SetValue(name, data.Type, data.Bytes.AsSpan());
            return true;
        });
    }

    /// <inheritdoc/>
    public bool DeleteValue(RegistryHive hive, string keyPath, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Edit(hive, keyPath, (document, path) => document.DeleteValue(path, name));
    }

    /// <inheritdoc/>
    public void CreateKey(RegistryHive hive, string keyPath) =>
        Edit(hive, keyPath, (document, path) =>
        {
            var existed = document.GetKey(path) is not null;
            document.CreateKey(path);
            return !existed;
        });

    /// <inheritdoc/>
    public bool DeleteKey(RegistryHive hive, string keyPath)
    {
        if (string.IsNullOrEmpty(keyPath?.Trim('\\')))
        {
            throw new ArgumentException("the root key of a hive cannot be deleted", nameof(keyPath));
        }

        return Edit(hive, keyPath, (document, path) => document.DeleteKey(path));
    }

    /// <summary>The key at a path, resolving <c>CurrentControlSet</c> in SYSTEM; throws when the hive cannot be read.</summary>
    internal RegistryKey? OpenKey(RegistryHive hive, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        var loaded = Require(hive);
        return Guard(hive, () => loaded.OpenKey(keyPath));
    }

    private static RegistryData Convert(RegistryHive hive, Reseal.Registry.RegistryValue value) =>
        Guard(hive, () => new RegistryData(value.RawType, value.GetData()));

    /// <summary>Runs a read of a hive, turning a damaged structure into <see cref="HiveUnavailableException"/>.</summary>
    internal static T Guard<T>(RegistryHive hive, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (HiveFormatException e)
        {
            throw new HiveUnavailableException(hive, "damaged: " + e.Message, e);
        }
    }

    private Hive Require(RegistryHive hive)
    {
        var (loaded, status) = Load(hive);
        return loaded ?? throw new HiveUnavailableException(hive, status.Problem ?? "not readable");
    }

    private (Hive? Hive, OfflineHiveStatus Status) Load(RegistryHive hive)
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue(hive, out var entry))
            {
                entry = Open(hive);
                _loaded[hive] = entry;
            }

            return entry;
        }
    }

    private (Hive? Hive, OfflineHiveStatus Status) Open(RegistryHive hive)
    {
        var windowsPath = HivePath(hive);
        string host;
        try
        {
            host = _files.ToHostPath(windowsPath);
        }
        catch (ArgumentException e)
        {
            return (null, new OfflineHiveStatus(hive, null, HiveLoadState.Missing, e.Message, []));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A link that leads outside the tree, or a path that cannot be examined.
            return (null, new OfflineHiveStatus(hive, null, HiveLoadState.Unreadable, e.Message, []));
        }

        if (!File.Exists(host))
        {
            return (null, new OfflineHiveStatus(hive, null, HiveLoadState.Missing, $"{windowsPath} does not exist in the tree", []));
        }

        if (UnixFileStatus.TryGet(host) is { Kind: not UnixFileKind.Regular } notRegular)
        {
            return (null, new OfflineHiveStatus(hive, host, HiveLoadState.Unreadable, $"{windowsPath} is not a regular file ({notRegular.Kind}); refused", []));
        }

        var notes = new List<string>();
        IReadOnlyList<string> logs;
        try
        {
            logs = HiveFiles.FindLogs(host);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logs = [];
            notes.Add("could not list transaction logs: " + e.Message);
        }

        Hive opened;
        try
        {
            opened = Hive.Open(host, logs.Count > 0 ? logs : null);
        }
        catch (HiveFormatException e) when (logs.Count > 0)
        {
            // A damaged log must not hide a readable hive: read the primary file alone, and say why.
            notes.Add($"transaction logs could not be replayed ({e.Message}); reading the hive file alone");
            try
            {
                opened = Hive.Open(host);
            }
            catch (HiveFormatException inner)
            {
                return (null, new OfflineHiveStatus(hive, host, HiveLoadState.Unreadable, $"{windowsPath} is not a readable hive: {inner.Message}", notes));
            }
        }
        catch (HiveFormatException e)
        {
            return (null, new OfflineHiveStatus(hive, host, HiveLoadState.Unreadable, $"{windowsPath} is not a readable hive: {e.Message}", notes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, new OfflineHiveStatus(hive, host, HiveLoadState.Unreadable, $"{windowsPath} could not be read: {e.Message}", notes));
        }

        if (opened.LogsReplayed)
        {
            notes.Add($"dirty hive repaired in memory from {string.Join(", ", logs.Select(Path.GetFileName))}");
        }

        notes.AddRange(opened.Warnings);
        var state = opened.IsStale ? HiveLoadState.Stale : HiveLoadState.Loaded;
        var problem = opened.IsStale
            ? $"{windowsPath} is dirty (sequence numbers {opened.Header.PrimarySequence}/{opened.Header.SecondarySequence}) and has no transaction logs beside it: what is read may miss recent changes"
            : null;
        return (opened, new OfflineHiveStatus(hive, host, state, problem, notes));
    }

    private bool Edit(RegistryHive hive, string keyPath, Func<HiveDocument, string, bool> change)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        lock (_gate)
        {
            var (loaded, status) = Load(hive);
            if (loaded is null || status.HostPath is null)
            {
                throw new HiveUnavailableException(hive, (status.Problem ?? "not readable") + "; nothing was written");
            }

            if (status.State == HiveLoadState.Stale)
            {
                throw new HiveUnavailableException(hive,
                    "is dirty and its transaction logs are missing, so writing it would lose the changes Windows has not yet merged; boot the image once, or copy the .LOG1/.LOG2 files beside it");
            }

            if (!_documents.TryGetValue(hive, out var document))
            {
                document = Guard(hive, () => HiveDocument.FromHive(loaded, _time));
                _documents[hive] = document;
            }

            var path = ResolveControlSet(hive, document, keyPath);
            if (!change(document, path))
            {
                return false;
            }

            // The previous hive is kept, but never inside the image: a SAM.bak beside SAM would carry the old password
            // hashes into every clone. One backup per hive per session (the hive as it was before the first save) goes to
            // a private folder outside the tree.
            try
            {
                if (!_backups.ContainsKey(hive))
                {
                    _backups[hive] = Backup(hive, status.HostPath);
                }

                document.Save(status.HostPath, new HiveSaveOptions { KeepBackup = false });
            }
            catch
            {
                // The failed change stays in the cached document: drop it, so the next edit does not write it.
                _documents.Remove(hive);
                throw;
            }

            var reopened = Hive.Open(status.HostPath);
            _loaded[hive] = (reopened, status with { State = HiveLoadState.Loaded, Problem = null });
            return true;
        }
    }

    /// <summary>
    /// Where the previous version of a hive is kept: outside the tree, in a folder only the current user can read
    /// (created 0700 on Unix; a symlink, or a folder another user owns, is refused). Defaults to
    /// <see cref="DefaultBackupDirectory"/>.
    /// </summary>
    public string BackupDirectory
    {
        // Worked out when the first backup is made, so that opening a tree never depends on a home directory.
        get => _backupDirectory ?? DefaultBackupDirectory();
        init => _backupDirectory = value;
    }

    /// <summary>The backups written in this session, one per hive (the hive as it was before the first save).</summary>
    public IReadOnlyDictionary<RegistryHive, string> Backups
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<RegistryHive, string>(_backups);
            }
        }
    }

    /// <inheritdoc cref="OfflineHiveBackups.DefaultDirectory"/>
    public static string DefaultBackupDirectory() => OfflineHiveBackups.DefaultDirectory();

    private string Backup(RegistryHive hive, string hostPath) =>
        OfflineHiveBackups.Copy(hostPath, OfflineHiveBackups.PrepareDirectory(BackupDirectory, _files.Root), $"{hive}", _time);

    private static string ResolveControlSet(RegistryHive hive, HiveDocument document, string keyPath)
    {
        var parts = keyPath.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        if (hive != RegistryHive.System || parts.Length == 0
            || !parts[0].Equals("CurrentControlSet", StringComparison.OrdinalIgnoreCase)
            || document.GetKey("CurrentControlSet") is not null)
        {
            return string.Join('\\', parts);
        }

        var current = document.GetKey("Select")?.GetValue("Current");
        if (current is null || current.Data.Length != 4)
        {
            throw new HiveUnavailableException(hive, @"has no Select\Current value, so CurrentControlSet cannot be resolved");
        }

        parts[0] = $"ControlSet{System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(current.Data):D3}";
        return string.Join('\\', parts);
    }
}
