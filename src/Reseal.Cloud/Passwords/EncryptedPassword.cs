using Reseal.Cloud.Keys;

namespace Reseal.Cloud.Passwords;

/// <summary>Where an encrypted password was found.</summary>
public enum EncryptedPasswordSource
{
    /// <summary>Bare base64 (EC2 <c>GetPasswordData</c>, <c>nova get-password</c>'s raw value).</summary>
    Base64,

    /// <summary>A <c>&lt;Password&gt;…&lt;/Password&gt;</c> block on the serial console (EC2Config, EC2Launch v1/v2, Reseal).</summary>
    ConsoleOutput,

    /// <summary>A GCE COM4 JSON reply (<c>encryptedPassword</c>).</summary>
    GceSerialJson,

    /// <summary>A cloud password API's JSON answer: <c>aws ec2 get-password-data</c>'s <c>PasswordData</c>, Nova's
    /// <c>os-server-password</c> <c>{"password": …}</c>.</summary>
    CloudApiJson,
}

/// <summary>
/// An encrypted password found in some output, with what is known about how it was made. Holds no secret: the
/// ciphertext only opens with the private key.
/// </summary>
/// <param name="CiphertextBase64">Standard base64 of the RSA ciphertext, without whitespace.</param>
/// <param name="Padding">The padding, when the source says (console: PKCS#1 v1.5; GCE: OAEP with its hash); null
/// when unknown (bare base64), in which case decryption tries each.</param>
/// <param name="Source">What kind of output it came from.</param>
/// <param name="Line">1-based line where it starts in the output, or 0 for bare base64.</param>
/// <param name="UserName">The account it belongs to when the output says (<c>Username:</c>, <c>userName</c>).</param>
/// <param name="ModulusBase64">GCE: the modulus of the key it was encrypted to.</param>
public sealed record EncryptedPassword(
    string CiphertextBase64,
    PasswordPadding? Padding,
    EncryptedPasswordSource Source,
    int Line,
    string? UserName,
    string? ModulusBase64)
{
    /// <summary>Bare base64 ciphertext with a known or unknown padding.</summary>
    /// <exception cref="CloudException">Empty or not base64.</exception>
    public static EncryptedPassword FromBase64(string ciphertextBase64, PasswordPadding? padding = null)
    {
        var bytes = PasswordCipher.DecodeBase64(ciphertextBase64);
        return new EncryptedPassword(Convert.ToBase64String(bytes), padding, EncryptedPasswordSource.Base64, 0, null, null);
    }

    /// <summary>True when this password was encrypted to the given key (GCE replies name the modulus), or unknown.</summary>
    public bool MayBelongTo(RsaPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (ModulusBase64 is null)
        {
            return true;
        }

        try
        {
            var modulus = KeyMath.TrimLeadingZeros(Convert.FromBase64String(ModulusBase64));
            return modulus.SequenceEqual(key.Modulus.Span);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Decrypts with the private key. With a known padding only that one is used; otherwise PKCS#1 v1.5 and then
    /// OAEP SHA-1/256/512 are tried, and the first that yields a text password wins.
    /// </summary>
    /// <exception cref="CloudException">The key does not open it; the message says which paddings were tried.</exception>
    public ClearTextPassword Decrypt(RsaPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!MayBelongTo(key.PublicKey))
        {
            throw new CloudException(
                $"the password at line {Line} was encrypted to a different key (its modulus does not match {key.PublicKey.Sha256Fingerprint})");
        }

        var ciphertext = PasswordCipher.DecodeBase64(CiphertextBase64);
        if (Padding is { } known)
        {
            return PasswordCipher.Decrypt(key, ciphertext, known);
        }

        CloudException? first = null;
        foreach (var padding in PasswordPaddings.All)
        {
            try
            {
                var password = PasswordCipher.Decrypt(key, ciphertext, padding);

                // Guessing the padding: a wrong guess that happens to unpad (rare with PKCS#1 v1.5) yields bytes that
                // are not printable text, so demand printable text before accepting a guess.
                if (password.Reveal().Any(char.IsControl))
                {
                    throw new CloudException($"the decrypted data ({padding}) is not printable text");
                }

                return password;
            }
            catch (CloudException e)
            {
                first ??= e;
            }
        }

        throw new CloudException(
            "the password does not decrypt with this key using PKCS#1 v1.5 or OAEP (SHA-1, SHA-256, SHA-512): " +
            first!.Message, first);
    }
}
