namespace Reseal.Windows.Live;

/// <summary>
/// What locking a folder down does to one file-system object; the Windows implementation sets owners and access lists
/// (<see cref="AdministratorsOnlyFolder"/>), a test records the calls. Kept apart so the walk, which decides what is
/// touched and what is deleted, is the same code on every OS and can be tested with real links off Windows.
/// </summary>
internal interface IFolderSecurity
{
    /// <summary>Creates the folder with its security descriptor in the same call (or returns the one that appeared).</summary>
    void CreateSecured(string path);

    /// <summary>Gives the folder itself its owner and protected access list.</summary>
    void SecureFolder(DirectoryInfo folder);

    /// <summary>Gives a descendant the folder's owner.</summary>
    void SetOwner(FileSystemInfo entry);

    /// <summary>Drops a descendant's explicit entries so it inherits the folder's and nothing else.</summary>
    void ResetToInherited(FileSystemInfo entry);
}

/// <summary>
/// The walk of <see cref="AdministratorsOnlyFolder"/>: a folder that is itself a link is replaced by a real one; a
/// missing folder is created secured; then the folder is secured and every descendant gets the owner and inherits again,
/// except links (symbolic links, junctions), which are deleted and never followed — a junction to System32 must not make
/// the agent take ownership of System32. The owner is always set before the access list (an owner may always write it).
/// </summary>
internal static class FolderLockdown
{
    /// <summary>Applies the lockdown to <paramref name="path"/>; returns how many descendants were reset and links removed.</summary>
    public static (int Reset, int LinksRemoved) Apply(string path, IFolderSecurity security)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(security);
        var links = 0;
        var folder = new DirectoryInfo(path);
        if (folder.Exists && folder.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            Directory.Delete(path, recursive: false); // removes the link, not its target
            links++;
        }
        else if (!folder.Exists && File.Exists(path) && File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
        {
            File.Delete(path); // a dangling link, or a link to a file: the link goes
            links++;
        }

        if (!Directory.Exists(path))
        {
            _ = Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Returns the existing folder when one appeared since the check (a user may create it in between), so the
            // owner, the access list and what is inside are set below in every case, never assumed from this call.
            security.CreateSecured(path);
            if (new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                throw new IOException($"{path} became a link while it was being created; nothing in it was trusted (run again)");
            }
        }

        security.SecureFolder(new DirectoryInfo(path));
        var reset = 0;
        var pending = new Stack<string>();
        pending.Push(path);
        while (pending.Count > 0)
        {
            foreach (var entry in new DirectoryInfo(pending.Pop()).EnumerateFileSystemInfos("*", new EnumerationOptions
            {
                RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false,
            }))
            {
                if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    if (entry is DirectoryInfo)
                    {
                        Directory.Delete(entry.FullName, recursive: false);
                    }
                    else
                    {
                        File.Delete(entry.FullName);
                    }

                    links++;
                    continue;
                }

                security.SetOwner(entry);
                security.ResetToInherited(entry);
                reset++;
                if (entry is DirectoryInfo directory)
                {
                    pending.Push(directory.FullName);
                }
            }
        }

        return (reset, links);
    }
}
