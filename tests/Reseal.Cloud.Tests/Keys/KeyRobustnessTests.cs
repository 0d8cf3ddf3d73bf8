using System.Security.Cryptography;
using System.Text;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;

using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Keys;

/// <summary>Broken key and password input fails with CloudException, never another exception or a hang.</summary>
public sealed class KeyRobustnessTests
{
    private static string Pem(string label, byte[] data) => PemEncoding.WriteString(label, data);

    [Fact]
    public void Parse_OpenSshKeyTruncatedAtEveryLength_CloudExceptionOnly()
    {
        var path = KeyFiles.SshKeygen("rsa", 2048);
        var text = File.ReadAllText(path);
        Assert.True(PemEncoding.TryFind(text, out var fields));
        var blob = Convert.FromBase64String(text[fields.Base64Data]);

        for (var length = 0; length < blob.Length; length++)
        {
            var truncated = Pem("OPENSSH PRIVATE KEY", blob[..length]);
            Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(truncated));
        }
    }

    [Fact]
    public void Parse_OpenSshKeyWithFlippedBytes_CloudExceptionOrSameKey()
    {
        var path = KeyFiles.SshKeygen("rsa", 2048);
        var text = File.ReadAllText(path);
        Assert.True(PemEncoding.TryFind(text, out var fields));
        var blob = Convert.FromBase64String(text[fields.Base64Data]);
        using var original = RsaPrivateKey.Parse(text);
        var password = ClearTextPassword.FromString("Flipped-Bytes-1");

        // Every byte, flipping a bit that keeps odd numbers odd (so a changed exponent or modulus still looks valid).
        for (var at = 0; at < blob.Length; at++)
        {
            var copy = (byte[])blob.Clone();
            copy[at] ^= 0x02;
            RsaPrivateKey parsed;
            try
            {
                parsed = RsaPrivateKey.Parse(Pem("OPENSSH PRIVATE KEY", copy));
            }
            catch (CloudException)
            {
                continue;
            }

            using (parsed)
            {
                // Only a flip in the comment may leave a usable key, and then it must be the same key.
                Assert.True(original.PublicKey.Equals(parsed.PublicKey), $"byte {at}: parsed to a different public key");
                var ciphertext = PasswordCipher.EncryptToBase64(original.PublicKey, password, PasswordPadding.Pkcs1);
                Assert.Equal(password, PasswordCipher.DecryptBase64(parsed, ciphertext, PasswordPadding.Pkcs1));
            }
        }
    }

    private static OpenSshKeyWriter.RsaParts FreshParts()
    {
        using var rsa = RSA.Create(2048);
        return OpenSshKeyWriter.RsaParts.From(rsa.ExportParameters(true));
    }

    [Fact]
    public void Parse_OpenSshKeyFromWriter_Reads()
    {
        var parts = FreshParts();

        using var key = RsaPrivateKey.Parse(OpenSshKeyWriter.Write(parts));

        Assert.Equal(2048, key.KeySizeBits);
    }

    [Fact]
    public void Parse_OpenSshPublicBlobModulusDiffers_CloudException()
    {
        var parts = FreshParts();
        var other = FreshParts();

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(OpenSshKeyWriter.Write(parts, publicN: other.N)));

        Assert.Contains("public key does not match the private section", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OpenSshPublicBlobExponentDiffers_CloudException()
    {
        var parts = FreshParts();

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(OpenSshKeyWriter.Write(parts, publicE: 3)));

        Assert.Contains("public key does not match the private section", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OpenSshPrivateExponentNotInverse_CloudException()
    {
        var parts = FreshParts();

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(OpenSshKeyWriter.Write(parts with { D = parts.D + 2 })));

        Assert.Contains("private exponent does not invert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OpenSshPublicExponentNotMatchingD_CloudException()
    {
        var parts = FreshParts();
        var wrongE = parts.E + 2;

        var error = Assert.Throws<CloudException>(() =>
            RsaPrivateKey.Parse(OpenSshKeyWriter.Write(parts with { E = wrongE }, publicE: wrongE)));

        Assert.Contains("private exponent does not invert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OpenSshCrtCoefficientWrong_CloudException()
    {
        var parts = FreshParts();
        var wrong = (parts.Iqmp + 1) % parts.P;

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(OpenSshKeyWriter.Write(parts with { Iqmp = wrong })));

        Assert.Contains("CRT coefficient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OpenSshKeyHugeLengthField_CloudExceptionNamingOffset()
    {
        var blob = Encoding.ASCII.GetBytes("openssh-key-v1\0").Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xF0, 1, 2 }).ToArray();

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(Pem("OPENSSH PRIVATE KEY", blob)));

        Assert.Contains("offset 0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("ssh-rsa")]
    [InlineData("ssh-rsa !!!notbase64")]
    [InlineData("ssh-rsa AAAA")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----")]
    [InlineData("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n")]
    public void ParsePublic_Garbage_CloudException(string text) =>
        Assert.Throws<CloudException>(() => RsaPublicKey.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----")]
    [InlineData("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\n")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----")]
    public void ParsePrivate_Garbage_CloudException(string text) =>
        Assert.Throws<CloudException>(() => RsaPrivateKey.Parse(text));

    [Fact]
    public void ParseOpenSshLine_WithOptionsAndQuotedSpaces_FindsKey()
    {
        using var key = Passwords.TestKeys.Key2048();
        var line = "command=\"echo hello world\",no-pty " + key.PublicKey.ToOpenSshString() + " me@host";

        var parsed = RsaPublicKey.Parse(line);

        Assert.Equal(key.PublicKey, parsed);
        Assert.Equal("me@host", parsed.Comment);
    }

    [Fact]
    public void FromBase64ModulusAndExponent_AqabVariants_Both65537()
    {
        using var key = Passwords.TestKeys.Key2048();

        var a = RsaPublicKey.FromBase64ModulusAndExponent(key.PublicKey.ModulusBase64, "AQAB");
        var b = RsaPublicKey.FromBase64ModulusAndExponent(key.PublicKey.ModulusBase64, "AQABAA==");
        var c = RsaPublicKey.FromBase64ModulusAndExponent(key.PublicKey.ModulusBase64, "AAEAAQ==");

        Assert.Equal(key.PublicKey, a);
        Assert.Equal(a, b);
        Assert.Equal(a, c);
    }

    [Fact]
    public void Scan_RandomGarbage_NeverThrowsOtherThanCloudException()
    {
        for (var i = 0; i < 300; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(1, 600));
            var text = Encoding.Latin1.GetString(bytes);
            if (i % 3 == 0)
            {
                text = "<Password>" + text;
            }
            else if (i % 3 == 1)
            {
                text = "{\"encryptedPassword\":" + text;
            }

            _ = PasswordOutputParser.Scan(text);
        }
    }

    [Fact]
    public void ToString_Keys_ShowNoKeyMaterial()
    {
        using var key = Passwords.TestKeys.Key2048();

        Assert.DoesNotContain(key.PublicKey.ModulusBase64[..20], key.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("Pkcs1Pem private key, RSA 2048-bit SHA256:", key.ToString(), StringComparison.Ordinal);
    }
}
