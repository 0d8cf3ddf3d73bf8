using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Events;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Windows.Live.Service;

/// <summary>
/// Installs and removes a Windows service through the SCM (<c>OpenSCManagerW</c>, <c>CreateServiceW</c>,
/// <c>ChangeServiceConfigW</c>, <c>ChangeServiceConfig2W</c>, <c>ControlService</c>, <c>DeleteService</c>) and registers
/// its event log source in the registry. Needs an elevated administrator.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsServiceInstaller : IServiceInstaller
{
    private const uint InstallAccess = NativeMethods.ServiceQueryConfig | NativeMethods.ServiceChangeConfig |
                                       NativeMethods.ServiceQueryStatus | NativeMethods.ServiceStart;

    private readonly IRegistry _registry;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stopTimeout;

    /// <summary>
    /// Creates the installer; throws <see cref="PlatformNotSupportedException"/> off Windows. <paramref name="registry"/>
    /// (default: the live registry) receives the event source; <paramref name="stopTimeout"/> (default 30 s) bounds how
    /// long an uninstall waits for the service to stop.
    /// </summary>
    public WindowsServiceInstaller(IRegistry? registry = null, TimeProvider? time = null, TimeSpan? stopTimeout = null)
    {
        LivePlatform.Guard("WindowsServiceInstaller");
        _registry = registry ?? new LiveRegistry();
        _time = time ?? TimeProvider.System;
        _stopTimeout = stopTimeout ?? TimeSpan.FromSeconds(30);
        ArgumentOutOfRangeException.ThrowIfLessThan(_stopTimeout, TimeSpan.Zero, nameof(stopTimeout));
    }

    /// <inheritdoc/>
    public ServiceInstallResult Install(ServiceInstallSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var commandLine = spec.CommandLine;
        var manager = OpenManager(NativeMethods.ScManagerConnect | NativeMethods.ScManagerCreateService, "create a service");
        try
        {
            var created = true;
            var service = NativeMethods.CreateService(manager, spec.Name, spec.DisplayName, InstallAccess, NativeMethods.ServiceWin32OwnProcess,
                (uint)spec.StartMode, NativeMethods.ServiceErrorNormal, commandLine, null, 0, null, null, null);
            if (service == 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error != NativeMethods.ErrorServiceExists)
                {
                    throw Failure(error, $"CreateService({spec.Name})");
                }

                created = false;
                service = OpenService(manager, spec.Name, InstallAccess);
            }

            try
            {
                if (!created && !NativeMethods.ChangeServiceConfig(service, NativeMethods.ServiceWin32OwnProcess, (uint)spec.StartMode,
                        NativeMethods.ServiceErrorNormal, commandLine, null, 0, null, "LocalSystem", "", spec.DisplayName))
                {
                    throw Failure(Marshal.GetLastPInvokeError(), $"ChangeServiceConfig({spec.Name})");
                }

                Configure(service, spec);
            }
            finally
            {
                _ = NativeMethods.CloseServiceHandle(service);
            }

            string? messageFile = null;
            if (spec.RegisterEventLogSource)
            {
                messageFile = spec.EventMessageFile ?? EventLogSource.ChooseMessageFile(
                    Path.GetDirectoryName(spec.ExecutablePath) ?? spec.ExecutablePath, File.Exists);
                EventLogSource.Register(_registry, spec.Name, messageFile);
            }

            return new ServiceInstallResult(spec.Name, created, commandLine, messageFile);
        }
        finally
        {
            _ = NativeMethods.CloseServiceHandle(manager);
        }
    }

    /// <inheritdoc/>
    public ServiceUninstallResult Uninstall(string name)
    {
        ServiceInstallSpec.ValidateName(name);
        var manager = OpenManager(NativeMethods.ScManagerConnect, "remove a service");
        try
        {
            var service = NativeMethods.OpenService(manager, name, NativeMethods.ServiceStop | NativeMethods.ServiceQueryStatus | NativeMethods.Delete);
            if (service == 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error != NativeMethods.ErrorServiceDoesNotExist)
                {
                    throw Failure(error, $"OpenService({name})");
                }

                var source = EventLogSource.Unregister(_registry, name) ? "; its event log source registration was removed" : "";
                return new ServiceUninstallResult(name, false, true, $"service '{name}' is not installed; nothing to remove{source}");
            }

            try
            {
                var stopped = StopAndWait(service, name);
                var removed = true;
                if (!NativeMethods.DeleteService(service))
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error != NativeMethods.ErrorServiceMarkedForDelete)
                    {
                        throw Failure(error, $"DeleteService({name})");
                    }

                    removed = false;
                }

                _ = EventLogSource.Unregister(_registry, name);
                removed &= stopped;
                var message = removed
                    ? $"service '{name}' stopped and removed"
                    : $"service '{name}' is marked for deletion; Windows removes it once it has stopped and every handle to it is closed " +
                      $"({(stopped ? "a program such as services.msc may still hold it open" : $"it did not stop within {_stopTimeout.TotalSeconds:0.#} s")})";
                return new ServiceUninstallResult(name, true, removed, message);
            }
            finally
            {
                _ = NativeMethods.CloseServiceHandle(service);
            }
        }
        finally
        {
            _ = NativeMethods.CloseServiceHandle(manager);
        }
    }

    /// <summary>Description, failure actions, delayed start and preshutdown timeout: set to the spec's values every time.</summary>
    private static void Configure(nint service, ServiceInstallSpec spec)
    {
        var description = Marshal.StringToHGlobalUni(spec.Description ?? "");
        try
        {
            SetConfig(service, spec.Name, NativeMethods.ServiceConfigDescription, new NativeMethods.ServiceDescription { Description = description });
        }
        finally
        {
            Marshal.FreeHGlobal(description);
        }

        SetFailureActions(service, spec);

        // The two switches are written every time so that a reinstall turns an old "on" off. An SCM that does not know
        // the setting at all (Wine 8 answers ERROR_INVALID_LEVEL) already behaves as "off", so only "on" must succeed.
        SetConfig(service, spec.Name, NativeMethods.ServiceConfigFailureActionsFlag,
            new NativeMethods.ServiceBoolInfo { Value = spec.Recovery.OnNonCrashFailures ? 1 : 0 }, unknownLevelIsOff: !spec.Recovery.OnNonCrashFailures);
        if (spec.StartMode == ServiceStartMode.Automatic)
        {
            // Only meaningful for automatic start.
            SetConfig(service, spec.Name, NativeMethods.ServiceConfigDelayedAutoStartInfo,
                new NativeMethods.ServiceBoolInfo { Value = spec.DelayedAutoStart ? 1 : 0 }, unknownLevelIsOff: !spec.DelayedAutoStart);
        }

        SetConfig(service, spec.Name, NativeMethods.ServiceConfigPreshutdownInfo,
            new NativeMethods.ServicePreshutdownInfo { TimeoutMilliseconds = (uint)Math.Ceiling(spec.PreshutdownTimeout.TotalMilliseconds) });
    }

    private static void SetFailureActions(nint service, ServiceInstallSpec spec)
    {
        var delays = spec.Recovery.RestartDelays;
        var actionSize = Marshal.SizeOf<NativeMethods.ScAction>();

        // Never a null array: with lpsaActions null the SCM ignores the count and keeps the old actions, so "none" would not clear them.
        var actions = Marshal.AllocHGlobal(actionSize * Math.Max(1, delays.Count));

        // An empty string (not null) for the reboot message and command clears them; null would leave them unchanged.
        var empty = Marshal.StringToHGlobalUni("");
        try
        {
            for (var i = 0; i < delays.Count; i++)
            {
                Marshal.StructureToPtr(new NativeMethods.ScAction { Type = NativeMethods.ScActionRestart, Delay = (uint)Math.Ceiling(delays[i].TotalMilliseconds) },
                    actions + (i * actionSize), false);
            }

            SetConfig(service, spec.Name, NativeMethods.ServiceConfigFailureActions, new NativeMethods.ServiceFailureActions
            {
                ResetPeriodSeconds = (uint)spec.Recovery.ResetPeriod.TotalSeconds,
                RebootMessage = empty,
                Command = empty,
                ActionCount = (uint)delays.Count,
                Actions = actions,
            });
        }
        finally
        {
            Marshal.FreeHGlobal(empty);
            Marshal.FreeHGlobal(actions);
        }
    }

    private static void SetConfig<T>(nint service, string name, uint level, T info, bool unknownLevelIsOff = false)
        where T : struct
    {
        var buffer = Marshal.AllocHGlobal(Marshal.SizeOf<T>());
        try
        {
            Marshal.StructureToPtr(info, buffer, false);
            if (!NativeMethods.ChangeServiceConfig2(service, level, buffer))
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == NativeMethods.ErrorInvalidLevel && unknownLevelIsOff)
                {
                    return;
                }

                throw Failure(error, $"ChangeServiceConfig2({name}, {LevelName(level)})");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    /// <summary>Asks a running service to stop and waits until it has; false when it was still running when the time ran out.</summary>
    private bool StopAndWait(nint service, string name)
    {
        if (!NativeMethods.QueryServiceStatus(service, out var status))
        {
            throw Failure(Marshal.GetLastPInvokeError(), $"QueryServiceStatus({name})");
        }

        if (status.CurrentState == (uint)ServiceState.Stopped)
        {
            return true;
        }

        if (status.CurrentState != (uint)ServiceState.StopPending && !NativeMethods.ControlService(service, NativeMethods.ServiceControlStop, out _))
        {
            var error = Marshal.GetLastPInvokeError();

            // Not active: it stopped meanwhile. Cannot accept control now: it is still starting; wait, then delete anyway.
            if (error is not (NativeMethods.ErrorServiceNotActive or NativeMethods.ErrorServiceCannotAcceptControl))
            {
                throw Failure(error, $"ControlService({name}, stop)");
            }
        }

        var start = _time.GetTimestamp();
        while (true)
        {
            if (!NativeMethods.QueryServiceStatus(service, out status))
            {
                throw Failure(Marshal.GetLastPInvokeError(), $"QueryServiceStatus({name})");
            }

            if (status.CurrentState == (uint)ServiceState.Stopped)
            {
                return true;
            }

            if (_time.GetElapsedTime(start) >= _stopTimeout)
            {
                return false;
            }

            Thread.Sleep(TimeSpan.FromMilliseconds(250));
        }
    }

    private static nint OpenManager(uint access, string purpose)
    {
        var manager = NativeMethods.OpenSCManager(null, null, access);
        return manager != 0 ? manager : throw Failure(Marshal.GetLastPInvokeError(), $"OpenSCManager (to {purpose})");
    }

    private static nint OpenService(nint manager, string name, uint access)
    {
        var service = NativeMethods.OpenService(manager, name, access);
        return service != 0 ? service : throw Failure(Marshal.GetLastPInvokeError(), $"OpenService({name})");
    }

    private static Win32Exception Failure(int error, string call) => error switch
    {
        NativeMethods.ErrorAccessDenied => new Win32Exception(error, $"{call} failed: access denied; installing or removing a service needs an elevated administrator"),
        NativeMethods.ErrorServiceMarkedForDelete => new Win32Exception(error,
            $"{call} failed: the service is marked for deletion; close programs that hold it open (services.msc, Event Viewer, sc) or restart Windows, then try again"),
        _ => new Win32Exception(error, $"{call} failed: {new Win32Exception(error).Message} (error {error})"),
    };

    private static string LevelName(uint level) => level switch
    {
        NativeMethods.ServiceConfigDescription => "description",
        NativeMethods.ServiceConfigFailureActions => "failure actions",
        NativeMethods.ServiceConfigDelayedAutoStartInfo => "delayed auto-start",
        NativeMethods.ServiceConfigFailureActionsFlag => "failure actions flag",
        NativeMethods.ServiceConfigPreshutdownInfo => "preshutdown timeout",
        _ => level.ToString(),
    };
}
