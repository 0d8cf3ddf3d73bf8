using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Reseal.Windows.Offline;

/// <summary>The kind of a file system entry, as <c>lstat</c> reports it (links are not followed).</summary>
internal enum UnixFileKind
{
    Unknown,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>
/// Owner and kind of a path without following a final link: <c>statx</c> on Linux (its layout is the same on every
/// architecture) and <c>lstat</c> on macOS. .NET exposes neither the owner nor whether a file is a FIFO or a device.
/// </summary>
internal static unsafe partial class UnixFileStatus
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8;

    /// <summary>True where <see cref="TryGet"/> can answer.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>The effective user id of this process; null off Unix.</summary>
    public static uint? EffectiveUserId => IsSupported ? geteuid() : null;

    /// <summary>
    /// The owner and kind of a path (a final link is described, not followed); null when it does not exist, or off
    /// Linux and macOS, or when the C library cannot be asked.
    /// </summary>
    public static (uint Owner, UnixFileKind Kind)? TryGet(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return Get(path);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without statx (an old musl): callers fall back to what .NET can tell.
            return null;
        }
    }

    private static (uint Owner, UnixFileKind Kind)? Get(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = stackalloc byte[256];
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, buffer) != 0)
            {
                return null;
            }

            var span = new ReadOnlySpan<byte>(buffer, 256);
            return (BinaryPrimitives.ReadUInt32LittleEndian(span[20..]), Kind(BinaryPrimitives.ReadUInt16LittleEndian(span[28..])));
        }

        if (OperatingSystem.IsMacOS())
        {
            var buffer = stackalloc byte[256];
            if (lstat(path, buffer) != 0)
            {
                return null;
            }

            var span = new ReadOnlySpan<byte>(buffer, 256);
            return (BinaryPrimitives.ReadUInt32LittleEndian(span[16..]), Kind(BinaryPrimitives.ReadUInt16LittleEndian(span[4..])));
        }

        return null;
    }

    private static UnixFileKind Kind(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => UnixFileKind.Regular,
        0x4000 => UnixFileKind.Directory,
        0xA000 => UnixFileKind.SymbolicLink,
        0x1000 => UnixFileKind.Fifo,
        0x2000 => UnixFileKind.CharacterDevice,
        0x6000 => UnixFileKind.BlockDevice,
        0xC000 => UnixFileKind.Socket,
        _ => UnixFileKind.Unknown,
    };

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint geteuid();
}
