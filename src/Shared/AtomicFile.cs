// The one atomic file writer of the project. This file is compiled into every assembly that writes files
// (Registry, Unattend, Windows, Agent, Cli) as an internal type, because Registry and Unattend may depend on nothing
// of ours (DESIGN.md): one source, one behaviour, no copies.
using System.Security.Cryptography;
using System.Text;

namespace Reseal;

/// <summary>What an atomic write does besides replacing the target.</summary>
internal sealed class AtomicWriteOptions
{
    /// <summary>
    /// Called with the temporary file's path after it has been written and flushed to disk, before it replaces the
    /// target (e.g. re-read and parse it). Throwing abandons the write: the target stays byte-identical.
    /// </summary>
    public Action<string>? Verify { get; init; }

    /// <summary>Where the replaced target is kept (a rename or hard link, not a copy); null keeps nothing.</summary>
    public string? BackupPath { get; init; }

    /// <summary>Create the target's folder when it is missing (default); false fails instead.</summary>
    public bool CreateDirectory { get; init; } = true;

    /// <summary>
    /// Creates the temporary file at the path given, which must not exist (create-new semantics: fail with an
    /// <see cref="IOException"/> when it does), and opens it for writing. Null creates it with the process's defaults.
    /// Lets a caller give the file its security descriptor in the creating call (a Windows access list), so neither the
    /// temporary file nor the target it becomes is ever readable under the folder's inherited entries.
    /// </summary>
    public Func<string, FileStream>? CreateNew { get; init; }
}

/// <summary>
/// Writes a whole file so that a crash or a failure leaves either the old file or the new one, never half of it:
/// a temporary file beside the target (same volume, so the rename is atomic) named
/// <c>.NAME.reseal-RANDOM.tmp</c> and created new (O_CREAT|O_EXCL: an existing entry, a planted link included, is
/// never opened or followed; the 64 random bits come from the OS CSPRNG so the name cannot be guessed in advance),
/// written, flushed to disk, verified by the caller, then renamed over the target (keeping the old target as a
/// backup when asked). Temporary files a killed run left behind are removed by <see cref="RemoveStaleTemps"/>, which
/// every write calls first: only directory entries that match the pattern for that target exactly, never a
/// directory, never through a link (unlinking a name never follows it).
/// </summary>
internal static class AtomicFile
{
    private const string Infix = ".reseal-";
    private const string Suffix = ".tmp";
    private const int RandomHexDigits = 16;
    private const int CreateAttempts = 8;

    // Test seams, per thread so that tests running in parallel do not see each other's: the random part of the next
    // temporary names (null = the CSPRNG), and a call after the temporary file is flushed and verified, just before
    // the rename (a test throws there to stand for a crash).
    [ThreadStatic]
    private static Func<string>? t_randomPart;

    [ThreadStatic]
    private static Action<string>? t_beforeRename;

    [ThreadStatic]
    private static Action<string, string, string>? t_replace;

    [ThreadStatic]
    private static Action<string, string>? t_move;

    [ThreadStatic]
    private static Action<TimeSpan>? t_sleep;

