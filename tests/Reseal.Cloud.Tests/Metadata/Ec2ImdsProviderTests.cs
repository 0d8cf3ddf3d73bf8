using System.Diagnostics;
using System.Text;
using Reseal.Cloud.Metadata;

using Reseal.TestSupport.Loopback;

using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Metadata;

public sealed class Ec2ImdsProviderTests
{
    internal static readonly MetadataHttpOptions Fast = FastMetadata.Options;

    [Fact]
    public async Task GetMetadata_Imdsv2_ReadsEveryFactWithToken()
    {
        var imds = new FakeImds { UserData = "<powershell>Write-Host hi</powershell>" };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal(MetadataSource.Ec2, metadata.Source);
        Assert.Equal("i-1234567890abcdef0", metadata.InstanceId);
        Assert.Equal("ip-172-16-34-43.ec2.internal", metadata.HostName);
        Assert.Equal("m4.xlarge", metadata.InstanceType);
        Assert.Equal("us-east-1a", metadata.Zone);
        Assert.Equal("172.16.34.43", metadata.LocalIPv4);
        Assert.Equal(["ssh-rsa AAAAB3NzaC1yc2E test"], metadata.PublicKeys);
        Assert.Equal("<powershell>Write-Host hi</powershell>", Encoding.UTF8.GetString(metadata.UserData.Span));
        Assert.Equal("IMDSv2", metadata.Protocol);
        Assert.Equal(1, server.Count("PUT", "/latest/api/token"));
        var put = server.Requests.Single(r => r.Method == "PUT");
        Assert.Equal("21600", put.Header("X-aws-ec2-metadata-token-ttl-seconds"));
        Assert.All(server.Requests.Where(r => r.Method == "GET"), r => Assert.NotNull(r.Header("X-aws-ec2-metadata-token")));
    }

