using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Windows.Ports;

namespace Reseal.TestSupport.Wine;

/// <summary>
/// Local accounts kept in a JSON file, for running under Wine, which has no account database (<c>NetUserSetInfo</c> is an
/// unimplemented stub that hangs the process). A test double, never shipped: the tests read it directly, and the Wine test
/// build of reseal.exe (<c>scripts/publish.sh --folder</c> or <c>--wine-test</c>) compiles this file into Reseal.Windows, where
/// <c>LiveWindows.WineAccountStore.cs</c> makes it the account port when the process runs under Wine and the environment
/// variable <see cref="EnvironmentVariable"/> names the file. Passwords are stored only as a salted
/// SHA-256 of their UTF-16LE bytes, so a test can check which password an account has without the clear text ever being
/// written. Starts with Administrator (500, disabled, as a fresh Windows has it) and Guest (501); a test may write a store
/// whose RID 500 account has another name (a localized or renamed administrator), and everything that looks the account
/// up by RID finds it, as on Windows.
/// </summary>
public sealed class FileAccountStore : ILocalAccounts
{
    /// <summary>The variable naming the store (a Windows path, e.g. <c>C:\ProgramData\wine-accounts.json</c>).</summary>
    public const string EnvironmentVariable = "RESEAL_WINE_ACCOUNT_STORE";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly string _path;
    private readonly Lock _gate = new();

    /// <summary>Uses (or creates) the store at <paramref name="path"/>.</summary>
    public FileAccountStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
    }

    /// <inheritdoc/>
    public IReadOnlyList<LocalAccount> ListAccounts() => [.. Load().Select(ToAccount).OrderBy(a => a.Rid)];

    /// <inheritdoc/>
    public LocalAccount? FindAccount(string name) => ListAccounts().FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc/>
    /// <remarks>By RID, as the live port: a store whose RID 500 account is "Administrateur" answers with that name.</remarks>
    public LocalAccount? FindByRid(uint rid) => ListAccounts().FirstOrDefault(a => a.Rid == rid);

    /// <inheritdoc/>
    /// <remarks>Membership is kept per account as the group's SID text (built-in groups) or name (others).</remarks>
    public bool AddToGroup(LocalGroup group, string userName)
    {
        ArgumentNullException.ThrowIfNull(group);
        var key = group.ToString();
        var added = false;
        Change(userName, entry =>
        {
            var groups = entry["groups"] as JsonArray ?? [];
            if (!groups.Any(g => string.Equals((string?)g, key, StringComparison.OrdinalIgnoreCase)))
            {
                groups.Add((JsonNode?)JsonValue.Create(key));
                added = true;
            }

            entry["groups"] = groups.DeepClone();
        });
        return added;
    }

    /// <summary>The groups (SID text or name) an account was added to (for tests).</summary>
    public IReadOnlyList<string> GroupsOf(string name) =>
        Load().FirstOrDefault(e => string.Equals((string?)e["name"], name, StringComparison.OrdinalIgnoreCase))?["groups"] is JsonArray groups
            ? [.. groups.Select(g => (string?)g ?? "")]
            : [];

    /// <inheritdoc/>
    public void SetEnabled(string name, bool enabled) =>
        Change(name, entry => entry["flags"] = enabled ? (uint)entry["flags"]! & ~1u : (uint)entry["flags"]! | 1u);

    /// <inheritdoc/>
    public void SetPassword(string name, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(16);
        Change(name, entry =>
        {
            entry["passwordSalt"] = Convert.ToBase64String(salt);
            entry["passwordSha256"] = Convert.ToBase64String(Hash(salt, password));
        });
    }

    /// <inheritdoc/>
    public void Rename(string name, string newName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(newName);
        if (FindAccount(newName) is { } other && !other.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"an account named {newName} already exists");
        }

        Change(name, entry => entry["name"] = newName);
    }

    /// <inheritdoc/>
    public void Create(string name, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(password);
        lock (_gate)
        {
            var entries = Load();
            if (entries.Any(e => string.Equals((string?)e["name"], name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new InvalidOperationException($"an account named {name} already exists");
            }

            var salt = RandomNumberGenerator.GetBytes(16);
            entries.Add(new JsonObject
            {
                ["name"] = name,
                ["rid"] = Math.Max(1000u, entries.Max(e => (uint?)e["rid"] ?? 0) + 1),
                ["flags"] = 0x210u,
                ["passwordSalt"] = Convert.ToBase64String(salt),
                ["passwordSha256"] = Convert.ToBase64String(Hash(salt, password)),
            });
            Save(entries);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<UserProfile> ListProfiles() => [];

    /// <inheritdoc/>
    /// <remarks>
    /// Wine has no profiles to create: its userenv.dll does not export CreateProfile (Wine 8), so this says so rather than
    /// inventing a folder.
    /// </remarks>
    public ProfileFolder EnsureProfile(string userName) =>
        throw new PlatformNotSupportedException($"creating the profile of '{userName}' needs Windows: Wine's userenv.dll has no CreateProfile");

    /// <summary>True when <paramref name="password"/> is the account's password (for tests).</summary>
    public bool HasPassword(string name, string password)
    {
        var entry = Load().FirstOrDefault(e => string.Equals((string?)e["name"], name, StringComparison.OrdinalIgnoreCase));
        return entry?["passwordSalt"] is JsonValue salt && entry["passwordSha256"] is JsonValue hash
            && CryptographicOperations.FixedTimeEquals(Hash(Convert.FromBase64String((string)salt!), password), Convert.FromBase64String((string)hash!));
    }

    /// <summary>SHA-256 of the salt followed by the password's UTF-16LE bytes.</summary>
    public static byte[] Hash(byte[] salt, string password)
    {
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(password);
        return SHA256.HashData([.. salt, .. Encoding.Unicode.GetBytes(password)]);
    }

    private void Change(string name, Action<JsonObject> change)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate)
        {
            var entries = Load();
            var entry = entries.FirstOrDefault(e => string.Equals((string?)e["name"], name, StringComparison.OrdinalIgnoreCase))
                ?? throw new KeyNotFoundException($"no local account named '{name}' in {_path}");
            change(entry);
            Save(entries);
        }
    }

    private void Save(List<JsonObject> entries) => AtomicFile.WriteText(_path, new JsonArray([.. entries]).ToJsonString(Indented));

    private List<JsonObject> Load()
    {
        if (!File.Exists(_path))
        {
            return
            [
                new JsonObject { ["name"] = "Administrator", ["rid"] = 500u, ["flags"] = 0x211u },
                new JsonObject { ["name"] = "Guest", ["rid"] = 501u, ["flags"] = 0x211u },
            ];
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(_path)) is JsonArray array
                ? [.. array.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone())]
                : throw new InvalidDataException($"{_path}: not a JSON array of accounts");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{_path}: not valid JSON: {e.Message}", e);
        }
    }

    private static LocalAccount ToAccount(JsonObject entry) => new()
    {
        Name = (string?)entry["name"] ?? "?",
        Rid = (uint?)entry["rid"] ?? 0,
        Flags = (uint?)entry["flags"] ?? 0,
        IsAdministrator = (uint?)entry["rid"] == 500,
    };
}
