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

    /// <summary>Writes a whole file atomically, creating its directory.</summary>
    void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents);

    /// <summary>Deletes a file; false when it did not exist.</summary>
    bool DeleteFile(string windowsPath);

    /// <summary>Creates a directory and its parents.</summary>
    void CreateDirectory(string windowsPath);

    /// <summary>Windows paths of the files directly in a directory (empty when it does not exist), sorted.</summary>
    IReadOnlyList<string> ListFiles(string windowsDirectory);

    /// <summary>Windows paths of the subdirectories of a directory (empty when it does not exist), sorted.</summary>
    IReadOnlyList<string> ListDirectories(string windowsDirectory);
}
