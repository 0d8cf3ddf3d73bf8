using System.Diagnostics;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

/// <summary>
/// GCE's wait-for-change protocol (<c>wait_for_change=true&amp;last_etag=…&amp;timeout_sec=…</c>) against a loopback server
/// that holds requests as Google documents, and servers that answer wrongly.
/// </summary>
public sealed class GceWindowsKeysWatchTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Request(string user)
    {
        var key = RsaPublicKey.Load(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub");
        return $$"""{"userName":"{{user}}","modulus":"{{key.ModulusBase64}}","exponent":"{{key.ExponentBase64}}","email":"a@example.com","expireOn":"2099-01-01T00:00:00Z"}""";
    }

    [Fact]
    public async Task WaitForWindowsKeys_NoETag_AnswersNowWithTheServersETag()
    {
        await using var gce = new FakeGceMetadata();
        gce.SetAttribute("windows-keys", Request("alice"));
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);

        var version = await provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(30), Token);

        Assert.Equal("alice", Assert.Single(version.Scan.Keys).UserName);
        Assert.Equal(gce.Attributes().ETag, version.ETag);
        Assert.DoesNotContain(gce.Server.Requests, r => r.Path.Contains("wait_for_change", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WaitForWindowsKeys_RequestAddedWhileWaiting_ReturnsItWithoutWaitingForTheTimeout()
    {
        await using var gce = new FakeGceMetadata();
        gce.SetAttribute("ssh-keys", "alice:ssh-ed25519 AAAA alice");
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        var first = await provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(30), Token);
        Assert.Empty(first.Scan.Keys); // the attribute does not exist yet: the map is watched, not the key

        var clock = Stopwatch.StartNew();
        var waiting = provider.WaitForWindowsKeysAsync(first.ETag, TimeSpan.FromSeconds(30), Token);
        await Task.Delay(300, Token);
        Assert.False(waiting.IsCompleted); // held by the server
        gce.SetAttribute("windows-keys", Request("bob"));
        var changed = await waiting.WaitAsync(TimeSpan.FromSeconds(20), Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal("bob", Assert.Single(changed.Scan.Keys).UserName);
        Assert.NotEqual(first.ETag, changed.ETag);
        Assert.Contains(gce.Server.Requests, r => r.Path.EndsWith($"&wait_for_change=true&last_etag={first.ETag}&timeout_sec=30", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WaitForWindowsKeys_ChangedBeforeTheRequest_AnswersAtOnce()
    {
        await using var gce = new FakeGceMetadata();
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        var first = await provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(30), Token);
        gce.SetAttribute("windows-keys", Request("carol")); // between two requests: must not be missed

        var changed = await provider.WaitForWindowsKeysAsync(first.ETag, TimeSpan.FromSeconds(600), Token).WaitAsync(TimeSpan.FromSeconds(20), Token);

        Assert.Equal("carol", Assert.Single(changed.Scan.Keys).UserName);
    }

    [Fact]
    public async Task WaitForWindowsKeys_NothingChanges_ReturnsTheSameETagAfterTheTimeout()
    {
        await using var gce = new FakeGceMetadata();
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        var first = await provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(1), Token);

        var same = await provider.WaitForWindowsKeysAsync(first.ETag, TimeSpan.FromSeconds(1), Token).WaitAsync(TimeSpan.FromSeconds(20), Token);

        Assert.Equal(first.ETag, same.ETag);
        Assert.Empty(same.Scan.Keys);
    }

    [Theory]
    [InlineData(null, "without a usable ETag")]
    [InlineData("two words", "without a usable ETag")]
    public async Task WaitForWindowsKeys_ServerWithoutUsableETag_ClearError(string? etag, string expected)
    {
        await using var gce = new FakeGceMetadata
        {
            Override = _ => etag is null
                ? LoopbackReply.Ok("{}", ("Metadata-Flavor", "Google"))
                : LoopbackReply.Ok("{}", ("Metadata-Flavor", "Google"), ("ETag", etag)),
        };
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(1), Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("instance/attributes/", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"windows-keys\": ", "not valid JSON")]
    public async Task WaitForWindowsKeys_BodyNotAnAttributeMap_ClearError(string body, string expected)
    {
        await using var gce = new FakeGceMetadata { Override = _ => LoopbackReply.Ok(body, ("Metadata-Flavor", "Google"), ("ETag", "411261ca6c9e654e")) };
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(1), Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForWindowsKeys_ServerHoldsPastTheTimeout_GivesUpInsteadOfHanging()
    {
        // A server that ignores timeout_sec: the client's own bound (timeout_sec plus a margin) ends the request.
        await using var gce = new FakeGceMetadata
        {
            Override = r => r.Path.Contains("wait_for_change", StringComparison.Ordinal)
                ? LoopbackReply.Ok("{}", ("Metadata-Flavor", "Google"), ("ETag", "b")) with { Delay = TimeSpan.FromMinutes(5) }
                : null,
        };
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);
        bound.CancelAfter(TimeSpan.FromSeconds(40));

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.WaitForWindowsKeysAsync("a", TimeSpan.FromSeconds(1), bound.Token));

        Assert.Contains("no answer within", error.Message, StringComparison.Ordinal);
        Assert.False(bound.IsCancellationRequested);
    }

    [Fact]
    public async Task WaitForWindowsKeys_NotGoogle_Refused()
    {
        await using var gce = new FakeGceMetadata { Override = _ => LoopbackReply.Ok("{}", ("ETag", "abc")) };
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);

        await Assert.ThrowsAsync<CloudException>(() => provider.WaitForWindowsKeysAsync(null, TimeSpan.FromSeconds(1), Token));
    }
}

/// <summary>Where GCE's <c>*-script-url</c> scripts are fetched from.</summary>
public sealed class GceScriptAddressTests
{
    [Theory]
    [InlineData("gs://my-bucket/dir/start up.ps1", "https://storage.googleapis.com/my-bucket/dir/start%20up.ps1")]
    [InlineData("https://example.com/s.cmd?x=1", "https://example.com/s.cmd?x=1")]
    public void StorageAddress_Valid_HttpAddress(string url, string expected) =>
        Assert.Equal(expected, GceMetadataProvider.StorageAddress(url).AbsoluteUri);

    [Theory]
    [InlineData("gs://bucket-only")]
    [InlineData("gs://bucket/")]
    [InlineData("file:///C:/x.ps1")]
    [InlineData("not a url")]
    public void StorageAddress_Invalid_ClearError(string url) =>
        Assert.Contains("GCE script URL", Assert.Throws<CloudException>(() => GceMetadataProvider.StorageAddress(url)).Message, StringComparison.Ordinal);

    [Fact]
    public async Task DownloadScript_PlainHttp_NoTokenSent()
    {
        await using var gce = new FakeGceMetadata { AccessToken = "secret-token" };
        gce.Files["a.ps1"] = "Write-Output a";
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);

        var bytes = await provider.DownloadScriptAsync(gce.BaseUri + "files/a.ps1", TestContext.Current.CancellationToken);

        Assert.Equal("Write-Output a", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.All(gce.Server.Requests, r => Assert.Null(r.Header("Authorization"))); // the token goes to Cloud Storage only
    }
}
