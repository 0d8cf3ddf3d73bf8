namespace Reseal.Windows.Ports;

/// <summary>
/// The machine's files, addressed by Windows paths (<c>C:\Windows\Panther\unattend.xml</c>, or with
/// <c>%WINDIR%</c>, <c>%SystemRoot%</c>, <c>%SystemDrive%</c>, <c>%ProgramFiles%</c>, <c>%ProgramData%</c>), matched
/// case-insensitively as Windows does. Writes are atomic: a temporary file beside the target, flushed, then renamed.
/// </summary>
public interface IWindowsFiles
{
    /// <summary>Expands the well-known variables in a path and makes it absolute (<c>C:\…</c>).</summary>
    string Expand(string windowsPath);

    /// <summary>True when a file exists at the path.</summary>
    bool FileExists(string windowsPath);

    /// <summary>True when a directory exists at the path.</summary>
    bool DirectoryExists(string windowsPath);

    /// <summary>Size in bytes of a file, or null when it does not exist.</summary>
    long? GetFileLength(string windowsPath);

    /// <summary>Reads a whole file; <see cref="FileNotFoundException"/> when missing.</summary>
    byte[] ReadAllBytes(string windowsPath);

    /// <summary>
    /// Opens a regular file for reading from its start, sharing it with writers (a log another process is appending to
    /// can be read). The stream is seekable; <see cref="FileNotFoundException"/> when missing.
    /// </summary>
    Stream OpenRead(string windowsPath);

    /// <summary>Writes a whole file atomically, creating its directory.</summary>
    void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents);

    /// <summary>Deletes a file; false when it did not exist.</summary>
    bool DeleteFile(string windowsPath);

    /// <summary>Creates a directory and its parents.</summary>
    void CreateDirectory(string windowsPath);

    /// <summary>Deletes an empty directory; false when it does not exist, <see cref="IOException"/> when it is not empty.</summary>
    bool DeleteDirectory(string windowsPath);

    /// <summary>Windows paths of the files directly in a directory (empty when it does not exist), sorted.</summary>
    IReadOnlyList<string> ListFiles(string windowsDirectory);

    /// <summary>Windows paths of the subdirectories of a directory (empty when it does not exist), sorted.</summary>
    IReadOnlyList<string> ListDirectories(string windowsDirectory);

    /// <summary>
    /// Makes the directory SYSTEM's and Administrators' only: a missing one is created with its security in one step
    /// (owner Administrators, a protected access list of SYSTEM and Administrators full control, inherited by everything
    /// below); an existing one gets that owner and list, every existing descendant gets the owner Administrators and only
    /// inherited entries (no explicit entry survives), and links inside are removed, never followed. So ordinary users can
    /// neither read, plant, nor keep owning files in it. Returns false, and creates nothing, where access lists do not apply
    /// (an offline tree).
    /// </summary>
    bool RestrictToAdministrators(string windowsDirectory);

    /// <summary>
    /// Writes a whole file atomically with its own protected access list, given to the temporary file when it is created
    /// (so the file never exists, not even for a moment, with the folder's inherited entries): owner Administrators; full
    /// control for SYSTEM, Administrators and, when given, <paramref name="alsoFullControl"/> (the user whose file it is);
    /// nothing inherited. The rename within the folder keeps that security descriptor. This is what OpenSSH for Windows
    /// requires of <c>administrators_authorized_keys</c> and of a user's <c>authorized_keys</c> (StrictModes). Throws
    /// <see cref="PlatformNotSupportedException"/> where access lists do not apply (an offline tree): such a file written
    /// without its access list would be refused by sshd, so nothing is written. Throws <see cref="IOException"/>, writing
    /// nothing, when a folder on the path is a link (<see cref="LinkedFolders"/>): the caller runs as SYSTEM and the
    /// folder may be a user's.
    /// </summary>
    void WriteProtectedFile(string windowsPath, ReadOnlySpan<byte> contents, WindowsSid? alsoFullControl);

    /// <summary>
    /// True when an existing file can be trusted as <see cref="WriteProtectedFile"/> would have left it: owned by
    /// Administrators or SYSTEM (or <paramref name="alsoAllowed"/>), and no one else granted any right to change it. A
    /// key file that fails this may have been planted by a user before sshd existed; its lines must not be kept.
    /// Throws <see cref="PlatformNotSupportedException"/> where access lists do not apply (an offline tree), and
    /// <see cref="IOException"/> when a folder on the path is a link (<see cref="LinkedFolders"/>).
    /// </summary>
    bool IsProtectedFile(string windowsPath, WindowsSid? alsoAllowed);
}

/// <summary>Bounded reads on top of <see cref="IWindowsFiles.OpenRead"/>: a file of any size is read in bounded memory.</summary>
public static class WindowsFileReads
{
    /// <summary>
    /// Reads a whole file of at most <paramref name="maxBytes"/> bytes; <see cref="IOException"/> when it is larger,
    /// <see cref="FileNotFoundException"/> when missing.
    /// </summary>
    public static byte[] ReadAllBytes(this IWindowsFiles files, string windowsPath, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = files.OpenRead(windowsPath);
        var length = stream.Length;
        if (length > maxBytes || length > Array.MaxLength)
        {
            throw new IOException($"{files.Expand(windowsPath)} is {length} bytes, more than the {maxBytes} read here");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes from the start of a file, and its length.</summary>
    public static byte[] ReadHead(this IWindowsFiles files, string windowsPath, int maxBytes, out long length)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = files.OpenRead(windowsPath);
        length = stream.Length;
        var bytes = new byte[(int)Math.Min(length, maxBytes)];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes from the end of a file (seeking there), and its length.</summary>
    public static byte[] ReadTail(this IWindowsFiles files, string windowsPath, int maxBytes, out long length)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = files.OpenRead(windowsPath);
        length = stream.Length;
        var count = (int)Math.Min(length, maxBytes);
        stream.Seek(length - count, SeekOrigin.Begin);
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Reads the bytes from <paramref name="offset"/> to the end of a file, at most <paramref name="maxBytes"/> of them
    /// (a log being tailed), and its current length. Nothing is read when the file is shorter than the offset.
    /// </summary>
    public static byte[] ReadFrom(this IWindowsFiles files, string windowsPath, long offset, int maxBytes, out long length)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = files.OpenRead(windowsPath);
        length = stream.Length;
        if (offset >= length)
        {
            return [];
        }

        stream.Seek(offset, SeekOrigin.Begin);
        var bytes = new byte[(int)Math.Min(length - offset, maxBytes)];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
