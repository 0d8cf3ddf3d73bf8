using System.Text;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Reseal.Cloud.Tests.Passwords;

using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

public sealed class GceAndAzureProviderTests
{
    private static readonly MetadataHttpOptions Fast = Ec2ImdsProviderTests.Fast;

    private const string GceInstance = """
        {"id": 4520031799277581759, "name": "win-1", "hostname": "win-1.c.proj.internal",
         "zone": "projects/123456789/zones/us-central1-a", "machineType": "projects/123456789/machineTypes/e2-medium",
         "networkInterfaces": [{"ip": "10.128.0.2", "network": "projects/123456789/networks/default"}],
         "attributes": {"ssh-keys": "alice:ssh-rsa AAAAB3NzaC1yc2E alice@host\nbob:ssh-ed25519 AAAAC3Nza bob", "user-data": "#cloud-config\n"}}
        """;

    /// <summary>GCE refuses requests without Metadata-Flavor: Google (403) and labels every answer with it.</summary>
    private static Func<LoopbackRequest, LoopbackReply> Gce(string instance, string? windowsKeys = null) => request =>
    {
        if (request.Header("Metadata-Flavor") != "Google")
        {
            return LoopbackReply.Text(403, "Missing Metadata-Flavor:Google header.");
        }

        var flavor = ("Metadata-Flavor", "Google");
        return request.Path switch
        {
            "/computeMetadata/v1/instance/?recursive=true&alt=json" => LoopbackReply.Ok(instance, flavor, ("Content-Type", "application/json")),
            "/computeMetadata/v1/instance/id" => LoopbackReply.Ok("4520031799277581759", flavor),
            "/computeMetadata/v1/instance/attributes/windows-keys" when windowsKeys is not null => LoopbackReply.Ok(windowsKeys, flavor),
            _ => LoopbackReply.Text(404, "Not Found", flavor),
        };
    };

    [Fact]
    public async Task GetMetadata_Gce_ReadsFactsWithFlavorHeader()
    {
        await using var server = new LoopbackHttpServer(Gce(GceInstance));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("4520031799277581759", metadata.InstanceId);
        Assert.Equal("win-1.c.proj.internal", metadata.HostName);
        Assert.Equal("us-central1-a", metadata.Zone);
        Assert.Equal("e2-medium", metadata.InstanceType);
        Assert.Equal("10.128.0.2", metadata.LocalIPv4);
        Assert.Equal(["ssh-rsa AAAAB3NzaC1yc2E alice@host", "ssh-ed25519 AAAAC3Nza bob"], metadata.PublicKeys);
        Assert.Equal("#cloud-config\n", Encoding.UTF8.GetString(metadata.UserData.Span));
        Assert.All(server.Requests, r => Assert.Equal("Google", r.Header("Metadata-Flavor")));
    }

