using System.Buffers.Text;
using System.Text;

namespace Reseal.Unattend.Passwords;

/// <summary>Which element an obfuscated password belongs to; it decides the suffix appended before encoding.</summary>
public enum PasswordField
{
    /// <summary><c>UserAccounts/AdministratorPassword</c>: suffix <c>AdministratorPassword</c>.</summary>
    AdministratorPassword,

    /// <summary><c>LocalAccount/Password</c> and <c>AutoLogon/Password</c>: suffix <c>Password</c>.</summary>
    Password,

    /// <summary><c>OfflineUserAccounts/OfflineAdministratorPassword</c>: suffix <c>OfflineAdministratorPassword</c>.</summary>
    OfflineAdministratorPassword,
}

/// <summary>Why an obfuscated value could not be decoded.</summary>
public enum PasswordDecodeError
{
    None,
    NotBase64,
    NotUtf16,
    WrongSuffix,
}

/// <summary>The outcome of decoding an obfuscated answer-file password.</summary>
public readonly record struct PasswordDecodeResult(PasswordDecodeError Error, string? Password, string? Suffix, string Message)
{
    public bool Success => Error == PasswordDecodeError.None;
}

/// <summary>
/// The answer-file password obfuscation WSIM applies for <c>&lt;PlainText&gt;false&lt;/PlainText&gt;</c>:
/// <c>Base64(UTF-16LE(password + suffix))</c>, where the suffix is the name of the parent element
/// (<c>AdministratorPassword</c> or <c>Password</c>). It hides a password from a casual look; it is not encryption.
/// </summary>
public static class UnattendPassword
{
    /// <summary>The suffix Windows expects for a field.</summary>
    public static string SuffixOf(PasswordField field) => field switch
    {
        PasswordField.AdministratorPassword => "AdministratorPassword",
        PasswordField.Password => "Password",
        PasswordField.OfflineAdministratorPassword => "OfflineAdministratorPassword",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary>Encodes a password for a field.</summary>
    public static string Encode(string password, PasswordField field)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Convert.ToBase64String(Encoding.Unicode.GetBytes(password + SuffixOf(field)));
    }

    /// <summary>
    /// Decodes a value. With <paramref name="expected"/>, the suffix must be that field's; without, the longest known
    /// suffix that matches is taken.
    /// </summary>
    public static PasswordDecodeResult Decode(string value, PasswordField? expected = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.Trim();
        var maxBytes = Base64.GetMaxDecodedFromUtf8Length(trimmed.Length);
        var buffer = new byte[maxBytes];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var length))
        {
            return new(PasswordDecodeError.NotBase64, null, null, "the value is not Base64");
        }

        if (length % 2 != 0)
        {
            return new(PasswordDecodeError.NotUtf16, null, null,
                $"the value decodes to {length} bytes, an odd count: it is not UTF-16LE text (was it Base64 of UTF-8?)");
        }

        string text;
        try
        {
            text = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return new(PasswordDecodeError.NotUtf16, null, null, "the value decodes to bytes that are not UTF-16LE text");
        }

        if (expected is { } field)
        {
            var suffix = SuffixOf(field);
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return new(PasswordDecodeError.None, text[..^suffix.Length], suffix, "ok");
            }

            var other = FindSuffix(text);
            var hint = other is null
                ? "no known suffix"
                : $"the suffix '{other}' (which belongs to {(other == "Password" ? "LocalAccount/AutoLogon" : other)})";
            return new(PasswordDecodeError.WrongSuffix, null, other,
                $"the decoded text does not end with '{suffix}' as Windows requires for this element; it has {hint}. Setup fails with 'Failed to decode password (0x8007000d)'");
        }

        var found = FindSuffix(text);
        return found is null
            ? new(PasswordDecodeError.WrongSuffix, null, null,
                "the decoded text ends with none of the suffixes Windows appends (AdministratorPassword, Password)")
            : new(PasswordDecodeError.None, text[..^found.Length], found, "ok");
    }

    private static string? FindSuffix(string text)
    {
        // Longest first: "AdministratorPassword" also ends with "Password".
        foreach (var suffix in new[] { "OfflineAdministratorPassword", "AdministratorPassword", "Password" })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return suffix;
            }
        }

        return null;
    }
}
