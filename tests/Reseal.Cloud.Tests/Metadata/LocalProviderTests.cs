using System.Text;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;

using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

public sealed class LocalProviderTests
{
    [Fact]
    public async Task GetMetadata_ConfigDriveFolder_ReadsOpenStackLayout()
    {
        using var drive = new TempDirectory();
        drive.Write("openstack/latest/meta_data.json", new FakeNova().MetaData);
        drive.Write("openstack/latest/user_data", "#ps1\nWrite-Host cd");
        drive.Write("openstack/latest/network_data.json", "{\"links\":[]}");
        drive.Write("ec2/latest/meta-data.json", "{}");
        using var provider = new ConfigDriveProvider(drive.Path);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await provider.IsAvailableAsync(ct));
        var metadata = await provider.GetMetadataAsync(ct);

        Assert.Equal(MetadataSource.ConfigDrive, metadata.Source);
        Assert.Equal("d8e02d56-2648-49a3-bf97-6be8f1204f38", metadata.InstanceId);
        Assert.Equal("#ps1\nWrite-Host cd", Encoding.UTF8.GetString(metadata.UserData.Span));
        Assert.Equal("{\"links\":[]}", metadata.NetworkData);
    }

    [Fact]
    public async Task GetMetadata_ConfigDriveUserDataTooLarge_ErrorNamesFileAndLimit()
    {
        using var drive = new TempDirectory();
        drive.Write("openstack/latest/meta_data.json", "{\"uuid\":\"u\"}");
        drive.Write("openstack/latest/user_data", new string('x', 2000));
        using var provider = new ConfigDriveProvider(drive.Path, new MetadataHttpOptions { MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("user_data is 2000 bytes, more than the 1000-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsAvailable_EmptyFolder_False()
    {
        using var drive = new TempDirectory();

        Assert.False(await new ConfigDriveProvider(drive.Path).IsAvailableAsync(TestContext.Current.CancellationToken));
        Assert.False(await new NoCloudProvider(drive.Path).IsAvailableAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetMetadata_NoCloudSeed_ReadsYamlSubset()
    {
        using var seed = new TempDirectory();
        seed.Write("meta-data", "instance-id: iid-local01\r\nlocal-hostname: cloudimg\r\npublic-keys:\r\n  - ssh-rsa AAAAB3NzaC1yc2E one\r\n  - \"ssh-rsa AAAAB3NzaC1yc2E two\"\r\n");
        seed.Write("user-data", "#cloud-config\n");
        seed.Write("network-config", "version: 2\n");
        using var provider = new NoCloudProvider(seed.Path);

        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        Assert.Equal("iid-local01", metadata.InstanceId);
        Assert.Equal("cloudimg", metadata.HostName);
        Assert.Equal(["ssh-rsa AAAAB3NzaC1yc2E one", "ssh-rsa AAAAB3NzaC1yc2E two"], metadata.PublicKeys);
        Assert.Equal("version: 2\n", metadata.NetworkData);
    }

    [Theory]
    [InlineData("instance-id: a\npublic-keys:\n  0:\n    openssh-key: ssh-rsa AAAA k0\n", "ssh-rsa AAAA k0")]
    [InlineData("instance-id: a\npublic-keys: ssh-rsa AAAA single\n", "ssh-rsa AAAA single")]
    [InlineData("{\"instance-id\": \"a\", \"public-keys\": [\"ssh-rsa AAAA json\"]}", "ssh-rsa AAAA json")]
    public void ParseMetaData_KeyLayouts_FindsKey(string yaml, string key) =>
        Assert.Equal([key], NoCloudProvider.ParseMetaData(yaml, "meta-data").Keys);

    [Fact]
    public void ParseMetaData_NoInstanceId_ClearError()
    {
        var error = Assert.Throws<CloudException>(() => NoCloudProvider.ParseMetaData("local-hostname: x\n", "/seed/meta-data"));

        Assert.Contains("/seed/meta-data has no 'instance-id'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_SmallFilesUnderLargeLimit_BuffersSizedFromTheFiles()
    {
        using var drive = new TempDirectory();
        drive.Write("openstack/latest/meta_data.json", "{\"uuid\":\"u\"}");
        drive.Write("openstack/latest/user_data", "#ps1\nWrite-Host small");
        var limit = MetadataHttpOptions.MaximumSizeLimit;
        using var provider = new ConfigDriveProvider(drive.Path, new MetadataHttpOptions { MaxResponseBytes = limit, MaxUserDataBytes = limit });
        var ct = TestContext.Current.CancellationToken;
        await provider.GetMetadataAsync(ct);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var metadata = await provider.GetMetadataAsync(ct);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal("#ps1\nWrite-Host small", Encoding.UTF8.GetString(metadata.UserData.Span));
        // Buffers of the limit's size would be 2 × 64 MiB; other tests running meanwhile allocate far less than 32 MiB.
        Assert.True(allocated < 32L * 1024 * 1024, $"allocated {allocated} bytes to read two small files");
    }

    [Fact]
    public async Task GetMetadata_ConfigDriveUserDataJustOverLimit_ErrorNamesLimit()
    {
        using var drive = new TempDirectory();
        drive.Write("openstack/latest/meta_data.json", "{\"uuid\":\"u\"}");
        drive.Write("openstack/latest/user_data", new string('x', 1001));
        using var provider = new ConfigDriveProvider(drive.Path, new MetadataHttpOptions { MaxUserDataBytes = 1000 });

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("1000-byte limit", error.Message, StringComparison.Ordinal);
    }
}
