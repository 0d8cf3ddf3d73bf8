using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Images.Http;
using Reseal.Images.OpenStack;

namespace Reseal.Images.Huawei;

/// <summary>
/// Huawei Cloud (protocols.md §5.5; IMS and ECS API references): IAM token; IMS "Creating an Image"
/// (<c>POST /v2/cloudimages/action</c> with <c>instance_id</c>) whose asynchronous job is polled with
/// <c>GET /v1/{project_id}/jobs/{job_id}</c> (<c>SUCCESS</c>, <c>FAIL</c>, <c>RUNNING</c>, <c>INIT</c>) and images listed with
/// <c>GET /v2/cloudimages?id=</c>; ECS <c>GET /v1/{project_id}/cloudservers/{id}</c>, <c>POST /v1/{project_id}/cloudservers</c>,
/// the Nova-compatible <c>os-getConsoleOutput</c> (<c>/v2.1/{project_id}/servers/{id}/action</c>),
/// <c>GET /v1/{project_id}/cloudservers/{id}/os-server-password</c> and <c>POST /v1/{project_id}/cloudservers/delete</c>.
/// Huawei's public regions no longer create Windows images or ECSs from them; the same APIs serve the clouds built on
/// Huawei's stack that still do.
/// </summary>
public sealed class HuaweiImageCloud : IImageCloud
{
    private readonly ApiClient _api;
    private readonly KeystoneSession _iam;
    private readonly NovaCalls _nova;
    private readonly HuaweiConfig _config;

    public HuaweiImageCloud(HuaweiConfig config, ImageSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        settings ??= ImageSettings.Default;
        _config = config;
        _api = new ApiClient(settings);
        _iam = new KeystoneSession(config.Identity, _api, settings);
        _nova = new NovaCalls(_iam);
    }

    /// <inheritdoc />
    public CloudKind Kind => CloudKind.Huawei;

    /// <inheritdoc />
    public string MachineNoun => "ECS";

    /// <inheritdoc />
    public async Task<MachineStatus> GetMachineAsync(string machineId, CancellationToken cancellationToken)
    {
        // ECS answers with Nova's server object (status, OS-EXT-STS:task_state, fault).
        return await _nova.ServerAsync(await EcsAsync($"v1/{{project}}/cloudservers/{Escape(machineId)}", cancellationToken).ConfigureAwait(false),
            machineId, $"ECS {machineId}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<CreatedImage> CreateImageAsync(CreateImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Description is { } d && (d.Length > 1024 || d.IndexOfAny(['\r', '\n', '<', '>']) >= 0))
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest,
                "--description: IMS takes at most 1,024 characters and no line breaks, '<' or '>'");
        }

        var body = new JsonObject { ["name"] = request.Name, ["instance_id"] = request.InstanceId };
        if (request.Description is { } description)
        {
            body["description"] = description;
        }

