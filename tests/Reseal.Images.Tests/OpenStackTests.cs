using System.Text;
using Reseal.Images.OpenStack;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Images.Tests;

/// <summary>OpenStack: Keystone v3, Nova and Glance on a loopback server that follows their API references.</summary>
public sealed class OpenStackTests
{
    private const string Password = "Qz8@vL3!tW6#pK1m";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private sealed class Loopback : IAsyncDisposable
    {
        public Loopback(ImageSettings? settings = null)
        {
            FakeOpenStackCloud? fake = null;
            Server = new LoopbackHttpServer(r => fake!.Handle(r));
            fake = new FakeOpenStackCloud(Server.BaseUri);
            Fake = fake;
            var env = new Dictionary<string, string>
            {
                ["OS_AUTH_URL"] = new Uri(Server.BaseUri, "identity/v3").ToString(),
                ["OS_USERNAME"] = fake.Keystone.User,
                ["OS_PASSWORD"] = fake.Keystone.Password,
                ["OS_USER_DOMAIN_NAME"] = fake.Keystone.UserDomain,
                ["OS_PROJECT_NAME"] = fake.Keystone.Project,
                ["OS_PROJECT_DOMAIN_NAME"] = "Default",
                ["OS_REGION_NAME"] = "RegionOne",
                ["HOME"] = "/nonexistent",
            };
            Cloud = new OpenStackImageCloud(OpenStackConfig.Resolve(null, null, null, n => env.GetValueOrDefault(n)), settings ?? FastImages.Settings);
        }

        public FakeOpenStackCloud Fake { get; }

        public LoopbackHttpServer Server { get; }

        public OpenStackImageCloud Cloud { get; }

        public async ValueTask DisposeAsync()
        {
            Cloud.Dispose();
            await Server.DisposeAsync();
        }
    }

