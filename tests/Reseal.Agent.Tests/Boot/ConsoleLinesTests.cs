using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.Runner;

using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

public sealed class ConsoleLinesTests
{
    private static readonly DateTimeOffset At = new(2020, 8, 13, 17, 28, 2, TimeSpan.Zero);


    [Fact]
    public void Format_SysprepComplete_ExactEc2Line()
    {
        Assert.Equal("2020/08/13 17:28:02Z: Windows sysprep configuration complete.\r\n", ConsoleLines.Format(At, ConsoleLines.SysprepComplete));
    }

    [Fact]
    public void Format_TimeProviderNonUtcOffset_PrefixInUtc()
    {
        var local = new DateTimeOffset(2020, 8, 13, 19, 28, 2, TimeSpan.FromHours(2));

        Assert.Equal("2020/08/13 17:28:02Z: Message: Windows is Ready to use\r\n", ConsoleLines.Format(new ManualClock(local), ConsoleLines.Ready));
    }

    [Theory]
    [InlineData("Message: Windows is Ready to use")]
    [InlineData("Message: Waiting for meta-data accessibility...")]
    [InlineData("Message: Meta-data is now available.")]
    [InlineData("Metadata is not available for this instance.")]
    [InlineData("Timed out waiting for access to metadata.")]
    [InlineData("Message: Invalid administrator password")]
    public void Constants_DocumentedTexts_Exact(string documented)
    {
        string[] constants = [ConsoleLines.Ready, ConsoleLines.WaitingForMetadata, ConsoleLines.MetadataAvailable, ConsoleLines.MetadataNotAvailable,
            ConsoleLines.MetadataTimedOut, ConsoleLines.InvalidAdministratorPassword];

        Assert.Contains(documented, constants);
    }

    [Fact]
    public void Lines_Ec2LaunchV2Sample_Reproduced()
    {
        var lines = string.Concat(
            ConsoleLines.Format(At, ConsoleLines.BeingConfigured("IMAGE_STATE_UNDEPLOYABLE")),
            ConsoleLines.Format(At, ConsoleLines.RdpCertificateSubject("EC2AMAZ-A1B2C3D")),
            ConsoleLines.Format(At, ConsoleLines.HostName("EC2AMAZ-9FJG5CC")),
            ConsoleLines.Format(At, ConsoleLines.InstanceId("i-0123456789abcdef0")),
            ConsoleLines.Format(At, ConsoleLines.UserDataFormat("no_user_data")),
            ConsoleLines.Format(At, ConsoleLines.UserName("Administrator")),
            ConsoleLines.Format(At, ConsoleLines.InvalidAdministratorUserName("bad")),
            ConsoleLines.Format(At, ConsoleLines.UnableToSendPassword("no launch key")));

        Assert.Equal(
            "2020/08/13 17:28:02Z: Windows is being configured. SysprepState=IMAGE_STATE_UNDEPLOYABLE\r\n" +
            "2020/08/13 17:28:02Z: RDPCERTIFICATE-SUBJECTNAME: EC2AMAZ-A1B2C3D\r\n" +
            "2020/08/13 17:28:02Z: HOSTNAME: EC2AMAZ-9FJG5CC\r\n" +
            "2020/08/13 17:28:02Z: Instance-ID: i-0123456789abcdef0\r\n" +
            "2020/08/13 17:28:02Z: User data format: no_user_data\r\n" +
            "2020/08/13 17:28:02Z: Username: Administrator\r\n" +
            "2020/08/13 17:28:02Z: Message: Invalid administrator username: bad\r\n" +
            "2020/08/13 17:28:02Z: Unable to send the password to console: no launch key\r\n",
            lines);
    }

    [Fact]
    public void PasswordBlock_Ciphertext_MultiLineFormAsRealOutput()
    {
        var ciphertext = Convert.ToBase64String(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());

        var block = ConsoleLines.PasswordBlock(At, "Administrator", ciphertext);

        Assert.Equal(
            "2020/08/13 17:28:02Z: Username: Administrator\r\n" +
            "2020/08/13 17:28:02Z: Password: <Password>\r\n" +
            ciphertext + "\r\n" +
            "</Password>\r\n",
            block);
        Assert.Equal(344, ciphertext.Length);
    }

