using System.Net;
using System.Text.Json.Nodes;
using Reseal.Images.Http;

namespace Reseal.Images.OpenStack;

/// <summary>
/// OpenStack (protocols.md §5.4): endpoints from the Keystone token's catalog (compute, image); Nova v2.1
/// <c>GET /servers/{id}</c>, <c>createImage</c> (image id in the body from microversion 2.45, in <c>Location</c>
/// before), <c>POST /servers</c>, <c>os-getConsoleOutput</c>, <c>os-server-password</c>, <c>DELETE /servers/{id}</c>;
/// Glance v2 <c>GET /v2/images/{id}</c> (<c>queued</c> → <c>saving</c> → <c>active</c>; <c>killed</c>/<c>deleted</c> fail).
/// </summary>
public sealed class OpenStackImageCloud : IImageCloud
{
    /// <summary>Console lines asked of Nova: the newest part, as EC2 keeps its newest 64 KB.</summary>
    public const int ConsoleLines = 2000;

    private readonly ApiClient _api;
    private readonly KeystoneSession _keystone;
    private readonly NovaCalls _nova;
    private readonly OpenStackConfig _config;

    public OpenStackImageCloud(OpenStackConfig config, ImageSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        settings ??= ImageSettings.Default;
        _config = config;
        _api = new ApiClient(settings);
        _keystone = new KeystoneSession(config, _api, settings);
        _nova = new NovaCalls(_keystone);
    }

    /// <inheritdoc />
    public CloudKind Kind => CloudKind.OpenStack;

    /// <inheritdoc />
    public string MachineNoun => "server";

    /// <inheritdoc />
    public async Task<MachineStatus> GetMachineAsync(string machineId, CancellationToken cancellationToken)
    {
        return await _nova.ServerAsync(await ComputeAsync($"servers/{Escape(machineId)}", cancellationToken).ConfigureAwait(false),
            machineId, $"server {machineId}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<CreatedImage> CreateImageAsync(CreateImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var what = $"server {request.InstanceId}: createImage";
        var metadata = new JsonObject();
        foreach (var (key, value) in request.Tags)
        {
            metadata[key] = value;
        }

        if (request.Description is { } description)
        {
            // Glance has no description field; openstackclient users put it in a property of that name.
            metadata["description"] = description;
        }

        var body = new JsonObject { ["createImage"] = new JsonObject { ["name"] = request.Name, ["metadata"] = metadata } };
        var response = await SendAsync(HttpMethod.Post,
            await ComputeAsync($"servers/{Escape(request.InstanceId)}/action", cancellationToken).ConfigureAwait(false),
            body, what, false, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Conflict)
        {
            throw ApiErrors.From(response, what, "Nova refuses while the server is building, resizing or being backed up");
        }

        Ensure(response, what);
        string? imageId = null;
        if (response.Body.Length > 0 && response.Body.TrimStart().StartsWith('{'))
        {
            using var json = response.Json(what);
            imageId = Json.String(json.RootElement, "image_id");
        }

        imageId ??= response.Headers.Location is { } location ? location.ToString().TrimEnd('/').Split('/')[^1] : null;
        if (string.IsNullOrEmpty(imageId))
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"{what}: Nova accepted but named no image (no image_id in the body, no Location header)");
        }

