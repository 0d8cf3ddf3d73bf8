using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// The files of an offline Windows tree. The tree's root is the system drive (<c>C:\</c> by default); each component of
/// a Windows path is matched case-insensitively against what is on disk (an exact match wins), so
/// <c>C:\Windows\Panther\Unattend.xml</c> finds <c>windows/panther/unattend.xml</c> on a case-sensitive file system.
/// Components that do not exist yet keep the spelling given, so writes create them as named.
/// Links (symlinks, junctions) inside the tree are followed only while they stay inside it: one that leads outside is
/// refused with an <see cref="IOException"/>, so no read or write reaches a host file through the image. Reads open
/// regular files only (never a FIFO or a device).
/// </summary>
public sealed class OfflineFiles : IWindowsFiles
{
    private const int MaxLinkHops = 40;
    private readonly string _root;

    /// <summary>Opens the tree rooted at an existing host directory.</summary>
    public OfflineFiles(string root, char systemDrive = 'C')
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (!char.IsAsciiLetter(systemDrive))
        {
            throw new ArgumentOutOfRangeException(nameof(systemDrive), systemDrive, "the system drive is a letter");
        }

        _root = Path.GetFullPath(root);
        if (!Directory.Exists(_root))
        {
            throw new DirectoryNotFoundException($"offline Windows tree not found: {_root}");
        }