    [Fact]
    public async Task IsAvailable_ServerWithoutFlavorHeader_False()
    {
        await using var server = new LoopbackHttpServer(_ => LoopbackReply.Ok("4520031799277581759"));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        Assert.False(await provider.IsAvailableAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetWindowsKeys_ResetRequest_ReplyDecryptsForRequester()
    {
        using var key = TestKeys.Key2048();
        var request = new GceWindowsKey("reseal-admin", key.PublicKey, new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero),
            PasswordPadding.OaepSha256, "ops@example.com", true);
        await using var server = new LoopbackHttpServer(Gce(GceInstance, "{\"broken\n" + request.ToJsonLine() + "\n"));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        var scan = await provider.GetWindowsKeysAsync(TestContext.Current.CancellationToken);
        var entry = Assert.Single(scan.Keys);
        var password = PasswordGenerator.Generate(userName: entry.UserName);
        var com4 = entry.CreateReply(password);

        Assert.Single(scan.Problems);
        Assert.Equal(password, PasswordOutputParser.Decrypt(com4 + "\n", key));
    }

    [Fact]
    public async Task GetWindowsKeys_NoAttribute_Empty()
    {
        await using var server = new LoopbackHttpServer(Gce(GceInstance));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        var scan = await provider.GetWindowsKeysAsync(TestContext.Current.CancellationToken);

        Assert.Empty(scan.Keys);
    }

    [Fact]
    public async Task GetMetadata_GceOversizedResponse_ErrorNamesLimit()
    {
        var huge = "{\"id\": 1, \"attributes\": {\"x\": \"" + new string('a', 300_000) + "\"}}";
        await using var server = new LoopbackHttpServer(Gce(huge));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast with { MaxResponseBytes = 100_000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("GCE metadata", error.Message, StringComparison.Ordinal);
        Assert.Contains("100000-byte limit", error.Message, StringComparison.Ordinal);
    }

    private static Func<LoopbackRequest, LoopbackReply> Azure(string? userDataBase64, string instance = FakeAzureImds.Instance) =>
        FakeAzureImds.Handler(userDataBase64, instance);

    [Fact]
    public async Task GetMetadata_Azure_ReadsFactsAndDecodesUserData()
    {
        await using var server = new LoopbackHttpServer(Azure(Convert.ToBase64String("<powershell>hi</powershell>"u8.ToArray())));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("02aab8a4-74ef-476e-8182-f6d2ba4166a6", metadata.InstanceId);
        Assert.Equal("examplevmname", metadata.HostName);
        Assert.Equal("Standard_D2s_v3", metadata.InstanceType);
        Assert.Equal("westus-1", metadata.Zone);
        Assert.Equal("10.144.133.132", metadata.LocalIPv4);
        Assert.Equal(["ssh-rsa AAAAB3NzaC1yc2E azure"], metadata.PublicKeys);
        Assert.Equal("<powershell>hi</powershell>", Encoding.UTF8.GetString(metadata.UserData.Span));
        Assert.All(server.Requests, r => Assert.Equal("true", r.Header("Metadata")));
    }

    [Fact]
    public async Task GetMetadata_AzureEmptyUserData_None()
    {
        await using var server = new LoopbackHttpServer(Azure(null));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.False(metadata.HasUserData);
    }

    [Fact]
    public async Task GetMetadata_AzureUserDataNotBase64_ClearError()
    {
        await using var server = new LoopbackHttpServer(Azure("%%% not base64 %%%"));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Azure IMDS", error.Message, StringComparison.Ordinal);
        Assert.Contains("not base64", error.Message, StringComparison.Ordinal);
    }

    /// <summary>GCE documents whose optional parts have the wrong JSON kind; each still names instance 7.</summary>
    public static TheoryData<string> GceWronglyShapedOptionalParts => new()
    {
        /* nic-is-a-string */ """{"id": 7, "networkInterfaces": ["10.0.0.1"]}""",
        /* nic-is-null */ """{"id": 7, "networkInterfaces": [null]}""",
        /* nic-ip-is-a-number */ """{"id": 7, "networkInterfaces": [{"ip": 10}]}""",
        /* nics-is-an-object */ """{"id": 7, "networkInterfaces": {"ip": "10.0.0.1"}}""",
        /* attributes-is-an-array */ """{"id": 7, "attributes": ["ssh-keys"]}""",
        /* hostname-is-an-object */ """{"id": 7, "hostname": {"name": "x"}, "zone": 5}""",
    };

    [Theory]
    [MemberData(nameof(GceWronglyShapedOptionalParts))]
    public async Task GetMetadata_GceWronglyShapedOptionalPart_IgnoresIt(string instance)
    {
        await using var server = new LoopbackHttpServer(Gce(instance));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("7", metadata.InstanceId);
        Assert.Null(metadata.LocalIPv4);
        Assert.Empty(metadata.PublicKeys);
    }

    [Theory]
    [InlineData("""[{"id": 7}]""")]
    [InlineData("""{"id": {"value": 7}}""")]
    [InlineData("""{"id": [7]}""")]
    [InlineData("\"7\"")]
    public async Task GetMetadata_GceWronglyShapedDocument_CloudException(string instance)
    {
        await using var server = new LoopbackHttpServer(Gce(instance));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("GCE metadata", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Azure documents whose optional network part has the wrong JSON kind at each level.</summary>
    public static TheoryData<string> AzureWronglyShapedNetwork => new()
    {
        /* network-is-a-string */ """{"compute": {"vmId": "v1"}, "network": "none"}""",
        /* network-is-an-array */ """{"compute": {"vmId": "v1"}, "network": [{"interface": []}]}""",
        /* interface-is-an-object */ """{"compute": {"vmId": "v1"}, "network": {"interface": {"ipv4": {}}}}""",
        /* interface-item-is-a-string */ """{"compute": {"vmId": "v1"}, "network": {"interface": ["eth0"]}}""",
        /* ipv4-is-an-array */ """{"compute": {"vmId": "v1"}, "network": {"interface": [{"ipv4": ["10.0.0.1"]}]}}""",
        /* ipAddress-is-an-object */ """{"compute": {"vmId": "v1"}, "network": {"interface": [{"ipv4": {"ipAddress": {"privateIpAddress": "10.0.0.1"}}}]}}""",
        /* address-item-is-a-string */ """{"compute": {"vmId": "v1"}, "network": {"interface": [{"ipv4": {"ipAddress": ["10.0.0.1"]}}]}}""",
        /* osProfile-and-keys-wrong */ """{"compute": {"vmId": "v1", "osProfile": "x", "publicKeys": {"keyData": "k"}}}""",
        /* publicKeys-items-wrong */ """{"compute": {"vmId": "v1", "publicKeys": ["ssh-rsa AAAA", 5, null]}}""",
    };

    [Theory]
    [MemberData(nameof(AzureWronglyShapedNetwork))]
    public async Task GetMetadata_AzureWronglyShapedOptionalPart_IgnoresIt(string instance)
    {
        await using var server = new LoopbackHttpServer(Azure(null, instance));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("v1", metadata.InstanceId);
        Assert.Null(metadata.LocalIPv4);
        Assert.Empty(metadata.PublicKeys);
    }

    [Theory]
    [InlineData("""[{"compute": {"vmId": "v1"}}]""")]
    [InlineData("\"compute\"")]
    [InlineData("""{"compute": ["vmId"]}""")]
    [InlineData("""{"compute": {"vmId": 1}}""")]
    public async Task GetMetadata_AzureWronglyShapedDocument_CloudException(string instance)
    {
        await using var server = new LoopbackHttpServer(Azure(null, instance));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Azure IMDS", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MetadataHttpOptions.MaximumSizeLimit + 1, 1024, "MaxResponseBytes")]
    [InlineData(1024, int.MaxValue, "MaxUserDataBytes")]
    [InlineData(1024, 0, "MaxUserDataBytes")]
    [InlineData(-1, 1024, "MaxResponseBytes")]
    public void Constructor_SizeLimitOutsideCap_ArgumentExceptionNamingIt(int maxResponse, int maxUserData, string name)
    {
        var options = Fast with { MaxResponseBytes = maxResponse, MaxUserDataBytes = maxUserData };

        var error = Assert.ThrowsAny<ArgumentException>(() => new AzureMetadataProvider(new Uri("http://127.0.0.1/"), options));

        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public async Task GetMetadata_AzureLimitsAtTheCap_Work()
    {
        var limit = MetadataHttpOptions.MaximumSizeLimit;
        await using var server = new LoopbackHttpServer(Azure(Convert.ToBase64String("hi"u8.ToArray())));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast with { MaxResponseBytes = limit, MaxUserDataBytes = limit });

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("hi", Encoding.UTF8.GetString(metadata.UserData.Span));
    }

    [Fact]
    public async Task GetMetadata_AzureDecodedUserDataOverLimit_ClearError()
    {
        var userData = new byte[1002];
        await using var server = new LoopbackHttpServer(Azure(Convert.ToBase64String(userData)));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast with { MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("user data is 1002 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_AzureGoneWhileStarting_Retried()
    {
        var gone = 0;
        var azure = Azure(null);
        await using var server = new LoopbackHttpServer(request =>
            request.Path.StartsWith("/metadata/instance?", StringComparison.Ordinal) && Interlocked.Increment(ref gone) <= 2
                ? LoopbackReply.Text(410, "Gone")
                : azure(request));
        using var provider = new AzureMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("02aab8a4-74ef-476e-8182-f6d2ba4166a6", metadata.InstanceId);
        Assert.Equal(3, server.Count("GET", "/metadata/instance?api-version=2021-02-01"));
    }

    [Fact]
    public async Task GetMetadata_GceUserDataOverBothLimits_UserDataTooLargeError()
    {
        var userData = new string('u', 5000);
        var instance = "{\"id\": 7, \"attributes\": {\"user-data\": \"" + userData + "\"}}";
        var gce = Gce(instance);
        await using var server = new LoopbackHttpServer(request =>
            request.Path == "/computeMetadata/v1/instance/attributes/user-data"
                ? LoopbackReply.Ok(userData, ("Metadata-Flavor", "Google"))
                : gce(request));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast with { MaxResponseBytes = 2000, MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("GCE metadata: the user-data attribute is more than the 1000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_GceUserDataLargerThanResponseLimitButWithinItsOwn_Read()
    {
        var userData = new string('u', 5000);
        var instance = "{\"id\": 7, \"attributes\": {\"user-data\": \"" + userData + "\"}}";
        await using var server = new LoopbackHttpServer(Gce(instance));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast with { MaxResponseBytes = 2000, MaxUserDataBytes = 10_000 });

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal(userData, Encoding.UTF8.GetString(metadata.UserData.Span));
    }

    [Fact]
    public async Task GetMetadata_GceUserDataWithinResponseButOverItsLimit_UserDataTooLargeError()
    {
        var instance = "{\"id\": 7, \"attributes\": {\"user-data\": \"" + new string('u', 1500) + "\"}}";
        await using var server = new LoopbackHttpServer(Gce(instance));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast with { MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("user-data attribute is 1500 bytes, more than the 1000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    public async Task GetWindowsKeys_ServerWithoutFlavorHeader_CloudException(int status)
    {
        using var key = TestKeys.Key2048();
        var request = new GceWindowsKey("reseal-admin", key.PublicKey, new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero),
            PasswordPadding.OaepSha256, "ops@example.com", true);
        await using var server = new LoopbackHttpServer(_ => LoopbackReply.Text(status, request.ToJsonLine()));
        using var provider = new GceMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetWindowsKeysAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Metadata-Flavor: Google", error.Message, StringComparison.Ordinal);
    }
}
