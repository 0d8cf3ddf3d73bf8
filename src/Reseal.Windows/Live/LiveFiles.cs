using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>The files of the running Windows.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveFiles : IWindowsFiles
{
    private readonly char _drive;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveFiles()
    {
        LiveWindows.Guard("LiveFiles");
        _drive = (Environment.GetEnvironmentVariable("SystemDrive") ?? "C:")[0];
    }

    /// <inheritdoc/>
    public string Expand(string windowsPath) => WindowsPaths.Expand(Environment.ExpandEnvironmentVariables(windowsPath), _drive);

    /// <inheritdoc/>
    public bool FileExists(string windowsPath) => File.Exists(Expand(windowsPath));

    /// <inheritdoc/>
    public bool DirectoryExists(string windowsPath) => Directory.Exists(Expand(windowsPath));

    /// <inheritdoc/>
    public long? GetFileLength(string windowsPath)
    {
        var info = new FileInfo(Expand(windowsPath));
        return info.Exists ? info.Length : null;
    }

    /// <inheritdoc/>
    public byte[] ReadAllBytes(string windowsPath) => Missing(windowsPath, File.ReadAllBytes);

    /// <inheritdoc/>
    public Stream OpenRead(string windowsPath) =>
        Missing(windowsPath, path => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1));

    // The port promises FileNotFoundException for a missing file; Win32 says ERROR_PATH_NOT_FOUND (.NET's
    // DirectoryNotFoundException) when a folder on the path is missing too, and callers that tell "not there" from "could
    // not be read" (the answer-file scanner) catch only the former. Found by the machine contract under Wine.
    private T Missing<T>(string windowsPath, Func<string, T> open)
    {
        var path = Expand(windowsPath);
        try
        {
            return open(path);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"Could not find file '{path}' (a folder on the path does not exist).", path, e);
        }
    }

    /// <inheritdoc/>
    public void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents)
    {
        AtomicFile.Write(Expand(windowsPath), contents);
    }

    /// <inheritdoc/>
    public bool DeleteFile(string windowsPath)
    {
        var path = Expand(windowsPath);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <inheritdoc/>
    public void CreateDirectory(string windowsPath) => Directory.CreateDirectory(Expand(windowsPath));

    /// <inheritdoc/>
    public bool DeleteDirectory(string windowsPath)
    {
        var path = Expand(windowsPath);
        if (!Directory.Exists(path))
        {
            return false;
        }

        // Directory.Delete without recursion fails on a directory that is not empty (IOException), as promised.
        Directory.Delete(path, recursive: false);
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListFiles(string windowsDirectory)
    {
        var path = Expand(windowsDirectory);
        return Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.OrdinalIgnoreCase).ToList() : [];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListDirectories(string windowsDirectory)
    {
        var path = Expand(windowsDirectory);
        return Directory.Exists(path) ? Directory.GetDirectories(path).Order(StringComparer.OrdinalIgnoreCase).ToList() : [];
    }

    /// <inheritdoc/>
    public bool RestrictToAdministrators(string windowsDirectory)
    {
        _ = AdministratorsOnlyFolder.Apply(Expand(windowsDirectory));
        return true;
    }

    /// <inheritdoc/>
    public void WriteProtectedFile(string windowsPath, ReadOnlySpan<byte> contents, WindowsSid? alsoFullControl)
    {
        var path = Expand(windowsPath);
        LinkedFolders.ThrowIfLinked(path);
        ProtectedFile.Write(path, contents, alsoFullControl is null ? null : new System.Security.Principal.SecurityIdentifier(alsoFullControl.ToString()));
    }

    /// <inheritdoc/>
    public bool IsProtectedFile(string windowsPath, WindowsSid? alsoAllowed)
    {
        var path = Expand(windowsPath);
        LinkedFolders.ThrowIfLinked(path);
        // A link or a second name of another file (a hard link needs no privilege) would have its target's owner and
        // access list checked and its contents read: a user could so have a protected file's lines copied into theirs.
        return !LinkedFolders.IsLink(path) && ProtectedFile.HasOneName(path)
            && ProtectedFile.IsProtected(path, alsoAllowed is null ? null : new System.Security.Principal.SecurityIdentifier(alsoAllowed.ToString()));
    }
}
