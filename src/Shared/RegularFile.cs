// Opening a file by path for reading, refusing anything that is not a regular file. On Linux and macOS, open(2) of
// a FIFO for reading blocks until some process opens it for writing (forever, for a FIFO planted under a log's name:
// `reseal diagnose` once hung on one named setupact.log), and a character device such as /dev/zero never ends. So
// the file is opened with O_NONBLOCK (which changes nothing for regular files) and refused unless it can seek, which
// pipes, FIFOs, sockets and terminals cannot; reads are bounded by the caller's limit, never "until end of file".
// On Windows a path names a disk file or a device (\\.\pipe\..., CON): the same seek test refuses pipes and consoles.
//
// This file is compiled into each library that reads files by path (linked, internal to each): the libraries
// depend on nothing of ours, and this is small enough to share as source.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Reseal.IO;

/// <summary>Opens regular files for reading without blocking on FIFOs, and reads them with a bound.</summary>
internal static partial class RegularFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading (shared read/write/delete, as logs being written need).
    /// </summary>
    /// <exception cref="IOException">Not a regular file (FIFO, socket, terminal, device), or unreadable.</exception>
    /// <exception cref="UnauthorizedAccessException">Access denied.</exception>
    /// <exception cref="FileNotFoundException">Missing.</exception>
    public static FileStream OpenRead(string path, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream stream;
        if (OperatingSystem.IsWindows())
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize, options);
        }
        else
        {
            if (Directory.Exists(path))
            {
                throw new UnauthorizedAccessException($"'{path}' is a directory, not a file");
            }

            var flags = ReadOnly | Unix.CloseOnExec | Unix.NonBlocking;
            var fd = Unix.Open(path, flags);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw errno switch
                {
                    2 => new FileNotFoundException($"Could not find file '{path}'.", path),
                    13 or 1 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
                    _ => new IOException($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}"),
                };
            }

            stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize);
        }

        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new IOException($"'{path}' is not a regular file (a FIFO, socket, terminal or device); refused rather than waiting on it");
        }

        return stream;
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> bytes of a regular file; <see cref="IOException"/> when it holds more
    /// (the whole file is never read first: a device that claims length 0 and never ends costs one buffer).
    /// </summary>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        using var stream = OpenRead(path);
        using var buffer = new MemoryStream((int)Math.Min(Math.Max(stream.Length, 0), maxBytes));
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new IOException($"'{path}' is larger than {maxBytes:N0} bytes; refused");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private const int ReadOnly = 0;

    private static partial class Unix
    {
        // open(2) flags: the values differ between Linux and the BSDs (macOS).
        public static int NonBlocking => OperatingSystem.IsLinux() ? 0x800 : 0x4;

        public static int CloseOnExec => OperatingSystem.IsLinux() ? 0x80000 : 0x1000000;

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);
    }
}
