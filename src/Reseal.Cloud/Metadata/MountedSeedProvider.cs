using System.Text;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// Metadata read from files on a drive or folder the cloud attached (an OpenStack config drive, a NoCloud seed): one
/// required metadata file and optional user data and network configuration, each read with the size limits of
/// <see cref="MetadataHttpOptions"/>. Subclasses name the files and parse the metadata file.
/// </summary>
public abstract class MountedSeedProvider : IMetadataProvider
{
    private readonly MetadataHttpOptions _options;

    /// <param name="root">The mounted drive or folder (for example <c>D:\</c> or <c>/mnt/config</c>).</param>
    /// <param name="options">Only the size limits are used.</param>
    protected MountedSeedProvider(string root, MetadataHttpOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        _options = options ?? MetadataHttpOptions.Default;
        _options.Validate();
    }

    /// <summary>The drive or folder, as a full path.</summary>
    protected string Root { get; }

    public abstract MetadataSource Source { get; }

    public string Endpoint => Root;

    /// <summary>How messages name this source ("config drive", "NoCloud").</summary>
    protected abstract string Name { get; }

    /// <summary>What the drive is expected to be, for the message when the metadata file is missing ("a config-2 drive").</summary>
    protected abstract string Expected { get; }

    /// <summary>The required metadata file, relative to the root.</summary>
    protected abstract string MetaDataFile { get; }

    /// <summary>The optional user-data file, relative to the root.</summary>
    protected abstract string UserDataFile { get; }

    /// <summary>The optional network configuration file, relative to the root.</summary>
    protected abstract string NetworkFile { get; }

    /// <summary>Instance id, host name, zone and keys from the metadata file's bytes; <paramref name="where"/> names it in errors.</summary>
    protected abstract (string InstanceId, string? HostName, string? Zone, IReadOnlyList<string> Keys) ParseMetaData(byte[] meta, string where);

    /// <summary>Nothing to release; a folder holds no connections.</summary>
    public void Dispose()
    {
        GC.SuppressFinalize(this);
    }

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(Path.Combine(Root, MetaDataFile)));
    }

    public async Task<InstanceMetadata> GetMetadataAsync(CancellationToken cancellationToken)
    {
        var metaPath = Path.Combine(Root, MetaDataFile);
        var meta = await LocalFiles.ReadOptionalAsync(Name, metaPath, _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudException($"{Name}: {metaPath} does not exist; is {Root} {Expected}?");
        var (id, host, zone, keys) = ParseMetaData(meta, metaPath);
        var userData = await LocalFiles.ReadOptionalAsync(Name, Path.Combine(Root, UserDataFile), _options.MaxUserDataBytes, cancellationToken)
            .ConfigureAwait(false);
        var network = await LocalFiles.ReadOptionalAsync(Name, Path.Combine(Root, NetworkFile), _options.MaxResponseBytes, cancellationToken)
            .ConfigureAwait(false);
        return new InstanceMetadata(Source, Root, id, host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
            null, zone, null, network is null ? null : Encoding.UTF8.GetString(network), Name);
    }
}
