using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// The files of an offline Windows tree. The tree's root is the system drive (<c>C:\</c> by default); each component of
/// a Windows path is matched case-insensitively against what is on disk (an exact match wins), so
/// <c>C:\Windows\Panther\Unattend.xml</c> finds <c>windows/panther/unattend.xml</c> on a case-sensitive file system.
/// Components that do not exist yet keep the spelling given, so writes create them as named.
/// </summary>
public sealed class OfflineFiles : IWindowsFiles
{
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
    /// The host path a Windows path maps to (existing components in their on-disk spelling). Throws
    /// <see cref="ArgumentException"/> for another drive, a relative path or a <c>..</c> component.
    /// </summary>
    public string ToHostPath(string windowsPath)
    {
        var current = _root;
        var matching = true;
        foreach (var part in WindowsPaths.Components(windowsPath, SystemDrive))
        {
            if (matching)
            {
                var found = FindEntry(current, part);
                if (found is not null)
                {
                    current = found;
                    continue;
                }

                matching = false;
            }

            current = Path.Combine(current, part);
        }

        return current;
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
    public byte[] ReadAllBytes(string windowsPath)
    {
        var host = ToHostPath(windowsPath);
        if (!File.Exists(host))
        {
            throw new FileNotFoundException($"{Expand(windowsPath)} not found in the offline tree (looked for {host})", host);
        }

        return File.ReadAllBytes(host);
    }

    /// <inheritdoc/>
    public void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents)
    {
        var host = ToHostPath(windowsPath);
        var directory = Path.GetDirectoryName(host)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(host) + ".reseal-tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, host, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
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
    public IReadOnlyList<string> ListFiles(string windowsDirectory) => List(windowsDirectory, files: true);

    /// <inheritdoc/>
    public IReadOnlyList<string> ListDirectories(string windowsDirectory) => List(windowsDirectory, files: false);

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

    private static string? FindEntry(string directory, string name)
    {
        var exact = Path.Combine(directory, name);
        if (File.Exists(exact) || Directory.Exists(exact))
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
