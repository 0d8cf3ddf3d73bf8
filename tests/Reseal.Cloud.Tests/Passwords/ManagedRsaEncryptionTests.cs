using System.Numerics;
using System.Security.Cryptography;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;

using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Passwords;

/// <summary>
/// The managed RFC 8017 encryption (the fallback for Wine's CNG) against <c>openssl pkeyutl -decrypt</c> and .NET's own
/// RSA.Decrypt, with keys from ssh-keygen and openssl genpkey.
/// </summary>
public sealed class ManagedRsaEncryptionTests
{
    public static TheoryData<string, int, PasswordPadding> ToolCases()
    {
        var data = new TheoryData<string, int, PasswordPadding>();
        foreach (var padding in PasswordPaddings.All)
        {
            foreach (var bits in new[] { 2048, 3072, 4096 })
            {
                data.Add("ssh-keygen", bits, padding);
                data.Add("openssl", bits, padding);
            }
        }

        return data;
    }

    public static TheoryData<PasswordPadding> Paddings() => [.. PasswordPaddings.All];

    [Theory]
    [MemberData(nameof(ToolCases))]
    public void ForcedManagedPassword_DecryptsWithOpenSslAndDotNet(string maker, int bits, PasswordPadding padding)
    {
        var (privatePath, publicKey) = MakeKey(maker, bits);
        var password = PasswordGenerator.Generate();

        byte[] ciphertext;
        RsaEncryptionPath path;
        using (PasswordCipher.OverrideEncryption(forceManaged: true))
        {
            ciphertext = PasswordCipher.Encrypt(publicKey, password, padding, out path);
        }

        Assert.Equal(RsaEncryptionPath.Managed, path);
        Assert.Equal(bits / 8, ciphertext.Length);
        Assert.Equal(password.Reveal(), System.Text.Encoding.UTF8.GetString(OpenSslDecrypt(privatePath, ciphertext, padding)));
        using var key = RsaPrivateKey.Load(privatePath);
        Assert.Equal(password.Reveal(), PasswordCipher.Decrypt(key, ciphertext, padding).Reveal());
    }

    [Theory]
    [MemberData(nameof(ToolCases))]
    public void ManagedLongestBinaryMessage_DecryptsExactly(string maker, int bits, PasswordPadding padding)
    {
        var (privatePath, publicKey) = MakeKey(maker, bits);
        var message = RandomNumberGenerator.GetBytes(ManagedRsaEncryption.MaximumMessageLength(bits / 8, padding));
        message[0] = 0x00; // leading and trailing zero octets must survive
        message[^1] = 0x00;

        var ciphertext = ManagedRsaEncryption.Encrypt(publicKey, message, padding);

        Assert.Equal(bits / 8, ciphertext.Length);
        Assert.Equal(message, OpenSslDecrypt(privatePath, ciphertext, padding));
        using var key = RsaPrivateKey.Load(privatePath);
        Assert.Equal(message, key.Decrypt(ciphertext, padding.ToRsaPadding()));
    }

