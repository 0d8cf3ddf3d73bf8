namespace Reseal.Windows.Ports;

/// <summary>A local account as the SAM keeps it.</summary>
public sealed record LocalAccount
{
    /// <summary>The logon name.</summary>
    public required string Name { get; init; }

    /// <summary>The relative identifier (500 Administrator, 501 Guest, 1000+ users).</summary>
    public required uint Rid { get; init; }

    /// <summary>Full name, when set.</summary>
    public string? FullName { get; init; }

    /// <summary>Comment, when set.</summary>
    public string? Comment { get; init; }

    /// <summary>
    /// UserAccountControl flags as the SAM keeps them (0x1 disabled, 0x10 normal account, 0x200 password never expires).
    /// A running Windows reports NetUser UF_* flags instead (0x2 disabled); LiveAccounts translates them to these bits.
    /// </summary>
    public required uint Flags { get; init; }

    /// <summary>True when the account is disabled.</summary>
    public bool Disabled => (Flags & 0x1) != 0;

    /// <summary>True when the account is in the local Administrators group (S-1-5-32-544), when known.</summary>
    public bool? IsAdministrator { get; init; }

    /// <summary>Last logon, when recorded.</summary>
    public DateTimeOffset? LastLogon { get; init; }

    /// <summary>When the password was last set, when recorded.</summary>
    public DateTimeOffset? PasswordLastSet { get; init; }

    /// <summary>Number of logons.</summary>
    public int LogonCount { get; init; }

    /// <summary>True for the built-in accounts (Administrator 500, Guest 501, DefaultAccount 503, WDAGUtilityAccount 504).</summary>
    public bool IsBuiltIn => Rid is >= 500 and < 1000;
}

/// <summary>A user profile registered in ProfileList.</summary>
public sealed record UserProfile(string Sid, string? ProfileImagePath, uint? State)
{
    /// <summary>True for the service profiles (S-1-5-18/19/20) rather than a person's.</summary>
    public bool IsSystemProfile => Sid is "S-1-5-18" or "S-1-5-19" or "S-1-5-20";
}

/// <summary>Local accounts and profiles.</summary>
public interface ILocalAccounts
{
    /// <summary>All local accounts, sorted by RID.</summary>
    IReadOnlyList<LocalAccount> ListAccounts();

    /// <summary>An account by name (case-insensitive), or null.</summary>
    LocalAccount? FindAccount(string name);

    /// <summary>Enables or disables an account.</summary>
    void SetEnabled(string name, bool enabled);

    /// <summary>Sets an account's password. Needs a running Windows.</summary>
    void SetPassword(string name, string password);

    /// <summary>Renames an account (its RID and SID stay). Needs a running Windows.</summary>
    void Rename(string name, string newName);

    /// <summary>
    /// Creates an enabled local user with its password in one step (never a moment without one), a member of Users only.
    /// Needs a running Windows.
    /// </summary>
    void Create(string name, string password);

    /// <summary>The profiles in ProfileList, sorted by SID.</summary>
    IReadOnlyList<UserProfile> ListProfiles();
}
