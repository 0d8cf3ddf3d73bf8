using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Amazon;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Ec2CreateImageRequest = Amazon.EC2.Model.CreateImageRequest;

namespace Reseal.Images.Ec2;

/// <summary>
/// EC2 through the AWS SDK for .NET (protocols.md §5.1): DescribeInstances, CreateImage with tag specifications for
/// the image and its snapshots, DescribeImages and DescribeSnapshots for progress, RunInstances, GetConsoleOutput
/// (Latest), GetPasswordData, TerminateInstances. The SDK signs, retries throttling (<c>RequestLimitExceeded</c>) and
/// 5xx in its standard retry mode; every call is also bounded by <see cref="ImageSettings.RequestTimeout"/>.
/// </summary>
public sealed class Ec2ImageCloud : IImageCloud
{
    /// <summary>The instance type used when none is given: 2 vCPUs and 4 GiB, enough to boot any Windows Server.</summary>
    public const string DefaultInstanceType = "t3.medium";

    /// <summary>EC2's limit on user data before base64 (16 KB).</summary>
    public const int MaxUserDataBytes = 16 * 1024;

    private readonly AmazonEC2Client _client;
    private readonly ImageSettings _settings;

    public Ec2ImageCloud(Ec2Options options, ImageSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _settings = settings ?? ImageSettings.Default;
        var config = new AmazonEC2Config
        {
            Timeout = _settings.RequestTimeout,
            MaxErrorRetry = _settings.SdkMaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
        };
        if (options.Profile is { } profile)
        {
            config.Profile = new Profile(profile);
        }

        var region = options.Region ?? (options.Profile is { } p ? ProfileRegion(p) : null);
        if (options.EndpointUrl is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            {
                throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"--endpoint-url '{url}' is not an http(s) URL");
            }

            config.ServiceURL = url;
            config.AuthenticationRegion = region ?? FallbackRegion() ?? "us-east-1";
        }
        else if (region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        try
        {
            // A named profile's credentials come from the profile chain (static keys, assume-role, SSO, credential_process):
            // the client's default chain would look at the environment and the "default" profile first.
            var credentials = options.Credentials ?? (options.Profile is { } named ? ProfileCredentials(named) : null);
            _client = credentials is not null ? new AmazonEC2Client(credentials, config) : new AmazonEC2Client(config);
        }
        catch (AmazonClientException e)
        {
            throw Map(e, "EC2");
        }
    }

    /// <inheritdoc />
    public CloudKind Kind => CloudKind.Ec2;

    /// <inheritdoc />
    public string MachineNoun => "instance";

    /// <inheritdoc />
    public async Task<MachineStatus> GetMachineAsync(string machineId, CancellationToken cancellationToken)
    {
        var response = await CallAsync(machineId, ct => _client.DescribeInstancesAsync(
            new DescribeInstancesRequest { InstanceIds = [machineId] }, ct), cancellationToken).ConfigureAwait(false);
        var instance = response.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault(i => i.InstanceId == machineId)
            ?? throw new ImageCloudException(ImageFailureKind.NotFound,
                $"instance {machineId}: EC2 does not list it (wrong id, or another region or account?)");
        var state = instance.State?.Name?.Value ?? "unknown";
        var phase = state switch
        {
            "pending" => MachinePhase.Pending,
            "running" => MachinePhase.Running,
            "stopping" => MachinePhase.Stopping,
            "stopped" => MachinePhase.Stopped,
            "shutting-down" or "terminated" => MachinePhase.Terminated,
            _ => MachinePhase.Other,
        };
        return new MachineStatus(machineId, state, phase, instance.StateReason?.Message);
    }

