namespace Reseal.Images;

/// <summary>The clouds Reseal creates and verifies images on.</summary>
public enum CloudKind
{
    /// <summary>Amazon EC2, through the AWS SDK for .NET.</summary>
    Ec2,

    /// <summary>OpenStack: Keystone v3, Nova v2.1, Glance v2.</summary>
    OpenStack,

    /// <summary>Huawei Cloud: IAM, IMS, ECS.</summary>
    Huawei,
}

/// <summary>Names of <see cref="CloudKind"/> as the command line spells them.</summary>
public static class CloudKinds
{
    /// <summary>The spelling on the command line: ec2, openstack, huawei.</summary>
    public static string Name(this CloudKind kind) => kind switch
    {
        CloudKind.Ec2 => "ec2",
        CloudKind.OpenStack => "openstack",
        CloudKind.Huawei => "huawei",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Reads a command-line name; null when it names no cloud.</summary>
    public static CloudKind? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "ec2" or "aws" => CloudKind.Ec2,
        "openstack" => CloudKind.OpenStack,
        "huawei" => CloudKind.Huawei,
        _ => null,
    };
}
