namespace Reseal.Registry;

/// <summary>File-level helpers: finding a hive's transaction logs and writing hive images safely.</summary>
public static class HiveFiles
{
    private static readonly string[] LogSuffixes = [".LOG1", ".LOG2", ".LOG"];

    /// <summary>The transaction logs that exist beside a hive file (<c>X.LOG1</c>, <c>X.LOG2</c>, <c>X.LOG</c>, any case).</summary>
    public static IReadOnlyList<string> FindLogs(string hivePath)
    {
        ArgumentNullException.ThrowIfNull(hivePath);
        var full = Path.GetFullPath(hivePath);
        var directory = Path.GetDirectoryName(full);
        var name = Path.GetFileName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            return [];
        }

        // The pattern lets the enumerator skip every other entry of the directory without making a string of it (a
        // hive kept in a crowded folder); the exact suffix check below still decides. '*' and '?' in the hive's own name
        // only widen the pattern; '\' (possible in a Linux file name) would escape the next character in it, so such a
        // name takes every file. Nothing is skipped: Windows marks a profile's ntuser.dat.LOG1/LOG2 hidden and system,
        // and .NET calls a Linux name starting with '.' hidden; a folder that cannot be listed throws as before.
        var candidates = new EnumerationOptions
        {
            MatchCasing = MatchCasing.CaseInsensitive,
            MatchType = MatchType.Simple,
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
        };
        var pattern = name.Contains('\\', StringComparison.Ordinal) ? "*" : name + ".LOG*";
        return Directory.EnumerateFiles(directory, pattern, candidates)
            .Where(file =>
            {
                var candidate = Path.GetFileName(file);
                return candidate.Length > name.Length
                    && candidate.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                    && LogSuffixes.Contains(candidate[name.Length..], StringComparer.OrdinalIgnoreCase);
            })
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>
    /// Writes a hive image atomically through the project's one writer (<see cref="AtomicFile"/>): the bytes must
    /// load as a clean hive; they go to a new temporary file beside the target, are flushed to disk, read back and
    /// checked, then renamed over the target, the old file kept as a backup unless told not to. On any failure the
    /// target is left byte-identical and no temporary file remains.
    /// </summary>
    public static void WriteAtomically(string path, byte[] image, HiveSaveOptions? options = null, Action<Hive>? verify = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        options ??= new HiveSaveOptions();
        Check(image, verify);
        var full = Path.GetFullPath(path);
        AtomicFile.Write(full, image, new AtomicWriteOptions
        {
            Verify = temp => Check(File.ReadAllBytes(temp), verify),
            BackupPath = options.KeepBackup ? options.BackupPath ?? full + ".bak" : null,
        });
    }

    /// <summary>Removes the temporary files a killed write to this hive left beside it; returns how many.</summary>
    public static int RemoveStaleTemporaryFiles(string path) => AtomicFile.RemoveStaleTemps(path);

    private static void Check(byte[] image, Action<Hive>? verify)
    {
        var hive = Hive.Load(image);
        if (hive.Header.IsDirty)
        {
            throw new InvalidOperationException("refusing to write a hive image that is itself dirty (sequence numbers or checksum)");
        }

        verify?.Invoke(hive);
    }
}
