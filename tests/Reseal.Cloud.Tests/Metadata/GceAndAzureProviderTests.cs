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

    private const string AzureInstance = """
        {"compute": {"vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6", "name": "examplevmname", "location": "westus",
                     "zone": "1", "vmSize": "Standard_D2s_v3",
                     "osProfile": {"adminUsername": "admin", "computerName": "examplevmname"},
                     "publicKeys": [{"keyData": "ssh-rsa AAAAB3NzaC1yc2E azure", "path": "/home/user/.ssh/authorized_keys"}]},
         "network": {"interface": [{"ipv4": {"ipAddress": [{"privateIpAddress": "10.144.133.132", "publicIpAddress": ""}]}}]}}
        """;

    private static Func<LoopbackRequest, LoopbackReply> Azure(string? userDataBase64) => request =>
    {
        if (request.Header("Metadata") != "true")
        {
            return LoopbackReply.Text(400, "{\"error\": \"Bad request. Required metadata header not specified\"}");
        }

        return request.Path switch
        {
            "/metadata/instance?api-version=2021-02-01" => LoopbackReply.Ok(AzureInstance, ("Content-Type", "application/json")),
            "/metadata/instance/compute/vmId?api-version=2021-02-01&format=text" => LoopbackReply.Ok("02aab8a4-74ef-476e-8182-f6d2ba4166a6"),
            "/metadata/instance/compute/userData?api-version=2021-01-01&format=text" => LoopbackReply.Ok(userDataBase64 ?? ""),
            _ => LoopbackReply.Text(404, "{\"error\": \"Not found\"}"),
        };
    };

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
}