    [Fact]
    public void HostName_ControlCharactersFromMetadata_CannotForgeLine()
    {
        var line = ConsoleLines.Format(At, ConsoleLines.HostName("evil\r\n2020/08/13 17:28:02Z: Password: <Password>"));

        Assert.Single(line.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void RdpCertificateThumbprint_SelfSignedCertificate_UpperHexSha1LikeWindows()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=EC2AMAZ-A1B2C3D", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(At, At.AddYears(1));

        var line = ConsoleLines.RdpCertificateThumbprint(certificate.RawData);

        Assert.Equal("RDPCERTIFICATE-THUMBPRINT: " + certificate.Thumbprint, line);
        Assert.Matches("^RDPCERTIFICATE-THUMBPRINT: [0-9A-F]{40}$", line);
    }

    [Fact]
    public void Summary_Outcomes_OneJsonLineWithPerTaskOutcomeAndDuration()
    {
        TaskOutcome[] outcomes =
        [
            new(AgentStage.PreReady, "setAdminAccount", 0, TaskOutcomeKind.Completed, TimeSpan.FromMilliseconds(120), null, null),
            new(AgentStage.UserData, "executeScript", 1, TaskOutcomeKind.RebootRequested, TimeSpan.FromSeconds(2), 3010, "reboot 1 of 5"),
        ];

        var line = ConsoleLines.Summary(At, "i-1", TimeSpan.FromMilliseconds(1500), outcomes);

        Assert.StartsWith("2020/08/13 17:28:02Z: {", line, StringComparison.Ordinal);
        Assert.EndsWith("}\r\n", line, StringComparison.Ordinal);
        Assert.Single(line.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line["2020/08/13 17:28:02Z: ".Length..]);
        var root = json.RootElement;
        Assert.Equal("ResealAgentRun", root.GetProperty("type").GetString());
        Assert.Equal(1500, root.GetProperty("readyAfterMs").GetInt64());
        var second = root.GetProperty("tasks")[1];
        Assert.Equal("userData", second.GetProperty("stage").GetString());
        Assert.Equal("rebootRequested", second.GetProperty("outcome").GetString());
        Assert.Equal(2000, second.GetProperty("durationMs").GetInt64());
        Assert.Equal(3010, second.GetProperty("exitCode").GetInt32());
        Assert.False(root.GetProperty("tasks")[0].TryGetProperty("exitCode", out _));
    }

    [Fact]
    public void OrderedConsole_TasksFinishOutOfOrder_LinesReleasedInSlotOrder()
    {
        var written = new List<string>();
        void Write(ConsoleEntry entry) => written.Add(entry.Text);
        var console = new OrderedConsole(3, Write);
        console.Add(2, "third");
        console.Add(0, "first a");
        console.Add(1, "second");

        Assert.Equal(0, console.Finish(2));
        Assert.Equal(0, console.Finish(1));
        console.Add(0, "first b");
        Assert.Equal(4, console.Finish(0));
        Assert.Equal(["first a", "first b", "second", "third"], written);
        Assert.True(console.IsDrained);
    }

    [Fact]
    public void OrderedConsole_ParallelWriters_SameOrderEveryTime()
    {
        for (var run = 0; run < 20; run++)
        {
            var written = new List<string>();
            var console = new OrderedConsole(8, entry => written.Add(entry.Text));
            Parallel.For(0, 8, slot =>
            {
                for (var line = 0; line < 5; line++)
                {
                    console.Add(slot, $"{slot}.{line}");
                }

                console.Finish(slot);
            });

            Assert.Equal(Enumerable.Range(0, 8).SelectMany(s => Enumerable.Range(0, 5).Select(l => $"{s}.{l}")), written);
        }
    }
}
