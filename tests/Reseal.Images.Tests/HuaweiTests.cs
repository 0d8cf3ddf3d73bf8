using Reseal.Images.Huawei;
using Reseal.TestSupport.Loopback;

namespace Reseal.Images.Tests;

/// <summary>Huawei Cloud: IAM, IMS (asynchronous job) and ECS on a loopback server that follows their API references.</summary>
public sealed class HuaweiTests
{
    private const string Password = "Hw4$kT9!zQ2@nB7x";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private sealed class Loopback : IAsyncDisposable
    {
        public Loopback()
        {
            Fake = new FakeHuaweiCloud();
            Server = new LoopbackHttpServer(Fake.Handle);
            Environment = new Dictionary<string, string>
            {
                ["OS_USERNAME"] = Fake.Iam.User,
                ["OS_PASSWORD"] = Fake.Iam.Password,
                ["OS_USER_DOMAIN_NAME"] = Fake.Iam.UserDomain,
                ["OS_REGION_NAME"] = "ap-southeast-1",
                ["HOME"] = "/nonexistent",
            };
            Config = HuaweiConfig.Resolve(null, null, Server.BaseUri.ToString(), n => Environment.GetValueOrDefault(n));
            Cloud = new HuaweiImageCloud(Config, FastImages.Settings);
        }

        public FakeHuaweiCloud Fake { get; }

        public LoopbackHttpServer Server { get; }

        public Dictionary<string, string> Environment { get; }

        public HuaweiConfig Config { get; }

        public HuaweiImageCloud Cloud { get; }

        public async ValueTask DisposeAsync()
        {
            Cloud.Dispose();
            await Server.DisposeAsync();
        }
    }

    private static CreateImageRequest Create(string server) =>
        new(server, "win2022-golden", "sealed by reseal", false, [new("team", "images")], true, TimeSpan.FromSeconds(20));

    [Fact]
    public void Resolve_RegionOnly_DefaultEndpointsAndRegionProject()
    {
        var config = HuaweiConfig.Resolve(null, "la-south-2", null, n => n switch
        {
            "OS_USERNAME" => "builder",
            "OS_PASSWORD" => "pw",
            "OS_USER_DOMAIN_NAME" => "my-account",
            _ => null,
        });

        Assert.Equal(new Uri("https://iam.la-south-2.myhuaweicloud.com/v3"), config.Identity.AuthUrl);
        Assert.Equal(new Uri("https://ims.la-south-2.myhuaweicloud.com/"), config.Ims);
        Assert.Equal(new Uri("https://ecs.la-south-2.myhuaweicloud.com/"), config.Ecs);
        Assert.Equal("la-south-2", config.Identity.ProjectName);
    }

    [Fact]
    public void Resolve_EuropeanIamEndpoint_ServicesUnderTheSameDomain()
    {
        var config = HuaweiConfig.Resolve(null, "eu-west-101", null, n => n switch
        {
            "OS_AUTH_URL" => "https://iam.eu-west-101.myhuaweicloud.eu/v3",
            "OS_USERNAME" => "builder",
            "OS_PASSWORD" => "pw",
            "OS_USER_DOMAIN_NAME" => "my-account",
            _ => null,
        });

        Assert.Equal(new Uri("https://ims.eu-west-101.myhuaweicloud.eu/"), config.Ims);
        Assert.Equal(new Uri("https://ecs.eu-west-101.myhuaweicloud.eu/"), config.Ecs);
    }

