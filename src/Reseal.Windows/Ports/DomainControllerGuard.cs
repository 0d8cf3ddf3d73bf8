namespace Reseal.Windows.Ports;

/// <summary>
/// Wraps a machine's accounts so that no account is changed on a domain controller. A domain controller has no local
/// account database: NetUserSetInfo, NetUserAdd and NetLocalGroupAddMembers there act on Active Directory, so scrambling
/// "the built-in administrator" would change the domain's Administrator (product type 2, VER_NT_DOMAIN_CONTROLLER:
/// https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-osversioninfoexw). Reads pass through; every change
/// throws <see cref="AccountChangeRefusedException"/> with a message that says so. Every machine's account port is
/// wrapped in it, so no caller can forget the check.
/// </summary>
public sealed class DomainControllerGuard(ILocalAccounts inner, ISystemInfo system) : ILocalAccounts
{
    // The product type does not change while Reseal runs: read once, at the first change, not at every one.
    private readonly Lazy<bool> _isDomainController = new(() => system.GetOsVersion().IsDomainController, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The accounts without the guard.</summary>
    public ILocalAccounts Inner => inner;

    /// <inheritdoc/>
    public IReadOnlyList<LocalAccount> ListAccounts() => inner.ListAccounts();

    /// <inheritdoc/>
    public LocalAccount? FindAccount(string name) => inner.FindAccount(name);

    /// <inheritdoc/>
    public LocalAccount? FindByRid(uint rid) => inner.FindByRid(rid);

    /// <inheritdoc/>
    public IReadOnlyList<UserProfile> ListProfiles() => inner.ListProfiles();

    /// <inheritdoc/>
    /// <remarks>Not refused: a profile is this machine's folder and registry entry, not a change to an account.</remarks>
    public ProfileFolder EnsureProfile(string userName) => inner.EnsureProfile(userName);

    /// <inheritdoc/>
    public void SetEnabled(string name, bool enabled)
    {
        Refuse(enabled ? $"enabling '{name}'" : $"disabling '{name}'");
        inner.SetEnabled(name, enabled);
    }

    /// <inheritdoc/>
    public void SetPassword(string name, string password)
    {
        Refuse($"setting the password of '{name}'");
        inner.SetPassword(name, password);
    }

    /// <inheritdoc/>
    public void Rename(string name, string newName)
    {
        Refuse($"renaming '{name}'");
        inner.Rename(name, newName);
    }

    /// <inheritdoc/>
    public void Create(string name, string password)
    {
        Refuse($"creating '{name}'");
        inner.Create(name, password);
    }

    /// <inheritdoc/>
    public bool AddToGroup(LocalGroup group, string userName)
    {
        ArgumentNullException.ThrowIfNull(group);
        Refuse($"adding '{userName}' to the group {group}");
        return inner.AddToGroup(group, userName);
    }

    /// <summary>The message an account change gets on a domain controller.</summary>
    public static string RefusalMessage(string what) =>
        $"{what} refused: this machine is a domain controller (product type 2), whose accounts are the domain's — " +
        "the change would apply to Active Directory, not to this machine. Reseal changes no account on a domain controller; " +
        "manage its accounts with the domain's tools, and do not seal or image a domain controller";

    private void Refuse(string what)
    {
        if (_isDomainController.Value)
        {
            throw new AccountChangeRefusedException(RefusalMessage(what));
        }
    }
}