    /// <inheritdoc />
    public async Task<CreatedImage> CreateImageAsync(CreateImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tags = request.Tags.Select(t => new Tag(t.Key, t.Value)).ToList();
        var ec2 = new Ec2CreateImageRequest
        {
            InstanceId = request.InstanceId,
            Name = request.Name,
            Description = request.Description,
            NoReboot = request.NoReboot,
        };
        if (tags.Count > 0)
        {
            // CreateImage accepts tag specifications for the image and for its snapshots (one set for all of them).
            ec2.TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Image, Tags = tags },
                new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [.. tags] },
            ];
        }

        var response = await CallAsync(request.InstanceId, ct => _client.CreateImageAsync(ec2, ct), cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(response.ImageId))
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"instance {request.InstanceId}: CreateImage answered without an image id (is the endpoint EC2?)");
        }

        return new CreatedImage(response.ImageId, null);
    }

    /// <inheritdoc />
    public async Task<ImageStatus> GetImageAsync(CreatedImage image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var id = image.ImageId ?? throw new ArgumentException("EC2 images always have an id", nameof(image));
        var response = await CallAsync(id, ct => _client.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [id] }, ct),
            cancellationToken).ConfigureAwait(false);
        var found = response.Images?.FirstOrDefault(i => i.ImageId == id)
            ?? throw new ImageCloudException(ImageFailureKind.NotFound,
                $"image {id}: EC2 does not list it (wrong id, another region, deregistered, or not shared with this account?)");
        var state = found.State?.Value ?? "unknown";
        var phase = state switch
        {
            "available" => ImagePhase.Available,
            "failed" or "error" or "invalid" or "deregistered" or "disabled" => ImagePhase.Failed,
            _ => ImagePhase.Pending,
        };
        var snapshots = found.BlockDeviceMappings?.Select(m => m.Ebs?.SnapshotId).OfType<string>().Where(s => s.Length > 0).ToList() ?? [];
        double? progress = null;
        if (phase == ImagePhase.Pending && snapshots.Count > 0)
        {
            progress = await SnapshotProgressAsync(id, snapshots, cancellationToken).ConfigureAwait(false);
        }

        var reason = found.StateReason is { } r ? string.Join(": ", new[] { r.Code, r.Message }.Where(s => !string.IsNullOrEmpty(s))) : null;
        return new ImageStatus(id, state, phase, string.IsNullOrEmpty(reason) ? null : reason, snapshots, progress);
    }

    /// <summary>The least progress of the image's snapshots (the image is available when the last one completes).</summary>
    private async Task<double?> SnapshotProgressAsync(string imageId, List<string> snapshots, CancellationToken cancellationToken)
    {
        try
        {
            var response = await CallAsync(imageId, ct => _client.DescribeSnapshotsAsync(
                new DescribeSnapshotsRequest { SnapshotIds = snapshots }, ct), cancellationToken).ConfigureAwait(false);
            var values = response.Snapshots?
                .Select(s => double.TryParse(s.Progress?.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null)
                .OfType<double>().ToList();
            return values is { Count: > 0 } ? values.Min() : null;
        }
        catch (ImageCloudException e) when (e.Kind is ImageFailureKind.NotFound or ImageFailureKind.Credentials)
        {
            // Progress is a nicety: a policy that allows DescribeImages but not DescribeSnapshots must not fail the wait.
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<string> LaunchAsync(VerifyImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.UserData is { Length: > MaxUserDataBytes } big)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest,
                $"user data is {big.Length:N0} bytes; EC2 takes at most {MaxUserDataBytes:N0} before base64");
        }

        var tags = new List<Tag>
        {
            new("Name", $"reseal-verify {request.ImageId}"),
            new("reseal:purpose", "image-verification"),
            new("reseal:image", request.ImageId),
        };
        var run = new RunInstancesRequest
        {
            ImageId = request.ImageId,
            MinCount = 1,
            MaxCount = 1,
            KeyName = request.KeyName,
            InstanceType = new InstanceType(request.InstanceType ?? DefaultInstanceType),
            SubnetId = request.SubnetId,
            SecurityGroupIds = request.SecurityGroupIds.Count > 0 ? [.. request.SecurityGroupIds] : null,
            UserData = request.UserData is { } data ? Convert.ToBase64String(data) : null,
            // Terminated, not stopped, if Windows shuts itself down: a verification clone is never kept by accident.
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
            TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Instance, Tags = tags },
                new TagSpecification { ResourceType = ResourceType.Volume, Tags = [.. tags] },
            ],
        };
        var response = await CallAsync(request.ImageId, ct => _client.RunInstancesAsync(run, ct), cancellationToken).ConfigureAwait(false);
        return response.Reservation?.Instances?.FirstOrDefault()?.InstanceId is { Length: > 0 } id
            ? id
            : throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"image {request.ImageId}: RunInstances answered without an instance id (is the endpoint EC2?)");
    }

    /// <inheritdoc />
    public async Task<string?> GetConsoleOutputAsync(string machineId, CancellationToken cancellationToken)
    {
        var response = await CallAsync(machineId, ct => _client.GetConsoleOutputAsync(
            new GetConsoleOutputRequest { InstanceId = machineId, Latest = true }, ct), cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(response.Output))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(response.Output));
        }
        catch (FormatException)
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"instance {machineId}: GetConsoleOutput's output is not base64 (is the endpoint EC2?)");
        }
    }

    /// <inheritdoc />
    public async Task<string?> GetPasswordDataAsync(string machineId, CancellationToken cancellationToken)
    {
        var response = await CallAsync(machineId, ct => _client.GetPasswordDataAsync(
            new GetPasswordDataRequest { InstanceId = machineId }, ct), cancellationToken).ConfigureAwait(false);
        return string.IsNullOrWhiteSpace(response.PasswordData) ? null : response.PasswordData.Trim();
    }

    /// <inheritdoc />
    public async Task TerminateAsync(string machineId, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(machineId, ct => _client.TerminateInstancesAsync(
                new TerminateInstancesRequest { InstanceIds = [machineId] }, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (ImageCloudException e) when (e.Kind == ImageFailureKind.NotFound)
        {
            // Already gone.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    /// <summary>One SDK call, bounded in time, with its failures turned into <see cref="ImageCloudException"/>.</summary>
    private async Task<T> CallAsync<T>(string resource, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_settings.RequestTimeout);
        try
        {
            return await call(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"{resource}: EC2 ({Endpoint()}) did not answer within {_settings.RequestTimeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException)
        {
            throw Map(e, resource);
        }
    }

    private string Endpoint() => _client.Config.ServiceURL ?? _client.Config.RegionEndpoint?.SystemName ?? "default endpoint";

    /// <summary>What each EC2 error code means for the user (EC2 API reference, "Error codes").</summary>
    private ImageCloudException Map(Exception e, string resource)
    {
        if (e is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
        {
            var code = service.ErrorCode;
            var text = $"{resource}: EC2 said {code}: {service.Message}";
            var kind = code switch
            {
                _ when code.EndsWith(".NotFound", StringComparison.Ordinal) => ImageFailureKind.NotFound,
                _ when code.EndsWith(".Malformed", StringComparison.Ordinal) => ImageFailureKind.InvalidRequest,
                "InvalidAMIName.Duplicate" or "InvalidParameterValue" or "InvalidParameter" or "InvalidParameterCombination" or
                    "MissingParameter" or "InvalidAMIName.Malformed" or "InvalidUserData.Malformed" or "InvalidInstanceType" or
                    "Unsupported" or "UnsupportedOperation" => ImageFailureKind.InvalidRequest,
                "IncorrectInstanceState" or "IncorrectState" or "InvalidInstanceState" => ImageFailureKind.WrongState,
                "AuthFailure" or "UnauthorizedOperation" or "InvalidClientTokenId" or "SignatureDoesNotMatch" or "RequestExpired" or
                    "ExpiredToken" or "OptInRequired" or "Blocked" or "PendingVerification" or "AccessDenied" or
                    "AccessDeniedException" => ImageFailureKind.Credentials,
                "RequestLimitExceeded" or "Throttling" or "ServiceUnavailable" or "Unavailable" or "InternalError" or
                    "InternalFailure" => ImageFailureKind.Unreachable,
                _ => ImageFailureKind.CloudFailed,
            };
            var advice = kind switch
            {
                ImageFailureKind.Credentials => " (check the credentials, the profile and the IAM policy: it needs ec2:DescribeInstances, " +
                    "CreateImage, DescribeImages, DescribeSnapshots, CreateTags, RunInstances, GetConsoleOutput, GetPasswordData, TerminateInstances)",
                ImageFailureKind.Unreachable when code == "RequestLimitExceeded" => " (throttled even after the SDK's retries; try again later)",
                _ => "",
            };
            return new ImageCloudException(kind, text + advice, e);
        }

        if (e is AmazonServiceException { InnerException: System.Xml.XmlException or FormatException } or AmazonUnmarshallingException)
        {
            return new ImageCloudException(ImageFailureKind.Unreachable,
                $"{resource}: the answer from {Endpoint()} is not EC2's API (truncated or not XML): {e.Message}", e);
        }

        var message = Flatten(e);
        if (message.Contains("credential", StringComparison.OrdinalIgnoreCase) || message.Contains("profile", StringComparison.OrdinalIgnoreCase))
        {
            return new ImageCloudException(ImageFailureKind.Credentials,
                $"{resource}: no usable AWS credentials: {message} (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile, " +
                "or run aws sso login)", e);
        }

        if (message.Contains("RegionEndpoint", StringComparison.OrdinalIgnoreCase) || message.Contains("region", StringComparison.OrdinalIgnoreCase))
        {
            return new ImageCloudException(ImageFailureKind.Credentials,
                $"{resource}: no AWS region: {message} (pass --region or set AWS_REGION)", e);
        }

        return new ImageCloudException(ImageFailureKind.Unreachable,
            $"{resource}: EC2 ({Endpoint()}) could not be reached: {message}", e);
    }

    private ImageCloudException Map(AmazonClientException e, string resource) => Map((Exception)e, resource);

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null && parts.Count < 4; x = x.InnerException)
        {
            if (!parts.Contains(x.Message))
            {
                parts.Add(x.Message);
            }
        }

        // The SDK's credential error lists each provider on its own line: one line reads better in a pipeline log.
        return string.Join(" ", string.Join(": ", parts).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static AWSCredentials ProfileCredentials(string profile)
    {
        var chain = new CredentialProfileStoreChain();
        return chain.TryGetAWSCredentials(profile, out var credentials)
            ? credentials
            : throw new ImageCloudException(ImageFailureKind.Credentials,
                $"AWS profile '{profile}' has no usable credentials (keys, role_arn with a source, sso_* settings or credential_process)");
    }

    private static string? ProfileRegion(string profile)
    {
        var chain = new CredentialProfileStoreChain();
        if (!chain.TryGetProfile(profile, out var found))
        {
            throw new ImageCloudException(ImageFailureKind.Credentials,
                $"AWS profile '{profile}' is not in the shared config or credentials file (~/.aws/config, ~/.aws/credentials, " +
                "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)");
        }

        return found.Region?.SystemName;
    }

    /// <summary>
    /// The region to sign for at a custom endpoint: the environment's, as aws-cli reads it. Not the SDK's whole region
    /// chain, whose last step asks instance metadata and would stall for seconds off EC2.
    /// </summary>
    private static string? FallbackRegion() =>
        Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } region ? region
        : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") is { Length: > 0 } fallback ? fallback
        : null;
}
