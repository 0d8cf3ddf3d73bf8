using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;

using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Passwords;

/// <summary>Ciphertext crosses between Reseal and <c>openssl pkeyutl</c> in both directions, for every padding.</summary>
public sealed class CipherInteropTests
{
    public static TheoryData<string, int, string?, PasswordPadding> Cases()
    {
        var data = new TheoryData<string, int, string?, PasswordPadding>();
        foreach (var padding in PasswordPaddings.All)
        {
            data.Add("ssh-keygen", 2048, "PEM", padding);
            data.Add("ssh-keygen", 2048, "PKCS8", padding);
            data.Add("ssh-keygen", 2048, "RFC4716", padding);
            data.Add("ssh-keygen", 2048, null, padding);
            data.Add("ssh-keygen", 4096, null, padding);
            data.Add("openssl", 2048, null, padding);
            data.Add("openssl", 3072, null, padding);
        }

        data.Add("ssh-keygen", 4096, "PEM", PasswordPadding.Pkcs1);
        data.Add("ssh-keygen", 4096, "PKCS8", PasswordPadding.OaepSha512);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encrypt_ToToolKey_OpenSslDecrypts(string maker, int bits, string? format, PasswordPadding padding)
    {
        var (privatePath, publicKey) = MakeKey(maker, bits, format);
        var password = PasswordGenerator.Generate();
        var cipherPath = KeyFiles.NewPath("cipher.bin");
        File.WriteAllBytes(cipherPath, PasswordCipher.Encrypt(publicKey, password, padding));

        var plainPath = KeyFiles.NewPath("plain.txt");
        KeyFiles.OpenSsl([.. new[] { "pkeyutl", "-decrypt", "-inkey", OpenSslReadable(privatePath, format), "-in", cipherPath, "-out", plainPath }, .. PaddingOptions(padding)]);

        Assert.Equal(password.Reveal(), File.ReadAllText(plainPath));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decrypt_OpenSslCiphertext_RecoversPassword(string maker, int bits, string? format, PasswordPadding padding)
    {
        var (privatePath, publicKey) = MakeKey(maker, bits, format);
        var publicPem = KeyFiles.NewPath("pub.pem");
        File.WriteAllText(publicPem, publicKey.ToPem());
        var plainPath = KeyFiles.NewPath("plain.txt");
        File.WriteAllText(plainPath, "Zq7#pV!x2Lm@9wRt$4Ky&b");
        var cipherPath = KeyFiles.NewPath("cipher.bin");
        KeyFiles.OpenSsl([.. new[] { "pkeyutl", "-encrypt", "-pubin", "-inkey", publicPem, "-in", plainPath, "-out", cipherPath }, .. PaddingOptions(padding)]);

        using var key = RsaPrivateKey.Load(privatePath);
        var decrypted = PasswordCipher.Decrypt(key, File.ReadAllBytes(cipherPath), padding);
        var unlabelled = EncryptedPassword.FromBase64(Convert.ToBase64String(File.ReadAllBytes(cipherPath))).Decrypt(key);

        Assert.Equal("Zq7#pV!x2Lm@9wRt$4Ky&b", decrypted.Reveal());
        Assert.Equal("Zq7#pV!x2Lm@9wRt$4Ky&b", unlabelled.Reveal());
    }

    [Fact]
    public void Decrypt_OpenSslCiphertextInEc2ConsoleOutput_RecoversPassword()
    {
        var path = KeyFiles.SshKeygen("rsa", 2048, "PEM");
        var plainPath = KeyFiles.NewPath("plain.txt");
        File.WriteAllText(plainPath, "Adm1n!Pass-word_2020");
        var cipherPath = KeyFiles.NewPath("cipher.bin");
        KeyFiles.OpenSsl("pkeyutl", "-encrypt", "-pubin", "-inkey", ExportSpki(path), "-in", plainPath, "-out", cipherPath);
        var b64 = KeyFiles.OpenSsl("base64", "-in", cipherPath).StandardOutput; // wrapped at 64 columns, LF
        var console = "2020/02/17 13:25:32Z: Username: Administrator\r\n2020/02/17 13:25:32Z: Password: <Password>\r\n" +
                      b64.Replace("\n", "\r\n", StringComparison.Ordinal) + "</Password>\r\n" +
                      "2020/02/17 13:25:32Z: Message: Windows is Ready to use\r\n";

        using var key = RsaPrivateKey.Load(path);

        Assert.Equal("Adm1n!Pass-word_2020", PasswordOutputParser.Decrypt(console, key).Reveal());
    }

    private static (string PrivatePath, RsaPublicKey PublicKey) MakeKey(string maker, int bits, string? format)
    {
        if (maker == "openssl")
        {
            var path = KeyFiles.OpenSslGenpkey(bits);
            using var key = RsaPrivateKey.Load(path);
            return (path, key.PublicKey);
        }

        var sshPath = KeyFiles.SshKeygen("rsa", bits, format);
        return (sshPath, RsaPublicKey.Load(sshPath + ".pub"));
    }

    /// <summary>openssl cannot read OpenSSH containers; ssh-keygen converts a copy to PEM independently of Reseal.</summary>
    private static string OpenSslReadable(string privatePath, string? format)
    {
        if (format is "PEM" or "PKCS8" || privatePath.EndsWith(".pem", StringComparison.Ordinal))
        {
            return privatePath;
        }

        var copy = KeyFiles.NewPath("converted");
        File.Copy(privatePath, copy);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        KeyFiles.SshKeygenRun("-p", "-q", "-N", "", "-P", "", "-m", "PEM", "-f", copy);
        return copy;
    }

    private static string ExportSpki(string privatePath)
    {
        var pem = KeyFiles.NewPath("spki.pem");
        File.WriteAllText(pem, KeyFiles.SshKeygenRun("-e", "-m", "PKCS8", "-f", privatePath + ".pub").StandardOutput);
        return pem;
    }

    private static string[] PaddingOptions(PasswordPadding padding) => padding switch
    {
        PasswordPadding.Pkcs1 => ["-pkeyopt", "rsa_padding_mode:pkcs1"],
        _ => ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + padding.ToGceHashFunction(),
            "-pkeyopt", "rsa_mgf1_md:" + padding.ToGceHashFunction()],
    };
}