    [Fact]
    public async Task GetMetadata_TagsInMetadataOn_ReadsEachTag_PublicIpv4_KeysEc2DoesNotAllowNotRequested()
    {
        var imds = new FakeImds();
        imds.Items["meta-data/public-ipv4"] = "203.0.113.7";
        imds.Items["meta-data/tags/instance/Name"] = "web-1";
        imds.Items["meta-data/tags/instance/Environment"] = "prod\nline two";
        imds.Items["meta-data/tags/instance/..%2f..%2fuser-data"] = "never asked";
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("203.0.113.7", metadata.PublicIPv4);
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "web-1", ["Environment"] = "prod\nline two" }, metadata.Tags);
        Assert.DoesNotContain(server.Requests, r => r.Path.Contains("%2f", StringComparison.OrdinalIgnoreCase));
        // Captured and read back (reseal agent plan --metadata) with the same tags.
        Assert.Equal(metadata.Tags, InstanceMetadata.FromJson(metadata.ToJson()).Tags);
    }

    [Fact]
    public async Task GetMetadata_TagsInMetadataOff_TagsNull_NoPublicAddress()
    {
        await using var server = new LoopbackHttpServer(new FakeImds().Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Null(metadata.Tags);
        Assert.Null(metadata.PublicIPv4);
        Assert.Null(InstanceMetadata.FromJson(metadata.ToJson()).Tags);
    }

    [Fact]
    public async Task GetMetadata_NoUserDataNoKeys_404MeansAbsent()
    {
        var imds = new FakeImds();
        imds.Items.Remove("meta-data/public-keys/0/openssh-key");
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.False(metadata.HasUserData);
        Assert.Empty(metadata.PublicKeys);
    }

    [Fact]
    public async Task ListAsync_TrailingSlash_ReturnsChildren()
    {
        await using var server = new LoopbackHttpServer(new FakeImds().Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var children = await provider.ListAsync("latest/meta-data/block-device-mapping/", TestContext.Current.CancellationToken);

        Assert.Equal(["ami", "root"], children.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetMetadata_TokenExpiresMidway_RefreshesOnceAndContinues()
    {
        var imds = new FakeImds { ExpireTokensAfterGets = 2 };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("i-1234567890abcdef0", metadata.InstanceId);
        Assert.Equal(2, server.Count("PUT", "/latest/api/token"));
    }

    [Fact]
    public async Task GetMetadata_EveryTokenRejected_Fails401AfterOneRefresh()
    {
        var imds = new FakeImds { RejectAllTokens = true };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("EC2 IMDS", error.Message, StringComparison.Ordinal);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains(server.BaseUri + "latest/meta-data/instance-id", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Count("PUT", "/latest/api/token"));
    }

    [Theory]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(405)]
    public async Task GetMetadata_TokenPutRefused_FallsBackToImdsv1(int status)
    {
        var imds = new FakeImds { TokenPutStatus = status, RequireV2 = false };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("IMDSv1", metadata.Protocol);
        Assert.Equal("i-1234567890abcdef0", metadata.InstanceId);
        Assert.All(server.Requests.Where(r => r.Method == "GET"), r => Assert.Null(r.Header("X-aws-ec2-metadata-token")));
        Assert.Equal(1, server.Count("PUT", "/latest/api/token"));
    }

    [Theory]
    [InlineData("AQAEAFakeToken\r\nX-Injected: yes")]
    [InlineData("AQAE AFakeToken")]
    [InlineData("\u0001\u0002binary\u00ff garbage")]
    [InlineData("toke\u00f1")]
    public async Task GetMetadata_MalformedToken_ClearErrorAndNoGetCarriesIt(string token)
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/api/token"] = () => LoopbackReply.Ok(token);
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("EC2 IMDS: PUT", error.Message, StringComparison.Ordinal);
        Assert.Contains("latest/api/token returned a malformed token", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task GetMetadata_OverlongToken_ClearError()
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/api/token"] = () => LoopbackReply.Ok(new string('A', 2000));
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("malformed token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_TokenPutBadRequest_ErrorNoFallback()
    {
        var imds = new FakeImds { TokenPutStatus = 400, RequireV2 = false };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("PUT", error.Message, StringComparison.Ordinal);
        Assert.Contains("latest/api/token", error.Message, StringComparison.Ordinal);
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Count("GET", "/latest/meta-data/instance-id"));
    }

    [Fact]
    public async Task GetMetadata_SlowEndpoint_TimesOutWithoutHanging()
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/meta-data/instance-id"] = () => LoopbackReply.Ok("late") with { Delay = TimeSpan.FromSeconds(30) };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(200), TotalTimeout = TimeSpan.FromSeconds(2) });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("no answer within", error.Message, StringComparison.Ordinal);
        Assert.Contains("instance-id", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Count("GET", "/latest/meta-data/instance-id"));
    }

    [Fact]
    public async Task GetMetadata_TotalDeadlineShorterThanRetries_StopsAtDeadline()
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/meta-data/instance-id"] = () => LoopbackReply.Ok("late") with { Delay = TimeSpan.FromSeconds(30) };
        await using var server = new LoopbackHttpServer(imds.Handle);
        var options = Fast with { AttemptTimeout = TimeSpan.FromSeconds(1), TotalTimeout = TimeSpan.FromMilliseconds(700), MaxAttempts = 10 };
        using var provider = new Ec2ImdsProvider(server.BaseUri, options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Contains("deadline", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_TruncatedBody_RetriedThenReported()
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/meta-data/instance-id"] = () => LoopbackReply.Ok("i-123") with { DeclaredLength = 100 };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("after 3 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Matches("truncated|cut short|closed before", error.Message);
        Assert.Equal(3, server.Count("GET", "/latest/meta-data/instance-id"));
    }

    [Fact]
    public async Task GetMetadata_OversizedUserData_ErrorNamesTheLimit()
    {
        var imds = new FakeImds { UserData = new string('x', 5000) };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast with { MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("user-data", error.Message, StringComparison.Ordinal);
        Assert.Contains("5000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LoopbackFraming.Chunked)]
    [InlineData(LoopbackFraming.CloseDelimited)]
    public async Task GetMetadata_OversizedUserDataWithoutLength_StopsReadingAtTheLimit(LoopbackFraming framing)
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/user-data"] = () => new LoopbackReply(200, new byte[200_000]) { Framing = framing };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast with { MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("latest/user-data answered with more than the 1000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LoopbackFraming.Chunked)]
    [InlineData(LoopbackFraming.CloseDelimited)]
    public async Task GetMetadata_UserDataWithoutLengthWithinLimit_ReadInFull(LoopbackFraming framing)
    {
        var userData = string.Concat(Enumerable.Repeat("<powershell>Write-Host 0123456789</powershell>\n", 1000));
        var imds = new FakeImds();
        imds.Overrides["/latest/user-data"] = () => LoopbackReply.Ok(userData) with { Framing = framing };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal(userData, Encoding.UTF8.GetString(metadata.UserData.Span));
    }

    [Fact]
    public async Task GetMetadata_GarbageInsteadOfHttp_ClearError()
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/api/token"] = () => new LoopbackReply(0, []) { Raw = "SSH-2.0-OpenSSH_9.2\r\n\0\0garbage"u8.ToArray() };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("not valid HTTP", error.Message, StringComparison.Ordinal);
        Assert.Contains("PUT " + server.BaseUri + "latest/api/token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_ServerErrorThenOk_Retried()
    {
        var imds = new FakeImds();
        var calls = 0;
        imds.Overrides["/latest/meta-data/instance-id"] = () => Interlocked.Increment(ref calls) == 1 ? LoopbackReply.Error(503, "503") : null;
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("i-1234567890abcdef0", metadata.InstanceId);
        Assert.Equal(2, server.Count("GET", "/latest/meta-data/instance-id"));
    }

    [Fact]
    public async Task IsAvailable_NothingListening_FalseQuickly()
    {
        var port = FreePort();
        using var provider = new Ec2ImdsProvider(new Uri($"http://127.0.0.1:{port}/"), Fast);
        var clock = Stopwatch.StartNew();

        Assert.False(await provider.IsAvailableAsync(TestContext.Current.CancellationToken));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task IsAvailable_ImdsPresent_True()
    {
        await using var server = new LoopbackHttpServer(new FakeImds().Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        Assert.True(await provider.IsAvailableAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetMetadata_CallerCancels_OperationCanceled()
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/meta-data/instance-id"] = () => LoopbackReply.Ok("late") with { Delay = TimeSpan.FromSeconds(30) };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast with { AttemptTimeout = TimeSpan.FromSeconds(20), TotalTimeout = TimeSpan.FromSeconds(30) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => provider.GetMetadataAsync(cancel.Token));
    }

    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed class Ec2ImdsTokenLifetimeTests
{
    [Fact]
    public async Task GetText_TokenNearExpiryOnClock_FetchesNewTokenBeforeUse()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var server = new LoopbackHttpServer(new FakeImds().Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Ec2ImdsProviderTests.Fast with { Time = clock }, TimeSpan.FromSeconds(60));
        var ct = TestContext.Current.CancellationToken;

        await provider.GetTextAsync("latest/meta-data/instance-id", ct);
        clock.Advance(TimeSpan.FromSeconds(30));
        await provider.GetTextAsync("latest/meta-data/instance-id", ct);
        clock.Advance(TimeSpan.FromSeconds(25));
        await provider.GetTextAsync("latest/meta-data/instance-id", ct);

        Assert.Equal(2, server.Count("PUT", "/latest/api/token"));
        Assert.All(server.Requests.Where(r => r.Method == "PUT"), r => Assert.Equal("60", r.Header("X-aws-ec2-metadata-token-ttl-seconds")));
    }

    [Fact]
    public async Task GetText_Imdsv1FallbackThenImdsv2Answers_UsesTokenAfterRecheckInterval()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var imds = new FakeImds { TokenPutStatus = 404, RequireV2 = false };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Ec2ImdsProviderTests.Fast with { Time = clock });
        var ct = TestContext.Current.CancellationToken;

        await provider.GetTextAsync("latest/meta-data/instance-id", ct);
        imds.TokenPutStatus = null;
        clock.Advance(TimeSpan.FromSeconds(30));
        await provider.GetTextAsync("latest/meta-data/instance-id", ct);
        Assert.Equal(1, server.Count("PUT", "/latest/api/token"));
        clock.Advance(TimeSpan.FromSeconds(31));
        var metadata = await provider.GetMetadataAsync(ct);

        Assert.Equal(2, server.Count("PUT", "/latest/api/token"));
        Assert.Equal("IMDSv2", metadata.Protocol);
        Assert.NotNull(server.Requests.Last(r => r.Method == "GET").Header("X-aws-ec2-metadata-token"));
    }

    [Fact]
    public async Task GetMetadata_EachCallJustInTime_OperationDeadlineStopsIt()
    {
        var imds = new FakeImds();
        foreach (var path in new[] { "instance-id", "local-hostname", "instance-type", "placement/availability-zone", "local-ipv4" })
        {
            var value = imds.Items["meta-data/" + path];
            imds.Overrides["/latest/meta-data/" + path] = () => LoopbackReply.Ok(value) with { Delay = TimeSpan.FromMilliseconds(300) };
        }

        await using var server = new LoopbackHttpServer(imds.Handle);
        var options = Ec2ImdsProviderTests.Fast with { AttemptTimeout = TimeSpan.FromSeconds(1), OperationTimeout = TimeSpan.FromMilliseconds(700) };
        using var provider = new Ec2ImdsProvider(server.BaseUri, options);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Contains("EC2 IMDS: reading metadata from " + server.BaseUri + " took longer than 0.7 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToJson_Ec2Metadata_HasFactsAndUserData()
    {
        await using var server = new LoopbackHttpServer(new FakeImds { UserData = "<script>echo hi</script>" }.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Ec2ImdsProviderTests.Fast);

        var json = (await provider.GetMetadataAsync(TestContext.Current.CancellationToken)).ToJson();
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal("Ec2", root.GetProperty("source").GetString());
        Assert.Equal("IMDSv2", root.GetProperty("protocol").GetString());
        Assert.Equal("i-1234567890abcdef0", root.GetProperty("instanceId").GetString());
        Assert.Equal("<script>echo hi</script>", root.GetProperty("userDataText").GetString());
        Assert.Equal(24, root.GetProperty("userDataBytes").GetInt32());
    }
}
