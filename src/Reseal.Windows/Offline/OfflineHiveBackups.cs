namespace Reseal.Windows.Offline;

/// <summary>
/// Where <see cref="OfflineRegistry"/> keeps a hive as it was before its first save: outside the tree (a backup inside
/// would be captured with the image), in a folder only the current user can read.
/// </summary>
internal static class OfflineHiveBackups
{
    /// <summary>
    /// The per-user backup folder: <c>$XDG_STATE_HOME/reseal/hive-backups</c> (or <c>~/.local/state/reseal/hive-backups</c>)
    /// on Unix, <c>%LOCALAPPDATA%\Reseal\hive-backups</c> on Windows.
    /// </summary>
    public static string DefaultDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
                "Reseal", "hive-backups");
        }

        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !Path.IsPathFullyQualified(state))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(home))
            {
                throw new InvalidOperationException("no home directory to keep hive backups in; pass a backup directory");
            }

            state = Path.Combine(home, ".local", "state");
        }

        return Path.Combine(state, "reseal", "hive-backups");
    }

    /// <summary>Copies the hive file (flushed, readable by the current user only) into the folder; returns the copy's path.</summary>
    public static string Copy(string hostPath, string directory, string hiveName, TimeProvider time)
    {
        var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var target = Path.Combine(directory, $"{hiveName}-{stamp}-{Guid.NewGuid():N}.hive");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var source = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        using (var copy = new FileStream(target, options))
        {
            source.CopyTo(copy);
            copy.Flush(flushToDisk: true);
        }

        return target;
    }

    /// <summary>
    /// Creates (0700 on Unix) or checks the backup folder: it must not be a link, must be a directory the current user
    /// owns (on Unix, setting its mode to 0700 fails for anyone else), and must lie outside the tree.
    /// </summary>
    public static string PrepareDirectory(string directory, string treeRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(treeRoot));
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (full.Equals(root, comparison) || full.StartsWith(root + Path.DirectorySeparatorChar, comparison))
        {
            throw new IOException($"refusing to keep hive backups inside the Windows tree ({full}): they would be captured with the image");
        }

        var info = new DirectoryInfo(full);
        if (info.LinkTarget is not null || (info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint)))
        {
            throw new IOException($"refusing the hive backup folder {full}: it is a link");
        }

        if (File.Exists(full))
        {
            throw new IOException($"refusing the hive backup folder {full}: it is a file");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return full;
        }

        const UnixFileMode privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (!info.Exists)
        {
            Directory.CreateDirectory(full, privateMode);
        }

        info = new DirectoryInfo(full);
        if (info.LinkTarget is not null)
        {
            throw new IOException($"refusing the hive backup folder {full}: it is a link");
        }

        if (UnixFileStatus.TryGet(full) is { } status)
        {
            if (status.Kind != UnixFileKind.Directory)
            {
                throw new IOException($"refusing the hive backup folder {full}: it is a {status.Kind}, not a directory");
            }

            if (status.Owner != UnixFileStatus.EffectiveUserId)
            {
                throw new IOException($"refusing the hive backup folder {full}: it is owned by uid {status.Owner}, not by the current user");
            }
        }

        try
        {
            // chmod succeeds only for the owner (or root): it also repairs a looser mode.
            File.SetUnixFileMode(full, privateMode);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"refusing the hive backup folder {full}: it is not owned by the current user", e);
        }

        if (File.GetUnixFileMode(full) != privateMode)
        {
            throw new IOException($"refusing the hive backup folder {full}: its mode could not be set to 0700");
        }

        return full;
    }
}
