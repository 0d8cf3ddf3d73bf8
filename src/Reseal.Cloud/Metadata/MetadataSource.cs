namespace Reseal.Cloud.Metadata;

/// <summary>Where instance metadata comes from.</summary>
public enum MetadataSource
{
    /// <summary>EC2 instance metadata service (IMDSv2, IMDSv1 fallback).</summary>
    Ec2,

    /// <summary>OpenStack (Nova) metadata over HTTP; also Huawei Cloud ECS.</summary>
    OpenStack,

    /// <summary>OpenStack config drive (<c>config-2</c>) mounted as a folder or drive.</summary>
    ConfigDrive,

    /// <summary>NoCloud seed (<c>cidata</c>) mounted as a folder or drive.</summary>
    NoCloud,

    /// <summary>Google Compute Engine metadata server.</summary>
    Gce,

    /// <summary>Azure instance metadata service.</summary>
    Azure,
}
