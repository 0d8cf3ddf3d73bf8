using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Reseal.Windows.Live;

/// <summary>The service-control-dispatcher, service-configuration and event-log parts of advapi32 (winsvc.h, winbase.h).</summary>
[SupportedOSPlatform("windows")]
internal static partial class NativeMethods
{
    public const int ErrorAccessDenied = 5;
    public const int ErrorInvalidLevel = 124;
    public const int ErrorServiceAlreadyRunning = 1056;
    public const int ErrorServiceDoesNotExist = 1060;
    public const int ErrorServiceCannotAcceptControl = 1061;
    public const int ErrorServiceNotActive = 1062;
    public const int ErrorFailedServiceControllerConnect = 1063;
    public const int ErrorServiceMarkedForDelete = 1072;
    public const int ErrorServiceExists = 1073;
    public const uint ErrorTimeout = 1460;

    public const uint ScManagerCreateService = 0x2;
    public const uint ServiceInterrogate = 0x80;
    public const uint Delete = 0x10000;
    public const uint ServiceWin32OwnProcess = 0x10;
    public const uint ServiceErrorNormal = 0x1;
    public const uint ServiceConfigDescription = 1;
    public const uint ServiceConfigFailureActions = 2;
    public const uint ServiceConfigDelayedAutoStartInfo = 3;
    public const uint ServiceConfigFailureActionsFlag = 4;
    public const uint ServiceConfigPreshutdownInfo = 7;
    public const int ScActionNone = 0;
    public const int ScActionRestart = 1;
    public const ushort EventlogErrorType = 0x1;
    public const ushort EventlogWarningType = 0x2;
    public const ushort EventlogInformationType = 0x4;

    /// <summary>SERVICE_TABLE_ENTRYW: the service's name and its ServiceMain. 16 bytes on 64-bit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceTableEntry
    {
        public nint ServiceName;
        public nint ServiceProc;
    }

    /// <summary>SERVICE_DESCRIPTIONW.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceDescription
    {
        public nint Description;
    }

    /// <summary>SC_ACTION: SC_ACTION_TYPE (a 32-bit enum) and a delay in milliseconds. 8 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ScAction
    {
        public int Type;
        public uint Delay;
    }

    /// <summary>SERVICE_FAILURE_ACTIONSW. 40 bytes on 64-bit: reset period at 0, reboot message at 8, command at 16, count at 24, actions at 32.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceFailureActions
    {
        public uint ResetPeriodSeconds;
        public nint RebootMessage;
        public nint Command;
        public uint ActionCount;
        public nint Actions;
    }

    /// <summary>SERVICE_DELAYED_AUTO_START_INFO and SERVICE_FAILURE_ACTIONS_FLAG: one BOOL.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceBoolInfo
    {
        public int Value;
    }

    /// <summary>SERVICE_PRESHUTDOWN_INFO: the timeout in milliseconds.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServicePreshutdownInfo
    {
        public uint TimeoutMilliseconds;
    }

    [LibraryImport("advapi32.dll", EntryPoint = "StartServiceCtrlDispatcherW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static unsafe partial bool StartServiceCtrlDispatcher(ServiceTableEntry* serviceTable);

    [LibraryImport("advapi32.dll", EntryPoint = "RegisterServiceCtrlHandlerExW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint RegisterServiceCtrlHandlerEx(string serviceName, nint handlerProc, nint context);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool SetServiceStatus(nint statusHandle, in ServiceStatus status);

    [LibraryImport("advapi32.dll", EntryPoint = "CreateServiceW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateService(nint manager, string serviceName, string displayName, uint desiredAccess, uint serviceType,
        uint startType, uint errorControl, string binaryPathName, string? loadOrderGroup, nint tagId, string? dependencies,
        string? serviceStartName, string? password);

    [LibraryImport("advapi32.dll", EntryPoint = "ChangeServiceConfig2W", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool ChangeServiceConfig2(nint service, uint infoLevel, nint info);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool DeleteService(nint service);

    [LibraryImport("advapi32.dll", EntryPoint = "RegisterEventSourceW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint RegisterEventSource(string? serverName, string sourceName);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool DeregisterEventSource(nint eventLog);

    [LibraryImport("advapi32.dll", EntryPoint = "ReportEventW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static unsafe partial bool ReportEvent(nint eventLog, ushort type, ushort category, uint eventId, nint userSid,
        ushort stringCount, uint dataSize, char** strings, nint rawData);
}
