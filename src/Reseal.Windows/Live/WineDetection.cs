using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Reseal.Windows.Live;

/// <summary>
/// Tells whether this Windows is Wine. Wine implements most of Win32 but not everything the agent needs: for example
/// netapi32!NetUserSetInfo is a stub that aborts the call (and loops) rather than failing, so a password change under
/// Wine must be refused up front instead of hanging (docs/wine-findings.md).
/// </summary>
[SupportedOSPlatform("windows")]
public static partial class WineDetection
{
    private static readonly Lazy<string?> Version = new(Detect);

    /// <summary>True under Wine.</summary>
    public static bool IsWine => Version.Value is not null;

    /// <summary>Wine's version (ntdll!wine_get_version), or null on real Windows.</summary>
    public static string? WineVersion => Version.Value;

    /// <summary>Throws when running under Wine, naming the operation Wine does not implement.</summary>
    public static void ThrowIfWine(string operation)
    {
        if (WineVersion is { } version)
        {
            throw new PlatformNotSupportedException($"{operation} is not implemented by Wine {version} (it aborts instead of failing); this needs a real Windows");
        }
    }

    private static string? Detect()
    {
        var ntdll = GetModuleHandleW("ntdll.dll");
        if (ntdll == 0)
        {
            return null;
        }

        var function = GetProcAddress(ntdll, "wine_get_version");
        if (function == 0)
        {
            return null;
        }

        unsafe
        {
            var getVersion = (delegate* unmanaged<nint>)function;
            return Marshal.PtrToStringAnsi(getVersion()) ?? "(unknown version)";
        }
    }

    [LibraryImport("kernel32.dll", StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint GetModuleHandleW(string moduleName);

    [LibraryImport("kernel32.dll", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetProcAddress(nint module, string procName);
}
