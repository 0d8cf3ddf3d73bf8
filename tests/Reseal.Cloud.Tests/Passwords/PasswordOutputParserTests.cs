using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;

namespace Reseal.Cloud.Tests.Passwords;

/// <summary>Console output layouts from protocols.md §1/§6 and GCE COM4 replies.</summary>
public sealed class PasswordOutputParserTests
{
    private static (RsaPrivateKey Key, ClearTextPassword Password, string Base64) Encrypted(PasswordPadding padding = PasswordPadding.Pkcs1)
    {
        var key = TestKeys.Key2048();
        var password = PasswordGenerator.Generate();
        return (key, password, PasswordCipher.EncryptToBase64(key.PublicKey, password, padding));
    }

    [Fact]
    public void Decrypt_Ec2ConfigMultiLineCrlf_RecoversPassword()
    {
        var (key, password, b64) = Encrypted();
        var console = "2015/09/29 09:39:54Z: Ec2SetPassword: Enabled\r\n2015/09/29 09:39:56Z: Username: Administrator\r\n" +
                      $"2015/09/29 09:39:56Z: Password: <Password>\r\n{b64[..100]}\r\n{b64[100..]}\r\n</Password>\r\n" +
                      "2015/09/29 09:39:57Z: Message: Windows is Ready to use\r\n";

        using (key)
        {
            var found = PasswordOutputParser.FindLatest(console);
            Assert.Equal("Administrator", found.UserName);
            Assert.Equal(EncryptedPasswordSource.ConsoleOutput, found.Source);
            Assert.Equal(3, found.Line);
            Assert.Equal(password, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void Decrypt_Ec2LaunchV2SingleLineLf_RecoversPassword()
    {
        var (key, password, b64) = Encrypted();
        var console = "2020/08/13 17:28:13Z: Username: Administrator\n" +
                      $"2020/08/13 17:28:13Z: Password: <Password>{b64}</Password>\n" +
                      "2020/08/13 17:28:13Z: Message: Windows is Ready to use\n";

        using (key)
        {
            Assert.Equal(password, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void Decrypt_TimestampsOnEveryBlockLine_Stripped()
    {
        var (key, password, b64) = Encrypted();
        var console = "2020/08/13 17:28:13Z: Password: <Password>\r\n" +
                      $"2020/08/13 17:28:13Z: {b64[..172]}\r\n2020/08/13 17:28:13Z: {b64[172..]}\r\n" +
                      "2020/08/13 17:28:13Z: </Password>\r\n";

        using (key)
        {
            Assert.Equal(password, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void FindLatest_TwoBlocksAfterReboot_TakesTheLast()
    {
        var (key, _, first) = Encrypted();
        var second = PasswordGenerator.Generate();
        using (key)
        {
            var secondB64 = PasswordCipher.EncryptToBase64(key.PublicKey, second, PasswordPadding.Pkcs1);
            var console = $"Password: <Password>{first}</Password>\nMessage: Ec2Config Service is rebooting the instance.\n" +
                          $"Password: <Password>\n{secondB64}\n</Password>\n";

            Assert.Equal(2, PasswordOutputParser.Scan(console).Passwords.Count);
            Assert.Equal(second, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void Decrypt_PlainBase64WithTrailingNewline_RecoversPassword()
    {
        var (key, password, b64) = Encrypted();
        using (key)
        {
            Assert.Equal(password, PasswordOutputParser.Decrypt(b64 + "\n", key));
        }
    }

    [Theory]
    [InlineData(PasswordPadding.OaepSha1)]
    [InlineData(PasswordPadding.OaepSha256)]
    [InlineData(PasswordPadding.OaepSha512)]
    public void Decrypt_GceCom4Reply_RecoversPasswordWithItsHash(PasswordPadding padding)
    {
        using var key = TestKeys.Key2048();
        var request = new GceWindowsKey("reseal", key.PublicKey, DateTimeOffset.UnixEpoch.AddYears(60), padding, "a@b.c", true);
        var password = PasswordGenerator.Generate();
        var serial = "Instance setup finished. host is ready to use.\n" + request.CreateReply(password) + "\n";

        var found = PasswordOutputParser.FindLatest(serial, key.PublicKey);

        Assert.Equal(EncryptedPasswordSource.GceSerialJson, found.Source);
        Assert.Equal(padding, found.Padding);
        Assert.Equal("reseal", found.UserName);
        Assert.Equal(password, found.Decrypt(key));
    }

    [Fact]
    public void FindLatest_GceRepliesForTwoKeys_PicksTheMatchingModulus()
    {
        using var key = TestKeys.Key2048();
        using var other = TestKeys.OtherKey2048();
        var mine = PasswordGenerator.Generate();
        var expiry = DateTimeOffset.UnixEpoch.AddYears(60);
        var serial = new GceWindowsKey("me", key.PublicKey, expiry, PasswordPadding.OaepSha1, null, true).CreateReply(mine) + "\n" +
                     new GceWindowsKey("them", other.PublicKey, expiry, PasswordPadding.OaepSha1, null, true)
                         .CreateReply(PasswordGenerator.Generate()) + "\n";

        Assert.Equal(mine, PasswordOutputParser.Decrypt(serial, key));
    }

    [Fact]
    public void FindLatest_GceErrorMessage_Reported()
    {
        var error = Assert.Throws<CloudException>(() =>
            PasswordOutputParser.FindLatest(GceWindowsKey.CreateErrorReply("user is not allowed") + "\n"));

        Assert.Contains("user is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindLatest_UnterminatedBlock_SaysCutShort()
    {
        var error = Assert.Throws<CloudException>(() =>
            PasswordOutputParser.FindLatest("Username: Administrator\nPassword: <Password>\nAAAA\n"));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("never ends", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_UnterminatedBlockThenRebootThenValidBlock_FindsTheValidOne()
    {
        var (key, password, b64) = Encrypted();
        var console = "2026/01/01 10:00:00Z: Username: Administrator\r\n" +
                      "2026/01/01 10:00:00Z: Password: <Password>\r\n" +
                      "AAAA\r\n" +
                      "2026/01/01 10:05:00Z: Ec2Config Service is rebooting the instance.\r\n" +
                      "2026/01/01 10:06:00Z: Windows sysprep configuration complete.\r\n" +
                      "2026/01/01 10:06:01Z: Password: <Password>\r\n" +
                      $"{b64}\r\n" +
                      "</Password>\r\n";

        using (key)
        {
            var scan = PasswordOutputParser.Scan(console);

            var found = Assert.Single(scan.Passwords);
            Assert.Equal(6, found.Line);
            Assert.Equal("Administrator", found.UserName);
            var problem = Assert.Single(scan.Problems);
            Assert.Contains("line 2", problem, StringComparison.Ordinal);
            Assert.Contains("never ends", problem, StringComparison.Ordinal);
            Assert.Contains("line 4", problem, StringComparison.Ordinal);
            Assert.Equal(password, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void Scan_UnterminatedBlockDirectlyFollowedByAnother_FindsTheSecond()
    {
        var (key, password, b64) = Encrypted();
        var console = $"Password: <Password>\nAAAA\nPassword: <Password>\n{b64}\n</Password>\n";

        using (key)
        {
            var scan = PasswordOutputParser.Scan(console);

            Assert.Equal(3, Assert.Single(scan.Passwords).Line);
            Assert.Contains("line 1", Assert.Single(scan.Problems), StringComparison.Ordinal);
            Assert.Equal(password, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void Scan_OverlongBlockThenValidBlock_ReportsItAndFindsTheValidOne()
    {
        var (key, password, b64) = Encrypted();
        var filler = string.Concat(Enumerable.Repeat(new string('A', 76) + "\n", 1000));
        var console = $"Password: <Password>\n{filler}Password: <Password>{b64}</Password>\n";

        using (key)
        {
            var scan = PasswordOutputParser.Scan(console);

            Assert.Single(scan.Passwords);
            Assert.Contains("line 1", Assert.Single(scan.Problems), StringComparison.Ordinal);
            Assert.Equal(password, PasswordOutputParser.Decrypt(console, key));
        }
    }

    [Fact]
    public void Scan_LargestInputOfBase64Lines_AnswersWithoutTimeoutOrCrash()
    {
        // No regular expression with a match timeout is left on this path: 16 MB is read to a result, never an exception.
        var line = new string('A', 75) + "\n";
        var text = "Password: <Password>\n" + string.Concat(Enumerable.Repeat(line, (PasswordOutputParser.MaximumInputLength / line.Length) - 1));

        var scan = PasswordOutputParser.Scan(text);

        Assert.Empty(scan.Passwords);
        Assert.Contains("line 1", Assert.Single(scan.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void FindLatest_NoPassword_SaysWhatWasExpected()
    {
        var error = Assert.Throws<CloudException>(() =>
            PasswordOutputParser.FindLatest("2020/02/17 13:25:32Z: Message: Windows is Ready to use\n"));

        Assert.Contains("no encrypted password found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decrypt_WrongKey_ClearErrorWithoutPlaintext()
    {
        var (key, password, b64) = Encrypted();
        key.Dispose();
        using var other = TestKeys.OtherKey2048();

        var error = Assert.Throws<CloudException>(() => PasswordOutputParser.Decrypt($"<Password>{b64}</Password>", other));

        Assert.Contains("does not decrypt with this key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password.Reveal(), error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Decrypt_TruncatedCiphertext_NamesTheLengths()
    {
        var (key, _, b64) = Encrypted();
        using (key)
        {
            var error = Assert.Throws<CloudException>(() => PasswordCipher.DecryptBase64(key, b64[..200], PasswordPadding.Pkcs1));

            Assert.Contains("150 bytes", error.Message, StringComparison.Ordinal);
            Assert.Contains("256-byte", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EncryptToBase64_2048BitKey_344CharactersOneLine()
    {
        var (key, _, b64) = Encrypted();
        key.Dispose();

        Assert.Equal(344, b64.Length);
        Assert.EndsWith("==", b64, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', b64);
    }
}
