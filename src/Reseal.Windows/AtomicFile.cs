using System.Text;

namespace Reseal.Windows;

/// <summary>
/// Writes a whole file so that a crash or a failure leaves either the old file or the new one, never half of it: a
/// temporary file beside the target (<c>.NAME.reseal-tmp</c>; a leftover or planted entry of that name is removed first
/// and the file created new, so a link there is never followed), flushed to disk, then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> (a host path), creating its directory.</summary>
    public static void Write(string path, ReadOnlySpan<byte> contents)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(full) + ".reseal-tmp");
        DeleteEntry(temp);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            DeleteEntry(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark.</summary>
    public static void WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Deletes a file or a link (never what the link points to) when there is one.</summary>
    internal static void DeleteEntry(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists || info.LinkTarget is not null)
        {
            info.Delete();
        }
    }
}
