using System.Text;
using System.Text.Json;
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
/// <item>bare base64 (GetPasswordData's <c>PasswordData</c>, Nova's stored value);</item>
/// <item>the JSON the password APIs answer: <c>aws ec2 get-password-data</c>'s
/// <c>{"InstanceId", "Timestamp", "PasswordData"}</c> and Nova's <c>os-server-password</c> <c>{"password": …}</c>.</item>
/// </list>
/// </summary>
public static class PasswordOutputParser
{
    /// <summary>Largest input read (EC2 keeps only the newest 64 KB of console output; this leaves ample room).</summary>
    public const int MaximumInputLength = 16 * 1024 * 1024;

    private const string OpenTag = "<Password>";
    private const string CloseTag = "</Password>";

    /// <summary>Longest console block body read; a 16384-bit key's ciphertext is under 3 KB of base64.</summary>
    private const int MaximumBlockLength = 64 * 1024;

    /// <summary>Scans the output for every encrypted password.</summary>
    /// <exception cref="CloudException">The input is larger than <see cref="MaximumInputLength"/>.</exception>
    public static PasswordScan Scan(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Length > MaximumInputLength)
        {
            throw new CloudException($"the output is {output.Length} characters; at most {MaximumInputLength} are read");
        }

        if (ReadApiJson(output) is { } fromApi)
        {
            return fromApi;
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
            var compact = Base64Text.RemoveWhitespace(output);
            if (Base64Text.IsValid(compact))
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
            why.Append(" (expected '<Password>…</Password>' console output, a GCE COM4 JSON reply, get-password-data or os-server-password JSON, or base64)");
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

    /// <summary>
    /// Reads the block opened on line <paramref name="start"/> and returns the index of its last line. A block ends at
    /// <c>&lt;/Password&gt;</c>. When, before that, a line holds another <c>&lt;Password&gt;</c> or something that cannot be part
    /// of a base64 body (an agent restarted and printed other lines), the block is reported as unterminated and the
    /// index before that line is returned, so the scan resumes there and a later, complete block is still found.
    /// </summary>
    private static int ReadConsoleBlock(string[] lines, int start, int openAt, string? userName,
        List<EncryptedPassword> passwords, List<string> problems)
    {
        var body = new StringBuilder();
        var first = StripTimestamp(lines[start])[(openAt + OpenTag.Length)..];
        for (var i = start; i < lines.Length; i++)
        {
            var text = i == start ? first : StripTimestamp(lines[i]);
            var close = text.IndexOf(CloseTag, StringComparison.Ordinal);
            var part = close >= 0 ? text.AsSpan(0, close) : text.AsSpan();
            if (part.Contains(OpenTag, StringComparison.Ordinal) || (close < 0 && !Base64Text.IsAlphabetOrWhitespace(part)))
            {
                problems.Add($"line {start + 1}: a <Password> block starts but never ends (line {i + 1} interrupts it; " +
                    "console output cut short or the instance restarted?)");
                return i == start ? start : i - 1;
            }

            body.Append(part);
            if (close < 0)
            {
                if (body.Length > MaximumBlockLength)
                {
                    problems.Add($"line {start + 1}: a <Password> block runs past {MaximumBlockLength} characters without " +
                        $"'</Password>' (given up at line {i + 1})");
                    return i;
                }

                continue;
            }

            var compact = Base64Text.RemoveWhitespace(body.ToString());
            if (compact.Length == 0)
            {
                problems.Add($"line {start + 1}: the <Password> block is empty");
            }
            else if (!Base64Text.IsValid(compact))
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
            using var json = StrictJson.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (JsonFields.String(root, "errorMessage") is { Length: > 0 } message)
            {
                problems.Add($"line {lineNumber}: the GCE agent reported: {message}");
                return;
            }

            if (JsonFields.String(root, "encryptedPassword") is not { } encrypted)
            {
                return;
            }

            var padding = PasswordPaddings.FromGceHashFunction(JsonFields.String(root, "hashFunction"));
            var user = JsonFields.String(root, "userName");
            var modulus = JsonFields.String(root, "modulus");
            var compact = Base64Text.RemoveWhitespace(encrypted);
            if (!Base64Text.IsValid(compact))
            {
                problems.Add($"line {lineNumber}: encryptedPassword is empty or not base64");
                return;
            }

            passwords.Add(new EncryptedPassword(compact, padding, EncryptedPasswordSource.GceSerialJson, lineNumber, user, modulus));
        }
        catch (LoneSurrogateJsonException e)
        {
            problems.Add($"line {lineNumber}: JSON {e.Message}");
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

    /// <summary>
    /// The whole input as one JSON object from a password API (it may span lines, as aws-cli prints it): its
    /// <c>PasswordData</c> (EC2) or <c>password</c> (Nova) member. Null when the input is not such an object, so the
    /// other formats are tried.
    /// </summary>
    private static PasswordScan? ReadApiJson(string output)
    {
        var trimmed = output.AsSpan().Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{' || trimmed[^1] != '}')
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(output, new JsonDocumentOptions { MaxDepth = 8 });
            var (name, value) = JsonFields.String(json.RootElement, "PasswordData") is { } data ? ("PasswordData", data)
                : JsonFields.String(json.RootElement, "password") is { } password ? ("password", password)
                : (null, null);
            if (name is null)
            {
                return null;
            }

            var compact = Base64Text.RemoveWhitespace(value!);
            if (compact.Length == 0)
            {
                var instance = JsonFields.String(json.RootElement, "InstanceId");
                return new PasswordScan([], [$"'{name}' is empty: {(instance is null ? "the server" : instance)} has not published a password yet " +
                    "(the agent publishes it once Windows is ready; EC2 can take up to 15 minutes), or the image does not set a random password"]);
            }

            if (!Base64Text.IsValid(compact))
            {
                return new PasswordScan([], [$"'{name}' is not base64"]);
            }

            return new PasswordScan([new EncryptedPassword(compact, PasswordPadding.Pkcs1, EncryptedPasswordSource.CloudApiJson, 0, null, null)], []);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The line without a leading <c>YYYY/MM/DD HH:MM:SSZ: </c> console timestamp (and the blanks before it).</summary>
    private static string StripTimestamp(string line)
    {
        const string Shape = "0000/00/00 00:00:00Z: ";
        var at = 0;
        while (at < line.Length && char.IsWhiteSpace(line[at]))
        {
            at++;
        }

        if (line.Length - at < Shape.Length)
        {
            return line;
        }

        for (var i = 0; i < Shape.Length; i++)
        {
            var c = line[at + i];
            if (Shape[i] == '0' ? !char.IsAsciiDigit(c) : c != Shape[i])
            {
                return line;
            }
        }

        return line[(at + Shape.Length)..];
    }
}
