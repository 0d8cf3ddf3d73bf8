using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Reseal.Windows.Live;

/// <summary>The Win32 functions LiveWindows calls. Every one that sets the last error says so; strings are UTF-16.</summary>
[SupportedOSPlatform("windows")]
internal static partial class NativeMethods
{
    public const int NerrSuccess = 0;
    public const int ErrorMoreData = 234;
    public const int ErrorInsufficientBuffer = 122;
    public const uint MaxPreferredLength = 0xFFFFFFFF;
    public const uint FilterNormalAccount = 0x2;
    public const uint ScManagerConnect = 0x1;
    public const uint ServiceQueryConfig = 0x1;
    public const uint ServiceChangeConfig = 0x2;
    public const uint ServiceQueryStatus = 0x4;
    public const uint ServiceStart = 0x10;
    public const uint ServiceStop = 0x20;
    public const uint ServiceNoChange = 0xFFFFFFFF;
    public const uint ServiceControlStop = 0x1;
    public const uint GenericWrite = 0x40000000;
    public const uint OpenExisting = 3;
    public const uint ShutdownForceOthers = 0x1;
    public const uint ShutdownPowerOff = 0x8;
    public const uint ShutdownRestart = 0x4;
    public const uint ShutdownGraceOverride = 0x20;
    public const uint ShtdnReasonMajorOperatingSystem = 0x00020000;
    public const uint ShtdnReasonMinorReconfig = 0x00000004;
    public const uint ShtdnReasonFlagPlanned = 0x80000000;

