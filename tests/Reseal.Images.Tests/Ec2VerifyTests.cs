using System.Diagnostics;
using System.Text;
using Reseal.Cloud.Keys;
using Reseal.TestSupport.Loopback;

namespace Reseal.Images.Tests;

/// <summary><c>image verify</c> on EC2: the real AWS SDK against the loopback EC2; passwords encrypted by openssl.</summary>
public sealed class Ec2VerifyTests
{
    private const string Password = "Xy7!kP2#qR9$mN4w";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static VerifyImageRequest Request(RsaPrivateKey key, string image, TimeSpan? timeout = null, bool keep = false, byte[]? userData = null) =>
        new(image, key, "build-key", "m5.large", "subnet-0abc", null, null, ["sg-0123", "sg-0456"], userData,
            timeout ?? TimeSpan.FromSeconds(20), keep);

    /// <summary>A clone whose console grows as a real first boot does: nothing, then sysprep complete, then the rest.</summary>
    private static void Boots(FakeEc2Instance clone, string? encrypted, bool publishPassword = true)
    {
        var polls = 0;
        var start = TimeProvider.System.GetUtcNow();
        clone.Console = () => ++polls switch
        {
            1 => null,
            2 => Consoles.Line(start, "Windows sysprep configuration complete."),
            _ => Consoles.Ready(start, encrypted),
        };
        clone.PasswordData = () => publishPassword && polls >= 3 ? encrypted : null;
    }

    [Fact]
    public async Task VerifyAsync_CloneBootsAndPublishesPassword_ReadyDecryptedTerminated()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0ready00000000000");
        var keyPath = LaunchKeys.PrivateKeyPath();
        var encrypted = LaunchKeys.EncryptWithOpenSsl(keyPath, Password);
        ec2.Fake.OnLaunch = (clone, _) => Boots(clone, encrypted);
        using var key = LaunchKeys.Load(keyPath);

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(
            Request(key, image.Id, userData: "<powershell>echo hi</powershell>"u8.ToArray()), Token);

