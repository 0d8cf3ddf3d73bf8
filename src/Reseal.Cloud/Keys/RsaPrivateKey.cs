using System.Security.Cryptography;

namespace Reseal.Cloud.Keys;

/// <summary>
/// An RSA private key of at least 2048 bits, read from PEM PKCS#1 (<c>RSA PRIVATE KEY</c>), unencrypted PEM PKCS#8
/// (<c>PRIVATE KEY</c>) or OpenSSH (<c>OPENSSH PRIVATE KEY</c>, unencrypted). Used to decrypt an instance's password.
/// Dispose it to release the key material.
/// </summary>
public sealed class RsaPrivateKey : IDisposable
{
    private readonly RSA _rsa;

    private RsaPrivateKey(RSA rsa, PrivateKeyFormat format, RsaPublicKey publicKey)
    {
        _rsa = rsa;
        Format = format;
        PublicKey = publicKey;
    }

    /// <summary>The container the key was read from.</summary>
    public PrivateKeyFormat Format { get; }

    /// <summary>The public half.</summary>
    public RsaPublicKey PublicKey { get; }

    /// <summary>Modulus size in bits.</summary>
    public int KeySizeBits => PublicKey.KeySizeBits;

    /// <summary>Reads a private key from text.</summary>
    /// <exception cref="CloudException">No key, an encrypted key, a non-RSA key, a key under 2048 bits, or corrupt data.</exception>
    public static RsaPrivateKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new CloudException("private key: the text is empty");
        }

        if (!trimmed.Contains("-----BEGIN ", StringComparison.Ordinal) &&
            !trimmed.StartsWith("PuTTY-User-Key-File", StringComparison.Ordinal))
        {
            if (trimmed.StartsWith("ssh-", StringComparison.Ordinal) || trimmed.StartsWith("ecdsa-", StringComparison.Ordinal) ||
                trimmed.StartsWith("---- BEGIN SSH2 PUBLIC KEY", StringComparison.Ordinal))
            {
                throw new CloudException("this is a public key; decrypting a password needs the matching private key");
            }

            throw new CloudException(
                "private key: not a recognised format (expected '-----BEGIN RSA PRIVATE KEY-----', " +
                "'-----BEGIN PRIVATE KEY-----' or '-----BEGIN OPENSSH PRIVATE KEY-----')");
        }

        var block = PemReader.FindFirst(trimmed);
        switch (block.Label)
        {
            case "RSA PRIVATE KEY":
                return Import(PrivateKeyFormat.Pkcs1Pem, "PEM 'RSA PRIVATE KEY'",
                    rsa => rsa.ImportRSAPrivateKey(block.Data, out _));
            case "PRIVATE KEY":
            {
                var oid = PemReader.ReadPkcs8Algorithm(block.Data, "PEM 'PRIVATE KEY'");
                if (oid != KeyTypes.RsaOid)
                {
                    throw KeyTypes.NotRsa("PEM 'PRIVATE KEY'", KeyTypes.DescribeOid(oid));
                }

                return Import(PrivateKeyFormat.Pkcs8Pem, "PEM 'PRIVATE KEY'",
                    rsa => rsa.ImportPkcs8PrivateKey(block.Data, out _));
            }

            case "OPENSSH PRIVATE KEY":
            {
                var (parameters, comment) = OpenSshPrivateKeyReader.Read(block.Data);
                return Import(PrivateKeyFormat.OpenSsh, "OpenSSH private key",
                    rsa => rsa.ImportParameters(parameters), comment);
            }

            case "ENCRYPTED PRIVATE KEY":
                throw new CloudException(
                    "PEM 'ENCRYPTED PRIVATE KEY': the PKCS#8 key is encrypted with a passphrase; decrypt it first " +
                    "('openssl pkcs8 -in KEY -out KEY.plain')");
            case "EC PRIVATE KEY":
                throw KeyTypes.NotRsa("PEM 'EC PRIVATE KEY'", "ECDSA");
            case "DSA PRIVATE KEY":
                throw KeyTypes.NotRsa("PEM 'DSA PRIVATE KEY'", "DSA");
            case "PUBLIC KEY" or "RSA PUBLIC KEY":
                throw new CloudException(
                    $"PEM '{block.Label}' is a public key; decrypting a password needs the matching private key");
            default:
                throw new CloudException($"PEM '{block.Label}' is not a private key format Reseal reads");
        }
    }

    /// <summary>Reads a private key file; errors name the file.</summary>
    public static RsaPrivateKey Load(string path) => KeyFile.Load(path, Parse);

    /// <summary>Exports the key as PEM PKCS#1 (<c>RSA PRIVATE KEY</c>), the form aws-cli and Packer read.</summary>
    public string ExportPkcs1Pem() => _rsa.ExportRSAPrivateKeyPem();

    public void Dispose() => _rsa.Dispose();

    /// <summary>Describes the key without its material.</summary>
    public override string ToString() => $"{Format} private key, {PublicKey}";

    internal byte[] Decrypt(ReadOnlySpan<byte> ciphertext, RSAEncryptionPadding padding) =>
        _rsa.Decrypt(ciphertext.ToArray(), padding);

    private static RsaPrivateKey Import(PrivateKeyFormat format, string what, Action<RSA> import, string? comment = null)
    {
        var rsa = RSA.Create();
        try
        {
            try
            {
                import(rsa);
            }
            catch (CryptographicException e)
            {
                throw new CloudException($"{what}: not a valid RSA private key: {e.Message}", e);
            }

            var publicKey = RsaPublicKey.FromParameters(what, rsa.ExportParameters(false), comment);
            return new RsaPrivateKey(rsa, format, publicKey);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }
}
