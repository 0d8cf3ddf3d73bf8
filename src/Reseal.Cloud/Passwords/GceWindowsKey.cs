using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Cloud.Keys;

namespace Reseal.Cloud.Passwords;

/// <summary>The usable entries of a <c>windows-keys</c> value and, per skipped line, why it was skipped.</summary>
public sealed record GceWindowsKeyScan(IReadOnlyList<GceWindowsKey> Keys, IReadOnlyList<string> Problems);

/// <summary>
/// One entry of GCE's <c>windows-keys</c> metadata value (protocols.md §3.5): a JSON object per line,
/// <c>{"userName","modulus","exponent","email","expireOn","hashFunction"?,"addToAdministrators"?}</c>, added by
/// <c>gcloud compute reset-windows-password</c>. The agent resets the user's password and answers on COM4 with
/// <see cref="CreateReply"/>.
/// </summary>
/// <param name="UserName">The Windows account to create or reset.</param>
/// <param name="Key">The RSA key the new password is encrypted to.</param>
/// <param name="ExpireOn">When the request expires; expired requests are ignored.</param>
/// <param name="Padding">OAEP with <c>hashFunction</c> (SHA-1 when absent).</param>
/// <param name="Email">The requester's e-mail, informational.</param>
/// <param name="AddToAdministrators">False only when the entry says <c>"addToAdministrators": false</c>.</param>
public sealed record GceWindowsKey(
    string UserName,
    RsaPublicKey Key,
    DateTimeOffset ExpireOn,
    PasswordPadding Padding,
    string? Email,
    bool AddToAdministrators)
{
    /// <summary>
    /// The modulus exactly as the request wrote it (a leading zero byte included). The reply echoes it unchanged, because
    /// the requester finds its reply by comparing this string.
    /// </summary>
    public string RequestModulus { get; init; } = Key.ModulusBase64;

    /// <summary>The exponent exactly as the request wrote it (<c>AQAB</c>, <c>AQABAA==</c>…); echoed like <see cref="RequestModulus"/>.</summary>
    public string RequestExponent { get; init; } = Key.ExponentBase64;

    /// <summary>Longest <c>windows-keys</c> value read.</summary>
    public const int MaximumValueLength = 1024 * 1024;

    /// <summary>True once <see cref="ExpireOn"/> has passed.</summary>
    public bool IsExpired(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return time.GetUtcNow() >= ExpireOn;
    }

    /// <summary>
    /// Reads every line of a <c>windows-keys</c> value. Lines that are not usable (bad JSON, missing
    /// <c>userName</c>/<c>modulus</c>/<c>exponent</c>/<c>expireOn</c>, weak or non-RSA keys) are reported in the problems
    /// list with their line number and skipped, as the GCE agent skips them.
    /// </summary>
    public static GceWindowsKeyScan ParseAll(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > MaximumValueLength)
        {
            throw new CloudException($"GCE windows-keys: the value is {value.Length} characters; at most {MaximumValueLength} are read");
        }

        var keys = new List<GceWindowsKey>();
        var problems = new List<string>();
        var lines = value.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                keys.Add(ParseLine(line));
            }
            catch (CloudException e)
            {
                problems.Add($"windows-keys line {i + 1}: {e.Message}");
            }
        }

        return new GceWindowsKeyScan(keys, problems);
    }

    /// <summary>Reads one <c>windows-keys</c> JSON line.</summary>
    /// <exception cref="CloudException">Not JSON, a field missing or invalid, or an unusable key.</exception>
    public static GceWindowsKey ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            using var json = StrictJson.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException("not a JSON object");
            }

            var user = RequiredString(root, "userName");
            var modulus = RequiredString(root, "modulus");
            var exponent = RequiredString(root, "exponent");
            var expireText = RequiredString(root, "expireOn");
            if (!DateTimeOffset.TryParse(expireText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expireOn))
            {
                throw new CloudException($"expireOn '{expireText}' is not an RFC 3339 time");
            }

            var hash = JsonFields.String(root, "hashFunction");
            var email = JsonFields.String(root, "email");
            var addToAdministrators = !JsonFields.IsFalse(root, "addToAdministrators");
            var key = RsaPublicKey.FromBase64ModulusAndExponent(modulus, exponent);
            return new GceWindowsKey(user, key, expireOn, PasswordPaddings.FromGceHashFunction(hash), email, addToAdministrators)
            {
                RequestModulus = modulus,
                RequestExponent = exponent,
            };
        }
        catch (JsonException e)
        {
            throw new CloudException($"not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A request line as <c>gcloud compute reset-windows-password</c> writes it (for tests and tooling).</summary>
    public string ToJsonLine()
    {
        var node = new JsonObject
        {
            ["userName"] = UserName,
            ["modulus"] = RequestModulus,
            ["exponent"] = RequestExponent,
            ["email"] = Email ?? "",
            ["expireOn"] = ExpireOn.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        if (Padding != PasswordPadding.OaepSha1)
        {
            node["hashFunction"] = Padding.ToGceHashFunction();
        }

        if (!AddToAdministrators)
        {
            node["addToAdministrators"] = false;
        }

        return node.ToJsonString();
    }

    /// <summary>
    /// The COM4 reply for this request: the password OAEP-encrypted to the key with the request's hash, as
    /// <c>{"userName","passwordFound":true,"encryptedPassword","modulus","exponent","hashFunction"}</c> on one line, with
    /// the modulus and exponent strings of the request unchanged.
    /// </summary>
    public string CreateReply(ClearTextPassword password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var encrypted = PasswordCipher.EncryptToBase64(Key, password, Padding);
        var node = new JsonObject
        {
            ["userName"] = UserName,
            ["passwordFound"] = true,
            ["encryptedPassword"] = encrypted,
            ["modulus"] = RequestModulus,
            ["exponent"] = RequestExponent,
            ["hashFunction"] = Padding.ToGceHashFunction(),
        };
        return node.ToJsonString();
    }

    /// <summary>The COM4 reply when the reset failed: <c>{"errorMessage":…}</c>. Never put a password in the message.</summary>
    public static string CreateErrorReply(string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        return new JsonObject { ["errorMessage"] = message }.ToJsonString();
    }

    private static string RequiredString(JsonElement root, string name)
    {
        var value = JsonFields.String(root, name);
        return string.IsNullOrWhiteSpace(value) ? throw new CloudException($"'{name}' is missing or empty") : value;
    }
}
