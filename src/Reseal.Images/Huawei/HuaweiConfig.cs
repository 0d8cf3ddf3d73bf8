using Reseal.Images.OpenStack;

namespace Reseal.Images.Huawei;

/// <summary>
/// How to reach Huawei Cloud. Authentication is IAM's Keystone-v3-compatible token API, configured like OpenStack
/// (a <c>clouds.yaml</c> entry or the <c>OS_*</c> variables: user, password, the account as the user's domain, and the
/// project, which defaults to the region's project of the same name). Endpoints follow Huawei's "Regions and
/// Endpoints" pages: <c>https://iam.{region}.myhuaweicloud.com</c>, <c>https://ims.{region}.myhuaweicloud.com</c>,
/// <c>https://ecs.{region}.myhuaweicloud.com</c>; <c>--endpoint-url</c> replaces all three with one base URL
/// (a private deployment, or a test).
/// </summary>
public sealed record HuaweiConfig(OpenStackConfig Identity, Uri Ims, Uri Ecs)
{
    /// <summary>Reads the configuration.</summary>
    public static HuaweiConfig Resolve(string? osCloud, string? region, string? endpointUrl, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var identity = OpenStackConfig.Resolve(osCloud, region, endpointUrl is null ? null : endpointUrl.TrimEnd('/') + "/v3", environment,
            defaultAuthUrl: "https://iam.{region}.myhuaweicloud.com/v3");
        var name = identity.Region ?? throw new ImageCloudException(ImageFailureKind.Credentials,
            $"{identity.Source}: no Huawei Cloud region (pass --region, or set OS_REGION_NAME or region_name; e.g. ap-southeast-1)");
        if (identity.ProjectName is null && identity.ProjectId is null && identity.Method == KeystoneAuthMethod.Password)
        {
            // Huawei names each region's default project after the region.
            identity = identity with { ProjectName = name, ProjectDomainName = identity.ProjectDomainName ?? identity.UserDomainName };
        }

        if (endpointUrl is not null)
        {
            if (!Uri.TryCreate(endpointUrl, UriKind.Absolute, out var root))
            {
                throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"--endpoint-url '{endpointUrl}' is not a URL");
            }

            return new HuaweiConfig(identity, root, root);
        }

        var domain = DomainOf(identity.AuthUrl, name);
        return new HuaweiConfig(identity, new Uri($"https://ims.{name}.{domain}/"), new Uri($"https://ecs.{name}.{domain}/"));
    }

    /// <summary>
    /// The domain the services live under: that of the IAM endpoint in use (<c>iam.{region}.myhuaweicloud.eu</c> gives
    /// <c>myhuaweicloud.eu</c>, Huawei's European partition), else <c>myhuaweicloud.com</c>.
    /// </summary>
    private static string DomainOf(Uri iam, string region)
    {
        var host = iam.Host;
        if (!host.StartsWith("iam.", StringComparison.OrdinalIgnoreCase))
        {
            return "myhuaweicloud.com";
        }

        var rest = host[4..];
        return rest.StartsWith(region + ".", StringComparison.OrdinalIgnoreCase) ? rest[(region.Length + 1)..] : rest;
    }
}