        return new CreatedImage(imageId, null);
    }

    /// <inheritdoc />
    public async Task<ImageStatus> GetImageAsync(CreatedImage image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var id = image.ImageId ?? throw new ArgumentException("Glance images always have an id", nameof(image));
        var what = $"image {id}";
        var glance = await _keystone.EndpointAsync(["image"], cancellationToken).ConfigureAwait(false)
            ?? throw NoEndpoint("image (Glance)", "image");
        var root = glance.ToString().TrimEnd('/');
        var url = new Uri((root.EndsWith("/v2", StringComparison.Ordinal) ? root : root + "/v2") + $"/images/{Escape(id)}");
        var response = await SendAsync(HttpMethod.Get, url, null, what, true, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            throw ApiErrors.From(response, what, "wrong id, deleted, or not visible to this project?");
        }

        Ensure(response, what);
        using var json = response.Json(what);
        var status = Json.String(json.RootElement, "status") ?? "unknown";
        var phase = status switch
        {
            "active" => ImagePhase.Available,
            "killed" or "deleted" or "pending_delete" or "deactivated" => ImagePhase.Failed,
            _ => ImagePhase.Pending,
        };
        var reason = phase == ImagePhase.Failed
            ? status == "killed" ? "Glance marked the image 'killed': the upload of the server's disk failed (see the Nova compute and Glance logs)"
            : $"the image is {status}"
            : null;
        return new ImageStatus(id, status, phase, reason);
    }

    /// <inheritdoc />
    public async Task<string> LaunchAsync(VerifyImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var flavor = await ResolveFlavorAsync(request.InstanceType!, cancellationToken).ConfigureAwait(false);
        var server = new JsonObject
        {
            ["name"] = $"reseal-verify-{request.ImageId}",
            ["imageRef"] = request.ImageId,
            ["flavorRef"] = flavor,
            ["key_name"] = request.KeyName,
            ["metadata"] = new JsonObject { ["reseal:purpose"] = "image-verification", ["reseal:image"] = request.ImageId },
        };
        if (request.SecurityGroupIds.Count > 0)
        {
            server["security_groups"] = new JsonArray([.. request.SecurityGroupIds.Select(g => (JsonNode)new JsonObject { ["name"] = g })]);
        }

        if (request.NetworkId is { } network)
        {
            server["networks"] = new JsonArray(new JsonObject { ["uuid"] = network });
        }

        if (request.UserData is { } data)
        {
            server["user_data"] = Convert.ToBase64String(data);
        }

        var what = $"image {request.ImageId}: create server";
        var response = await SendAsync(HttpMethod.Post, await ComputeAsync("servers", cancellationToken).ConfigureAwait(false),
            new JsonObject { ["server"] = server }, what, false, cancellationToken).ConfigureAwait(false);
        Ensure(response, what);
        using var json = response.Json(what);
        return Json.String(Json.Object(json.RootElement, "server"), "id") is { Length: > 0 } id
            ? id
            : throw new ImageCloudException(ImageFailureKind.Unreachable, $"{what}: Nova answered without a server id");
    }

    /// <inheritdoc />
    public async Task<string?> GetConsoleOutputAsync(string machineId, CancellationToken cancellationToken)
    {
        return await _nova.ConsoleOutputAsync(await ComputeAsync($"servers/{Escape(machineId)}/action", cancellationToken).ConfigureAwait(false),
            $"server {machineId}: os-getConsoleOutput", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> GetPasswordDataAsync(string machineId, CancellationToken cancellationToken)
    {
        return await _nova.PasswordAsync(await ComputeAsync($"servers/{Escape(machineId)}/os-server-password", cancellationToken).ConfigureAwait(false),
            $"server {machineId}: os-server-password", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task TerminateAsync(string machineId, CancellationToken cancellationToken)
    {
        await _nova.DeleteAsync(HttpMethod.Delete, await ComputeAsync($"servers/{Escape(machineId)}", cancellationToken).ConfigureAwait(false),
            null, $"server {machineId}: delete", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _api.Dispose();

    /// <summary>A flavor id as given, or the id of the flavor with that name.</summary>
    private async Task<string> ResolveFlavorAsync(string flavor, CancellationToken cancellationToken)
    {
        var direct = await SendAsync(HttpMethod.Get, await ComputeAsync($"flavors/{Escape(flavor)}", cancellationToken).ConfigureAwait(false),
            null, $"flavor {flavor}", true, cancellationToken).ConfigureAwait(false);
        if (direct.IsSuccess)
        {
            return flavor;
        }

        var what = "flavors";
        var list = await SendAsync(HttpMethod.Get, await ComputeAsync("flavors", cancellationToken).ConfigureAwait(false),
            null, what, true, cancellationToken).ConfigureAwait(false);
        Ensure(list, what);
        using var json = list.Json(what);
        var flavors = Json.Objects(Json.Array(json.RootElement, "flavors")).ToList();
        return flavors.FirstOrDefault(f => Json.String(f, "name") == flavor) is { } match && Json.String(match, "id") is { } id
            ? id
            : throw new ImageCloudException(ImageFailureKind.NotFound,
                $"flavor '{flavor}': Nova has no flavor with that id or name (it has: {string.Join(", ", flavors.Select(f => Json.String(f, "name")).OfType<string>().Take(20))})");
    }

    private async Task<Uri> ComputeAsync(string path, CancellationToken cancellationToken)
    {
        var compute = await _keystone.EndpointAsync(["compute"], cancellationToken).ConfigureAwait(false)
            ?? throw NoEndpoint("compute (Nova)", "compute");
        return new Uri(compute.ToString().TrimEnd('/') + "/" + path);
    }

    private ImageCloudException NoEndpoint(string service, string type) => new(ImageFailureKind.Credentials,
        $"the service catalog of {_keystone.Source} has no {_config.Interface} {service} endpoint" +
        (_config.Region is { } region ? $" in region '{region}' (it has: {string.Join(", ", _keystone.RegionsOf(type))})" : "") +
        "; check region_name and interface");

    private Task<ApiResponse> SendAsync(HttpMethod method, Uri url, JsonNode? body, string what, bool idempotent, CancellationToken cancellationToken) =>
        _nova.SendAsync(method, url, body, what, idempotent, cancellationToken);

    private static void Ensure(ApiResponse response, string what) => NovaCalls.Ensure(response, what);

    private static string Escape(string segment) => NovaCalls.Escape(segment);
}
