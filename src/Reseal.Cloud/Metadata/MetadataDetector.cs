namespace Reseal.Cloud.Metadata;

/// <summary>One provider asked during detection.</summary>
public readonly record struct DetectionAttempt(MetadataSource Source, string Endpoint, bool Answered);

/// <summary>The provider that answered, and every source asked, in order.</summary>
/// <param name="Provider">The first provider that answered, or null when none did.</param>
/// <param name="Tried">Each provider asked and whether it answered, in order.</param>
public sealed record MetadataDetection(IMetadataProvider? Provider, IReadOnlyList<DetectionAttempt> Tried);

/// <summary>Builds providers and finds the one this machine has.</summary>
public static class MetadataDetector
{
    /// <summary>
    /// The default detection order: local drives first (fast, no network: config drive, NoCloud), then the services
    /// that identify themselves by a mandatory header (GCE <c>Metadata-Flavor</c>, Azure <c>Metadata</c>), then OpenStack
    /// (which also serves an EC2-compatible tree, so it must be asked before EC2), then EC2.
    /// </summary>
    public static IReadOnlyList<MetadataSource> DefaultOrder { get; } =
    [
        MetadataSource.ConfigDrive, MetadataSource.NoCloud, MetadataSource.Gce, MetadataSource.Azure,
        MetadataSource.OpenStack, MetadataSource.Ec2,
    ];

    /// <summary>Reads a source name as the CLI takes it: ec2, openstack, configdrive/config-drive, nocloud, gce, azure.</summary>
    /// <exception cref="ArgumentException">Any other name; the message lists the valid ones.</exception>
    public static MetadataSource ParseSource(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "ec2" or "aws" => MetadataSource.Ec2,
            "openstack" or "huawei" => MetadataSource.OpenStack,
            "configdrive" or "config-drive" or "config-2" => MetadataSource.ConfigDrive,
            "nocloud" or "cidata" => MetadataSource.NoCloud,
            "gce" or "google" => MetadataSource.Gce,
            "azure" => MetadataSource.Azure,
            _ => throw new ArgumentException(
                $"unknown metadata source '{name}' (ec2, openstack, configdrive, nocloud, gce, azure)", nameof(name)),
        };
    }

    /// <summary>
    /// One provider. <paramref name="endpoint"/> is a URL for the HTTP sources (their documented address when null) and a
    /// folder for config drive and NoCloud (required).
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an absolute http(s) URL, or a folder source has none.</exception>
    public static IMetadataProvider Create(MetadataSource source, string? endpoint = null, MetadataHttpOptions? options = null)
    {
        Uri? Url() => endpoint is null ? null
            : Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri
            : throw new ArgumentException($"the {source} endpoint '{endpoint}' is not an absolute URL (for example http://169.254.169.254/)",
                nameof(endpoint));
        return source switch
        {
            MetadataSource.Ec2 => new Ec2ImdsProvider(Url(), options),
            MetadataSource.OpenStack => new OpenStackMetadataProvider(Url(), options),
            MetadataSource.Gce => new GceMetadataProvider(Url(), options),
            MetadataSource.Azure => new AzureMetadataProvider(Url(), options),
            MetadataSource.ConfigDrive => new ConfigDriveProvider(
                endpoint ?? throw new ArgumentException("a config drive needs the folder it is mounted at", nameof(endpoint)), options),
            MetadataSource.NoCloud => new NoCloudProvider(
                endpoint ?? throw new ArgumentException("a NoCloud seed needs the folder it is mounted at", nameof(endpoint)), options),
            _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
        };
    }

    /// <summary>
    /// Providers in <paramref name="order"/> (<see cref="DefaultOrder"/> when null): for the folder sources, one per
    /// mounted drive found with that label; for HTTP sources, one at the documented address. The caller disposes them.
    /// </summary>
    public static IReadOnlyList<IMetadataProvider> CreateProviders(IEnumerable<MetadataSource>? order = null,
        MetadataHttpOptions? options = null)
    {
        var mounted = new Lazy<IReadOnlyList<IMetadataProvider>>(() => ConfigDriveProvider.FindMounted(options));
        var providers = new List<IMetadataProvider>();
        foreach (var source in order ?? DefaultOrder)
        {
            if (source is MetadataSource.ConfigDrive or MetadataSource.NoCloud)
            {
                providers.AddRange(mounted.Value.Where(p => p.Source == source));
            }
            else
            {
                providers.Add(Create(source, null, options));
            }
        }

        return providers;
    }

    /// <summary>
    /// Asks each provider in order whether it is present (a single short attempt each) and returns the first that is.
    /// </summary>
    public static async Task<MetadataDetection> DetectAsync(IEnumerable<IMetadataProvider> providers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var tried = new List<DetectionAttempt>();
        foreach (var provider in providers)
        {
            var answered = await provider.IsAvailableAsync(cancellationToken).ConfigureAwait(false);
            tried.Add(new DetectionAttempt(provider.Source, provider.Endpoint, answered));
            if (answered)
            {
                return new MetadataDetection(provider, tried);
            }
        }

        return new MetadataDetection(null, tried);
    }
}
