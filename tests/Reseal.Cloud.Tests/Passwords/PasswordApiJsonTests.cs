using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;
using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Passwords;

/// <summary>The JSON users already hold: <c>aws ec2 get-password-data</c> and Nova's <c>os-server-password</c>.</summary>
public sealed class PasswordApiJsonTests
{
    private static string Encrypt(string privateKey, string password)
    {
        var pub = KeyFiles.NewPath("pub.pem");
        KeyFiles.OpenSsl("pkey", "-in", privateKey, "-pubout", "-out", pub);
        var plain = KeyFiles.NewPath("plain.txt");
        File.WriteAllText(plain, password);
        var cipher = KeyFiles.NewPath("cipher.bin");
        KeyFiles.OpenSsl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", plain, "-out", cipher);
        return Convert.ToBase64String(File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Decrypt_AwsCliGetPasswordDataJson_DecryptsPasswordData()
    {
        var keyPath = KeyFiles.SshKeygen("rsa", 2048, "PEM");
        var cipher = Encrypt(keyPath, "Aws!CliJson42");
        // As aws-cli prints it: indented over several lines, the value with escaped line breaks inside.
        var json = $$"""
            {
                "InstanceId": "i-1234567890abcdef0",
                "PasswordData": "\r\n{{cipher[..60]}}\r\n{{cipher[60..]}}\r\n",
                "Timestamp": "2026-12-06T10:05:00+00:00"
            }
            """;
        using var key = RsaPrivateKey.Load(keyPath);

        var found = PasswordOutputParser.FindLatest(json, key.PublicKey);

        Assert.Equal(EncryptedPasswordSource.CloudApiJson, found.Source);
        Assert.Equal("Aws!CliJson42", found.Decrypt(key).Reveal());
    }

    [Fact]
    public void Decrypt_NovaServerPasswordJson_DecryptsPassword()
    {
        var keyPath = KeyFiles.OpenSslGenpkey(2048);
        var cipher = Encrypt(keyPath, "Nova#Json-7");
        using var key = RsaPrivateKey.Load(keyPath);

        Assert.Equal("Nova#Json-7", PasswordOutputParser.Decrypt($"{{\"password\": \"{cipher}\"}}", key).Reveal());
    }

    [Theory]
    [InlineData("{\"InstanceId\": \"i-0abc\", \"PasswordData\": \"\", \"Timestamp\": \"2026-12-06T10:05:00+00:00\"}", "i-0abc has not published a password yet")]
    [InlineData("{\"password\": \"\"}", "the server has not published a password yet")]
    [InlineData("{\"password\": \"not base64 at all!\"}", "'password' is not base64")]
    public void FindLatest_EmptyOrBadApiJson_SaysWhy(string json, string expected)
    {
        var e = Assert.Throws<CloudException>(() => PasswordOutputParser.FindLatest(json));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