        Assert.Equal(VerifyOutcome.Ready, result.Outcome);
        Assert.True(result.Ready);
        Assert.True(result.PasswordDecrypted);
        Assert.Equal(Password, result.Password!.Reveal());
        Assert.True(result.Terminated);
        var clone = ec2.Fake.Instances[result.InstanceId!];
        Assert.True(clone.Terminated);
        Assert.Equal("build-key", clone.KeyName);
        Assert.Equal("m5.large", clone.InstanceType);
        Assert.Equal("subnet-0abc", clone.SubnetId);
        Assert.Equal(["sg-0123", "sg-0456"], clone.SecurityGroupIds);
        Assert.Equal("<powershell>echo hi</powershell>", Encoding.UTF8.GetString(Convert.FromBase64String(clone.UserData!)));
        Assert.Equal("image-verification", clone.Tags["reseal:purpose"]);
        Assert.Equal(image.Id, clone.Tags["reseal:image"]);
        Assert.NotNull(result.Timeline.Running);
        Assert.NotNull(result.Timeline.SysprepComplete);
        Assert.NotNull(result.Timeline.PasswordAvailable);
        Assert.NotNull(result.Timeline.WindowsReady);
        Assert.Contains(result.ConsoleTail, l => l.EndsWith("Message: Windows is Ready to use", StringComparison.Ordinal));
        Assert.Null(result.Reason);
        Assert.Contains(ec2.Fake.Calls, c => c.Action == "GetConsoleOutput" && c.Parameters.GetValueOrDefault("Latest") == "true");
    }

    [Fact]
    public async Task VerifyAsync_PasswordForAnotherKey_KeyMismatchAndTerminated()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0other000000000000");
        var encrypted = LaunchKeys.EncryptWithOpenSsl(LaunchKeys.OtherPrivateKeyPath(), Password);
        ec2.Fake.OnLaunch = (clone, _) => Boots(clone, encrypted);
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id), Token);

        Assert.Equal(VerifyOutcome.KeyMismatch, result.Outcome);
        Assert.False(result.PasswordDecrypted);
        Assert.Contains("does not decrypt with the key", result.Reason, StringComparison.Ordinal);
        Assert.Contains("build-key", result.Reason, StringComparison.Ordinal);
        Assert.Contains("not its private half", result.Explanation, StringComparison.Ordinal);
        Assert.True(result.Terminated);
        Assert.True(ec2.Fake.Instances[result.InstanceId!].Terminated);
    }

    [Fact]
    public async Task VerifyAsync_ReadyWithoutPasswordBlock_NotReadyExplainingKeyPairOrSetAdminAccount()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0nopass0000000000");
        ec2.Fake.OnLaunch = (clone, _) => Boots(clone, null);
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id), Token);

        Assert.Equal(VerifyOutcome.NotReady, result.Outcome);
        Assert.True(result.Ready);
        Assert.False(result.PasswordDecrypted);
        Assert.Contains("key pair is missing or setAdminAccount is not 'random'", result.Explanation, StringComparison.Ordinal);
        Assert.True(result.Terminated);
    }

    [Fact]
    public async Task VerifyAsync_ConsoleNeverSaysSysprepComplete_ExplainsSpecializeOrNotSealed()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0unsealed00000000");
        ec2.Fake.OnLaunch = (clone, _) => clone.Console = () => "Windows Boot Manager\r\nLoading drivers...\r\n";
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var clock = Stopwatch.StartNew();
        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(
            Request(key, image.Id, timeout: TimeSpan.FromMilliseconds(500)), Token);

        Assert.Equal(VerifyOutcome.NotReady, result.Outcome);
        Assert.Contains("did not become ready within", result.Reason, StringComparison.Ordinal);
        Assert.Contains("specialize failed or the image was not sealed", result.Explanation, StringComparison.Ordinal);
        Assert.Equal(["Windows Boot Manager", "Loading drivers..."], result.ConsoleTail);
        Assert.True(result.Terminated);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        // Polling is gentle even in a short run: waits grow to MaxPoll, no busy loop.
        Assert.True(ec2.Fake.Count("DescribeInstances") < 40, ec2.Fake.Count("DescribeInstances").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Explain_AgentRunLineWithFailedSetAdminAccount_NamesTheTaskAndItsMessage()
    {
        var report = ConsoleReport.Analyze(
            "2026/12/06 16:57:07Z: Windows sysprep configuration complete.\r\n" +
            "2026/12/06 16:57:10Z: Message: Windows is Ready to use\r\n" +
            "2026/12/06 16:57:10Z: {\"type\":\"ResealAgentRun\",\"tasks\":[{\"stage\":\"preReady\",\"task\":\"setAdminAccount\",\"outcome\":\"failed\"," +
            "\"message\":\"the machine has no built-in administrator account (RID 500)\"},{\"task\":\"setHostName\",\"outcome\":\"done\"}]}\r\n");

        Assert.Equal(["setAdminAccount: the machine has no built-in administrator account (RID 500)"], report.FailedTasks);
        Assert.Contains("setAdminAccount: the machine has no built-in administrator account", report.Explain(false, CloudKind.Ec2), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_AgentCouldNotSendPassword_ExplainsMissingKey()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0nokey00000000000");
        var start = TimeProvider.System.GetUtcNow();
        ec2.Fake.OnLaunch = (clone, _) => clone.Console = () =>
            Consoles.Line(start, "Windows sysprep configuration complete.") +
            Consoles.Line(start, "Unable to send the password to console: no launch key in the metadata") +
            Consoles.Line(start, "Message: Windows is Ready to use");
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id), Token);

        Assert.Equal(VerifyOutcome.NotReady, result.Outcome);
        Assert.Contains("key pair is missing from the launch", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ConsoleOfMegabytes_ReadsTheNewestPartAndFinishes()
    {
        // Megabytes of XML take seconds on a loaded machine: this test is about memory and the tail, not the per-call limit.
        var settings = FastImages.Settings with { RequestTimeout = TimeSpan.FromSeconds(60) };
        await using var ec2 = Ec2Loopback.Start(settings);
        var image = ec2.Fake.AddImage("ami-0bigconsole000000");
        var keyPath = LaunchKeys.PrivateKeyPath();
        var encrypted = LaunchKeys.EncryptWithOpenSsl(keyPath, Password);
        var noise = string.Concat(Enumerable.Repeat("driver chatter that goes on and on and on\r\n", 60_000));
        ec2.Fake.OnLaunch = (clone, _) =>
        {
            var start = TimeProvider.System.GetUtcNow();
            clone.Console = () => noise + Consoles.Ready(start, encrypted);
            clone.PasswordData = () => encrypted;
        };
        using var key = LaunchKeys.Load(keyPath);

        var clock = Stopwatch.StartNew();
        var result = await new ImageVerifier(ec2.Cloud, settings).VerifyAsync(Request(key, image.Id), Token);

        Assert.True(noise.Length > 2_000_000);
        Assert.Equal(VerifyOutcome.Ready, result.Outcome);
        Assert.True(result.ConsoleTail.Count <= ConsoleReport.TailLines);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task VerifyAsync_CloneTerminatesItself_NotReadyWithStateReason()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0crash0000000000000");
        ec2.Fake.NewInstanceStates = ["pending", "running", "shutting-down"];
        ec2.Fake.OnLaunch = (clone, _) =>
        {
            clone.StateReasonCode = "Server.InternalError";
            clone.StateReasonMessage = "Server.InternalError: Internal error on launch";
        };
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id), Token);

        Assert.Equal(VerifyOutcome.NotReady, result.Outcome);
        Assert.Contains("shutting-down", result.Reason, StringComparison.Ordinal);
        Assert.Contains("Internal error on launch", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_Keep_LeavesCloneRunning()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0keep000000000000");
        var keyPath = LaunchKeys.PrivateKeyPath();
        var encrypted = LaunchKeys.EncryptWithOpenSsl(keyPath, Password);
        ec2.Fake.OnLaunch = (clone, _) => Boots(clone, encrypted);
        using var key = LaunchKeys.Load(keyPath);

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id, keep: true), Token);

        Assert.Equal(VerifyOutcome.Ready, result.Outcome);
        Assert.False(result.Terminated);
        Assert.Equal(0, ec2.Fake.Count("TerminateInstances"));
    }

    [Fact]
    public async Task VerifyAsync_Cancelled_CloneStillTerminated()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0ctrlc00000000000");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        ec2.Fake.OnLaunch = (clone, _) =>
        {
            var polls = 0;
            clone.Console = () =>
            {
                if (++polls == 3)
                {
                    cancel.Cancel();
                }

                return null;
            };
        };
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var result = await new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id), cancel.Token);

        Assert.Equal(VerifyOutcome.Cancelled, result.Outcome);
        Assert.True(result.Terminated);
        Assert.True(ec2.Fake.Instances[result.InstanceId!].Terminated);
    }

    [Fact]
    public async Task VerifyAsync_CloudFailsMidway_TerminatesAndRethrowsSayingSo()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0midway00000000000");
        for (var i = 0; i < 100; i++)
        {
            ec2.Fake.Fault("GetConsoleOutput", FakeEc2.Error("UnauthorizedOperation", "You are not authorized to perform this operation."));
        }

        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, image.Id), Token));

        Assert.Equal(ImageFailureKind.Credentials, e.Kind);
        Assert.Contains("was terminated", e.Message, StringComparison.Ordinal);
        Assert.Single(ec2.Fake.Instances.Values, i => i.Terminated);
    }

    [Theory]
    [InlineData("ami-0missing0000000000", null, ImageFailureKind.NotFound, "InvalidAMIID.NotFound")]
    [InlineData("ami-0pending0000000000", "pending", ImageFailureKind.WrongState, "not yet available")]
    [InlineData("ami-0failed00000000000", "failed", ImageFailureKind.WrongState, "cannot be launched")]
    public async Task VerifyAsync_ImageNotUsable_RefusedBeforeLaunch(string id, string? state, ImageFailureKind kind, string expected)
    {
        await using var ec2 = Ec2Loopback.Start();
        if (state is not null)
        {
            ec2.Fake.AddImage(id, state);
        }

        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(Request(key, id), Token));

        Assert.Equal(kind, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(id, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, ec2.Fake.Count("RunInstances"));
    }

    [Fact]
    public async Task VerifyAsync_UnknownKeyPair_InvalidRequestNothingLaunched()
    {
        await using var ec2 = Ec2Loopback.Start();
        var image = ec2.Fake.AddImage("ami-0keypair0000000000");
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageVerifier(ec2.Cloud, FastImages.Settings).VerifyAsync(
            Request(key, image.Id) with { KeyName = "missing-key" }, Token));

        Assert.Equal(ImageFailureKind.NotFound, e.Kind);
        Assert.Contains("InvalidKeyPair.NotFound", e.Message, StringComparison.Ordinal);
        Assert.Empty(ec2.Fake.Instances);
    }
}
