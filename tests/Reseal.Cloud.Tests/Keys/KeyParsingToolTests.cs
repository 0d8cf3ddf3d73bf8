using Reseal.Cloud.Keys;

using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Keys;

/// <summary>Keys written by ssh-keygen and openssl read back with the same modulus, exponent and fingerprint.</summary>
public sealed class KeyParsingToolTests
{
    [Theory]
    [InlineData(2048, "PEM", PrivateKeyFormat.Pkcs1Pem)]
    [InlineData(2048, "PKCS8", PrivateKeyFormat.Pkcs8Pem)]
    [InlineData(2048, "RFC4716", PrivateKeyFormat.OpenSsh)]
    [InlineData(2048, null, PrivateKeyFormat.OpenSsh)]
    [InlineData(4096, "PEM", PrivateKeyFormat.Pkcs1Pem)]
    [InlineData(4096, "PKCS8", PrivateKeyFormat.Pkcs8Pem)]
    [InlineData(4096, "RFC4716", PrivateKeyFormat.OpenSsh)]
    [InlineData(4096, null, PrivateKeyFormat.OpenSsh)]
    public void Load_SshKeygenRsaKey_MatchesItsPublicKeyAndFingerprint(int bits, string? format, PrivateKeyFormat expected)
    {
        var path = KeyFiles.SshKeygen("rsa", bits, format);

        using var key = RsaPrivateKey.Load(path);
        var publicKey = RsaPublicKey.Load(path + ".pub");

        Assert.Equal(expected, key.Format);
        Assert.Equal(bits, key.KeySizeBits);
        Assert.Equal(publicKey, key.PublicKey);
        Assert.Equal("test@reseal", publicKey.Comment);
        var fingerprint = KeyFiles.SshKeygenRun("-l", "-E", "sha256", "-f", path + ".pub").StandardOutput.Split(' ')[1];
        Assert.Equal(fingerprint, publicKey.Sha256Fingerprint);
    }

    [Theory]
    [InlineData("PKCS8")]
    [InlineData("PEM")]
    [InlineData("RFC4716")]
    public void ParsePublic_SshKeygenExport_EqualsOpenSshLine(string format)
    {
        var path = KeyFiles.SshKeygen("rsa", 2048);
        var exported = KeyFiles.SshKeygenRun("-e", "-m", format, "-f", path + ".pub").StandardOutput;

        var parsed = RsaPublicKey.Parse(exported);

        Assert.Equal(RsaPublicKey.Load(path + ".pub"), parsed);
    }

    [Fact]
    public void ToOpenSshString_SshKeygenKey_RoundTripsExactly()
    {
        var path = KeyFiles.SshKeygen("rsa", 2048);
        var line = File.ReadAllText(path + ".pub").Trim();

        Assert.Equal(line, RsaPublicKey.Parse(line).ToOpenSshString());
    }

    [Fact]
    public void Load_OpenSslGenpkeyAndTraditional_ReadBothContainers()
    {
        var pkcs8 = KeyFiles.OpenSslGenpkey(2048);
        var traditional = KeyFiles.NewPath("traditional.pem");
        KeyFiles.OpenSsl("rsa", "-in", pkcs8, "-traditional", "-out", traditional);
        var publicPem = KeyFiles.OpenSsl("pkey", "-in", pkcs8, "-pubout").StandardOutput;

        using var a = RsaPrivateKey.Load(pkcs8);
        using var b = RsaPrivateKey.Load(traditional);

        Assert.Equal(PrivateKeyFormat.Pkcs8Pem, a.Format);
        Assert.Equal(PrivateKeyFormat.Pkcs1Pem, b.Format);
        Assert.Equal(a.PublicKey, b.PublicKey);
        Assert.Equal(RsaPublicKey.Parse(publicPem), a.PublicKey);
    }

    [Fact]
    public void ToPem_OpenSshKey_OpenSslReadsSameModulus()
    {
        var path = KeyFiles.SshKeygen("rsa", 2048);
        var key = RsaPublicKey.Load(path + ".pub");
        var pemPath = KeyFiles.NewPath("pub.pem");
        File.WriteAllText(pemPath, key.ToPem());

        var modulus = KeyFiles.OpenSsl("rsa", "-pubin", "-in", pemPath, "-noout", "-modulus").StandardOutput.Trim();

        Assert.Equal("Modulus=" + Convert.ToHexString(key.Modulus.Span), modulus);
    }

    [Theory]
    [InlineData("ed25519", 0, null, "Ed25519")]
    [InlineData("ecdsa", 256, null, "ECDSA")]
    [InlineData("ecdsa", 384, "PEM", "ECDSA")]
    [InlineData("ecdsa", 521, "PKCS8", "ECDSA")]
    [InlineData("ed25519", 0, "RFC4716", "Ed25519")]
    public void Load_NonRsaKey_RejectedNamingTheType(string type, int bits, string? format, string named)
    {
        var path = KeyFiles.SshKeygen(type, bits, format);

        var privateError = Assert.Throws<CloudException>(() => RsaPrivateKey.Load(path));
        var publicError = Assert.Throws<CloudException>(() => RsaPublicKey.Load(path + ".pub"));

        Assert.Contains(named, privateError.Message, StringComparison.Ordinal);
        Assert.Contains("needs an RSA key", privateError.Message, StringComparison.Ordinal);
        Assert.Contains(path, privateError.Message, StringComparison.Ordinal);
        Assert.Contains(named, publicError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EcdsaSpkiPublicKey_RejectedNamingEcdsa()
    {
        var path = KeyFiles.SshKeygen("ecdsa", 256);
        var pem = KeyFiles.SshKeygenRun("-e", "-m", "PKCS8", "-f", path + ".pub").StandardOutput;

        var error = Assert.Throws<CloudException>(() => RsaPublicKey.Parse(pem));

        Assert.Contains("ECDSA", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("PEM")]
    [InlineData("PKCS8")]
    public void Load_Rsa1024_RejectedNamingTheSize(string? format)
    {
        var path = KeyFiles.SshKeygen("rsa", 1024, format);

        var privateError = Assert.Throws<CloudException>(() => RsaPrivateKey.Load(path));
        var publicError = Assert.Throws<CloudException>(() => RsaPublicKey.Load(path + ".pub"));

        Assert.Contains("1024-bit RSA key; at least 2048 bits are required", privateError.Message, StringComparison.Ordinal);
        Assert.Contains("1024-bit RSA key; at least 2048 bits are required", publicError.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "encrypted with a passphrase")]
    [InlineData("PEM", "encrypted with a passphrase")]
    [InlineData("PKCS8", "encrypted with a passphrase")]
    public void Load_PassphraseProtectedKey_ClearError(string? format, string expected)
    {
        var path = KeyFiles.SshKeygen("rsa", 2048, format, passphrase: "secret passphrase");

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Load(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PublicKeyGivenAsPrivate_SaysItIsPublic()
    {
        var path = KeyFiles.SshKeygen("rsa", 2048);

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Load(path + ".pub"));

        Assert.Contains("public key", error.Message, StringComparison.Ordinal);
    }
}
