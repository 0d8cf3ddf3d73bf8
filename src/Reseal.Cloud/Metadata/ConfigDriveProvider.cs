using System.Text;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// An OpenStack config drive (label <c>config-2</c>, ISO 9660 or vfat; protocols.md §3.2) mounted at a folder or drive
/// root: <c>openstack/latest/meta_data.json</c> (required), <c>user_data</c> and <c>network_data.json</c> (optional).
/// </summary>
public sealed class ConfigDriveProvider : IMetadataProvider
{
    /// <summary>The volume label Nova gives the drive.</summary>
    public const string VolumeLabel = "config-2";

    private readonly string _root;
    private readonly MetadataHttpOptions _options;

    /// <param name="root">The mounted drive or folder (for example <c>D:\</c> or <c>/mnt/config</c>).</param>
    /// <param name="options">Only the size limits are used.</param>
    public ConfigDriveProvider(string root, MetadataHttpOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        _options = options ?? MetadataHttpOptions.Default;
        _options.Validate();
    }

    /// <summary>Nothing to release; a folder holds no connections.</summary>
    public void Dispose()
    {
    }

    public MetadataSource Source => MetadataSource.ConfigDrive;

    public string Endpoint => _root;

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(MetaDataPath));
    }

    public async Task<InstanceMetadata> GetMetadataAsync(CancellationToken cancellationToken)
    {
        var meta = await LocalFiles.ReadOptionalAsync("config drive", MetaDataPath, _options.MaxResponseBytes, cancellationToken)
            .ConfigureAwait(false) ?? throw new CloudException($"config drive: {MetaDataPath} does not exist; is {_root} a config-2 drive?");
        var (id, host, zone, keys) = OpenStackMetadataDocument.Parse(meta, $"config drive {MetaDataPath}");
        var latest = Path.Combine(_root, "openstack", "latest");
        var userData = await LocalFiles.ReadOptionalAsync("config drive", Path.Combine(latest, "user_data"), _options.MaxUserDataBytes,
            cancellationToken).ConfigureAwait(false);
        var network = await LocalFiles.ReadOptionalAsync("config drive", Path.Combine(latest, "network_data.json"),
            _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        return new InstanceMetadata(MetadataSource.ConfigDrive, _root, id, host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
            null, zone, null, network is null ? null : Encoding.UTF8.GetString(network), "config drive");
    }

    /// <summary>
    /// Mounted drives labelled <c>config-2</c> or <c>cidata</c> (case-insensitive) that hold the expected files. On
    /// Windows the drive labels are real; elsewhere mount points are usually found by the caller.
    /// </summary>
    public static IReadOnlyList<IMetadataProvider> FindMounted(MetadataHttpOptions? options = null)
    {
        var found = new List<IMetadataProvider>();
        foreach (var drive in DriveInfo.GetDrives())
        {
            try
            {
                if (!drive.IsReady)
                {
                    continue;
                }

                var label = drive.VolumeLabel;
                if (string.Equals(label, VolumeLabel, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add(new ConfigDriveProvider(drive.RootDirectory.FullName, options));
                }
                else if (string.Equals(label, NoCloudProvider.VolumeLabel, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add(new NoCloudProvider(drive.RootDirectory.FullName, options));
                }
            }
            catch (IOException)
            {
                // A drive that vanished or cannot report its label is not a metadata drive.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private string MetaDataPath => Path.Combine(_root, "openstack", "latest", "meta_data.json");
}
