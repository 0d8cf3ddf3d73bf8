using Reseal.Cloud.Keys;

namespace Reseal.Images;

/// <summary>What <c>reseal image create</c> asks for. Validated by <see cref="Validate"/> before any cloud call.</summary>
/// <param name="InstanceId">The sealed instance (EC2) or server (OpenStack, ECS).</param>
/// <param name="Name">The image name.</param>
/// <param name="Description">Optional description.</param>
/// <param name="NoReboot">EC2: do not shut the instance down for the snapshots.</param>
/// <param name="Tags">Tags for the image (and, on EC2, its snapshots).</param>
/// <param name="Wait">Wait until the image is available (false: return once the cloud accepted the request).</param>
/// <param name="Timeout">How long to wait in all, for the instance to stop and the image to become available.</param>
/// <param name="AllowRunning">Capture an instance that is still running (by default refused: a sealed machine shuts
/// itself down when Sysprep ends, so a running one may not be sealed yet).</param>
/// <param name="WaitForShutdown">Wait while the instance is running too, until Sysprep shuts it down (a pipeline that
/// has just started <c>reseal seal</c>); the wait ends at <paramref name="Timeout"/>.</param>
public sealed record CreateImageRequest(
    string InstanceId,
    string Name,
    string? Description,
    bool NoReboot,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    bool Wait,
    TimeSpan Timeout,
    bool AllowRunning = false,
    bool WaitForShutdown = false)
{
    /// <summary>Checks the values every cloud needs; returns the first problem or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(InstanceId))
        {
            return "--instance-id is empty";
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            return "--name is empty";
        }

        if (AllowRunning && WaitForShutdown)
        {
            return "--allow-running and --wait-for-shutdown contradict each other: capture it running, or wait until it stops";
        }

        if (Timeout <= TimeSpan.Zero)
        {
            return "--timeout must be more than 0 seconds";
        }

        foreach (var (key, _) in Tags)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                return "a --tag has an empty key (use KEY=VALUE)";
            }
        }

        return null;
    }
}

/// <summary>What <c>reseal image verify</c> asks for.</summary>
/// <param name="ImageId">The image to launch a clone of.</param>
/// <param name="Key">The private half of the launch key pair <paramref name="KeyName"/>, to decrypt the password.</param>
/// <param name="KeyName">The key pair's name in the cloud.</param>
/// <param name="InstanceType">EC2 instance type, Nova flavor (id or name), ECS flavor; null for the cloud's default
/// (EC2: t3.medium; OpenStack and Huawei need one).</param>
/// <param name="SubnetId">EC2 and Huawei subnet.</param>
/// <param name="NetworkId">OpenStack network.</param>
/// <param name="VpcId">Huawei VPC (required there).</param>
/// <param name="SecurityGroupIds">Security groups (OpenStack: names or ids).</param>
/// <param name="UserData">User data bytes, sent base64-encoded.</param>
/// <param name="Timeout">How long to wait in all for the clone to become ready.</param>
/// <param name="Keep">Leave the clone running instead of terminating it.</param>
/// <param name="RootVolumeType">Huawei: the system disk type (SSD by default).</param>
public sealed record VerifyImageRequest(
    string ImageId,
    RsaPrivateKey Key,
    string KeyName,
    string? InstanceType,
    string? SubnetId,
    string? NetworkId,
    string? VpcId,
    IReadOnlyList<string> SecurityGroupIds,
    byte[]? UserData,
    TimeSpan Timeout,
    bool Keep,
    string? RootVolumeType = null);
