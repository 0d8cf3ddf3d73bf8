using System.Security.Cryptography;
using System.Text;
using Reseal.Cloud.Keys;

namespace Reseal.Cloud.Passwords;

/// <summary>
/// Encrypts a password's UTF-8 bytes to an RSA public key and decrypts it with the private key. The ciphertext is
/// exchanged as standard base64 on one line (a 2048-bit key gives 344 characters), which is what the EC2 console,
/// Nova's password endpoint and GCE's COM4 reply carry.
/// </summary>
public static class PasswordCipher
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encrypts and returns base64 without line breaks.</summary>
    /// <exception cref="CloudException">The password is too long for the key and padding.</exception>
    public static string EncryptToBase64(RsaPublicKey key, ClearTextPassword password, PasswordPadding padding) =>
        Convert.ToBase64String(Encrypt(key, password, padding));

    /// <summary>Encrypts and returns the raw ciphertext (key-size bytes).</summary>
    /// <exception cref="CloudException">The password is too long for the key and padding.</exception>
    public static byte[] Encrypt(RsaPublicKey key, ClearTextPassword password, PasswordPadding padding)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(password);
        var plain = Encoding.UTF8.GetBytes(password.Reveal());
        try
        {
            var limit = ((key.KeySizeBits + 7) / 8) - padding.Overhead();
            if (plain.Length > limit)
            {
                throw new CloudException(
                    $"the password is {plain.Length} UTF-8 bytes; a {key.KeySizeBits}-bit key with {padding} holds at most {limit}");
            }

            using var rsa = key.CreateRsa();
            return rsa.Encrypt(plain, padding.ToRsaPadding());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Decrypts base64 ciphertext (whitespace inside is ignored).</summary>
    /// <exception cref="CloudException">Not base64, wrong length for the key, wrong key or padding, or not UTF-8 text.</exception>
    public static ClearTextPassword DecryptBase64(RsaPrivateKey key, string ciphertextBase64, PasswordPadding padding) =>
        Decrypt(key, DecodeBase64(ciphertextBase64), padding);

    /// <summary>Decrypts raw ciphertext.</summary>
    /// <exception cref="CloudException">Wrong length for the key, wrong key or padding, or not UTF-8 text.</exception>
    public static ClearTextPassword Decrypt(RsaPrivateKey key, ReadOnlySpan<byte> ciphertext, PasswordPadding padding)
    {
        ArgumentNullException.ThrowIfNull(key);
        var expected = (key.KeySizeBits + 7) / 8;
        if (ciphertext.Length != expected)
        {
            throw new CloudException(
                $"the ciphertext is {ciphertext.Length} bytes but a {key.KeySizeBits}-bit key makes {expected}-byte " +
                "ciphertexts; it was encrypted to a different key, or the data is truncated");
        }

        byte[] plain;
        try
        {
            plain = key.Decrypt(ciphertext, padding.ToRsaPadding());
        }
        catch (CryptographicException e)
        {
            throw new CloudException(
                $"the password does not decrypt with this key ({padding}): it was encrypted to a different key or " +
                "with a different padding", e);
        }

        try
        {
            var text = StrictUtf8.GetString(plain);
            if (text.Length == 0 || text.Length > ClearTextPassword.MaximumLength)
            {
                throw new CloudException($"the decrypted data ({padding}) is not a password; is this the right key?");
            }

            return ClearTextPassword.FromString(text);
        }
        catch (DecoderFallbackException e)
        {
            throw new CloudException($"the decrypted data ({padding}) is not UTF-8 text; is this the right key?", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    internal static byte[] DecodeBase64(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var compact = Base64Text.RemoveWhitespace(text);
        if (compact.Length == 0)
        {
            throw new CloudException("the encrypted password is empty (the instance has not published one yet?)");
        }

        return Base64Text.TryDecode(compact)
            ?? throw new CloudException($"the encrypted password is not valid base64 ({compact.Length} characters)");
    }
}
