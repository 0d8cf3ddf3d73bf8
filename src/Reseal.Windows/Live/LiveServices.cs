using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>Services through the service control manager (advapi32).</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveServices : IServices
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveServices() => LivePlatform.Guard("LiveServices");

    /// <inheritdoc/>
    public ServiceInfo? Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var manager = OpenManager();
        try
        {
            var service = NativeMethods.OpenService(manager, name, NativeMethods.ServiceQueryConfig | NativeMethods.ServiceQueryStatus);
            if (service == 0)
            {
                var error = Marshal.GetLastPInvokeError();
                return error == 1060 ? null : throw new Win32Exception(error, $"OpenService({name}) failed"); // ERROR_SERVICE_DOES_NOT_EXIST
            }

            try
            {
                _ = NativeMethods.QueryServiceConfig(service, 0, 0, out var needed);
                var buffer = Marshal.AllocHGlobal((int)needed);
                try
                {
                    if (!NativeMethods.QueryServiceConfig(service, buffer, needed, out _))
                    {
                        throw new Win32Exception(Marshal.GetLastPInvokeError(), $"QueryServiceConfig({name}) failed");
                    }

                    var config = Marshal.PtrToStructure<NativeMethods.QueryServiceConfigW>(buffer);
                    var state = NativeMethods.QueryServiceStatus(service, out var status) ? ToState(status.CurrentState) : ServiceRunState.Unknown;
                    return new ServiceInfo(name, Marshal.PtrToStringUni(config.DisplayName), Marshal.PtrToStringUni(config.BinaryPathName),
                        config.StartType <= 4 ? (ServiceStartMode)config.StartType : null, false, state);
                }
                finally
                {
                    Marshal.FreeHGlobal(buffer);
                }
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

    /// <inheritdoc/>
    public void SetStartMode(string name, ServiceStartMode mode) =>
        WithService(name, NativeMethods.ServiceChangeConfig, service =>
        {
            if (!NativeMethods.ChangeServiceConfig(service, NativeMethods.ServiceNoChange, (uint)mode, NativeMethods.ServiceNoChange, null, null, 0, null, null, null, null))
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"ChangeServiceConfig({name}) failed");
            }
        });

    /// <inheritdoc/>
    public async Task StartAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        WithService(name, NativeMethods.ServiceStart, service =>
        {
            if (!NativeMethods.StartService(service, 0, 0) && Marshal.GetLastPInvokeError() != 1056) // ERROR_SERVICE_ALREADY_RUNNING
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"StartService({name}) failed");
            }
        });
        await WaitForAsync(name, ServiceRunState.Running, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        WithService(name, NativeMethods.ServiceStop, service =>
        {
            if (!NativeMethods.ControlService(service, NativeMethods.ServiceControlStop, out _) && Marshal.GetLastPInvokeError() != 1062) // ERROR_SERVICE_NOT_ACTIVE
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"ControlService({name}, stop) failed");
            }
        });
        await WaitForAsync(name, ServiceRunState.Stopped, timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForAsync(string name, ServiceRunState wanted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            while (Find(name)?.State != wanted)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"service {name} did not reach {wanted} within {timeout}");
        }
    }

    private static nint OpenManager()
    {
        var manager = NativeMethods.OpenSCManager(null, null, NativeMethods.ScManagerConnect);
        return manager != 0 ? manager : throw new Win32Exception(Marshal.GetLastPInvokeError(), "OpenSCManager failed");
    }

    private static void WithService(string name, uint access, Action<nint> action)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var manager = OpenManager();
        try
        {
            var service = NativeMethods.OpenService(manager, name, access);
            if (service == 0)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"OpenService({name}) failed");
            }

            try
            {
                action(service);
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

    private static ServiceRunState ToState(uint state) => state switch
    {
        1 => ServiceRunState.Stopped,
        2 => ServiceRunState.StartPending,
        3 => ServiceRunState.StopPending,
        4 => ServiceRunState.Running,
        5 or 6 or 7 => ServiceRunState.Paused,
        _ => ServiceRunState.Unknown,
    };
}