    [Theory]
    [MemberData(nameof(Paddings))]
    public void EmptyMessage_RoundTrips(PasswordPadding padding)
    {
        using var key = TestKeys.Key2048();

        var ciphertext = ManagedRsaEncryption.Encrypt(key.PublicKey, [], padding);

        Assert.Empty(key.Decrypt(ciphertext, padding.ToRsaPadding()));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(3072)]
    [InlineData(4096)]
    public void MessageOneByteOverTheLimit_IsRefused(int bits)
    {
        using var rsa = RSA.Create(bits);
        var publicKey = RsaPublicKey.Parse(rsa.ExportSubjectPublicKeyInfoPem());
        var k = bits / 8;
        var expectedLimits = new Dictionary<PasswordPadding, int>
        {
            [PasswordPadding.Pkcs1] = k - 11,
            [PasswordPadding.OaepSha1] = k - 42,
            [PasswordPadding.OaepSha256] = k - 66,
            [PasswordPadding.OaepSha512] = k - 130,
        };

        foreach (var (padding, limit) in expectedLimits)
        {
            var atLimit = RandomNumberGenerator.GetBytes(limit);
            Assert.Equal(atLimit, rsa.Decrypt(ManagedRsaEncryption.Encrypt(publicKey, atLimit, padding), padding.ToRsaPadding()));

            var e = Assert.Throws<CloudException>(() =>
                ManagedRsaEncryption.Encrypt(publicKey, new byte[limit + 1], padding));
            Assert.Contains("message too long", e.Message, StringComparison.Ordinal);
            Assert.Contains("at most k - ", e.Message, StringComparison.Ordinal);
            Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Pkcs1EncodedMessage_HasNonZeroRandomPaddingOfAtLeastEightOctets()
    {
        var (privatePath, publicKey) = MakeKey("openssl", 2048);
        byte[][] messages = [[], [0x41, 0x00, 0x42], new byte[256 - 11]];
        foreach (var message in messages)
        {
            var em = OpenSslRawDecrypt(privatePath, ManagedRsaEncryption.EncryptPkcs1(publicKey, message));

            Assert.Equal(256, em.Length);
            Assert.Equal(0x00, em[0]);
            Assert.Equal(0x02, em[1]);
            var separator = Array.IndexOf(em, (byte)0, 2);
            Assert.Equal(256 - message.Length - 1, separator);
            Assert.True(separator - 2 >= 8, $"PS is {separator - 2} octets");
            Assert.Equal(message, em[(separator + 1)..]);
        }
    }

    [Theory]
    [MemberData(nameof(Paddings))]
    public void SameMessageTwice_GivesDifferentCiphertexts(PasswordPadding padding)
    {
        using var key = TestKeys.Key2048();
        var message = "Same-Passw0rd!"u8.ToArray();

        var first = ManagedRsaEncryption.Encrypt(key.PublicKey, message, padding);
        var second = ManagedRsaEncryption.Encrypt(key.PublicKey, message, padding);

        Assert.NotEqual(first, second);
        Assert.Equal(message, key.Decrypt(first, padding.ToRsaPadding()));
        Assert.Equal(message, key.Decrypt(second, padding.ToRsaPadding()));
    }

    [Fact]
    public void Rsaep_SmallResult_KeepsLeadingZerosToModulusLength()
    {
        using var key = TestKeys.Key2048();
        var k = 256;
        var one = new byte[k];
        one[^1] = 1; // 1^e mod n = 1

        var c = ManagedRsaEncryption.Rsaep(key.PublicKey, one);
        var zero = ManagedRsaEncryption.Rsaep(key.PublicKey, new byte[k]);

        Assert.Equal(one, c);
        Assert.Equal(new byte[k], zero);
    }

    [Fact]
    public void Rsaep_RepresentativeNotBelowModulus_IsRefused()
    {
        using var key = TestKeys.Key2048();

        var e = Assert.Throws<CloudException>(() => ManagedRsaEncryption.Rsaep(key.PublicKey, key.PublicKey.Modulus.Span));

        Assert.Contains("out of range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void I2osp_PadsToExactLengthAndRefusesTooLarge()
    {
        Assert.Equal(new byte[] { 0, 0, 1, 2 }, ManagedRsaEncryption.I2osp(new BigInteger(0x0102), 4));
        Assert.Equal(new byte[] { 0xFF, 0xFF }, ManagedRsaEncryption.I2osp(new BigInteger(0xFFFF), 2));
        Assert.Equal(new byte[3], ManagedRsaEncryption.I2osp(BigInteger.Zero, 3));
        Assert.Equal(new BigInteger(0x80), ManagedRsaEncryption.Os2ip([0x00, 0x80])); // unsigned, not -128
        Assert.Throws<CloudException>(() => ManagedRsaEncryption.I2osp(new BigInteger(0x10000), 2));
    }

    [Fact]
    public void CiphertextWhoseIntegerHasALeadingZeroByte_IsStillKBytesAndDecrypts()
    {
        // Roughly one ciphertext in 256 (or fewer, with a small top modulus byte) starts with 0x00 as an integer.
        var (privatePath, publicKey) = MakeKey("openssl", 2048);
        var message = "Leading-Zer0!"u8.ToArray();
        byte[]? found = null;
        for (var i = 0; i < 10_000 && found is null; i++)
        {
            var ciphertext = ManagedRsaEncryption.EncryptPkcs1(publicKey, message);
            Assert.Equal(256, ciphertext.Length);
            if (ciphertext[0] == 0)
            {
                found = ciphertext;
            }
        }

        Assert.NotNull(found);
        Assert.Equal(message, OpenSslDecrypt(privatePath, found, PasswordPadding.Pkcs1));
        using var key = RsaPrivateKey.Load(privatePath);
        Assert.Equal(message, key.Decrypt(found, RSAEncryptionPadding.Pkcs1));
    }

    [Fact]
    public void Mgf1_IsHashOfSeedAndCounterConcatenated()
    {
        var seed = "seed"u8.ToArray();
        var mask = new byte[70];

        ManagedRsaEncryption.Mgf1(HashAlgorithmName.SHA256, seed, mask);

        var expected = SHA256.HashData([.. seed, 0, 0, 0, 0]).Concat(SHA256.HashData([.. seed, 0, 0, 0, 1]))
            .Concat(SHA256.HashData([.. seed, 0, 0, 0, 2])).Take(70).ToArray();
        Assert.Equal(expected, mask);
    }

    [Theory]
    [MemberData(nameof(Paddings))]
    public void PlatformThrowsCryptographicException_FallsBackToManaged(PasswordPadding padding)
    {
        using var key = TestKeys.Key2048();
        var password = PasswordGenerator.Generate();
        var calls = 0;

        byte[] ciphertext;
        RsaEncryptionPath path;
        using (PasswordCipher.OverrideEncryption(forceManaged: false, (_, _, _) =>
               {
                   calls++;
                   throw new CryptographicException("Unknown error (0xc1000002)");
               }))
        {
            ciphertext = PasswordCipher.Encrypt(key.PublicKey, password, padding, out path);
        }

        Assert.Equal(1, calls);
        Assert.Equal(RsaEncryptionPath.Managed, path);
        Assert.Equal(password.Reveal(), PasswordCipher.Decrypt(key, ciphertext, padding).Reveal());
    }

    [Fact]
    public void PlatformWorks_NoFallback()
    {
        using var key = TestKeys.Key2048();
        var password = PasswordGenerator.Generate();
        var marker = new byte[256];
        marker[0] = 0xAB;
        RSAEncryptionPadding? seenPadding = null;

        byte[] ciphertext;
        RsaEncryptionPath path;
        using (PasswordCipher.OverrideEncryption(forceManaged: false, (_, plain, rsaPadding) =>
               {
                   seenPadding = rsaPadding;
                   Assert.Equal(password.Reveal(), System.Text.Encoding.UTF8.GetString(plain));
                   return marker;
               }))
        {
            ciphertext = PasswordCipher.Encrypt(key.PublicKey, password, PasswordPadding.OaepSha256, out path);
        }

        Assert.Equal(RsaEncryptionPath.Platform, path);
        Assert.Same(marker, ciphertext);
        Assert.Equal(RSAEncryptionPadding.OaepSHA256, seenPadding);
    }

    [Fact]
    public void PlatformThrowsSomethingElse_IsNotHidden()
    {
        using var key = TestKeys.Key2048();

        using (PasswordCipher.OverrideEncryption(forceManaged: false, (_, _, _) => throw new InvalidOperationException("boom")))
        {
            Assert.Throws<InvalidOperationException>(() =>
                PasswordCipher.Encrypt(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1));
        }
    }

    [Fact]
    public void ForcedManaged_NeverCallsThePlatform()
    {
        using var key = TestKeys.Key2048();
        var calls = 0;

        RsaEncryptionPath path;
        using (PasswordCipher.OverrideEncryption(forceManaged: true, (_, _, _) =>
               {
                   calls++;
                   return [];
               }))
        {
            _ = PasswordCipher.Encrypt(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.OaepSha1, out path);
        }

        Assert.Equal(0, calls);
        Assert.Equal(RsaEncryptionPath.Managed, path);
    }

    [Fact]
    public void WithoutOverride_UsesThePlatformAndDisposedOverrideIsRestored()
    {
        using var key = TestKeys.Key2048();
        using (PasswordCipher.OverrideEncryption(forceManaged: true))
        {
            _ = PasswordCipher.Encrypt(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1, out var inside);
            Assert.Equal(RsaEncryptionPath.Managed, inside);
        }

        var ciphertext = PasswordCipher.Encrypt(key.PublicKey, ClearTextPassword.FromString("Plat-f0rm!"), PasswordPadding.Pkcs1,
            out var path);

        Assert.Equal(RsaEncryptionPath.Platform, path);
        Assert.Equal("Plat-f0rm!", PasswordCipher.Decrypt(key, ciphertext, PasswordPadding.Pkcs1).Reveal());
    }

    [Fact]
    public void TooLongPassword_IsRefusedOnTheManagedPathToo()
    {
        using var key = TestKeys.Key2048();
        var tooLong = ClearTextPassword.FromString(new string('a', 256 - 130 + 1));

        using (PasswordCipher.OverrideEncryption(forceManaged: true))
        {
            Assert.Throws<CloudException>(() => PasswordCipher.Encrypt(key.PublicKey, tooLong, PasswordPadding.OaepSha512));
        }
    }

    private static (string PrivatePath, RsaPublicKey PublicKey) MakeKey(string maker, int bits)
    {
        if (maker == "openssl")
        {
            var path = KeyFiles.OpenSslGenpkey(bits);
            using var key = RsaPrivateKey.Load(path);
            return (path, key.PublicKey);
        }

        // PEM so openssl reads the private key as ssh-keygen wrote it; the public key comes from the .pub line.
        var sshPath = KeyFiles.SshKeygen("rsa", bits, "PEM");
        return (sshPath, RsaPublicKey.Load(sshPath + ".pub"));
    }

    private static byte[] OpenSslDecrypt(string privatePath, byte[] ciphertext, PasswordPadding padding)
    {
        var cipherPath = KeyFiles.NewPath("cipher.bin");
        File.WriteAllBytes(cipherPath, ciphertext);
        var plainPath = KeyFiles.NewPath("plain.bin");
        KeyFiles.OpenSsl([.. new[] { "pkeyutl", "-decrypt", "-inkey", privatePath, "-in", cipherPath, "-out", plainPath }, .. PaddingOptions(padding)]);
        return File.ReadAllBytes(plainPath);
    }

    /// <summary>m = c^d mod n with no padding removed: the encoded message EM as openssl sees it.</summary>
    private static byte[] OpenSslRawDecrypt(string privatePath, byte[] ciphertext)
    {
        var cipherPath = KeyFiles.NewPath("cipher.bin");
        File.WriteAllBytes(cipherPath, ciphertext);
        var plainPath = KeyFiles.NewPath("raw.bin");
        KeyFiles.OpenSsl("pkeyutl", "-decrypt", "-inkey", privatePath, "-in", cipherPath, "-out", plainPath,
            "-pkeyopt", "rsa_padding_mode:none");
        return File.ReadAllBytes(plainPath);
    }

    private static string[] PaddingOptions(PasswordPadding padding) => padding switch
    {
        PasswordPadding.Pkcs1 => ["-pkeyopt", "rsa_padding_mode:pkcs1"],
        _ => ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + padding.ToGceHashFunction(),
            "-pkeyopt", "rsa_mgf1_md:" + padding.ToGceHashFunction()],
    };
}
