namespace Reseal.Windows.Ports;

/// <summary>
/// Finds a link (symbolic link, junction or any other reparse point) where a privileged write would follow one a user
/// planted. A service running as SYSTEM writes keys into folders a user can change: the user owns the contents of
/// <c>C:\Users\NAME</c> (so <c>.ssh</c> may be a junction), and Users may create folders in <c>C:\ProgramData</c> (so
/// <c>ssh</c> may be one before sshd has made it). A junction from <c>C:\Users\eve\.ssh</c> to another user's
/// <c>.ssh</c> would have the service write that user's <c>authorized_keys</c> with eve granted full control of it. Only
/// the file's own folder is checked: the folders above it (<c>C:\Users</c>, <c>C:\ProgramData</c>, the profile folder
/// itself) are made by Windows and only administrators can replace them, and an administrator may have moved profiles
/// to another volume through a junction on purpose.
/// </summary>
public static class LinkedFolders
{
    /// <summary>The file's folder and where it points when that folder is a link; null when it is not (or does not exist).</summary>
    public static (string Folder, string Target)? FindLinkedFolder(string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(filePath));
        if (string.IsNullOrEmpty(folder))
        {
            return null;
        }

        var info = new DirectoryInfo(folder);
        if (info.LinkTarget is { } target)
        {
            return (folder, target);
        }

        // A reparse point .NET does not resolve (a volume mount point, a placeholder) still redirects the path.
        return info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint) ? (folder, "(a reparse point)") : null;
    }

    /// <summary>Throws an <see cref="IOException"/> naming the folder when <see cref="FindLinkedFolder"/> finds one.</summary>
    public static void ThrowIfLinked(string filePath)
    {
        if (FindLinkedFolder(filePath) is { } link)
        {
            throw new IOException(
                $"refusing to use {filePath}: its folder {link.Folder} is a link to {link.Target}; a user may have planted it to "
                + "redirect a privileged write, so nothing was read or written (remove the link and run again)");
        }
    }

    /// <summary>True when the file itself is a link (symbolic link or other reparse point), whose target may be anything.</summary>
    public static bool IsLink(string filePath)
    {
        var info = new FileInfo(filePath);
        return info.LinkTarget is not null || (info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint));
    }
}
