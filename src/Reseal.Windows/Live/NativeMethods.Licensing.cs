using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Reseal.Windows.Live;

/// <summary>The Software Licensing Client functions (slc.dll, slpublic.h) that tell whether Windows is activated.</summary>
internal static partial class NativeMethods
{
    /// <summary>SL_LICENSING_STATUS_LICENSED (SLLICENSINGSTATUS: unlicensed 0, licensed 1, grace 2, notification 3).</summary>
    public const int LicensingStatusLicensed = 1;

    /// <summary>Windows' application ID in the Software Licensing service (the one slmgr.vbs queries products of).</summary>
    public static readonly Guid WindowsApplicationId = new("55c92734-d682-4d71-983e-d6ec3f16059f");

    /// <summary>SL_LICENSING_STATUS: one product SKU's state; 40 bytes (the 64-bit field is 8-aligned at offset 32).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LicensingStatus
    {
        public Guid SkuId;
        public int Status;
        public uint GraceTimeMinutes;
        public uint TotalGraceDays;
        public int Reason;
        public ulong ValidityExpiration;
    }

    /// <summary>Whether any SKU in <paramref name="statuses"/> is licensed (Windows is activated).</summary>
    public static bool AnyLicensed(ReadOnlySpan<LicensingStatus> statuses)
    {
        foreach (var status in statuses)
        {
            if (status.Status == LicensingStatusLicensed)
            {
                return true;
            }
        }

        return false;
    }

    [SupportedOSPlatform("windows")]
    [LibraryImport("slc.dll", EntryPoint = "SLOpen")]
    public static partial int SLOpen(out nint handle);

    [SupportedOSPlatform("windows")]
    [LibraryImport("slc.dll", EntryPoint = "SLClose")]
    public static partial int SLClose(nint handle);

    /// <summary>The status of every SKU of <paramref name="appId"/>; the array is freed with LocalFree.</summary>
    [SupportedOSPlatform("windows")]
    [LibraryImport("slc.dll", EntryPoint = "SLGetLicensingStatusInformation")]
    public static unsafe partial int SLGetLicensingStatusInformation(nint handle, Guid* appId, Guid* productSkuId, char* rightName,
        out uint statusCount, out nint statuses);

    [SupportedOSPlatform("windows")]
    [LibraryImport("kernel32.dll", EntryPoint = "LocalFree")]
    public static partial nint LocalFree(nint memory);
}
