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

        return Directory.EnumerateFiles(directory)
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
    /// Writes a hive image atomically: the bytes must load as a clean hive; they go to a temporary file beside the
    /// target, are flushed to disk, read back and checked, then the old file is kept as a backup (unless told not to)
    /// and the temporary file is renamed over the target. On any failure the target is left untouched.
    /// </summary>
    public static void WriteAtomically(string path, byte[] image, HiveSaveOptions? options = null, Action<Hive>? verify = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        options ??= new HiveSaveOptions();
        Check(image, verify);

        var full = Path.GetFullPath(path);
        var temp = full + ".reseal-tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(image);
                stream.Flush(flushToDisk: true);
            }

            Check(File.ReadAllBytes(temp), verify);
            if (options.KeepBackup && File.Exists(full))
            {
                File.Copy(full, options.BackupPath ?? full + ".bak", overwrite: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

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
