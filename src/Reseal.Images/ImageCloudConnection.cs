namespace Reseal.Images;

/// <summary>Which cloud, and the command line's options for reaching it.</summary>
/// <param name="Kind">The cloud.</param>
/// <param name="Region">--region.</param>
/// <param name="Profile">--profile (EC2).</param>
/// <param name="EndpointUrl">--endpoint-url.</param>
/// <param name="OsCloud">--os-cloud (OpenStack, Huawei).</param>
/// <param name="Environment">Reads an environment variable (OS_*, HOME; the AWS SDK reads the process's itself).</param>
public sealed record ImageCloudConnection(
    CloudKind Kind,
    string? Region,
    string? Profile,
    string? EndpointUrl,
    string? OsCloud,
    Func<string, string?> Environment);

/// <summary>Makes the <see cref="IImageCloud"/> for a connection.</summary>
public static class ImageClouds
{
    /// <summary>The client for the cloud. Configuration problems (a clouds.yaml that is not there, no credentials)
    /// are <see cref="ImageCloudException"/>; nothing is sent yet.</summary>
    public static IImageCloud Create(ImageCloudConnection connection, ImageSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        settings ??= ImageSettings.Default;
        return connection.Kind switch
        {
            CloudKind.Ec2 => new Ec2.Ec2ImageCloud(new Ec2.Ec2Options(connection.Region, connection.Profile, connection.EndpointUrl), settings),
            CloudKind.OpenStack => new OpenStack.OpenStackImageCloud(
                OpenStack.OpenStackConfig.Resolve(connection.OsCloud, connection.Region, connection.EndpointUrl, connection.Environment), settings),
            CloudKind.Huawei => new Huawei.HuaweiImageCloud(
                Huawei.HuaweiConfig.Resolve(connection.OsCloud, connection.Region, connection.EndpointUrl, connection.Environment), settings),
            _ => throw new ArgumentOutOfRangeException(nameof(connection)),
        };
    }
}
