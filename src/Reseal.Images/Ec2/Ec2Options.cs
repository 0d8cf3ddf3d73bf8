using Amazon.Runtime;

namespace Reseal.Images.Ec2;

/// <summary>
/// How to reach EC2. Everything left null is taken from the AWS SDK's standard chains, as aws-cli does: credentials
/// from the environment, <c>~/.aws/credentials</c> and <c>~/.aws/config</c> profiles (<c>AWS_PROFILE</c>), SSO, web
/// identity, the container or instance role; the region from <c>AWS_REGION</c>/<c>AWS_DEFAULT_REGION</c>, the profile
/// or instance metadata; the endpoint from <c>AWS_ENDPOINT_URL_EC2</c>, <c>AWS_ENDPOINT_URL</c> or the profile's
/// <c>endpoint_url</c>.
/// </summary>
/// <param name="Region">--region.</param>
/// <param name="Profile">--profile: a profile of the shared config and credentials files.</param>
/// <param name="EndpointUrl">--endpoint-url: wins over the environment and the profile, as in aws-cli.</param>
/// <param name="Credentials">Credentials given directly (tests); null for the SDK's chain.</param>
public sealed record Ec2Options(string? Region, string? Profile, string? EndpointUrl, AWSCredentials? Credentials = null);
