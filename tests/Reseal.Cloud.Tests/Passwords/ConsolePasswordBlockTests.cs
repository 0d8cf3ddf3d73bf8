using Reseal.Cloud.Passwords;

namespace Reseal.Cloud.Tests.Passwords;

public sealed class ConsolePasswordBlockTests
{
    [Fact]
    public void Format_WithTimestampsAndCrlf_ParserReadsItBack()
    {
        using var key = TestKeys.Key2048();
        var password = PasswordGenerator.Generate();
        var lines = ConsolePasswordBlock.Format("Administrator",
            PasswordCipher.EncryptToBase64(key.PublicKey, password, PasswordPadding.Pkcs1));
        var console = "2026/11/21 05:00:00Z: Windows sysprep configuration complete.\r\n" +
                      string.Concat(lines.Select(l => "2026/11/21 05:00:01Z: " + l + "\r\n")) +
                      "2026/11/21 05:00:02Z: Message: Windows is Ready to use\r\n";

        var found = PasswordOutputParser.FindLatest(console, key.PublicKey);

        Assert.Equal(4, lines.Count);
        Assert.Equal("Password: <Password>", lines[1]);
        Assert.Equal("Administrator", found.UserName);
        Assert.Equal(password, found.Decrypt(key));
    }

    [Fact]
    public void SelectLaunchKey_Ed25519ThenRsa_PicksRsa()
    {
        using var key = TestKeys.Key2048();

        var selected = Reseal.Cloud.Keys.RsaPublicKey.SelectLaunchKey(
            ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGn5 me", key.PublicKey.ToOpenSshString()]);

        Assert.Equal(key.PublicKey, selected);
    }

    [Fact]
    public void SelectLaunchKey_OnlyEd25519_ErrorSaysWhy()
    {
        var error = Assert.Throws<CloudException>(() =>
            Reseal.Cloud.Keys.RsaPublicKey.SelectLaunchKey(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGn5 me"]));

        Assert.Contains("key 1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ed25519", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectLaunchKey_None_SaysNoLaunchKey()
    {
        var error = Assert.Throws<CloudException>(() => Reseal.Cloud.Keys.RsaPublicKey.SelectLaunchKey([]));

        Assert.Contains("no launch key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Administrator\r\nPassword: <Password>")]
    [InlineData("Admin\nistrator")]
    [InlineData("Admin\ristrator")]
    [InlineData("Admin\u0000")]
    [InlineData("Admin\u001b[2J")]
    public void Format_UserNameWithLineBreakOrControl_ArgumentException(string userName)
    {
        using var key = TestKeys.Key2048();
        var ciphertext = PasswordCipher.EncryptToBase64(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1);

        var error = Assert.Throws<ArgumentException>(() => ConsolePasswordBlock.Format(userName, ciphertext));

        Assert.Equal("userName", error.ParamName);
    }
}
