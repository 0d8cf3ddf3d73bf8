using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Reseal.Windows.Live;

namespace Reseal.Windows.Tests.Live;

// The structures are declared for Windows only; their layout is the same managed metadata on every OS, so it is checked here.
#pragma warning disable CA1416

/// <summary>
/// The other structures the live code hands to Win32, against the x64 layouts their headers give (natural alignment,
/// 8-byte pointers): lmaccess.h, winnt.h, winsvc.h, fileapi.h, sysinfoapi.h, gdiplusinit.h, gdiplustypes.h. LibraryImport
/// passes these structures pinned, as their managed layout, so the managed size is what Windows reads and writes.
/// </summary>
public class Win32LayoutTests
{
    private static void Require64Bit() => Assert.SkipUnless(Environment.Is64BitProcess, "the documented layouts checked here are the 64-bit ones");

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    [Fact]
    public void UserInfo1_X64_56BytesPointersAligned()
    {
        Require64Bit();

        Assert.Equal(56, Unsafe.SizeOf<NativeMethods.UserInfo1>());
        Assert.Equal([0, 8, 16, 20, 24, 32, 40, 48],
            new[] { "Name", "Password", "PasswordAge", "Privilege", "HomeDir", "Comment", "Flags", "ScriptPath" }.Select(Offset<NativeMethods.UserInfo1>));
    }

    [Fact]
    public void LicensingStatus_SlPublicLayout_40BytesExpirationAt32()
    {
        // slpublic.h: SLID (16) · SLLICENSINGSTATUS · DWORD grace minutes · DWORD total grace days · HRESULT · UINT64
        // validity expiration, which natural alignment puts at 32. SLGetLicensingStatusInformation returns an array of them.
        Assert.Equal(40, Unsafe.SizeOf<NativeMethods.LicensingStatus>());
        Assert.Equal([0, 16, 20, 24, 28, 32],
            new[] { "SkuId", "Status", "GraceTimeMinutes", "TotalGraceDays", "Reason", "ValidityExpiration" }.Select(Offset<NativeMethods.LicensingStatus>));
    }

    [Theory]
    [InlineData(new int[0], false)]
    [InlineData(new[] { 0, 0, 0 }, false)]
    [InlineData(new[] { 0, 2, 0 }, false)]
    [InlineData(new[] { 3 }, false)]
    [InlineData(new[] { 0, 1, 0 }, true)]
    public void AnyLicensed_SkuStates_OnlyALicensedSkuIsActivated(int[] states, bool activated) =>
        Assert.Equal(activated, NativeMethods.AnyLicensed([.. states.Select(s => new NativeMethods.LicensingStatus { SkuId = Guid.NewGuid(), Status = s, GraceTimeMinutes = 43200 })]));

    [Fact]
    public void UserInfo20_X64_32Bytes()
    {
        Require64Bit();

        Assert.Equal(32, Unsafe.SizeOf<NativeMethods.UserInfo20>());
        Assert.Equal([0, 8, 16, 24, 28], new[] { "Name", "FullName", "Comment", "Flags", "UserId" }.Select(Offset<NativeMethods.UserInfo20>));
    }

    [Fact]
    public void OneFieldStructures_X64_DocumentedSizes()
    {
        Require64Bit();

        Assert.Equal(8, Unsafe.SizeOf<NativeMethods.UserInfo0>());
        Assert.Equal(8, Unsafe.SizeOf<NativeMethods.UserInfo1003>());
        Assert.Equal(4, Unsafe.SizeOf<NativeMethods.UserInfo1008>());
        Assert.Equal(8, Unsafe.SizeOf<NativeMethods.LocalGroupMembersInfo3>());
        Assert.Equal(16, Unsafe.SizeOf<NativeMethods.UserModalsInfo2>());
    }

    [Fact]
    public void TokenPrivileges_OnePrivilege_16Bytes()
    {
        // TOKEN_PRIVILEGES with one LUID_AND_ATTRIBUTES; LUID is two 32-bit halves, so nothing is padded.
        Assert.Equal(8, Unsafe.SizeOf<NativeMethods.Luid>());
        Assert.Equal(16, Unsafe.SizeOf<NativeMethods.TokenPrivilege>());
        Assert.Equal([0, 4, 12], new[] { "PrivilegeCount", "Luid", "Attributes" }.Select(Offset<NativeMethods.TokenPrivilege>));
    }

    [Fact]
    public void QueryServiceConfig_X64_64Bytes()
    {
        Require64Bit();

        Assert.Equal(64, Unsafe.SizeOf<NativeMethods.QueryServiceConfigW>());
        Assert.Equal([0, 4, 8, 16, 24, 32, 40, 48, 56],
            new[] { "ServiceType", "StartType", "ErrorControl", "BinaryPathName", "LoadOrderGroup", "TagId", "Dependencies", "ServiceStartName", "DisplayName" }
                .Select(Offset<NativeMethods.QueryServiceConfigW>));
    }

    [Fact]
    public void ByHandleFileInformation_FourBytePacking_52Bytes()
    {
        // BY_HANDLE_FILE_INFORMATION's FILETIMEs are two DWORDs each: 4-byte aligned, so the ulongs sit at 4, 12 and 20.
        Assert.Equal(52, Unsafe.SizeOf<NativeMethods.ByHandleFileInformation>());
        Assert.Equal([0, 4, 12, 20, 28, 48], new[] { "FileAttributes", "CreationTime", "LastAccessTime", "LastWriteTime", "VolumeSerialNumber", "FileIndexLow" }
            .Select(Offset<NativeMethods.ByHandleFileInformation>));
    }

    [Fact]
    public void OsVersionInfoEx_284BytesWithUtf16ServicePackText()
    {
        // RTL_OSVERSIONINFOEXW: five DWORDs, WCHAR szCSDVersion[128] (256 bytes), three WORDs, two BYTEs. The managed
        // layout (what LibraryImport pins) must be the same, with the fixed buffer as UTF-16.
        Assert.Equal(284, Unsafe.SizeOf<NativeMethods.OsVersionInfoExW>());
        Assert.Equal([0, 16, 20, 276, 280, 282], new[] { "OsVersionInfoSize", "PlatformId", "CsdVersion", "ServicePackMajor", "SuiteMask", "ProductType" }
            .Select(Offset<NativeMethods.OsVersionInfoExW>));
    }

    [Fact]
    public void DesktopStructures_X64_DocumentedSizes()
    {
        Require64Bit();

        Assert.Equal(64, Unsafe.SizeOf<NativeMethods.MemoryStatusEx>());
        Assert.Equal(16, Unsafe.SizeOf<NativeMethods.RectF>());
        Assert.Equal(24, Unsafe.SizeOf<NativeMethods.GdiplusStartupInput>());
        Assert.Equal([0, 8, 16, 20], new[] { "GdiplusVersion", "DebugEventCallback", "SuppressBackgroundThread", "SuppressExternalCodecs" }
            .Select(Offset<NativeMethods.GdiplusStartupInput>));
    }
}
