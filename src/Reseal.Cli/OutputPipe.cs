using System.Runtime.InteropServices;

namespace Reseal.Cli;

/// <summary>
/// Standard output's pipe, widened before raw bytes are streamed to it (a hive export writes 18 MB for the 11.7 MB
/// SYSTEM hive). Linux gives a pipe 64 KiB; with that the writer stops each time the reader falls behind by 64 KiB, and
/// the two take turns on the processors instead of running side by side. Widened to 1 MiB (the most an unprivileged
/// process may ask for by default, <c>/proc/sys/fs/pipe-max-size</c>), the export through a pipe ran in 0.84× the time
/// (docs/benchmarks.md). Linux only (<c>F_SETPIPE_SZ</c>); elsewhere, and for anything that is not a pipe, nothing
/// changes.
/// </summary>
internal static partial class OutputPipe
{
    /// <summary>The capacity asked for.</summary>
    public const int WideCapacity = 1 << 20;

    // fcntl(2) commands: F_LINUX_SPECIFIC_BASE (1024) + 7 and + 8.
    private const int SetPipeSize = 1031;
    private const int GetPipeSize = 1032;

    /// <summary>
    /// Makes the pipe on <paramref name="fd"/> hold <see cref="WideCapacity"/> bytes when it holds less; returns its
    /// capacity afterwards, or null when <paramref name="fd"/> is not a pipe (a file, a terminal, closed) or this is
    /// not Linux. The kernel refuses (EPERM) when the user's pipes already hold more than
    /// <c>/proc/sys/fs/pipe-user-pages-soft</c>: the pipe keeps its capacity, and so does the output.
    /// </summary>
    public static int? Widen(int fd)
    {
        if (Capacity(fd) is not { } current)
        {
            return null;
        }

        return current < WideCapacity && Fcntl(fd, SetPipeSize, WideCapacity) is var widened && widened > 0 ? widened : current;
    }

    /// <summary>The capacity of the pipe on <paramref name="fd"/> in bytes; null when it is not a pipe or this is not Linux.</summary>
    public static int? Capacity(int fd) =>
        OperatingSystem.IsLinux() && Fcntl(fd, GetPipeSize, 0) is var capacity && capacity >= 0 ? capacity : null;

    // fcntl is variadic; on x86-64 and arm64 Linux an int third argument is passed exactly as a declared one.
    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);
}
