using System.Runtime.InteropServices;

namespace Reseal.Cli;

/// <summary>
/// Standard output's pipe, widened before raw bytes are streamed to it (a hive export writes 18 MB for the 11.7 MB
/// SYSTEM hive). Linux gives a pipe 16 pages (64 KiB); with that the writer stops each time the reader falls behind by
/// 64 KiB, and the two take turns on the processors instead of running side by side. Widened to 1 MiB (the most an
/// unprivileged process may ask for by default, <c>/proc/sys/fs/pipe-max-size</c>) and written 256 KiB at a time, the
/// export through a pipe ran in 0.84× the time (the wider pipe alone: 0.97×; docs/benchmarks.md). Linux only
/// (<c>F_SETPIPE_SZ</c>); elsewhere, and for anything that is not a pipe, nothing changes.
/// </summary>
/// <remarks>
/// The pipe belongs to the whole pipeline and keeps its size after reseal exits (until its last end is closed), and its
/// pages count against the user's pipe allowance (<c>/proc/sys/fs/pipe-user-pages-soft</c>, 16,384 pages by default:
/// 64 pipes of 1 MiB) while it exists. A user over that allowance gets small new pipes and no widening: the kernel
/// refuses with EPERM, the pipe keeps its size, and the output is the same, only slower.
/// </remarks>
internal static partial class OutputPipe
{
    /// <summary>The capacity asked for first.</summary>
    public const int WideCapacity = 1 << 20;

    /// <summary>Asked for when <see cref="WideCapacity"/> is refused (a lower <c>pipe-max-size</c>): still 4 default pipes.</summary>
    public const int FallbackCapacity = 1 << 18;

    // fcntl(2) commands: F_LINUX_SPECIFIC_BASE (1024) + 7 and + 8.
    private const int SetPipeSize = 1031;
    private const int GetPipeSize = 1032;

    /// <summary>
    /// Makes the pipe on <paramref name="fd"/> hold <see cref="WideCapacity"/> bytes (or <see cref="FallbackCapacity"/>
    /// when that is refused) when it holds less; returns its capacity afterwards, or null when <paramref name="fd"/> is
    /// not a pipe (a file, a terminal, closed) or this is not Linux. Never throws.
    /// </summary>
    public static int? Widen(int fd)
    {
        if (Capacity(fd) is not { } current)
        {
            return null;
        }

        foreach (var size in (ReadOnlySpan<int>)[WideCapacity, FallbackCapacity])
        {
            if (current >= size)
            {
                break;
            }

            if (Fcntl(fd, SetPipeSize, size) is var widened && widened > 0)
            {
                return widened;
            }
        }

        return current;
    }

    /// <summary>The capacity of the pipe on <paramref name="fd"/> in bytes; null when it is not a pipe or this is not Linux.</summary>
    public static int? Capacity(int fd) =>
        OperatingSystem.IsLinux() && Fcntl(fd, GetPipeSize, 0) is var capacity && capacity >= 0 ? capacity : null;

    // fcntl is variadic: on x86-64 and arm64 Linux the third argument travels in the register a declared one would, and
    // glibc passes it to the kernel as a full machine word (nint, so its upper half is defined).
    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, nint argument);
}
