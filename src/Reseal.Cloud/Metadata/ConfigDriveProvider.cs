namespace Reseal.Cloud.Metadata;

/// <summary>
/// An OpenStack config drive (label <c>config-2</c>, ISO 9660 or vfat; protocols.md §3.2) mounted at a folder or drive
/// root: <c>openstack/latest/meta_data.json</c> (required), <c>user_data</c> and <c>network_data.json</c> (optional).
/// </summary>
public sealed class ConfigDriveProvider(string root, MetadataHttpOptions? options = null) : MountedSeedProvider(root, options)
{
    /// <summary>The volume label Nova gives the drive.</summary>
    public const string VolumeLabel = "config-2";

    public override MetadataSource Source => MetadataSource.ConfigDrive;

    protected override string Name => "config drive";

    protected override string Expected => "a config-2 drive";

    protected override string MetaDataFile => Path.Combine("openstack", "latest", "meta_data.json");

    protected override string UserDataFile => Path.Combine("openstack", "latest", "user_data");

    protected override string NetworkFile => Path.Combine("openstack", "latest", "network_data.json");

    protected override (string InstanceId, string? HostName, string? Zone, IReadOnlyList<string> Keys) ParseMetaData(byte[] meta, string where) =>
        OpenStackMetadataDocument.Parse(meta, $"config drive {where}");

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
}
