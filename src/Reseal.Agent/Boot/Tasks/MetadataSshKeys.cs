using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>The launch keys of the metadata that may go into an authorized_keys file, and why the others may not.</summary>
/// <param name="Keys">Valid key lines, as given.</param>
/// <param name="Skipped">One line per key left out: which (1-based, as the metadata lists them) and why.</param>
internal sealed record MetadataKeyLines(IReadOnlyList<string> Keys, IReadOnlyList<string> Skipped);

/// <summary>
/// Checks the launch keys a cloud gives (EC2 key pairs, OpenStack <c>public_keys</c>, GCE <c>ssh-keys</c>) before they
/// are trusted to log on as an administrator. A line must be <c>TYPE BASE64 [COMMENT]</c> with no options (a metadata key
/// never has <c>command=</c> or <c>from=</c>, and one that did would change what logging on with it does), a key type
/// OpenSSH for Windows accepts, and a blob whose own type name (the first string of the SSH wire encoding, RFC 4253
/// §6.6) is that type. A GCE key whose <c>google-ssh {"expireOn": …}</c> comment says it has expired is left out, as
/// GCE's guest agent does.
/// </summary>
internal static class MetadataSshKeys
{
    /// <summary>The longest key line accepted (an RSA 16384-bit key is about 2.8 KB of base64).</summary>
    public const int MaxLineLength = 16 * 1024;

    /// <summary>Key types OpenSSH for Windows accepts by default (DSA is off since OpenSSH 7.0).</summary>
    public static IReadOnlySet<string> KeyTypes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    };

    /// <summary>Sorts <paramref name="keys"/> into the valid and the skipped, at <paramref name="now"/>.</summary>
    public static MetadataKeyLines Check(IReadOnlyList<string> keys, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var valid = new List<string>();
        var skipped = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i].Trim();
            if (Problem(key, now) is { } problem)
            {
                skipped.Add($"metadata key {(i + 1).ToString(CultureInfo.InvariantCulture)} skipped: {problem}");
            }
            else if (!valid.Contains(key, StringComparer.Ordinal))
            {
                valid.Add(key);
            }
        }

        return new MetadataKeyLines(valid, skipped);
    }

    /// <summary>Why <paramref name="line"/> is not an acceptable key line, or null.</summary>
    public static string? Problem(string line, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length == 0)
        {
            return "it is empty";
        }

        if (line.Length > MaxLineLength)
        {
            return $"it is {line.Length.ToString(CultureInfo.InvariantCulture)} characters long (at most {MaxLineLength.ToString(CultureInfo.InvariantCulture)})";
        }

        if (line.Any(char.IsControl))
        {
            return "it has control characters (a key is one line)";
        }

        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (!KeyTypes.Contains(parts[0]))
        {
            return parts[0] == "ssh-dss"
                ? "a DSA key, which OpenSSH no longer accepts"
                : $"it does not start with a key type OpenSSH accepts ({string.Join(", ", KeyTypes)}); options or other text are not taken from metadata";
        }

        if (parts.Length < 2)
        {
            return $"the {parts[0]} key has no key data";
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return $"the {parts[0]} key data is not base64";
        }

        var nameLength = blob.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(blob) : uint.MaxValue;
        if (nameLength > (uint)(blob.Length - Math.Min(blob.Length, 4)) || Encoding.ASCII.GetString(blob, 4, (int)nameLength) != parts[0])
        {
            return $"the key data is not an encoded {parts[0]} key (its own type name differs)";
        }

        return parts.Length == 3 && Expired(parts[2], now) is { } expiry ? $"it expired on {expiry:yyyy-MM-dd HH:mm}Z (google-ssh expireOn)" : null;
    }

    // GCE writes the offset without a colon (+0000), which DateTimeOffset reads only as +00:00.
    private static DateTimeOffset? ParseExpiry(string text)
    {
        var normal = text.Length > 5 && text[^5] is '+' or '-' && text[^4..].All(char.IsAsciiDigit) ? text[..^2] + ":" + text[^2..] : text;
        return DateTimeOffset.TryParse(normal, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null;
    }

    // GCE's temporary keys end in 'google-ssh {"userName":"…","expireOn":"2026-12-07T10:00:00+0000"}'.
    private static DateTimeOffset? Expired(string comment, DateTimeOffset now)
    {
        const string Marker = "google-ssh ";
        var at = comment.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(comment[(at + Marker.Length)..], new JsonDocumentOptions { MaxDepth = 4 });
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("expireOn", out var expire)
                && expire.ValueKind == JsonValueKind.String
                && ParseExpiry(expire.GetString()!) is { } when)
            {
                return when <= now ? when.ToUniversalTime() : null;
            }
        }
        catch (JsonException)
        {
            // Not GCE's JSON: an ordinary comment.
        }

        return null;
    }
}
