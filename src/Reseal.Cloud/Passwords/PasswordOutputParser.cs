using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reseal.Cloud.Keys;

namespace Reseal.Cloud.Passwords;

/// <summary>The encrypted passwords found in some output, and problems worth telling the user about.</summary>
/// <param name="Passwords">In the order they appear.</param>
/// <param name="Problems">Things that looked like a password but were not usable (unterminated block, GCE
/// <c>errorMessage</c>, bad base64), each with its line.</param>
public sealed record PasswordScan(IReadOnlyList<EncryptedPassword> Passwords, IReadOnlyList<string> Problems);

/// <summary>
/// Finds encrypted passwords in what Windows agents print (protocols.md §1, §3.5, §6):
/// <list type="bullet">
/// <item>serial console output from EC2Config, EC2Launch v1/v2, Cloudbase-Init and Reseal, with the
/// <c>Password: &lt;Password&gt;BASE64&lt;/Password&gt;</c> block on one line or spread over several, LF or CRLF, each
/// line possibly prefixed with <c>YYYY/MM/DD HH:MM:SSZ: </c>;</item>
/// <item>GCE COM4 JSON lines <c>{"userName","passwordFound","encryptedPassword","modulus","exponent","hashFunction"}</c>
/// (and <c>{"errorMessage"}</c>);</item>
/// <item>bare base64 (GetPasswordData's <c>PasswordData</c>, Nova's stored value).</item>
/// </list>
/// </summary>
public static partial class PasswordOutputParser
{
    /// <summary>Largest input read (EC2 keeps only the newest 64 KB of console output; this leaves ample room).</summary>
    public const int MaximumInputLength = 16 * 1024 * 1024;

    private const string OpenTag = "<Password>";
    private const string CloseTag = "</Password>";

    /// <summary>Scans the output for every encrypted password.</summary>
    /// <exception cref="CloudException">The input is larger than <see cref="MaximumInputLength"/>.</exception>
    public static PasswordScan Scan(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Length > MaximumInputLength)
        {
            throw new CloudException($"the output is {output.Length} characters; at most {MaximumInputLength} are read");
        }

        var lines = output.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var passwords = new List<EncryptedPassword>();
        var problems = new List<string>();
        string? lastUserName = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = StripTimestamp(lines[i]);
            if (line.StartsWith("Username:", StringComparison.Ordinal))
            {
                lastUserName = line["Username:".Length..].Trim();
                continue;
            }

            var open = line.IndexOf(OpenTag, StringComparison.Ordinal);
            if (open >= 0)
            {
                i = ReadConsoleBlock(lines, i, open, lastUserName, passwords, problems);
                continue;
            }

            if (line.StartsWith('{'))
            {
                ReadGceLine(line, i + 1, passwords, problems);
            }
        }

        if (passwords.Count == 0 && problems.Count == 0)
        {
            var compact = RemoveWhitespace(output);
            if (compact.Length > 0 && Base64Body().IsMatch(compact))
            {
                try
                {
                    passwords.Add(EncryptedPassword.FromBase64(compact));
                }
                catch (CloudException e)
                {
                    problems.Add(e.Message);
                }
            }
        }

        return new PasswordScan(passwords, problems);
    }

    /// <summary>
    /// The password to decrypt with this key: the last one in the output that may belong to the key (an instance that
    /// rebooted or was reset prints a new one after the old).
    /// </summary>
    /// <exception cref="CloudException">None found; the message includes the problems seen.</exception>
    public static EncryptedPassword FindLatest(string output, RsaPublicKey? key = null)
    {
        var scan = Scan(output);
        for (var i = scan.Passwords.Count - 1; i >= 0; i--)
        {
            if (key is null || scan.Passwords[i].MayBelongTo(key))
            {
                return scan.Passwords[i];
            }
        }

        var why = new StringBuilder("no encrypted password found");
        if (scan.Passwords.Count > 0)
        {
            why.Append($"; {scan.Passwords.Count} found, but none was encrypted to {key!.Sha256Fingerprint}");
        }
        else
        {
            why.Append(" (expected '<Password>…</Password>' console output, a GCE COM4 JSON reply, or base64)");
        }

        foreach (var problem in scan.Problems)
        {
            why.Append("; ").Append(problem);
        }

        throw new CloudException(why.ToString());
    }

    /// <summary>Finds the latest password for the key and decrypts it.</summary>
    /// <exception cref="CloudException">Nothing found, or it does not decrypt with this key.</exception>
    public static ClearTextPassword Decrypt(string output, RsaPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return FindLatest(output, key.PublicKey).Decrypt(key);
    }

    private static int ReadConsoleBlock(string[] lines, int start, int openAt, string? userName,
        List<EncryptedPassword> passwords, List<string> problems)
    {
        var body = new StringBuilder();
        var first = StripTimestamp(lines[start])[(openAt + OpenTag.Length)..];
        for (var i = start; i < lines.Length; i++)
        {
            var text = i == start ? first : StripTimestamp(lines[i]);
            var close = text.IndexOf(CloseTag, StringComparison.Ordinal);
            body.Append(close >= 0 ? text[..close] : text);
            if (close < 0)
            {
                if (body.Length > 64 * 1024)
                {
                    break;
                }

                continue;
            }

            var compact = RemoveWhitespace(body.ToString());
            if (compact.Length == 0)
            {
                problems.Add($"line {start + 1}: the <Password> block is empty");
            }
            else if (!Base64Body().IsMatch(compact))
            {
                problems.Add($"line {start + 1}: the <Password> block is not base64");
            }
            else
            {
                passwords.Add(new EncryptedPassword(compact, PasswordPadding.Pkcs1, EncryptedPasswordSource.ConsoleOutput,
                    start + 1, userName, null));
            }

            return i;
        }

        problems.Add($"line {start + 1}: a <Password> block starts but never ends (console output cut short?)");
        return lines.Length;
    }

    private static void ReadGceLine(string line, int lineNumber, List<EncryptedPassword> passwords, List<string> problems)
    {
        try
        {
            using var json = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (root.TryGetProperty("errorMessage", out var error) && error.ValueKind == JsonValueKind.String &&
                error.GetString() is { Length: > 0 } message)
            {
                problems.Add($"line {lineNumber}: the GCE agent reported: {message}");
                return;
            }

            if (!root.TryGetProperty("encryptedPassword", out var encrypted) || encrypted.ValueKind != JsonValueKind.String)
            {
                return;
            }

            var hash = root.TryGetProperty("hashFunction", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            var padding = PasswordPaddings.FromGceHashFunction(hash);
            var user = root.TryGetProperty("userName", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            var modulus = root.TryGetProperty("modulus", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var compact = RemoveWhitespace(encrypted.GetString() ?? "");
            if (compact.Length == 0 || !Base64Body().IsMatch(compact))
            {
                problems.Add($"line {lineNumber}: encryptedPassword is empty or not base64");
                return;
            }

            passwords.Add(new EncryptedPassword(compact, padding, EncryptedPasswordSource.GceSerialJson, lineNumber, user, modulus));
        }
        catch (JsonException)
        {
            // Not JSON after all: serial ports carry other text that starts with '{'.
        }
        catch (CloudException e)
        {
            problems.Add($"line {lineNumber}: {e.Message}");
        }
    }

    private static string StripTimestamp(string line)
    {
        var match = TimestampPrefix().Match(line);
        return match.Success ? line[match.Length..] : line;
    }

    private static string RemoveWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^\s*\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}Z: ", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TimestampPrefix();

    [GeneratedRegex(@"^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$",
        RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Base64Body();
}
