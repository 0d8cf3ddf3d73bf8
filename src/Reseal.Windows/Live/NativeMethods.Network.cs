using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Reseal.Windows.Live;

/// <summary>
/// The IP Helper functions (iphlpapi.dll) LiveNetworkInterfaces calls. The rows they take are passed as raw buffers of
/// the documented x64 sizes and read and written at the documented field offsets (LiveNetworkInterfaces.Rows), which
/// keeps them blittable for Native AOT and makes each field's place visible next to the header it comes from.
/// </summary>
internal static partial class NativeMethods
{
    public const int ErrorBufferOverflow = 111;
    public const int ErrorNotFound = 1168;

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint GetAdaptersAddresses(uint family, uint flags, nint reserved, nint addresses, ref uint size);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint GetIpForwardTable2(ushort family, out nint table);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial void FreeMibTable(nint memory);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial void InitializeIpInterfaceEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint GetIpInterfaceEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint SetIpInterfaceEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial void InitializeUnicastIpAddressEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint CreateUnicastIpAddressEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint DeleteUnicastIpAddressEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial void InitializeIpForwardEntry(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint CreateIpForwardEntry2(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint DeleteIpForwardEntry2(nint row);

    [SupportedOSPlatform("windows")]
    [LibraryImport("iphlpapi.dll")]
    public static partial uint ConvertInterfaceIndexToLuid(uint index, out ulong luid);
}
