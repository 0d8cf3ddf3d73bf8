using System.Text.Json;
using Reseal.Cloud.Passwords;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;
using Reseal.TestSupport.Wine;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Lifecycle;

/// <summary>
/// Seeds 000, 001 and 003 in one test: seal a Windows machine (under Wine) with the EC2 profile; <c>reseal image
/// create</c> makes an AMI of it on a loopback EC2, which "creates the image" by copying the shut-down machine's disk;
/// <c>reseal image verify</c> launches an instance of that AMI — a copy of the image that boots through the Sysprep
/// emulator's specialize and oobeSystem into SetupComplete.cmd and <c>reseal agent run</c> against a loopback IMDSv2 —
/// while GetConsoleOutput serves that machine's COM1 capture and GetPasswordData the password block it printed (EC2
/// lifts it from the console). Both commands are the Linux build with the real AWS SDK, run as a pipeline runs them.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class ImageLifecycleTests(WineFixture wine)
{
    private const string AccountStore = @"C:\ProgramData\Reseal-test\accounts.json";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly long Started = TimeProvider.System.GetTimestamp();

    private static void Step(string what) => TestContext.Current.TestOutputHelper?.WriteLine(
        $"{TimeProvider.System.GetElapsedTime(Started).TotalSeconds,7:0.0} s  {what}");

    private static string AgentConfig(Uri imds) => $"""
        version: 1.0
        metadata:
          sources: [ec2]
          endpoints:
            ec2: {imds}
          waitSeconds: 30
        config:
        - stage: preReady
          tasks:
          - task: setAdminAccount
            inputs:
              password:
                type: random

        """;

    private static ProcessResult Reseal(Uri ec2, params string[] args)
    {
        var dotnet = ExternalTool.Dotnet();
        using var home = new TempDirectory();
        return ExternalTool.Run(dotnet, [Path.Combine(AppContext.BaseDirectory, "reseal.dll"), .. args], string.Empty, TimeSpan.FromMinutes(10),
            new Dictionary<string, string>
            {
                ["HOME"] = home.Path,
                ["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE",
                ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                ["AWS_REGION"] = "us-east-1",
                ["AWS_ENDPOINT_URL_EC2"] = ec2.ToString(),
                ["AWS_CONFIG_FILE"] = home.File("config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = home.File("credentials"),
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            });
    }

    [Fact]
    public async Task ImageCreateAndVerify_SealedWineMachine_CloneBootsReadyPasswordIsTheAdministrators()
    {
        Assert.SkipUnless(ExternalTool.Find("openssl") is not null && ExternalTool.Find("ssh-keygen") is not null, "needs openssl and ssh-keygen (Debian: openssl, openssh-client)");
        var key = KeyFiles.SshKeygen("rsa", 2048, "PEM");
        var imds = new FakeImds();
        imds.Items["meta-data/public-keys/0/openssh-key"] = File.ReadAllText(key + ".pub").Trim();
        await using var imdsServer = new LoopbackHttpServer(imds.Handle);
        using var builder = await wine.NewMachineAsync("builder");
        builder.SetSystemEnvironment(FileAccountStore.EnvironmentVariable, AccountStore); // the service reads it too
        builder.WriteFile(@"C:\ProgramData\Reseal\config\agent-config.yml", AgentConfig(imdsServer.BaseUri));
        // The agent is the Windows service: SetupComplete.cmd's line hands over to it at the clone's first boot.
        var install = builder.Reseal("agent", "install");
        Assert.True(install.Succeeded, install.ToString());

        Step("builder ready");
        // Seed 001: Sysprep with the EC2Launch v2 profile; the emulator shuts the machine down.
        var seal = builder.Reseal("seal", "--profile", "ec2launch-v2", "--yes");
        Assert.True(seal.Succeeded, seal.ToString());
        Assert.Equal("shutdown", builder.Emulator().Power[^1].Action);
        builder.PowerOff();
        Step("sealed and shut down");

        var ec2 = new FakeEc2();
        var source = ec2.AddInstance("i-0b0111de4000000001", "stopping");
        source.States.Enqueue("stopping");
        source.States.Enqueue("stopped");
        WineMachine? image = null;
        WineMachine? clone = null;
        Task? boot = null;
        ec2.OnCreateImage = (ami, instance) =>
        {
            image = builder.CopyDisk("ami");
            Step($"{ami.Id}: copied the disk of {instance.Id}");
        };
        ec2.OnLaunch = (instance, ami) =>
        {
            clone = image!.CopyDisk("clone");
            imds.Items["meta-data/instance-id"] = instance.Id;
            imds.Items["meta-data/ami-id"] = ami.Id;
            var machine = clone;
            instance.Console = () => File.Exists(machine.ConsoleCapture) ? machine.ReadConsole() : null;
            // EC2 lifts the password from the console's <Password> block; until the agent prints one it is empty.
            instance.PasswordData = () =>
            {
                var console = File.Exists(machine.ConsoleCapture) ? machine.ReadConsole() : "";
                var found = PasswordOutputParser.Scan(console).Passwords;
                return found.Count > 0 ? found[^1].CiphertextBase64 : null;
            };
            Step($"{instance.Id}: copied the disk of {ami.Id}; booting");
            boot = Task.Run(() =>
            {
                var boots = machine.BootUntilSettled();
                Step($"{instance.Id}: {boots.Count} boot(s) settled");
                return boots;
            }, Token);
        };
        await using var ec2Server = new LoopbackHttpServer(ec2.Handle);

        try
        {
            // Seed 003: create the AMI once the instance has stopped, and wait until it is available.
            var create = Reseal(ec2Server.BaseUri, "image", "create", "--cloud", "ec2", "--instance-id", source.Id, "--name", "win-golden-e2e",
                "--tag", "built-by=reseal", "--format", "json");

            Step("image create done");
            Assert.True(create.ExitCode == 0, create.StandardError + create.StandardOutput);
            using var created = JsonDocument.Parse(create.StandardOutput);
            var amiId = created.RootElement.GetProperty("imageId").GetString()!;
            Assert.Equal("available", created.RootElement.GetProperty("state").GetString());
            Assert.NotNull(image);

            // Seed 000's "launch a new instance from it": verify boots a copy and reads its console and password.
            var verify = Reseal(ec2Server.BaseUri, "image", "verify", "--cloud", "ec2", "--image-id", amiId, "--key", key, "--key-name", "build-key",
                "--timeout", "480", "--show-password", "--format", "json");

            Step("image verify done");
            Assert.True(verify.ExitCode == 0, verify.StandardError + verify.StandardOutput);
            using var verified = JsonDocument.Parse(verify.StandardOutput);
            var root = verified.RootElement;
            Assert.True(root.GetProperty("ready").GetBoolean());
            Assert.True(root.GetProperty("passwordDecrypted").GetBoolean());
            Assert.True(root.GetProperty("terminated").GetBoolean());
            var timeline = root.GetProperty("timeline");
            Assert.True(timeline.GetProperty("sysprepComplete").GetDouble() <= timeline.GetProperty("windowsReady").GetDouble());
            Assert.Contains(root.GetProperty("consoleTail").EnumerateArray(), l => l.GetString()!.Contains("Message: Windows is Ready to use", StringComparison.Ordinal));
            var password = root.GetProperty("password").GetString()!;
            await boot!.WaitAsync(TimeSpan.FromMinutes(5), Token);
            Assert.True(new FileAccountStore(clone!.HostPath(AccountStore)).HasPassword("Administrator", password),
                "verify's decrypted password is not the clone's Administrator password");
            Assert.True(ec2.Instances[root.GetProperty("instanceId").GetString()!].Terminated);
            // The image itself never booted: only its copy did.
            Assert.Empty(image!.ReadConsole());
        }
        finally
        {
            if (boot is not null)
            {
                await Task.WhenAny(boot, Task.Delay(TimeSpan.FromMinutes(2), CancellationToken.None));
            }

            clone?.Dispose();
            image?.Dispose();
        }
    }
}