    private static CreateImageRequest Create(string server) =>
        new(server, "win2022-golden", "sealed", false, [new("os_type", "windows")], true, TimeSpan.FromSeconds(20));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateAsync_ShutoffServer_GlanceQueuedSavingActive(bool imageIdInBody)
    {
        await using var os = new Loopback();
        os.Fake.ImageIdInBody = imageIdInBody;
        var server = os.Fake.AddServer("8a1c4e7f-0000-4000-8000-000000000001", "ACTIVE");
        server.TaskState = "powering-off";
        server.Statuses.Enqueue("ACTIVE");
        server.Statuses.Enqueue("SHUTOFF");
        var progress = new List<ImageProgress>();
        // The server goes from powering-off to SHUTOFF: the task state clears with it.
        server.Console = () => null;

        var result = await new ImageCreator(os.Cloud, FastImages.Settings, new SyncProgress<ImageProgress>(p =>
        {
            progress.Add(p);
            if (server.Status == "SHUTOFF")
            {
                server.TaskState = null;
            }
        })).CreateAsync(Create(server.Id), Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal("active", result.State);
        var image = os.Fake.Images[result.ImageId!];
        Assert.Equal("win2022-golden", image.Name);
        Assert.Equal(server.Id, image.SourceServer);
        Assert.Equal("windows", image.Properties["os_type"]);
        Assert.Equal("sealed", image.Properties["description"]);
        Assert.Contains(progress, p => p.Message.Contains("powering-off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateAsync_GlanceKillsImage_FailedWithReason()
    {
        await using var os = new Loopback();
        os.Fake.NewImageStatuses = ["queued", "killed"];
        var server = os.Fake.AddServer("8a1c4e7f-0000-4000-8000-000000000002");

        var result = await new ImageCreator(os.Cloud, FastImages.Settings).CreateAsync(Create(server.Id), Token);

        Assert.Equal(CreateOutcome.Failed, result.Outcome);
        Assert.Equal("killed", result.State);
        Assert.Contains("upload of the server's disk failed", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_UnknownServer_NotFoundWithNovaMessage()
    {
        await using var os = new Loopback();

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(os.Cloud, FastImages.Settings).CreateAsync(Create("no-such-server"), Token));

        Assert.Equal(ImageFailureKind.NotFound, e.Kind);
        Assert.Contains("Instance no-such-server could not be found.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_NovaConflict_WrongState()
    {
        await using var os = new Loopback();
        var server = os.Fake.AddServer("8a1c4e7f-0000-4000-8000-000000000003");
        os.Fake.Fault($"/compute/v2.1/servers/{server.Id}/action", FakeOpenStackCloud.NovaError(409, "conflictingRequest",
            "Cannot 'createImage' instance while it is in task_state image_backup"));

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(os.Cloud, FastImages.Settings).CreateAsync(Create(server.Id), Token));

        Assert.Equal(ImageFailureKind.WrongState, e.Kind);
        Assert.Contains("image_backup", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_TokenExpiresMidway_ReauthenticatesAndFinishes()
    {
        await using var os = new Loopback();
        os.Fake.Keystone.ExpireTokensAfter = 2;
        var server = os.Fake.AddServer("8a1c4e7f-0000-4000-8000-000000000004");

        var result = await new ImageCreator(os.Cloud, FastImages.Settings).CreateAsync(Create(server.Id), Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal(2, os.Fake.Keystone.TokensIssued);
    }

    [Fact]
    public async Task CreateAsync_WrongPassword_CredentialsNamingSource()
    {
        await using var os = new Loopback();
        os.Fake.Keystone.Password = "changed";

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(os.Cloud, FastImages.Settings).CreateAsync(Create("x"), Token));

        Assert.Equal(ImageFailureKind.Credentials, e.Kind);
        Assert.Contains("refused the credentials of the OS_* variables", e.Message, StringComparison.Ordinal);
        Assert.Contains("requires authentication", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_RegionNotInCatalog_SaysWhichRegionsExist()
    {
        await using var os = new Loopback();
        // Rebuild with a region the catalog does not have.
        var config = OpenStackConfig.Resolve(null, "RegionTwo", new Uri(os.Server.BaseUri, "identity/v3").ToString(), n => n switch
        {
            "OS_USERNAME" => os.Fake.Keystone.User,
            "OS_PASSWORD" => os.Fake.Keystone.Password,
            "OS_USER_DOMAIN_NAME" => "Default",
            "OS_PROJECT_NAME" => os.Fake.Keystone.Project,
            _ => null,
        });
        using var cloud = new OpenStackImageCloud(config, FastImages.Settings);

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => cloud.GetMachineAsync("x", Token));

        Assert.Equal(ImageFailureKind.Credentials, e.Kind);
        Assert.Contains("in region 'RegionTwo' (it has: RegionOne)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_ApplicationCredentialFromCloudsYaml_Authenticates()
    {
        using var dir = new TempDirectory();
        await using var os = new Loopback();
        var yaml = dir.Write("clouds.yaml", $"""
            # written by the operator
            clouds:
              lab:
                auth_type: v3applicationcredential
                auth:
                  auth_url: {new Uri(os.Server.BaseUri, "identity")}
                  application_credential_id: {os.Fake.Keystone.ApplicationCredentialId}
                region_name: RegionOne
                interface: public
              other:
                auth:
                  auth_url: http://elsewhere/
            """);
        dir.Write("secure.yaml", $"clouds:\n  lab:\n    auth:\n      application_credential_secret: {os.Fake.Keystone.ApplicationCredentialSecret}\n");
        var env = new Dictionary<string, string> { ["OS_CLIENT_CONFIG_FILE"] = yaml, ["OS_CLIENT_SECURE_FILE"] = dir.File("secure.yaml"), ["HOME"] = dir.Path };
        var config = OpenStackConfig.Resolve("lab", null, null, n => env.GetValueOrDefault(n));
        using var cloud = new OpenStackImageCloud(config, FastImages.Settings);
        var server = os.Fake.AddServer("8a1c4e7f-0000-4000-8000-000000000005");

        var status = await cloud.GetMachineAsync(server.Id, Token);

        Assert.Equal(MachinePhase.Stopped, status.Phase);
        Assert.Equal(KeystoneAuthMethod.ApplicationCredential, config.Method);
        var auth = os.Fake.Keystone.AuthRequests.Single();
        Assert.Null(auth["auth"]?["scope"]);
        Assert.Equal("application_credential", auth["auth"]?["identity"]?["methods"]?[0]?.GetValue<string>());
    }

    [Fact]
    public async Task VerifyAsync_CloneReady_PasswordFromNovaDecryptsAndServerDeleted()
    {
        await using var os = new Loopback();
        var image = os.Fake.AddImage("5b6c7d8e-0000-4000-8000-00000000000a");
        var keyPath = LaunchKeys.PrivateKeyPath();
        var encrypted = LaunchKeys.EncryptWithOpenSsl(keyPath, Password);
        os.Fake.OnLaunch = (clone, _) =>
        {
            var start = TimeProvider.System.GetUtcNow();
            clone.Console = () => Consoles.Ready(start, encrypted).Replace("\r\n", "\n", StringComparison.Ordinal);
            clone.Password = () => encrypted;
        };
        using var key = LaunchKeys.Load(keyPath);
        var request = new VerifyImageRequest(image.Id, key, "build-key", "m1.large", null, "net-0001", null, ["windows-rdp"],
            Encoding.UTF8.GetBytes("#ps1\nWrite-Host hi"), TimeSpan.FromSeconds(20), false);

        var result = await new ImageVerifier(os.Cloud, FastImages.Settings).VerifyAsync(request, Token);

        Assert.Equal(VerifyOutcome.Ready, result.Outcome);
        Assert.Equal(Password, result.Password!.Reveal());
        Assert.True(result.Terminated);
        var clone = os.Fake.Servers[result.InstanceId!];
        Assert.True(clone.Deleted);
        Assert.Equal("1f2e3d", clone.FlavorRef);
        Assert.Equal("build-key", clone.KeyName);
        Assert.Equal(["windows-rdp"], clone.SecurityGroups);
        Assert.Equal("net-0001", clone.Networks?[0]?["uuid"]?.GetValue<string>());
        Assert.Equal("#ps1\nWrite-Host hi", Encoding.UTF8.GetString(Convert.FromBase64String(clone.UserData!)));
        Assert.Equal("image-verification", clone.Metadata["reseal:purpose"]);
        Assert.True(os.Fake.Count("POST", "/action") > 0);
    }

    [Fact]
    public async Task VerifyAsync_UnknownFlavor_NotFoundListingFlavorsNothingLaunched()
    {
        await using var os = new Loopback();
        var image = os.Fake.AddImage("5b6c7d8e-0000-4000-8000-00000000000b");
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());
        var request = new VerifyImageRequest(image.Id, key, "build-key", "m9.huge", null, null, null, [], null, TimeSpan.FromSeconds(5), false);

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageVerifier(os.Cloud, FastImages.Settings).VerifyAsync(request, Token));

        Assert.Equal(ImageFailureKind.NotFound, e.Kind);
        Assert.Contains("m9.huge", e.Message, StringComparison.Ordinal);
        Assert.Contains("m1.large", e.Message, StringComparison.Ordinal);
        Assert.Empty(os.Fake.Servers);
    }

    [Fact]
    public async Task VerifyAsync_ServerGoesError_NotReadyWithFaultAndDeleted()
    {
        await using var os = new Loopback();
        os.Fake.NewServerStatuses = ["BUILD", "ERROR"];
        var image = os.Fake.AddImage("5b6c7d8e-0000-4000-8000-00000000000c");
        os.Fake.OnLaunch = (clone, _) => clone.Fault = "No valid host was found. There are not enough hosts available.";
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());
        var request = new VerifyImageRequest(image.Id, key, "build-key", "m1.large", null, null, null, [], null, TimeSpan.FromSeconds(5), false);

        var result = await new ImageVerifier(os.Cloud, FastImages.Settings).VerifyAsync(request, Token);

        Assert.Equal(VerifyOutcome.NotReady, result.Outcome);
        Assert.Contains("No valid host was found", result.Reason, StringComparison.Ordinal);
        Assert.True(os.Fake.Servers[result.InstanceId!].Deleted);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("huge")]
    [InlineData("silent")]
    public async Task GetMachineAsync_BrokenNova_UnreachableBounded(string kind)
    {
        await using var os = new Loopback(FastImages.Settings with { RequestTimeout = TimeSpan.FromSeconds(1) });
        var server = os.Fake.AddServer("8a1c4e7f-0000-4000-8000-000000000006");
        var reply = kind switch
        {
            "garbage" => LoopbackReply.Text(200, "<html>proxy error</html>"),
            "huge" => new LoopbackReply(200, new byte[9 * 1024 * 1024]) { Framing = LoopbackFraming.Chunked },
            _ => LoopbackReply.Text(200, "{}") with { Delay = TimeSpan.FromMinutes(5) },
        };
        for (var i = 0; i < 10; i++)
        {
            os.Fake.Fault($"/compute/v2.1/servers/{server.Id}", reply);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ImageCloudException>(() => os.Cloud.GetMachineAsync(server.Id, Token));

        Assert.Equal(ImageFailureKind.Unreachable, e.Kind);
        Assert.Contains(server.Id, e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), clock.Elapsed.ToString());
    }
}