    /// <summary>
    /// How long to wait before each new try when Windows refuses the rename because another process has the target
    /// open (see <see cref="IsOpenElsewhere"/>): about 2.3 s in all, then the error goes to the caller.
    /// </summary>
    internal static IReadOnlyList<TimeSpan> RenameRetryDelays { get; } = Array.AsReadOnly(new[]
    {
        TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100),
        TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500),
        TimeSpan.FromMilliseconds(500),
    });

    internal static Func<string>? RandomPartForTests
    {
        get => t_randomPart;
        set => t_randomPart = value;
    }

    internal static Action<string>? BeforeRenameForTests
    {
        get => t_beforeRename;
        set => t_beforeRename = value;
    }

    /// <summary>Stands in for <see cref="File.Replace(string, string, string?, bool)"/> (replacement, target, backup), so a test can play ReplaceFile's partial failures.</summary>
    internal static Action<string, string, string>? ReplaceForTests
    {
        get => t_replace;
        set => t_replace = value;
    }

    /// <summary>
    /// Stands in for <see cref="File.Move(string, string, bool)"/> (temporary file, target) when no backup is kept. A
    /// stand-in plays Windows: its errors are judged by <see cref="IsOpenElsewhere"/> on any OS.
    /// </summary>
    internal static Action<string, string>? MoveForTests
    {
        get => t_move;
        set => t_move = value;
    }

    /// <summary>Stands in for the waits between tries of a refused rename (<see cref="RenameRetryDelays"/>).</summary>
    internal static Action<TimeSpan>? SleepForTests
    {
        get => t_sleep;
        set => t_sleep = value;
    }

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, ReadOnlySpan<byte> contents, AtomicWriteOptions? options = null)
    {
        var full = Prepare(path, options);
        var (temp, stream) = CreateTemp(full, options?.CreateNew);
        try
        {
            using (stream)
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, full, options);
        }
        finally
        {
            RemoveIfLeft(temp);
        }
    }

    /// <summary>Writes what <paramref name="write"/> puts into the stream it is given (streamed, not buffered).</summary>
    public static void Write(string path, Action<Stream> write, AtomicWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Prepare(path, options);
        var (temp, stream) = CreateTemp(full, options?.CreateNew);
        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, full, options);
        }
        finally
        {
            RemoveIfLeft(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark.</summary>
    public static void WriteText(string path, string text, AtomicWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, Encoding.UTF8.GetBytes(text), options);
    }

    /// <summary>
    /// Removes the temporary files an interrupted write to <paramref name="path"/> left beside it; returns how many.
    /// Only names of exactly our pattern for this target; directories and links are left alone; failures (a
    /// read-only volume, a file another user owns) are ignored, since a leftover costs space, not correctness.
    /// </summary>
    public static int RemoveStaleTemps(string path)
    {
        var removed = 0;
        foreach (var entry in FindStaleTemps(path))
        {
            try
            {
                File.Delete(entry);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for a later run.
            }
        }

        return removed;
    }

    /// <summary>
    /// The temporary files of interrupted writes to <paramref name="path"/>, newest first: names of exactly our
    /// pattern for this target that are files, not directories or links.
    /// </summary>
    public static IReadOnlyList<string> FindStaleTemps(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            return [];
        }

        var name = Path.GetFileName(full);
        var found = new List<FileInfo>();
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "." + name + Infix + "*" + Suffix))
            {
                var info = new FileInfo(entry);
                if (IsTempName(info.Name, name) && info.LinkTarget is null
                    && (info.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) == 0)
                {
                    found.Add(info);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder cannot be listed: nothing we could clean.
        }

        return [.. found.OrderByDescending(f => f.LastWriteTimeUtc).Select(f => f.FullName)];
    }

    /// <summary>True when <paramref name="entryName"/> is a temporary name of <paramref name="targetName"/>.</summary>
    internal static bool IsTempName(string entryName, string targetName)
    {
        var prefix = "." + targetName + Infix;
        if (entryName.Length != prefix.Length + RandomHexDigits + Suffix.Length
            || !entryName.StartsWith(prefix, StringComparison.Ordinal)
            || !entryName.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in entryName.AsSpan(prefix.Length, RandomHexDigits))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A fresh temporary path for <paramref name="fullPath"/> (not created).</summary>
    internal static string NewTempPath(string fullPath)
    {
        var random = RandomPartForTests?.Invoke() ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(RandomHexDigits / 2));
        return Path.Combine(Path.GetDirectoryName(fullPath)!, "." + Path.GetFileName(fullPath) + Infix + random + Suffix);
    }

    private static string Prepare(string path, AtomicWriteOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (options?.CreateDirectory != false)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }

        RemoveStaleTemps(full);
        return full;
    }

    private static (string Path, FileStream Stream) CreateTemp(string full, Func<string, FileStream>? createNew)
    {
        var stream = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 1 << 16,
        };

        // The new file replaces the target, so it gets the target's permissions; until then only the owner may
        // read it (a hive or an answer file can hold secrets). A new target gets the process's default mode.
        UnixFileMode? targetMode = null;
        if (!OperatingSystem.IsWindows() && File.Exists(full))
        {
            targetMode = File.GetUnixFileMode(full);
            stream.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        for (var attempt = 1; ; attempt++)
        {
            var temp = NewTempPath(full);
            try
            {
                var file = createNew is null ? new FileStream(temp, stream) : createNew(temp);
                if (targetMode is { } mode && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file.SafeFileHandle, mode);
                }

                return (temp, file);
            }
            catch (IOException) when (attempt < CreateAttempts && EntryExists(temp))
            {
                // Something (a leftover of another writer, or a planted link) has this name: take another.
            }
        }
    }

    private static void Commit(string temp, string full, AtomicWriteOptions? options)
    {
        options?.Verify?.Invoke(temp);
        BeforeRenameForTests?.Invoke(temp);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Rename(temp, full, options);
                return;
            }
            catch (Exception e) when (attempt < RenameRetryDelays.Count && IsOpenElsewhere(e, full) && File.Exists(temp)
                && (options?.BackupPath is null || EntryExists(full)))
            {
                // The new file is still there and the old one (when a backup is kept) too: wait for the other process to
                // let go, then try again. A replace that moved the old file away half way is not retried: it is finished
                // or undone by FinishPartialReplace.
                (SleepForTests ?? Thread.Sleep)(RenameRetryDelays[attempt]);
            }
        }
    }

    /// <summary>
    /// True when <paramref name="e"/> is Windows refusing to replace <paramref name="full"/> (or to move the new file)
    /// because another process has it open: MoveFileEx fails with ERROR_ACCESS_DENIED while any handle to the existing
    /// target is open, even one that shares delete access, and with ERROR_SHARING_VIOLATION when the new file itself is
    /// held (a scanner reading it); ReplaceFile with ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION or
    /// ERROR_UNABLE_TO_REMOVE_REPLACED (1175), or ERROR_UNABLE_TO_MOVE_REPLACEMENT (1176) — the last two leave both files
    /// under their names. Readers such as <c>reseal agent status --block</c> polling run.json, a search indexer or a
    /// virus scanner hold a file for milliseconds, so the rename is tried again for a bounded time. Access denied to a
    /// target that is read-only, a link or a folder is not going away: not retried. On Unix a rename never fails
    /// because of open handles: nothing there is retried (unless a test's stand-in plays Windows).
    /// </summary>
    private static bool IsOpenElsewhere(Exception e, string full)
    {
        if (!OperatingSystem.IsWindows() && MoveForTests is null && ReplaceForTests is null)
        {
            return false;
        }

        if (e is UnauthorizedAccessException)
        {
            try
            {
                var info = new FileInfo(full);
                return !info.Exists
                    || (info.Attributes & (FileAttributes.ReadOnly | FileAttributes.ReparsePoint | FileAttributes.Directory)) == 0;
            }
            catch (Exception probe) when (probe is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        const int SharingViolation = 32, LockViolation = 33, UnableToRemoveReplaced = 1175, UnableToMoveReplacement = 1176;
        return e is IOException && (e.HResult >>> 16) == 0x8007
            && (e.HResult & 0xFFFF) is SharingViolation or LockViolation or UnableToRemoveReplaced or UnableToMoveReplacement;
    }

    private static void Rename(string temp, string full, AtomicWriteOptions? options)
    {
        if (options?.BackupPath is { } backup && File.Exists(full))
        {
            // On Unix the old file becomes the backup by a hard link, then the rename; on Windows ReplaceFile renames
            // it. Neither copies the file, and the target is never missing in between, unless ReplaceFile fails half
            // way, which it documents: see FinishPartialReplace.
            var backupFull = Path.GetFullPath(backup);
            try
            {
                if (ReplaceForTests is { } replace)
                {
                    replace(temp, full, backupFull);
                }
                else
                {
                    File.Replace(temp, full, backupFull, ignoreMetadataErrors: true);
                }
            }
            catch (IOException) when (FinishPartialReplace(temp, full, backupFull))
            {
                // The old file is the backup and the new one is in place: the write is done.
            }
        }
        else if (MoveForTests is { } move)
        {
            move(temp, full);
        }
        else
        {
            File.Move(temp, full, overwrite: true);
        }
    }

    /// <summary>
    /// After ReplaceFile failed with ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 the replaced file has already been renamed to
    /// the backup name and the replacement still has its temporary name, so the target's name is empty
    /// (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-replacefilew). Deleting the temporary file
    /// then, as the failure path does, would lose the new content and leave nothing at the target. Finish the job
    /// with a plain rename instead (true: the write is complete); when that fails too, put the old file back under the
    /// target's name and let the original error through (false). Any other failure leaves both files where they were.
    /// </summary>
    private static bool FinishPartialReplace(string temp, string full, string backup)
    {
        if (EntryExists(full) || !File.Exists(temp))
        {
            return false;
        }

        try
        {
            File.Move(temp, full, overwrite: false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(backup) && !EntryExists(full))
            {
                File.Move(backup, full, overwrite: false);
            }

            return false;
        }
    }

    private static void RemoveIfLeft(string temp)
    {
        // Our own temporary file (created new above); after a successful rename there is nothing here. A failure to
        // remove it must not hide the error that brought us here; the next write removes it.
        try
        {
            if (EntryExists(temp))
            {
                File.Delete(temp);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>True when there is a directory entry of that name, a dangling link included.</summary>
    private static bool EntryExists(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || info.LinkTarget is not null;
    }
}