    [StructLayout(LayoutKind.Sequential)]
    public struct UserInfo20
    {
        public nint Name;
        public nint FullName;
        public nint Comment;
        public uint Flags;
        public uint UserId;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UserInfo0
    {
        public nint Name;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UserInfo1
    {
        public nint Name;
        public nint Password;
        public uint PasswordAge;
        public uint Privilege;
        public nint HomeDir;
        public nint Comment;
        public uint Flags;
        public nint ScriptPath;
    }

    /// <summary>USER_PRIV_USER.</summary>
    public const uint UserPrivUser = 1;

    /// <summary>UF_SCRIPT | UF_NORMAL_ACCOUNT.</summary>
    public const uint UserFlagsNormal = 0x0001 | 0x0200;

    [LibraryImport("netapi32.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int NetUserAdd(string? serverName, uint level, nint buffer, out uint parameterError);

    [StructLayout(LayoutKind.Sequential)]
    public struct UserInfo1003
    {
        public nint Password;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UserInfo1008
    {
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceStatus
    {
        public uint ServiceType;
        public uint CurrentState;
        public uint ControlsAccepted;
        public uint Win32ExitCode;
        public uint ServiceSpecificExitCode;
        public uint CheckPoint;
        public uint WaitHint;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct QueryServiceConfigW
    {
        public uint ServiceType;
        public uint StartType;
        public uint ErrorControl;
        public nint BinaryPathName;
        public nint LoadOrderGroup;
        public uint TagId;
        public nint Dependencies;
        public nint ServiceStartName;
        public nint DisplayName;
    }

    /// <summary>RTL_OSVERSIONINFOEXW: 284 bytes, blittable.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct OsVersionInfoExW
    {
        public uint OsVersionInfoSize;
        public uint MajorVersion;
        public uint MinorVersion;
        public uint BuildNumber;
        public uint PlatformId;
        public fixed char CsdVersion[128];
        public ushort ServicePackMajor;
        public ushort ServicePackMinor;
        public ushort SuiteMask;
        public byte ProductType;
        public byte Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Luid
    {
        public uint LowPart;
        public int HighPart;
    }

    /// <summary>TOKEN_PRIVILEGES with exactly one LUID_AND_ATTRIBUTES.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TokenPrivilege
    {
        public uint PrivilegeCount;
        public Luid Luid;
        public uint Attributes;
    }

    public const uint TokenAdjustPrivileges = 0x20;
    public const uint TokenQuery = 0x8;
    public const uint SePrivilegeEnabled = 0x2;

    [LibraryImport("netapi32.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int NetUserEnum(string? serverName, uint level, uint filter, out nint buffer, uint preferredMaxLength,
        out uint entriesRead, out uint totalEntries, ref uint resumeHandle);

    [LibraryImport("netapi32.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int NetUserGetInfo(string? serverName, string userName, uint level, out nint buffer);

    /// <summary>USER_MODALS_INFO_2: the account domain's name and SID.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UserModalsInfo2
    {
        public nint DomainName;
        public nint DomainId;
    }

    /// <summary>LOCALGROUP_MEMBERS_INFO_3: a member as DOMAIN\name.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LocalGroupMembersInfo3
    {
        public nint DomainAndName;
    }

    /// <summary>HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS): CreateProfile's answer when the user has a profile.</summary>
    public const int HresultAlreadyExists = unchecked((int)0x800700B7);

    /// <summary>Longest profile path CreateProfile is given room for (MAX_PATH, as ProfileImagePath values are).</summary>
    public const int MaxPath = 260;

    [LibraryImport("userenv.dll", EntryPoint = "CreateProfile", StringMarshalling = StringMarshalling.Utf16)]
    public static unsafe partial int CreateProfile(string userSid, string userName, char* profilePath, uint profilePathLength);

    [LibraryImport("netapi32.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int NetUserModalsGet(string? serverName, uint level, out nint buffer);

    [LibraryImport("netapi32.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int NetLocalGroupAddMembers(string? serverName, string groupName, uint level, nint buffer, uint totalEntries);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    public static partial uint GetLengthSid(nint sid);

    [LibraryImport("advapi32.dll", EntryPoint = "LookupAccountSidW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static unsafe partial bool LookupAccountSid(nint systemName, byte* sid, char* name, ref uint nameLength, char* domain, ref uint domainLength, out int use);

    [LibraryImport("netapi32.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int NetUserSetInfo(string? serverName, string userName, uint level, nint buffer, out uint parameterError);

    [LibraryImport("kernel32.dll", EntryPoint = "SetComputerNameExW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool SetComputerNameEx(int nameType, string name);

    /// <summary>COMPUTER_NAME_FORMAT.ComputerNamePhysicalDnsHostname.</summary>
    public const int ComputerNamePhysicalDnsHostname = 5;

    [LibraryImport("netapi32.dll")]
    public static partial int NetApiBufferFree(nint buffer);

    [LibraryImport("advapi32.dll", EntryPoint = "OpenSCManagerW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint OpenSCManager(string? machineName, string? databaseName, uint desiredAccess);

    [LibraryImport("advapi32.dll", EntryPoint = "OpenServiceW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint OpenService(nint manager, string serviceName, uint desiredAccess);

    [LibraryImport("advapi32.dll", EntryPoint = "QueryServiceConfigW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool QueryServiceConfig(nint service, nint buffer, uint bufferSize, out uint bytesNeeded);

    [LibraryImport("advapi32.dll", EntryPoint = "ChangeServiceConfigW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool ChangeServiceConfig(nint service, uint serviceType, uint startType, uint errorControl, string? binaryPathName,
        string? loadOrderGroup, nint tagId, string? dependencies, string? serviceStartName, string? password, string? displayName);

    [LibraryImport("advapi32.dll", EntryPoint = "StartServiceW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool StartService(nint service, uint argumentCount, nint arguments);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool ControlService(nint service, uint control, out ServiceStatus status);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool QueryServiceStatus(nint service, out ServiceStatus status);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool CloseServiceHandle(nint handle);

    [LibraryImport("advapi32.dll", EntryPoint = "InitiateShutdownW", StringMarshalling = StringMarshalling.Utf16)]
    public static partial uint InitiateShutdown(string? machineName, string? message, uint gracePeriodSeconds, uint shutdownFlags, uint reason);

    [LibraryImport("kernel32.dll", EntryPoint = "CreateFileW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial SafeFileHandle CreateFile(string fileName, uint desiredAccess, uint shareMode, nint securityAttributes,
        uint creationDisposition, uint flagsAndAttributes, nint templateFile);

    [LibraryImport("ntdll.dll")]
    public static partial int RtlGetVersion(ref OsVersionInfoExW versionInfo);

    [LibraryImport("kernel32.dll")]
    public static partial nint GetCurrentProcess();

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool OpenProcessToken(nint process, uint desiredAccess, out SafeAccessTokenHandle token);

    [LibraryImport("advapi32.dll", EntryPoint = "LookupPrivilegeValueW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool LookupPrivilegeValue(string? systemName, string name, out Luid luid);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool AdjustTokenPrivileges(SafeAccessTokenHandle token, [MarshalAs(UnmanagedType.Bool)] bool disableAll,
        ref TokenPrivilege newState, uint bufferLength, nint previousState, nint returnLength);

    /// <summary>BY_HANDLE_FILE_INFORMATION (https://learn.microsoft.com/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information): 52 bytes; each FILETIME is two DWORDs, so 4-byte packing.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct ByHandleFileInformation
    {
        public uint FileAttributes;
        public ulong CreationTime;
        public ulong LastAccessTime;
        public ulong LastWriteTime;
        public uint VolumeSerialNumber;
        public uint FileSizeHigh;
        public uint FileSizeLow;
        public uint NumberOfLinks;
        public uint FileIndexHigh;
        public uint FileIndexLow;
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation information);
}
