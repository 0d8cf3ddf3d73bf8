using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>Shutdown and restart through InitiateShutdownW.</summary>
[SupportedOSPlatform("windows")]
public sealed class LivePower : IPower
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LivePower() => LiveWindows.Guard("LivePower");

    /// <inheritdoc/>
    public void Request(PowerAction action, TimeSpan delay, string reason)
    {
        var flags = NativeMethods.ShutdownForceOthers | (action == PowerAction.Reboot ? NativeMethods.ShutdownRestart : NativeMethods.ShutdownPowerOff);
        if (delay == TimeSpan.Zero)
        {
            flags |= NativeMethods.ShutdownGraceOverride;
        }

        EnableShutdownPrivilege();
        var error = NativeMethods.InitiateShutdown(null, reason, (uint)Math.Clamp(delay.TotalSeconds, 0, 315360000), flags,
            NativeMethods.ShtdnReasonMajorOperatingSystem | NativeMethods.ShtdnReasonMinorReconfig | NativeMethods.ShtdnReasonFlagPlanned);
        if (error != 0)
        {
            throw new Win32Exception((int)error, $"InitiateShutdown ({action}) failed");
        }
    }

    /// <summary>InitiateShutdown needs SeShutdownPrivilege enabled in the token; even SYSTEM holds it disabled.</summary>
    private static void EnableShutdownPrivilege()
    {
        if (!NativeMethods.OpenProcessToken(NativeMethods.GetCurrentProcess(), NativeMethods.TokenAdjustPrivileges | NativeMethods.TokenQuery, out var token))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "OpenProcessToken failed");
        }

        using (token)
        {
            if (!NativeMethods.LookupPrivilegeValue(null, "SeShutdownPrivilege", out var luid))
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "LookupPrivilegeValue(SeShutdownPrivilege) failed");
            }

            var privilege = new NativeMethods.TokenPrivilege { PrivilegeCount = 1, Luid = luid, Attributes = NativeMethods.SePrivilegeEnabled };
            // AdjustTokenPrivileges succeeds even when the privilege is not held; ERROR_NOT_ALL_ASSIGNED (1300) says so.
            if (!NativeMethods.AdjustTokenPrivileges(token, false, ref privilege, 0, 0, 0) || Marshal.GetLastPInvokeError() == 1300)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "this account does not hold SeShutdownPrivilege");
            }
        }
    }
}
