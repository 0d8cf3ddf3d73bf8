using Reseal.Cloud.Metadata;
using Reseal.TestSupport;

using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

public sealed class MetadataDetectorTests
{
    private static readonly MetadataHttpOptions Fast = Ec2ImdsProviderTests.Fast;

    [Fact]
    public async Task Detect_NovaServesEc2TreeToo_OpenStackWinsBeforeEc2()
    {
        await using var nova = new LoopbackHttpServer(new FakeNova().Handle);
        using var emptyDrive = new TempDirectory();
        var dead = new Uri($"http://127.0.0.1:{Ec2ImdsProviderTests.FreePort()}/");
        IMetadataProvider[] providers =
        [
            new ConfigDriveProvider(emptyDrive.Path, Fast),
            new GceMetadataProvider(dead, Fast),
            new AzureMetadataProvider(nova.BaseUri, Fast),
            new OpenStackMetadataProvider(nova.BaseUri, Fast),
            new Ec2ImdsProvider(nova.BaseUri, Fast),
        ];
        try
        {
            var detection = await MetadataDetector.DetectAsync(providers, TestContext.Current.CancellationToken);

            Assert.Same(providers[3], detection.Provider);
            Assert.Equal(
                [MetadataSource.ConfigDrive, MetadataSource.Gce, MetadataSource.Azure, MetadataSource.OpenStack],
                detection.Tried.Select(t => t.Source));
            Assert.Equal([false, false, false, true], detection.Tried.Select(t => t.Answered));
        }
        finally
        {
            foreach (var p in providers)
            {
                p.Dispose();
            }
        }
    }

    [Fact]
    public async Task Detect_NothingAnswers_NullAndEveryAttemptListed()
    {
        var dead = new Uri($"http://127.0.0.1:{Ec2ImdsProviderTests.FreePort()}/");
        using var ec2 = new Ec2ImdsProvider(dead, Fast);
        using var openStack = new OpenStackMetadataProvider(dead, Fast);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var detection = await MetadataDetector.DetectAsync([openStack, ec2], TestContext.Current.CancellationToken);

        Assert.Null(detection.Provider);
        Assert.Equal(2, detection.Tried.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Detect_SlowEndpoint_ProbeGivesUpAfterOneAttempt()
    {
        await using var slow = new LoopbackHttpServer(_ => LoopbackReply.Ok("x") with { Delay = TimeSpan.FromSeconds(30) });
        using var ec2 = new Ec2ImdsProvider(slow.BaseUri, Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(300) });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var detection = await MetadataDetector.DetectAsync([ec2], TestContext.Current.CancellationToken);

        Assert.Null(detection.Provider);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Single(slow.Requests);
    }

    [Theory]
    [InlineData("ec2", MetadataSource.Ec2)]
    [InlineData("OpenStack", MetadataSource.OpenStack)]
    [InlineData("config-drive", MetadataSource.ConfigDrive)]
    [InlineData("cidata", MetadataSource.NoCloud)]
    [InlineData("gce", MetadataSource.Gce)]
    [InlineData("azure", MetadataSource.Azure)]
    public void ParseSource_KnownNames_Parsed(string name, MetadataSource expected) =>
        Assert.Equal(expected, MetadataDetector.ParseSource(name));

    [Fact]
    public void ParseSource_Unknown_ListsValidNames()
    {
        var error = Assert.Throws<ArgumentException>(() => MetadataDetector.ParseSource("digitalocean"));

        Assert.Contains("ec2, openstack", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultOrder_OpenStackBeforeEc2_LocalFirst()
    {
        var order = MetadataDetector.DefaultOrder.ToList();

        Assert.True(order.IndexOf(MetadataSource.OpenStack) < order.IndexOf(MetadataSource.Ec2));
        Assert.Equal(MetadataSource.ConfigDrive, order[0]);
    }

    [Theory]
    [InlineData(MetadataSource.Ec2, "not a url")]
    [InlineData(MetadataSource.OpenStack, "http://[::1")]
    [InlineData(MetadataSource.Gce, "http://")]
    [InlineData(MetadataSource.Azure, "")]
    [InlineData(MetadataSource.Ec2, "ftp://169.254.169.254/")]
    public void Create_BadEndpointUrl_ArgumentException(MetadataSource source, string endpoint)
    {
        var error = Assert.Throws<ArgumentException>(() => MetadataDetector.Create(source, endpoint, Fast).Dispose());

        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
    }
}
