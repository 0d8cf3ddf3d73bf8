using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>
/// Local accounts through NetUserEnum/NetUserGetInfo/NetUserSetInfo (level 20, 0, 1003, 1008) and NetUserAdd; the
/// built-in administrator found by SID (the account domain's SID from NetUserModalsGet level 2, plus RID 500, named by
/// LookupAccountSid) and built-in groups by their well-known SIDs (LookupAccountSid), never by an English name; failures
/// carry the NET_API_STATUS code and the system's text (<see cref="NetApiMessages"/>); profiles from ProfileList.
/// </summary>
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
                    throw NetApiMessages.Failure("NetUserEnum (listing local accounts)", status);
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
                throw NetApiMessages.Failure($"NetUserSetInfo({name}, {(enabled ? "enable" : "disable")})", status);
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
            if (status == NetApiException.UserNotFound)
            {
                return null;
            }

            if (status != NativeMethods.NerrSuccess)
            {
                throw NetApiMessages.Failure($"NetUserGetInfo({name})", status);
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
                throw NetApiMessages.Failure($"NetUserSetInfo({name}, password)", status);
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
                throw NetApiMessages.Failure($"NetUserSetInfo({name}, rename to {newName})", status);
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
                throw NetApiMessages.Failure($"NetUserAdd({name})", status);
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
    public LocalAccount? FindByRid(uint rid)
    {
        // The account domain's SID (the machine SID on a member server or workstation), plus the RID, named by the LSA:
        // the name is whatever this Windows calls it (Administrateur, Administrador, a renamed account).
        var name = LookupName(AccountDomainSid().WithRid(rid));
        return name is null ? null : Get(name)?.Account;
    }

    /// <inheritdoc/>
    public bool AddToGroup(LocalGroup group, string userName)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        WineDetection.ThrowIfWine("NetLocalGroupAddMembers (adding a group member)");
        var groupName = group.Sid is { } sid
            ? LookupName(sid) ?? throw NetApiMessages.Failure($"LookupAccountSid({sid})", 1332) // ERROR_NONE_MAPPED
            : group.Name!;
        // The member as COMPUTER\name, so a domain account of the same name is never the one added.
        var member = Marshal.StringToHGlobalUni(Environment.MachineName + "\\" + userName);
        var buffer = Marshal.AllocHGlobal(Marshal.SizeOf<NativeMethods.LocalGroupMembersInfo3>());
        try
        {
            Marshal.StructureToPtr(new NativeMethods.LocalGroupMembersInfo3 { DomainAndName = member }, buffer, false);
            var status = NativeMethods.NetLocalGroupAddMembers(null, groupName, 3, buffer, 1);
            return status switch
            {
                NativeMethods.NerrSuccess => true,
                NetApiException.MemberInAlias => false,
                _ => throw NetApiMessages.Failure($"NetLocalGroupAddMembers({groupName}, {userName})", status),
            };
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
            Marshal.FreeHGlobal(member);
        }
    }

    /// <summary>The SID of this machine's account domain (NetUserModalsGet level 2: usrmod2_domain_id).</summary>
    private static WindowsSid AccountDomainSid()
    {
        var status = NativeMethods.NetUserModalsGet(null, 2, out var buffer);
        try
        {
            if (status != NativeMethods.NerrSuccess)
            {
                throw NetApiMessages.Failure("NetUserModalsGet(level 2: the account domain's SID)", status);
            }

            var info = Marshal.PtrToStructure<NativeMethods.UserModalsInfo2>(buffer);
            var length = (int)NativeMethods.GetLengthSid(info.DomainId);
            var bytes = new byte[length];
            Marshal.Copy(info.DomainId, bytes, 0, length);
            return WindowsSid.TryRead(bytes) ?? throw new InvalidOperationException("NetUserModalsGet returned a domain SID that does not parse");
        }
        finally
        {
            if (buffer != 0)
            {
                _ = NativeMethods.NetApiBufferFree(buffer);
            }
        }
    }

    /// <summary>
    /// The account name LookupAccountSid gives a SID (without its domain), or null when none is mapped (ERROR_NONE_MAPPED).
    /// Names fit the first buffers in practice; when they do not, the call fails with ERROR_INSUFFICIENT_BUFFER and sets
    /// both lengths to what it needs (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-lookupaccountsidw),
    /// so it is asked once more with buffers of that size.
    /// </summary>
    private static unsafe string? LookupName(WindowsSid sid)
    {
        var bytes = sid.ToBytes();
        uint nameLength = 256, domainLength = 256;
        for (var attempt = 1; ; attempt++)
        {
            var name = new char[Math.Max(nameLength, 1)];
            var domain = new char[Math.Max(domainLength, 1)];
            nameLength = (uint)name.Length;
            domainLength = (uint)domain.Length;
            bool found;
            fixed (byte* sidBytes = bytes)
            fixed (char* namePointer = name)
            fixed (char* domainPointer = domain)
            {
                found = NativeMethods.LookupAccountSid(0, sidBytes, namePointer, ref nameLength, domainPointer, ref domainLength, out _);
            }

            if (found)
            {
                return new string(name, 0, (int)nameLength);
            }

            var error = Marshal.GetLastPInvokeError();
            if (error == NativeMethods.ErrorInsufficientBuffer && attempt == 1)
            {
                continue; // the lengths now hold the sizes needed, terminating nulls included
            }

            return error == 1332 ? null : throw NetApiMessages.Failure($"LookupAccountSid({sid})", error);
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

    /// <inheritdoc/>
    /// <remarks>
    /// The SID is the account domain's SID plus the account's RID (NetUserModalsGet, NetUserGetInfo), never a lookup by
    /// name, which could find a domain account of the same name. A profile already in ProfileList is used as registered
    /// (<c>ProfileImagePath</c>, expanded); otherwise CreateProfile (userenv.dll) creates the folder, the NTUSER.DAT copied
    /// from the Default profile and the ProfileList entry, and returns the folder Windows chose: not necessarily
    /// <c>C:\Users\NAME</c>, which may be taken. ERROR_ALREADY_EXISTS (a profile appeared meanwhile) reads ProfileList again.
    /// Source: https://learn.microsoft.com/windows/win32/api/userenv/nf-userenv-createprofile (administrators only; S_OK,
    /// E_ACCESSDENIED, HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)). Wine 8's userenv.dll does not export CreateProfile: that
    /// becomes a <see cref="PlatformNotSupportedException"/> naming it, not a crash.
    /// </remarks>
    public unsafe ProfileFolder EnsureProfile(string userName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        var account = FindAccount(userName) ?? throw new KeyNotFoundException($"no local account named '{userName}'");
        var sid = AccountDomainSid().WithRid(account.Rid);
        if (RegisteredProfilePath(sid) is { } registered)
        {
            return new ProfileFolder(sid, registered, Created: false);
        }

        var buffer = new char[NativeMethods.MaxPath];
        int result;
        try
        {
            fixed (char* path = buffer)
            {
                result = NativeMethods.CreateProfile(sid.ToString(), account.Name, path, (uint)buffer.Length);
            }
        }
        catch (EntryPointNotFoundException e)
        {
            throw new PlatformNotSupportedException($"creating the profile of '{account.Name}' needs CreateProfile, which this system's userenv.dll does not export (Wine has none)", e);
        }

        if (result == NativeMethods.HresultAlreadyExists)
        {
            return RegisteredProfilePath(sid) is { } raced
                ? new ProfileFolder(sid, raced, Created: false)
                : throw new Win32Exception(183, $"CreateProfile({account.Name}, {sid}) says a profile exists, but ProfileList has no ProfileImagePath for {sid}");
        }

        if (result < 0)
        {
            // HRESULT_FROM_WIN32 codes (0x8007xxxx, E_ACCESSDENIED included) carry a Win32 error and its system text.
            var code = (result & 0xFFFF0000) == 0x80070000 ? result & 0xFFFF : result;
            throw new Win32Exception(code, $"CreateProfile({account.Name}, {sid}) failed with 0x{result:X8}: {new Win32Exception(code).Message}");
        }

        var end = Array.IndexOf(buffer, '\0');
        var created = new string(buffer, 0, end < 0 ? buffer.Length : end);
        return new ProfileFolder(sid, created.Length > 0 ? created : RegisteredProfilePath(sid) ?? throw new Win32Exception(
            $"CreateProfile({account.Name}, {sid}) succeeded but named no folder, and ProfileList has none"), Created: true);
    }

    private string? RegisteredProfilePath(WindowsSid sid) =>
        _registry.GetValue(RegistryHive.Software, @"Microsoft\Windows NT\CurrentVersion\ProfileList\" + sid, "ProfileImagePath")?.AsText() is { Length: > 0 } path
            ? Environment.ExpandEnvironmentVariables(path)
            : null;

    private static LocalAccount ToAccount(NativeMethods.UserInfo20 info) => new()
    {
        Name = Marshal.PtrToStringUni(info.Name) ?? "",
        FullName = Marshal.PtrToStringUni(info.FullName) is { Length: > 0 } full ? full : null,
        Comment = Marshal.PtrToStringUni(info.Comment) is { Length: > 0 } comment ? comment : null,
        Flags = UserFlags.ToModelFlags(info.Flags),
        Rid = info.UserId,
    };
}
