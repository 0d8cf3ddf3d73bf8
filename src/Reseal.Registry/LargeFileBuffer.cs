using System.Runtime.InteropServices;

namespace Reseal.Registry;

/// <summary>
/// The array a whole hive file is read into. On Linux, for a file of 4 MiB or more, the array has up to 4 MiB to spare,
/// the file is placed in it from the first 2 MiB boundary on, and the kernel is advised (<c>madvise(MADV_HUGEPAGE)</c>) to
/// back that range with transparent huge pages: reading an 11.7 MB hive then maps 6 pages instead of about 2,900, and
/// each of those 4 KiB first-touch faults costs several microseconds, more in a virtual machine (docs/benchmarks.md:
/// the read went from about 45 ms of CPU to about 6 on this project's VM). The untouched spare costs address space,
/// not memory.
/// </summary>
/// <remarks>
/// The advice is only a hint: the bytes are the same either way, and when it is refused (no transparent huge pages, a
/// kernel built without them, <c>enabled=never</c>) or on any other system the file is read into plain pages as
/// before. Nothing else of the process is advised: the range lies inside the array. The garbage collector does not
/// move large arrays unless asked to compact the large-object heap (Reseal never asks); had it moved this one, the
/// advice would only have been about memory the array no longer uses.
/// </remarks>
internal static partial class LargeFileBuffer
{
    private const int HugePage = 2 << 20;

    /// <summary>Smallest file worth it: below two huge pages at most one would be used.</summary>
    private const int Threshold = 2 * HugePage;

    /// <summary>madvise(2) advice MADV_HUGEPAGE (the same number on every Linux architecture: asm-generic/mman-common.h).</summary>
    private const int MadviseHugePage = 14;

    /// <summary>An uninitialised array that holds <paramref name="length"/> bytes from <paramref name="origin"/> on.</summary>
    public static byte[] Allocate(int length, out int origin)
    {
        origin = 0;
        if (!OperatingSystem.IsLinux() || length < Threshold || length > Array.MaxLength - (2 * HugePage))
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }

        // Room for the image rounded up to whole huge pages after the first boundary, wherever the array starts, so its
        // last part is one huge page too instead of up to 511 small ones.
        var pages = (length + HugePage - 1) / HugePage;
        var bytes = GC.AllocateUninitializedArray<byte>((pages + 1) * HugePage);
        var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            var start = (long)pin.AddrOfPinnedObject();
            var aligned = (start + HugePage - 1) & ~(long)(HugePage - 1);
            origin = (int)(aligned - start);
            _ = Madvise((nint)aligned, (nuint)((long)pages * HugePage), MadviseHugePage);
        }
        finally
        {
            pin.Free();
        }

        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