        SystemDrive = char.ToUpperInvariant(systemDrive);
    }

    /// <summary>The host directory that is the system drive's root.</summary>
    public string Root => _root;

    /// <summary>The drive letter the tree stands for.</summary>
    public char SystemDrive { get; }

    /// <inheritdoc/>
    public string Expand(string windowsPath) => WindowsPaths.Expand(windowsPath, SystemDrive);

    /// <summary>
    /// The host path a Windows path maps to (existing components in their on-disk spelling, links inside the tree
    /// resolved). Throws <see cref="ArgumentException"/> for another drive, a relative path or a <c>..</c> component, and
    /// <see cref="IOException"/> when a component is a link that leads outside the tree (or a link loop).
    /// </summary>
    public string ToHostPath(string windowsPath)
    {
        var current = _root;
        var matching = true;
        var hops = 0;
        foreach (var part in WindowsPaths.Components(windowsPath, SystemDrive))
        {
            if (matching)
            {
                var found = FindEntry(current, part);
                if (found is not null)
                {
                    current = FollowInside(found, current, windowsPath, ref hops);
                    continue;
                }

                matching = false;
            }

            current = Path.Combine(current, part);
        }

        return current;
    }

    /// <summary>The size cap for the text files the inspector reads whole (answer files, agent configuration): 16 MiB.</summary>
    public const long MaxTextFileBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="maxBytes"/> bytes; <see cref="FileNotFoundException"/> when
    /// missing, <see cref="IOException"/> when it is larger or not a regular file.
    /// </summary>
    public byte[] ReadAllBytes(string windowsPath, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = OpenRegular(windowsPath, out var host);
        var length = stream.Length;
        if (length > maxBytes || length > Array.MaxLength)
        {
            throw new IOException($"{Expand(windowsPath)} is {length} bytes, more than the {maxBytes} read here ({host})");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> bytes from the start of a regular file, and its length; a bounded read
    /// of a file of any size.
    /// </summary>
    public byte[] ReadHead(string windowsPath, int maxBytes, out long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = OpenRegular(windowsPath, out _);
        length = stream.Length;
        var bytes = new byte[(int)Math.Min(length, maxBytes)];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> bytes from the end of a regular file (seeking there, not reading the
    /// rest), and its length.
    /// </summary>
    public byte[] ReadTail(string windowsPath, int maxBytes, out long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = OpenRegular(windowsPath, out _);
        length = stream.Length;
        var count = (int)Math.Min(length, maxBytes);
        stream.Seek(length - count, SeekOrigin.Begin);
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <inheritdoc/>
    public bool FileExists(string windowsPath) => File.Exists(ToHostPath(windowsPath));

    /// <inheritdoc/>
    public bool DirectoryExists(string windowsPath) => Directory.Exists(ToHostPath(windowsPath));

    /// <inheritdoc/>
    public long? GetFileLength(string windowsPath)
    {
        var info = new FileInfo(ToHostPath(windowsPath));
        return info.Exists ? info.Length : null;
    }

    /// <inheritdoc/>
    public byte[] ReadAllBytes(string windowsPath) => ReadAllBytes(windowsPath, Array.MaxLength);

    /// <inheritdoc/>
    /// <remarks>Only a regular file inside the tree is opened (never a FIFO, a device or a link that leads outside).</remarks>
    public Stream OpenRead(string windowsPath) => OpenRegular(windowsPath, out _);

    /// <inheritdoc/>
    public void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents)
    {
        // A leftover (or planted) temporary entry goes first; CreateNew then never follows a link to write elsewhere.
        AtomicFile.Write(ToHostPath(windowsPath), contents);
    }

    /// <inheritdoc/>
    public bool DeleteFile(string windowsPath)
    {
        var host = ToHostPath(windowsPath);
        if (!File.Exists(host))
        {
            return false;
        }

        File.Delete(host);
        return true;
    }

    /// <inheritdoc/>
    public void CreateDirectory(string windowsPath) => Directory.CreateDirectory(ToHostPath(windowsPath));

    /// <inheritdoc/>
    public bool DeleteDirectory(string windowsPath)
    {
        var host = ToHostPath(windowsPath);
        if (!Directory.Exists(host))
        {
            return false;
        }

        if (Directory.EnumerateFileSystemEntries(host).Any())
        {
            throw new IOException($"{Expand(windowsPath)} is not empty ({host})");
        }

        Directory.Delete(host);
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListFiles(string windowsDirectory) => List(windowsDirectory, files: true);

    /// <inheritdoc/>
    public IReadOnlyList<string> ListDirectories(string windowsDirectory) => List(windowsDirectory, files: false);

    /// <inheritdoc/>
    /// <remarks>An offline tree's files carry the host's permissions, not Windows access lists: nothing to do.</remarks>
    public bool RestrictToAdministrators(string windowsDirectory) => false;

    /// <inheritdoc/>
    /// <remarks>A directory tree on this host has no Windows access lists to give the file.</remarks>
    public void WriteProtectedFile(string windowsPath, ReadOnlySpan<byte> contents, WindowsSid? alsoFullControl) =>
        throw OfflineWindows.NeedsRunningWindows($"writing {windowsPath} with its access list", "write it when the image boots (the agent's users task does)");

    /// <inheritdoc/>
    public bool IsProtectedFile(string windowsPath, WindowsSid? alsoAllowed) =>
        throw OfflineWindows.NeedsRunningWindows($"reading the access list of {windowsPath}", "check it when the image boots (the agent's users task does)");

    private List<string> List(string windowsDirectory, bool files)
    {
        var host = ToHostPath(windowsDirectory);
        if (!Directory.Exists(host))
        {
            return [];
        }

        var prefix = Expand(windowsDirectory).TrimEnd('\\');
        var names = files ? Directory.EnumerateFiles(host) : Directory.EnumerateDirectories(host);
        return names.Select(p => prefix + "\\" + Path.GetFileName(p)).Order(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Opens a file of the tree for reading, refusing anything but a regular file.</summary>
    private FileStream OpenRegular(string windowsPath, out string host)
    {
        host = ToHostPath(windowsPath);
        switch (UnixFileStatus.TryGet(host))
        {
            case { Kind: UnixFileKind.Regular }:
                break;
            case { Kind: var kind }:
                throw new IOException($"{Expand(windowsPath)} is not a regular file ({kind}: {host}); refused");
            case null when !File.Exists(host):
                throw new FileNotFoundException($"{Expand(windowsPath)} not found in the offline tree (looked for {host})", host);
            case null when (File.GetAttributes(host) & (FileAttributes.Device | FileAttributes.ReparsePoint)) != 0:
                throw new IOException($"{Expand(windowsPath)} is not a regular file ({host}); refused");
            default:
                break;
        }

        var stream = new FileStream(host, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1);
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new IOException($"{Expand(windowsPath)} is not a regular file ({host}); refused");
        }

        return stream;
    }

    /// <summary>
    /// An existing entry of a resolved directory, with the links among it followed while they stay inside the tree;
    /// <see cref="IOException"/> for a link that leads outside, or a loop.
    /// </summary>
    private string FollowInside(string entry, string directory, string windowsPath, ref int hops)
    {
        string? target;
        try
        {
            target = new FileInfo(entry).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{Expand(windowsPath)}: {entry} cannot be examined: {e.Message}", e);
        }

        if (target is null)
        {
            return entry;
        }

        if (++hops > MaxLinkHops)
        {
            throw new IOException($"{Expand(windowsPath)}: too many links (a loop?) at {entry}; refused");
        }

        var resolved = Path.GetFullPath(target, directory);
        if (!IsInside(resolved))
        {
            throw new IOException($"{Expand(windowsPath)}: {entry} is a link to {target}, outside the Windows tree; refused");
        }

        // The target is inside by name; walk it from the root so that links along it are checked too.
        var current = _root;
        foreach (var part in Path.GetRelativePath(_root, resolved).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            var next = Path.Combine(current, part);
            current = Path.Exists(next) || new FileInfo(next).LinkTarget is not null ? FollowInside(next, current, windowsPath, ref hops) : next;
        }

        return current;
    }

    private bool IsInside(string fullPath)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var root = Path.TrimEndingDirectorySeparator(_root);
        var path = Path.TrimEndingDirectorySeparator(fullPath);
        return path.Equals(root, comparison) || path.StartsWith(root + Path.DirectorySeparatorChar, comparison);
    }

    /// <summary>Removes a file or link (never what a link points to) when present.</summary>
    private static string? FindEntry(string directory, string name)
    {
        var exact = Path.Combine(directory, name);
        if (Path.Exists(exact) || new FileInfo(exact).LinkTarget is not null)
        {
            return exact;
        }

        if (!Directory.Exists(directory))
        {
            return null;
        }

        try
        {
            return Directory.EnumerateFileSystemEntries(directory)
                .Where(entry => string.Equals(Path.GetFileName(entry), name, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .FirstOrDefault();
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
