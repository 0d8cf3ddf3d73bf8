using System.Text;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Reseal.Cloud.Tests.Passwords;

using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

public sealed class OpenStackMetadataProviderTests
{
    private static readonly MetadataHttpOptions Fast = Ec2ImdsProviderTests.Fast;

    [Fact]
    public async Task GetMetadata_NovaService_ReadsFactsAndDeduplicatesKeys()
    {
        await using var server = new LoopbackHttpServer(new FakeNova().Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal(MetadataSource.OpenStack, metadata.Source);
        Assert.Equal("d8e02d56-2648-49a3-bf97-6be8f1204f38", metadata.InstanceId);
        Assert.Equal("win-test.novalocal", metadata.HostName);
        Assert.Equal("nova", metadata.Zone);
        Assert.Equal(["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ mykey"], metadata.PublicKeys);
        Assert.Equal("#ps1\nWrite-Host hello", Encoding.UTF8.GetString(metadata.UserData.Span));
        Assert.Contains("\"links\"", metadata.NetworkData, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_NoUserDataNoNetworkData_Absent()
    {
        await using var server = new LoopbackHttpServer(new FakeNova { UserData = null, NetworkData = null }.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.False(metadata.HasUserData);
        Assert.Null(metadata.NetworkData);
    }

    [Fact]
    public async Task PostPassword_EncryptedToLaunchKey_NovaStoresItAndOwnerDecrypts()
    {
        using var key = TestKeys.Key2048();
        var nova = new FakeNova();
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);
        var password = PasswordGenerator.Generate();
        var ciphertext = PasswordCipher.EncryptToBase64(key.PublicKey, password, PasswordPadding.Pkcs1);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await provider.CanPostPasswordAsync(ct));
        Assert.Equal(PasswordPostResult.Posted, await provider.PostPasswordAsync(ciphertext, ct));
        var another = PasswordCipher.EncryptToBase64(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1);
        Assert.Equal(PasswordPostResult.AlreadySet, await provider.PostPasswordAsync(another, ct));

        var stored = await provider.GetStoredPasswordAsync(ct);
        Assert.Equal(ciphertext, stored);
        Assert.Equal(password, PasswordOutputParser.Decrypt(stored, key));
        var post = server.Requests.First(r => r.Method == "POST");
        Assert.Equal(ciphertext, post.BodyText);
    }

    [Fact]
    public async Task PostPassword_FirstAttemptStoredButAnswerLost_PostedNotAlreadySet()
    {
        using var key = TestKeys.Key2048();
        var nova = new FakeNova();
        var dropped = 0;
        await using var server = new LoopbackHttpServer(request =>
        {
            var reply = nova.Handle(request);
            // Nova stores the first POST, then the connection dies before its answer arrives.
            return request.Method == "POST" && Interlocked.Increment(ref dropped) == 1 ? reply with { Raw = [] } : reply;
        });
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);
        var ciphertext = PasswordCipher.EncryptToBase64(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1);
        var ct = TestContext.Current.CancellationToken;

        var result = await provider.PostPasswordAsync(ciphertext, ct);

        Assert.Equal(PasswordPostResult.Posted, result);
        Assert.Equal(2, server.Count("POST", "/openstack/2013-04-04/password"));
        Assert.Equal(ciphertext, nova.StoredPassword);
    }

    [Fact]
    public async Task PostPassword_AnotherPasswordStored_AlreadySet()
    {
        using var key = TestKeys.Key2048();
        var nova = new FakeNova();
        nova.SetStoredPassword(PasswordCipher.EncryptToBase64(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1));
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);
        var ciphertext = PasswordCipher.EncryptToBase64(key.PublicKey, PasswordGenerator.Generate(), PasswordPadding.Pkcs1);

        var result = await provider.PostPasswordAsync(ciphertext, TestContext.Current.CancellationToken);

        Assert.Equal(PasswordPostResult.AlreadySet, result);
        Assert.NotEqual(ciphertext, nova.StoredPassword);
    }

    [Fact]
    public async Task PostPassword_4096BitCiphertext_Fits()
    {
        await using var server = new LoopbackHttpServer(new FakeNova().Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var result = await provider.PostPasswordAsync(new string('A', 684), TestContext.Current.CancellationToken);

        Assert.Equal(PasswordPostResult.Posted, result);
    }

    [Theory]
    [InlineData(1021)]
    [InlineData(1368)]
    public async Task PostPassword_OverNovaLimit_RejectedBeforeSending(int length)
    {
        await using var server = new LoopbackHttpServer(new FakeNova().Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() =>
            provider.PostPasswordAsync(new string('A', length), TestContext.Current.CancellationToken));

        Assert.Contains("1..1020", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Count("POST", "/openstack/2013-04-04/password"));
    }

    [Fact]
    public async Task PostPassword_ServerSaysTooLarge_ErrorNamesStatusAndUrl()
    {
        var nova = new FakeNova();
        nova.Overrides["/openstack/2013-04-04/password"] = () => LoopbackReply.Text(400, "Request is too large.");
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() =>
            provider.PostPasswordAsync("QUJD", TestContext.Current.CancellationToken));

        Assert.Contains("OpenStack metadata: POST " + server.BaseUri + "openstack/2013-04-04/password returned 400", error.Message, StringComparison.Ordinal);
        Assert.Contains("Request is too large.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CanPostPassword_OldNovaWithout20130404_False()
    {
        await using var server = new LoopbackHttpServer(new FakeNova { Versions = "2012-08-10\nlatest" }.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        Assert.False(await provider.CanPostPasswordAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetMetadata_GarbageJson_ErrorNamesUrl()
    {
        await using var server = new LoopbackHttpServer(new FakeNova { MetaData = "{\"uuid\": \"x\", oops" }.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains(server.BaseUri + "openstack/latest/meta_data.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_OversizedUserData_ErrorNamesTheLimit()
    {
        await using var server = new LoopbackHttpServer(new FakeNova { UserData = new string('x', 70_000) }.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast with { MaxUserDataBytes = 65_536 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("openstack/latest/user_data", error.Message, StringComparison.Ordinal);
        Assert.Contains("65536-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_SlowMetaData_TimesOut()
    {
        var nova = new FakeNova();
        nova.Overrides["/openstack/latest/meta_data.json"] = () => LoopbackReply.Ok("{}") with { Delay = TimeSpan.FromSeconds(30) };
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(200), MaxAttempts = 2 });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains("no answer within 0.2 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_KeyFromMetadata_ParsesAsRsaLaunchKey()
    {
        using var key = TestKeys.Key2048();
        var line = key.PublicKey.ToOpenSshString() + " launch";
        var nova = new FakeNova { MetaData = $$$"""{"uuid":"u1","public_keys":{"k":"{{{line}}}"} }""" };
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal(key.PublicKey, RsaPublicKey.Parse(metadata.PublicKeys[0]));
    }
}