    [Fact]
    public void Resolve_NoRegion_CredentialsErrorAskingForOne()
    {
        var e = Assert.Throws<ImageCloudException>(() => HuaweiConfig.Resolve(null, null, null, n => n switch
        {
            "OS_USERNAME" => "builder",
            "OS_PASSWORD" => "pw",
            "OS_USER_DOMAIN_NAME" => "my-account",
            _ => null,
        }));

        Assert.Contains("no Huawei Cloud region", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_ImsJobPolledToSuccess_ImageActive()
    {
        await using var hw = new Loopback();
        var server = hw.Fake.AddServer("ecs-0001");
        var progress = new List<ImageProgress>();

        var result = await new ImageCreator(hw.Cloud, FastImages.Settings, new SyncProgress<ImageProgress>(progress.Add)).CreateAsync(Create(server.Id), Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal("active", result.State);
        Assert.NotNull(result.JobId);
        Assert.Equal(server.Id, hw.Fake.Images[result.ImageId!].SourceServer);
        Assert.Equal("images", hw.Fake.Images[result.ImageId!].Properties["team"]);
        Assert.True(hw.Fake.Count("GET", $"/jobs/{result.JobId}") >= 3);
        Assert.Contains(progress, p => p.Message.Contains("50%", StringComparison.Ordinal));
        // Every ECS/IMS path carries the token's project.
        Assert.All(hw.Fake.Calls.Where(c => c.Path.StartsWith("/v1/", StringComparison.Ordinal)),
            c => Assert.StartsWith($"/v1/{hw.Fake.Iam.ProjectId}/", c.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateAsync_ImsJobFails_FailedWithErrorCodeAndReason()
    {
        await using var hw = new Loopback();
        hw.Fake.FailJobsWith = "The system disk of the ECS is too large to create an image.";
        var server = hw.Fake.AddServer("ecs-0002");

        var result = await new ImageCreator(hw.Cloud, FastImages.Settings).CreateAsync(Create(server.Id), Token);

        Assert.Equal(CreateOutcome.Failed, result.Outcome);
        Assert.Equal("IMG.0193: The system disk of the ECS is too large to create an image.", result.Reason);
    }

    [Fact]
    public async Task CreateAsync_UnknownEcs_NotFound()
    {
        await using var hw = new Loopback();

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(hw.Cloud, FastImages.Settings).CreateAsync(Create("ecs-missing"), Token));

        Assert.Equal(ImageFailureKind.NotFound, e.Kind);
        Assert.Contains("Ecs.0114", e.Message, StringComparison.Ordinal);
        Assert.Contains("ecs-missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_DescriptionWithAngleBrackets_RefusedBeforeAnyImsCall()
    {
        await using var hw = new Loopback();
        var server = hw.Fake.AddServer("ecs-0003");

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(hw.Cloud, FastImages.Settings).CreateAsync(
            Create(server.Id) with { Description = "<b>golden</b>" }, Token));

        Assert.Equal(ImageFailureKind.InvalidRequest, e.Kind);
        Assert.Equal(0, hw.Fake.Count("POST", "/v2/cloudimages/action"));
    }

    [Fact]
    public async Task CreateAsync_ExpiredToken_ReauthenticatesAndFinishes()
    {
        await using var hw = new Loopback();
        hw.Fake.Iam.ExpireTokensAfter = 3;
        var server = hw.Fake.AddServer("ecs-0004");

        var result = await new ImageCreator(hw.Cloud, FastImages.Settings).CreateAsync(Create(server.Id), Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal(2, hw.Fake.Iam.TokensIssued);
    }

    [Fact]
    public async Task VerifyAsync_EcsBootsAndPostsPassword_ReadyAndDeleted()
    {
        await using var hw = new Loopback();
        var image = hw.Fake.AddImage("img-0001");
        var keyPath = LaunchKeys.PrivateKeyPath();
        var encrypted = LaunchKeys.EncryptWithOpenSsl(keyPath, Password);
        hw.Fake.OnLaunch = (clone, _) =>
        {
            var start = TimeProvider.System.GetUtcNow();
            clone.Console = () => Consoles.Ready(start, encrypted);
            clone.Password = () => encrypted;
        };
        using var key = LaunchKeys.Load(keyPath);
        var request = new VerifyImageRequest(image.Id, key, "kp-build", "s6.large.2", "subnet-1", null, "vpc-1", ["sg-1"], null,
            TimeSpan.FromSeconds(20), false);

        var result = await new ImageVerifier(hw.Cloud, FastImages.Settings).VerifyAsync(request, Token);

        Assert.Equal(VerifyOutcome.Ready, result.Outcome);
        Assert.Equal(Password, result.Password!.Reveal());
        var clone = hw.Fake.Servers[result.InstanceId!];
        Assert.True(clone.Deleted);
        Assert.Equal("s6.large.2", clone.FlavorRef);
        Assert.Equal("subnet-1", clone.Networks?[0]?["subnet_id"]?.GetValue<string>());
        Assert.Equal("image-verification", clone.Metadata["reseal-purpose"]);
    }

    [Fact]
    public async Task VerifyAsync_UnknownImage_NotFoundBeforeLaunch()
    {
        await using var hw = new Loopback();
        using var key = LaunchKeys.Load(LaunchKeys.PrivateKeyPath());
        var request = new VerifyImageRequest("img-missing", key, "kp", "s6.large.2", "subnet-1", null, "vpc-1", [], null, TimeSpan.FromSeconds(5), false);

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageVerifier(hw.Cloud, FastImages.Settings).VerifyAsync(request, Token));

        Assert.Equal(ImageFailureKind.NotFound, e.Kind);
        Assert.Contains("img-missing", e.Message, StringComparison.Ordinal);
        Assert.Empty(hw.Fake.Servers);
    }
}
