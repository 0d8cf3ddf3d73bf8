using System.Text.Json;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Host.Phases;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// What a metadata source adds to a run, through its registered hooks: a config drive's password posted to the OpenStack
/// service the configuration names (a loopback Nova), and GCE's windows-keys requests answered on COM4 after the stages
/// (a loopback server that demands Metadata-Flavor: Google, the answer decrypted with openssl).
/// </summary>
public sealed class CloudHooksTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    [Fact]
    public void All_OneRegistrationPerSource()
    {
        var sources = CloudHooks.All.Select(h => h.Source).ToList();

        Assert.Equal(sources.Distinct(), sources);
        Assert.Equal([MetadataSource.OpenStack, MetadataSource.ConfigDrive, MetadataSource.Gce, MetadataSource.Azure], sources);
    }

    [Fact]
    public void Capabilities_OnlyTheSourcesThatHaveThem_OfferThem()
    {
        // The hooks ask for a capability, never for a provider type: only OpenStack posts a password back, only GCE
        // carries windows-keys requests; every other source answers null.
        using var openStack = new OpenStackMetadataProvider();
        using var gce = new GceMetadataProvider();
        using var ec2 = new Ec2ImdsProvider();
        using var azure = new AzureMetadataProvider();
        using var drive = new ConfigDriveProvider(_temp.Path);
        IMetadataProvider[] others = [ec2, azure, drive];

        Assert.Same(openStack, ((IMetadataProvider)openStack).PasswordEndpoint);
        Assert.Same(gce, ((IMetadataProvider)gce).WindowsKeys);
        Assert.Null(((IMetadataProvider)openStack).WindowsKeys);
        Assert.Null(((IMetadataProvider)gce).PasswordEndpoint);
        Assert.All(others, p => Assert.Null(p.PasswordEndpoint));
        Assert.All(others, p => Assert.Null(p.WindowsKeys));
    }

    [Fact]
    public async Task ConfigDrive_OpenStackServiceInTheConfig_ThePrintedPasswordIsPostedToIt()
    {
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var nova = new FakeNova { UserData = null };
        await using var server = new LoopbackHttpServer(nova.Handle);
        var drive = Directory.CreateDirectory(Path.Combine(_temp.Path, "drive", "openstack", "latest")).FullName;
        await File.WriteAllTextAsync(Path.Combine(drive, "meta_data.json"),
            $$$"""{"uuid": "5c0c1a5e-0d3b-4f7c-9d87-1f1e6d1c0a42", "hostname": "os-clone", "public_keys": {"mykey": "{{{key}}}\n"}}""", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Paths.ConfigFile, DefaultAgentConfig.Yaml + $"metadata:\n  endpoints:\n    openstack: {server.BaseUri}\n", TestContext.Current.CancellationToken);
        using var provider = new ConfigDriveProvider(Path.Combine(_temp.Path, "drive"));
        var options = new AgentRunOptions { Providers = [provider], AllowReboot = false };

        var result = await new AgentSession(_machine, Paths, TimeProvider.System, options).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(MetadataSource.ConfigDrive, result.Metadata?.Source);
        Assert.NotNull(nova.StoredPassword);
        var lines = result.ConsoleLines.ToList();
        Assert.Equal(nova.StoredPassword, lines[lines.FindIndex(l => l.EndsWith("Password: <Password>", StringComparison.Ordinal)) + 1]);
        Assert.Contains($"the password will be posted to {server.BaseUri}", await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gce_WindowsKeysRequest_IsAnsweredOnCom4AfterTheStages()
    {
        var keyFile = KeyFiles.SshKeygen("rsa", 2048, "PEM");
        var key = RsaPublicKey.Load(keyFile + ".pub");
        var request = $$"""{"userName":"alice","modulus":"{{key.ModulusBase64}}","exponent":"{{key.ExponentBase64}}","email":"a@example.com","expireOn":"2099-01-01T00:00:00Z"}""";
        await using var server = new LoopbackHttpServer(Gce(request));
        using var provider = new GceMetadataProvider(server.BaseUri, FastMetadata.Options);
        var com4 = new FakeSerialConsole();
        var options = new AgentRunOptions { Providers = [provider], AllowReboot = false, GceReplyPort = () => com4 };

        var result = await new AgentSession(_machine, Paths, TimeProvider.System, options).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(MetadataSource.Gce, result.Metadata?.Source);
        using var reply = JsonDocument.Parse(Assert.Single(com4.Lines));
        var cipher = KeyFiles.NewPath("gce-session.bin");
        await File.WriteAllBytesAsync(cipher, Convert.FromBase64String(reply.RootElement.GetProperty("encryptedPassword").GetString()!), TestContext.Current.CancellationToken);
        var clear = KeyFiles.OpenSsl("pkeyutl", "-decrypt", "-inkey", keyFile, "-in", cipher,
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1").StandardOutput;
        Assert.Equal(_machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("alice")!.Rid), clear);
        Assert.Equal(1, com4.Closes);
    }

    [Fact]
    public async Task Gce_NoReplyPort_TheRequestIsLeftAndTheLogSaysWhy()
    {
        await using var server = new LoopbackHttpServer(Gce("""{"userName":"alice"}"""));
        using var provider = new GceMetadataProvider(server.BaseUri, FastMetadata.Options);
        var options = new AgentRunOptions { Providers = [provider], AllowReboot = false };

        await new AgentSession(_machine, Paths, TimeProvider.System, options).RunAsync(TestContext.Current.CancellationToken);

        Assert.Null(_machine.Accounts.FindAccount("alice"));
        Assert.Contains("GCE windows-keys requests are not answered: no COM4 port was given",
            await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private const string CustomData = @"C:\AzureData\CustomData.bin";

    private async Task<AgentRunResult> RunAzure(string? imdsUserData, byte[]? customData)
    {
        if (customData is not null)
        {
            _machine.Files.WriteAllBytes(CustomData, customData);
        }

        // A configuration that starts no process of its own: every process is the user data's.
        await File.WriteAllTextAsync(Paths.ConfigFile, "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n", TestContext.Current.CancellationToken);

        await using var server = new LoopbackHttpServer(FakeAzureImds.Handler(imdsUserData is null ? null : Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(imdsUserData))));
        using var provider = new AzureMetadataProvider(server.BaseUri, FastMetadata.Options);
        var options = new AgentRunOptions { Providers = [provider], AllowReboot = false };
        return await new AgentSession(_machine, Paths, TimeProvider.System, options).RunAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Azure_CustomDataOnly_RunsAsUserDataWithAConsoleLine()
    {
        var result = await RunAzure(null, "<powershell>Write-Output custom</powershell>"u8.ToArray());

        Assert.Equal(MetadataSource.Azure, result.Metadata?.Source);
        Assert.Contains(result.ConsoleLines, l => l.Contains(@"Message: user data from Azure custom data C:\AzureData\CustomData.bin (44 bytes)", StringComparison.Ordinal));
        Assert.Contains(_machine.Processes.CommandLines, c => c.Contains("powershell", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Azure_CustomDataAndImdsUserData_ImdsRunsAndTheConsoleSaysTheOtherDidNot()
    {
        var result = await RunAzure("<script>echo imds</script>", "<powershell>Write-Output custom</powershell>"u8.ToArray());

        Assert.Contains(result.ConsoleLines, l => l.Contains("user data from Azure IMDS runs; the custom data in", StringComparison.Ordinal));
        Assert.Contains(_machine.Processes.CommandLines, c => c.Contains("cmd", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(_machine.Processes.CommandLines, c => c.Contains("powershell", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Azure_CustomDataOverAzuresLimit_NotRun()
    {
        var huge = new byte[70_000];
        "<powershell>"u8.CopyTo(huge);

        var result = await RunAzure(null, huge);

        Assert.Contains(result.ConsoleLines, l => l.Contains("is 70000 bytes, more than the 65535 Azure writes; not run", StringComparison.Ordinal));
        Assert.Empty(_machine.Processes.CommandLines);
    }

    // GCE's metadata server: Metadata-Flavor: Google required and echoed; the instance document and windows-keys.
    private static Func<LoopbackRequest, LoopbackReply> Gce(string windowsKeys) => request =>
    {
        if (request.Header("Metadata-Flavor") != "Google")
        {
            return LoopbackReply.Text(403, "Missing Metadata-Flavor:Google header.");
        }

        var flavor = ("Metadata-Flavor", "Google");
        return request.Path switch
        {
            "/computeMetadata/v1/instance/?recursive=true&alt=json" => LoopbackReply.Ok(
                """{"id": 4520031799277581759, "hostname": "win-1.c.proj.internal", "zone": "projects/1/zones/us-central1-a", "attributes": {}}""",
                flavor, ("Content-Type", "application/json")),
            "/computeMetadata/v1/instance/id" => LoopbackReply.Ok("4520031799277581759", flavor),
            "/computeMetadata/v1/instance/attributes/windows-keys" => LoopbackReply.Ok(windowsKeys, flavor),
            _ => LoopbackReply.Text(404, "Not Found", flavor),
        };
    };
}
