using System.Text.Json;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Cli.Tests;

public class CloudCommandTests
{
    private static string EncryptWithOpenSsl(string publicKeyFile, string password, string? oaepHash = null)
    {
        var openssl = ExternalTool.Require("openssl", "openssl");
        var sshKeygen = ExternalTool.Require("ssh-keygen", "openssh-client");
        using var temp = new TempDirectory();
        var pem = ExternalTool.Run(sshKeygen, ["-e", "-m", "PKCS8", "-f", publicKeyFile]);
        Assert.Equal(0, pem.ExitCode);
        var pemFile = temp.Write("pub.pem", pem.StandardOutput);
        var plain = temp.Write("plain.txt", password);
        var cipher = temp.File("cipher.bin");
        var args = new List<string> { "pkeyutl", "-encrypt", "-pubin", "-inkey", pemFile, "-in", plain, "-out", cipher };
        if (oaepHash is not null)
        {
            args.AddRange(["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", $"rsa_oaep_md:{oaepHash}", "-pkeyopt", $"rsa_mgf1_md:{oaepHash}"]);
        }

        var result = ExternalTool.Run(openssl, args);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return Convert.ToBase64String(File.ReadAllBytes(cipher));
    }

    [Fact]
    public void PasswordDecrypt_Ec2ConsoleOutputFromOpenSsl_PrintsThePassword()
    {
        var key = KeyFiles.SshKeygen("rsa", 2048);
        var ciphertext = EncryptWithOpenSsl(key + ".pub", "Tr0ub4dor&3-horse");
        using var temp = new TempDirectory();
        var console = temp.Write("console.txt",
            $"2026/11/21 05:00:00Z: Windows sysprep configuration complete.\r\n2026/11/21 05:00:01Z: Username: Administrator\r\n" +
            $"2026/11/21 05:00:01Z: Password: <Password>\r\n{ciphertext[..40]}\r\n{ciphertext[40..]}\r\n</Password>\r\n" +
            "2026/11/21 05:00:02Z: Message: Windows is Ready to use\r\n");

        var result = CliRunner.Run(["password", "decrypt", "--key", key, "--console-output", console]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("Tr0ub4dor&3-horse", result.Out.Trim());
        Assert.Contains("user: Administrator", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordDecrypt_OaepDataFromStandardInput_Json()
    {
        var key = KeyFiles.SshKeygen("rsa", 3072, "PEM");
        var ciphertext = EncryptWithOpenSsl(key + ".pub", "Gce!Passw0rd", "sha256");

        var result = CliRunner.Run(["password", "decrypt", "-k", key, "-", "--format", "json"], ciphertext + "\n");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("Gce!Passw0rd", json.RootElement.GetProperty("password").GetString());
    }

    [Fact]
    public void PasswordDecrypt_WrongKey_ExitsThreeWithoutAPassword()
    {
        var key = KeyFiles.SshKeygen("rsa", 2048);
        var other = KeyFiles.OpenSslGenpkey(2048);
        var ciphertext = EncryptWithOpenSsl(key + ".pub", "NotForYou!123");

        var result = CliRunner.Run(["password", "decrypt", "--key", other, "--data", ciphertext]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
        Assert.DoesNotContain("NotForYou", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordDecrypt_SmallOrNonRsaKey_ExitsThreeNamingTheKey()
    {
        var small = KeyFiles.SshKeygen("rsa", 1024);
        var ed25519 = KeyFiles.SshKeygen("ed25519", 256);

        var smallResult = CliRunner.Run(["password", "decrypt", "--key", small, "--data", "AAAA"]);
        var edResult = CliRunner.Run(["password", "decrypt", "--key", ed25519, "--data", "AAAA"]);

        Assert.Equal(3, smallResult.ExitCode);
        Assert.Contains("1024", smallResult.Error, StringComparison.Ordinal);
        Assert.Equal(3, edResult.ExitCode);
        Assert.Contains("Ed25519", edResult.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("password|decrypt|--key|k")]
    [InlineData("password|decrypt|--key|k|--data|AAAA|-")]
    [InlineData("password|decrypt|--data|AAAA")]
    [InlineData("password|generate|--length|2")]
    [InlineData("metadata|show|--endpoint|http://127.0.0.1:1/")]
    public void CloudCommands_UsageErrors_ExitTwo(string args)
    {
        var result = CliRunner.Run(args.Split('|'));

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void PasswordGenerate_MeetsTheRequestedLengthAndAllFourClasses()
    {
        for (var i = 0; i < 20; i++)
        {
            var password = CliRunner.Run(["password", "generate", "--length", "32"]).Out.TrimEnd('\n');

            Assert.Equal(32, password.Length);
            Assert.Contains(password, char.IsAsciiLetterUpper);
            Assert.Contains(password, char.IsAsciiLetterLower);
            Assert.Contains(password, char.IsAsciiDigit);
            Assert.Contains(password, c => !char.IsAsciiLetterOrDigit(c));
        }
    }

    [Fact]
    public async Task MetadataShow_Ec2ImdsV2OnLoopback_PrintsTheInstance()
    {
        var imds = new FakeImds();
        await using var server = new LoopbackHttpServer(imds.Handle);

        var result = CliRunner.Run(["metadata", "show", "--source", "ec2", "--endpoint", server.BaseUri.ToString(), "--format", "json"]);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("i-1234567890abcdef0", json.RootElement.GetProperty("instanceId").GetString());
        Assert.Equal("IMDSv2", json.RootElement.GetProperty("protocol").GetString());
        Assert.True(server.Count("PUT", "/latest/api/token") >= 1);
    }

    [Fact]
    public void MetadataShow_NothingListening_ExitsFourNamingTheUrl()
    {
        var result = CliRunner.Run(["metadata", "show", "--source", "openstack", "--endpoint", "http://127.0.0.1:9/", "--timeout", "5"]);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("127.0.0.1:9", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataShow_ServerThatNeverAnswers_GivesUpAtTheTimeout()
    {
        await using var server = new LoopbackHttpServer(_ => LoopbackReply.Ok("late") with { Delay = TimeSpan.FromMinutes(5) });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var result = CliRunner.Run(["metadata", "show", "--source", "gce", "--endpoint", server.BaseUri.ToString(), "--timeout", "3"]);

        Assert.Equal(4, result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public void MetadataShow_ConfigDriveFolder_IsRead()
    {
        using var temp = new TempDirectory();
        temp.Write("openstack/latest/meta_data.json", """{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "web-1", "public_keys": {"k": "ssh-rsa AAAA test"}}""");

        var result = CliRunner.Run(["metadata", "show", "--source", "configdrive", "--endpoint", temp.Path, "--format", "json"]);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("83679162-1378-4288-a2d4-70e13ec132aa", json.RootElement.GetProperty("instanceId").GetString());
    }
}
