using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>Local accounts through NetUserEnum/NetUserSetInfo (level 20, 1003, 1008); profiles from ProfileList.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveAccounts : ILocalAccounts
{
    private readonly IRegistry _registry;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveAccounts(IRegistry registry)
    {
        LivePlatform.Guard("LiveAccounts");
        _registry = registry;
    }

    /// <inheritdoc/>
    public IReadOnlyList<LocalAccount> ListAccounts()
    {
        var accounts = new List<LocalAccount>();
        uint resume = 0;
        int status;
        do
        {
            status = NativeMethods.NetUserEnum(null, 20, NativeMethods.FilterNormalAccount, out var buffer, NativeMethods.MaxPreferredLength, out var read, out _, ref resume);
            try
            {
                if (status is not (NativeMethods.NerrSuccess or NativeMethods.ErrorMoreData))
                {
                    throw new Win32Exception(status, "NetUserEnum failed");
                }

                var size = Marshal.SizeOf<NativeMethods.UserInfo20>();
                for (var i = 0; i < read; i++)
                {
                    accounts.Add(ToAccount(Marshal.PtrToStructure<NativeMethods.UserInfo20>(buffer + (i * size))));
                }
            }
            finally
            {
                if (buffer != 0)
                {
                    _ = NativeMethods.NetApiBufferFree(buffer);
                }
            }
        }
        while (status == NativeMethods.ErrorMoreData);

        return accounts.OrderBy(a => a.Rid).ToList();
    }

    /// <inheritdoc/>
    public LocalAccount? FindAccount(string name) => Get(name)?.Account;

    /// <inheritdoc/>
    public void SetEnabled(string name, bool enabled)
    {
        var (_, userFlags) = Get(name) ?? throw new KeyNotFoundException($"no local account named '{name}'");
        var info = new NativeMethods.UserInfo1008 { Flags = UserFlags.WithDisabled(userFlags, disabled: !enabled) };
        var buffer = Marshal.AllocHGlobal(Marshal.SizeOf(info));
        try
        {
            Marshal.StructureToPtr(info, buffer, false);
            var status = NativeMethods.NetUserSetInfo(null, name, 1008, buffer, out _);
            if (status != NativeMethods.NerrSuccess)
            {
                throw new Win32Exception(status, $"NetUserSetInfo({name}, flags) failed");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    /// <summary>An account and its raw NetUser UF_* flags, or null when there is none by that name.</summary>
    private static (LocalAccount Account, uint UserFlags)? Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var status = NativeMethods.NetUserGetInfo(null, name, 20, out var buffer);
        try
        {
            if (status == 2221) // NERR_UserNotFound
            {
                return null;
            }

            if (status != NativeMethods.NerrSuccess)
            {
                throw new Win32Exception(status, $"NetUserGetInfo({name}) failed");
            }

            var info = Marshal.PtrToStructure<NativeMethods.UserInfo20>(buffer);
            return (ToAccount(info), info.Flags);
        }
        finally
        {
            if (buffer != 0)
            {
                _ = NativeMethods.NetApiBufferFree(buffer);
            }
        }
    }

    /// <inheritdoc/>
    public void SetPassword(string name, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(password);
        WineDetection.ThrowIfWine("NetUserSetInfo (setting a password)");
        var text = Marshal.StringToHGlobalUni(password);
        var buffer = Marshal.AllocHGlobal(Marshal.SizeOf<NativeMethods.UserInfo1003>());
        try
        {
            Marshal.StructureToPtr(new NativeMethods.UserInfo1003 { Password = text }, buffer, false);
            var status = NativeMethods.NetUserSetInfo(null, name, 1003, buffer, out _);
            if (status != NativeMethods.NerrSuccess)
            {
                throw new Win32Exception(status, $"NetUserSetInfo({name}, password) failed");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
            Marshal.ZeroFreeGlobalAllocUnicode(text);
        }
    }

    /// <inheritdoc/>
    public void Rename(string name, string newName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(newName);
        WineDetection.ThrowIfWine("NetUserSetInfo (renaming an account)");
        var text = Marshal.StringToHGlobalUni(newName);
        var buffer = Marshal.AllocHGlobal(Marshal.SizeOf<NativeMethods.UserInfo0>());
        try
        {
            Marshal.StructureToPtr(new NativeMethods.UserInfo0 { Name = text }, buffer, false);
            var status = NativeMethods.NetUserSetInfo(null, name, 0, buffer, out _);
            if (status != NativeMethods.NerrSuccess)
            {
                throw new Win32Exception(status, $"NetUserSetInfo({name}, rename to {newName}) failed");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
            Marshal.FreeHGlobal(text);
        }
    }

    /// <inheritdoc/>
    public void Create(string name, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(password);
        WineDetection.ThrowIfWine("NetUserAdd (creating an account)");
        var nameText = Marshal.StringToHGlobalUni(name);
        var passwordText = Marshal.StringToHGlobalUni(password);
        var buffer = Marshal.AllocHGlobal(Marshal.SizeOf<NativeMethods.UserInfo1>());
        try
        {
            Marshal.StructureToPtr(new NativeMethods.UserInfo1
            {
                Name = nameText, Password = passwordText, Privilege = NativeMethods.UserPrivUser, Flags = NativeMethods.UserFlagsNormal,
            }, buffer, false);
            var status = NativeMethods.NetUserAdd(null, 1, buffer, out _);
            if (status != NativeMethods.NerrSuccess)
            {
                throw new Win32Exception(status, $"NetUserAdd({name}) failed");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
            Marshal.FreeHGlobal(nameText);
            Marshal.ZeroFreeGlobalAllocUnicode(passwordText);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<UserProfile> ListProfiles()
    {
        const string list = @"Microsoft\Windows NT\CurrentVersion\ProfileList";
        return _registry.GetSubkeyNames(RegistryHive.Software, list)
            .Select(sid => new UserProfile(sid,
                _registry.GetValue(RegistryHive.Software, list + "\\" + sid, "ProfileImagePath")?.AsText(),
                _registry.GetValue(RegistryHive.Software, list + "\\" + sid, "State")?.AsDWord()))
            .OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static LocalAccount ToAccount(NativeMethods.UserInfo20 info) => new()
    {
        Name = Marshal.PtrToStringUni(info.Name) ?? "",
        FullName = Marshal.PtrToStringUni(info.FullName) is { Length: > 0 } full ? full : null,
        Comment = Marshal.PtrToStringUni(info.Comment) is { Length: > 0 } comment ? comment : null,
        Flags = UserFlags.ToModelFlags(info.Flags),
        Rid = info.UserId,
    };
}

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