        if (request.Tags.Count > 0)
        {
            body["image_tags"] = new JsonArray([.. request.Tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value })]);
        }

        var what = $"ECS {request.InstanceId}: IMS create image";
        var response = await SendAsync(HttpMethod.Post, await ImsAsync("v2/cloudimages/action", cancellationToken).ConfigureAwait(false),
            body, what, false, cancellationToken).ConfigureAwait(false);
        Ensure(response, what);
        using var json = response.Json(what);
        return Json.String(json.RootElement, "job_id") is { Length: > 0 } job
            ? new CreatedImage(null, job)
            : throw new ImageCloudException(ImageFailureKind.Unreachable, $"{what}: IMS accepted but returned no job_id");
    }

    /// <inheritdoc />
    public async Task<ImageStatus> GetImageAsync(CreatedImage image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.JobId is { } job && image.ImageId is null)
        {
            return await JobStatusAsync(job, cancellationToken).ConfigureAwait(false);
        }

        var id = image.ImageId ?? throw new ArgumentException("an image id or a job id is needed", nameof(image));
        var what = $"image {id}";
        var response = await SendAsync(HttpMethod.Get, await ImsAsync($"v2/cloudimages?id={Escape(id)}", cancellationToken).ConfigureAwait(false),
            null, what, true, cancellationToken).ConfigureAwait(false);
        Ensure(response, what);
        using var json = response.Json(what);
        var found = Json.Objects(Json.Array(json.RootElement, "images")).FirstOrDefault(i => Json.String(i, "id") == id);
        if (found.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new ImageCloudException(ImageFailureKind.NotFound, $"{what}: IMS does not list it (wrong id, another region, or deleted?)");
        }

        var status = Json.String(found, "status") ?? "unknown";
        var phase = status switch
        {
            "active" => ImagePhase.Available,
            "killed" or "deleted" => ImagePhase.Failed,
            _ => ImagePhase.Pending,
        };
        return new ImageStatus(id, status, phase, phase == ImagePhase.Failed ? $"IMS reports the image {status}" : null);
    }

    private async Task<ImageStatus> JobStatusAsync(string job, CancellationToken cancellationToken)
    {
        var what = $"IMS job {job}";
        var response = await SendAsync(HttpMethod.Get, await ImsAsync($"v1/{{project}}/jobs/{Escape(job)}", cancellationToken).ConfigureAwait(false),
            null, what, true, cancellationToken).ConfigureAwait(false);
        Ensure(response, what);
        using var json = response.Json(what);
        var root = json.RootElement;
        var status = Json.String(root, "status") ?? "UNKNOWN";
        var entities = Json.Object(root, "entities");
        var imageId = Json.String(entities, "image_id");
        var percent = Json.Number(entities, "process_percent");
        double? progress = percent is { } p ? (p <= 1 ? p * 100 : p) : null;
        switch (status)
        {
            case "SUCCESS":
                if (imageId is null)
                {
                    throw new ImageCloudException(ImageFailureKind.Unreachable, $"{what}: SUCCESS without entities.image_id");
                }

                // The job is done; the image itself says whether it is active.
                return await GetImageAsync(new CreatedImage(imageId, null), cancellationToken).ConfigureAwait(false);
            case "FAIL":
                var reason = string.Join(": ", new[] { Json.String(root, "error_code"), Json.String(root, "fail_reason") }.Where(s => !string.IsNullOrEmpty(s)));
                return new ImageStatus(imageId, "FAIL", ImagePhase.Failed, reason.Length > 0 ? reason : "the IMS job failed without a reason", null, progress);
            default:
                return new ImageStatus(imageId, status == "INIT" || status == "RUNNING" ? $"job {status}" : status, ImagePhase.Pending, null, null, progress);
        }
    }

    /// <inheritdoc />
    public async Task<string> LaunchAsync(VerifyImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var server = new JsonObject
        {
            ["name"] = $"reseal-verify-{request.ImageId}",
            ["imageRef"] = request.ImageId,
            ["flavorRef"] = request.InstanceType,
            ["vpcid"] = request.VpcId,
            ["nics"] = new JsonArray(new JsonObject { ["subnet_id"] = request.SubnetId }),
            ["root_volume"] = new JsonObject { ["volumetype"] = request.RootVolumeType ?? "SSD" },
            ["key_name"] = request.KeyName,
            ["server_tags"] = new JsonArray(
                new JsonObject { ["key"] = "reseal-purpose", ["value"] = "image-verification" },
                new JsonObject { ["key"] = "reseal-image", ["value"] = request.ImageId }),
        };
        if (request.SecurityGroupIds.Count > 0)
        {
            server["security_groups"] = new JsonArray([.. request.SecurityGroupIds.Select(g => (JsonNode)new JsonObject { ["id"] = g })]);
        }

        if (request.UserData is { } data)
        {
            server["user_data"] = Convert.ToBase64String(data);
        }

        var what = $"image {request.ImageId}: create ECS";
        var response = await SendAsync(HttpMethod.Post, await EcsAsync("v1/{project}/cloudservers", cancellationToken).ConfigureAwait(false),
            new JsonObject { ["server"] = server }, what, false, cancellationToken).ConfigureAwait(false);
        Ensure(response, what);
        using var json = response.Json(what);
        return Json.Strings(Json.Array(json.RootElement, "serverIds")).FirstOrDefault() is { Length: > 0 } id
            ? id
            : throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"{what}: ECS accepted (job {Json.String(json.RootElement, "job_id") ?? "?"}) but named no server (no serverIds)");
    }

    /// <inheritdoc />
    public async Task<string?> GetConsoleOutputAsync(string machineId, CancellationToken cancellationToken)
    {
        return await _nova.ConsoleOutputAsync(await EcsAsync($"v2.1/{{project}}/servers/{Escape(machineId)}/action", cancellationToken).ConfigureAwait(false),
            $"ECS {machineId}: os-getConsoleOutput", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> GetPasswordDataAsync(string machineId, CancellationToken cancellationToken)
    {
        return await _nova.PasswordAsync(await EcsAsync($"v1/{{project}}/cloudservers/{Escape(machineId)}/os-server-password", cancellationToken).ConfigureAwait(false),
            $"ECS {machineId}: os-server-password", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task TerminateAsync(string machineId, CancellationToken cancellationToken)
    {
        var what = $"ECS {machineId}: delete";
        var body = new JsonObject
        {
            ["servers"] = new JsonArray(new JsonObject { ["id"] = machineId }),
            ["delete_publicip"] = true,
            ["delete_volume"] = true,
        };
        await _nova.DeleteAsync(HttpMethod.Post, await EcsAsync("v1/{project}/cloudservers/delete", cancellationToken).ConfigureAwait(false),
            body, what, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _api.Dispose();

    private Task<Uri> ImsAsync(string path, CancellationToken cancellationToken) => UrlAsync(_config.Ims, path, cancellationToken);

    private Task<Uri> EcsAsync(string path, CancellationToken cancellationToken) => UrlAsync(_config.Ecs, path, cancellationToken);

    private async Task<Uri> UrlAsync(Uri root, string path, CancellationToken cancellationToken)
    {
        await _iam.TokenAsync(cancellationToken).ConfigureAwait(false);
        var project = _iam.ProjectId ?? throw new ImageCloudException(ImageFailureKind.Credentials,
            $"the IAM token of {_iam.Source} is not scoped to a project; set the project (OS_PROJECT_NAME, usually the region name)");
        return new Uri(root.ToString().TrimEnd('/') + "/" + path.Replace("{project}", Escape(project), StringComparison.Ordinal));
    }

    private Task<ApiResponse> SendAsync(HttpMethod method, Uri url, JsonNode? body, string what, bool idempotent, CancellationToken cancellationToken) =>
        _nova.SendAsync(method, url, body, what, idempotent, cancellationToken);

    private static void Ensure(ApiResponse response, string what) => NovaCalls.Ensure(response, what);

    private static string Escape(string segment) => NovaCalls.Escape(segment);

    /// <summary>For messages: a percentage with no decimals.</summary>
    internal static string Percent(double value) => value.ToString("0", CultureInfo.InvariantCulture);
}
