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

/// <summary>A user's profile folder, as ProfileList registers it, and whether it was created just now.</summary>
/// <param name="Sid">The user's SID.</param>
/// <param name="Path">The profile folder (<c>ProfileImagePath</c>, expanded): <c>C:\Users\bob</c>, or <c>C:\Users\bob.WIN-X</c> when
/// Windows had to pick another name.</param>
/// <param name="Created">True when the profile was created by this call.</param>
public sealed record ProfileFolder(WindowsSid Sid, string Path, bool Created);

/// <summary>Local accounts and profiles.</summary>
public interface ILocalAccounts
{
    /// <summary>All local accounts, sorted by RID.</summary>
    IReadOnlyList<LocalAccount> ListAccounts();

    /// <summary>An account by name (case-insensitive), or null.</summary>
    LocalAccount? FindAccount(string name);

    /// <summary>
    /// The account of this machine's account domain with relative id <paramref name="rid"/> (500: the built-in
    /// administrator, whatever its name — Administrateur, Administrador, or renamed), or null. Never looked up by name.
    /// </summary>
    LocalAccount? FindByRid(uint rid);

    /// <summary>
    /// Adds a local user to a local group, the group resolved at run time (a built-in group by its SID, so a localized
    /// Windows' "Administrateurs" is found from S-1-5-32-544). Returns false when the user was already a member.
    /// Needs a running Windows.
    /// </summary>
    bool AddToGroup(LocalGroup group, string userName);

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

    /// <summary>
    /// The local user's profile folder, created now when the user has none (CreateProfile), so that files meant for the
    /// user go where Windows will load the profile from. Writing into a guessed <c>C:\Users\NAME</c> before the profile
    /// exists makes Windows create the profile elsewhere (<c>NAME.COMPUTER</c>) at the first logon, away from those files.
    /// Needs a running Windows.
    /// </summary>
    ProfileFolder EnsureProfile(string userName);
}

/// <summary>
/// A local group: a built-in one by its well-known SID (its name differs by language: Administrators, Administrateurs,
/// Administratoren…), or another by the name it was given.
/// </summary>
public sealed record LocalGroup
{
    private LocalGroup(WindowsSid? sid, string? name)
    {
        Sid = sid;
        Name = name;
    }

    /// <summary>The group's SID, for built-in groups.</summary>
    public WindowsSid? Sid { get; }

    /// <summary>The group's name, for groups that are not built in.</summary>
    public string? Name { get; }

    /// <summary>BUILTIN\Administrators, S-1-5-32-544.</summary>
    public static LocalGroup Administrators { get; } = new(WindowsSid.Create(5, 32, 544), null);

    /// <summary>
    /// The English names of the built-in groups (as cloud-config, GCE and EC2 user data write them), to their SIDs
    /// (well-known SIDs, https://learn.microsoft.com/windows/win32/secauthz/well-known-sids).
    /// </summary>
    public static IReadOnlyDictionary<string, uint> BuiltInRids { get; } = new Dictionary<string, uint>(StringComparer.OrdinalIgnoreCase)
    {
        ["Administrators"] = 544,
        ["Users"] = 545,
        ["Guests"] = 546,
        ["Power Users"] = 547,
        ["Backup Operators"] = 551,
        ["Replicator"] = 552,
        ["Remote Desktop Users"] = 555,
        ["Network Configuration Operators"] = 556,
        ["Performance Monitor Users"] = 558,
        ["Performance Log Users"] = 559,
        ["Distributed COM Users"] = 562,
        ["IIS_IUSRS"] = 568,
        ["Cryptographic Operators"] = 569,
        ["Event Log Readers"] = 573,
        ["Hyper-V Administrators"] = 578,
        ["Access Control Assistance Operators"] = 579,
        ["Remote Management Users"] = 580,
    };

    /// <summary>A group by SID.</summary>
    public static LocalGroup FromSid(WindowsSid sid)
    {
        ArgumentNullException.ThrowIfNull(sid);
        return new LocalGroup(sid, null);
    }

    /// <summary>
    /// The group a user named: a SID text (<c>S-1-5-32-544</c>) or a built-in group's English name become the SID, so
    /// they work on every language of Windows; any other name is looked up as given.
    /// </summary>
    public static LocalGroup Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var trimmed = text.Trim();
        if (WindowsSid.TryParse(trimmed) is { } sid)
        {
            return new LocalGroup(sid, null);
        }

        var bare = trimmed.StartsWith(@"BUILTIN\", StringComparison.OrdinalIgnoreCase) ? trimmed[8..] : trimmed;
        return BuiltInRids.TryGetValue(bare, out var rid) ? new LocalGroup(WindowsSid.Create(5, 32, rid), null) : new LocalGroup(null, trimmed);
    }

    /// <summary>True for BUILTIN\Administrators.</summary>
    public bool IsAdministrators => Sid is not null && Sid.Equals(Administrators.Sid);

    /// <inheritdoc/>
    public override string ToString() => Sid?.ToString() ?? Name ?? "?";
}

/// <summary>Well-known relative ids.</summary>
public static class WellKnownRids
{
    /// <summary>DOMAIN_USER_RID_ADMIN: the built-in administrator account of an account domain.</summary>
    public const uint Administrator = 500;
}

/// <summary>
/// An account change refused on purpose (not a failure of the machine): on a domain controller, whose local accounts
/// are the domain's.
/// </summary>
public sealed class AccountChangeRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public AccountChangeRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AccountChangeRefusedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AccountChangeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
