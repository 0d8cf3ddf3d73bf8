using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>
/// The text of a NET_API_STATUS code, as Microsoft's "Looking Up Text for Error Code Numbers" describes it
/// (https://learn.microsoft.com/windows/win32/netmgmt/looking-up-text-for-error-code-numbers): codes from NERR_BASE
/// (2100) to MAX_NERR (2999) are in netmsg.dll, loaded as a data file and read with FORMAT_MESSAGE_FROM_HMODULE; other
/// codes are system errors, read from the system's message table.
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class NetApiMessages
{
    private const uint FormatMessageIgnoreInserts = 0x200;
    private const uint FormatMessageFromHModule = 0x800;
    private const uint FormatMessageFromSystem = 0x1000;
    private const uint LoadLibraryAsDatafile = 0x2;

    /// <summary>The failure of <paramref name="operation"/> with <paramref name="status"/>, with the system's text.</summary>
    public static NetApiException Failure(string operation, int status) => new(operation, status, Text(status));

    /// <summary>The system's text for a code, or null when none is found.</summary>
    public static string? Text(int status)
    {
        var module = nint.Zero;
        var flags = FormatMessageIgnoreInserts | FormatMessageFromSystem;
        if (status is >= NetApiException.NerrBase and <= NetApiException.MaxNerr)
        {
            module = LoadLibraryEx("netmsg.dll", 0, LoadLibraryAsDatafile);
            if (module != 0)
            {
                flags |= FormatMessageFromHModule;
            }
        }

        try
        {
            const int size = 1024;
            var buffer = new char[size];
            uint length;
            unsafe
            {
                fixed (char* text = buffer)
                {
                    length = FormatMessage(flags, module, (uint)status, 0, text, size, 0);
                }
            }

            return length == 0 ? null : new string(buffer, 0, (int)Math.Min(length, size)).Trim();
        }
        finally
        {
            if (module != 0)
            {
                _ = FreeLibrary(module);
            }
        }
    }

    [LibraryImport("kernel32.dll", EntryPoint = "FormatMessageW", SetLastError = true)]
    private static unsafe partial uint FormatMessage(uint flags, nint source, uint messageId, uint languageId, char* buffer, uint size, nint arguments);

    [LibraryImport("kernel32.dll", EntryPoint = "LoadLibraryExW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint LoadLibraryEx(string fileName, nint file, uint flags);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FreeLibrary(nint module);
}
