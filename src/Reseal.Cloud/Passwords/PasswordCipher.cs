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
    private static readonly AsyncLocal<EncryptionSettings?> EncryptionOverride = new();

    /// <summary>Encrypts and returns base64 without line breaks.</summary>
    /// <exception cref="CloudException">The password is too long for the key and padding.</exception>
    public static string EncryptToBase64(RsaPublicKey key, ClearTextPassword password, PasswordPadding padding) =>
        Convert.ToBase64String(Encrypt(key, password, padding));

    /// <summary>Encrypts and returns the raw ciphertext (key-size bytes).</summary>
    /// <exception cref="CloudException">The password is too long for the key and padding.</exception>
    /// <remarks>
    /// The platform's RSA encrypts first; when it throws <see cref="CryptographicException"/> (Wine's CNG does, with
    /// <c>0xc1000002</c>, even for an imported public key) the managed RFC 8017 implementation
    /// (<see cref="ManagedRsaEncryption"/>) encrypts instead. Both give ciphertext any RSA implementation decrypts.
    /// </remarks>
    public static byte[] Encrypt(RsaPublicKey key, ClearTextPassword password, PasswordPadding padding) =>
        Encrypt(key, password, padding, out _);

    /// <summary>
    /// Replaces, for the current async flow only, how <see cref="Encrypt(RsaPublicKey, ClearTextPassword, PasswordPadding)"/>
    /// encrypts: <paramref name="forceManaged"/> skips the platform and always uses the managed implementation;
    /// <paramref name="platform"/> stands in for the platform's RSA (a test makes it throw to simulate Wine). Dispose the
    /// result to restore the previous behaviour.
    /// </summary>
    internal static IDisposable OverrideEncryption(bool forceManaged, PlatformRsaEncryptor? platform = null)
    {
        var previous = EncryptionOverride.Value;
        EncryptionOverride.Value = new EncryptionSettings(forceManaged, platform);
        return new OverrideScope(previous);
    }

    /// <summary>Encrypts and says which implementation produced the ciphertext.</summary>
    internal static byte[] Encrypt(RsaPublicKey key, ClearTextPassword password, PasswordPadding padding,
        out RsaEncryptionPath path)
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

            var settings = EncryptionOverride.Value;
            if (settings is null || !settings.ForceManaged)
            {
                try
                {
                    var ciphertext = (settings?.Platform ?? PlatformEncrypt)(key, plain, padding.ToRsaPadding());
                    path = RsaEncryptionPath.Platform;
                    return ciphertext;
                }
                catch (CryptographicException)
                {
                    // The platform provider cannot encrypt (Wine's CNG); the managed implementation below can.
                }
            }

            path = RsaEncryptionPath.Managed;
            return ManagedRsaEncryption.Encrypt(key, plain, padding);
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

    /// <summary>The platform's RSA (CNG, OpenSSL, …) encrypting to an imported public key.</summary>
    private static byte[] PlatformEncrypt(RsaPublicKey key, byte[] plain, RSAEncryptionPadding padding)
    {
        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = key.Modulus.ToArray(), Exponent = key.Exponent.ToArray() });
        return rsa.Encrypt(plain, padding);
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

    private sealed record EncryptionSettings(bool ForceManaged, PlatformRsaEncryptor? Platform);

    private sealed class OverrideScope(EncryptionSettings? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                EncryptionOverride.Value = previous;
            }
        }
    }
}

/// <summary>Which implementation encrypted a password.</summary>
internal enum RsaEncryptionPath
{
    /// <summary>The platform's RSA provider.</summary>
    Platform,

    /// <summary><see cref="ManagedRsaEncryption"/>: forced, or the platform threw <see cref="CryptographicException"/>.</summary>
    Managed,
}

/// <summary>Encrypts with a platform RSA provider; throws <see cref="CryptographicException"/> when it cannot.</summary>
internal delegate byte[] PlatformRsaEncryptor(RsaPublicKey key, byte[] plain, RSAEncryptionPadding padding);
