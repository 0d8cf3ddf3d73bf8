using System.Net;
using System.Text.Json.Nodes;
using Reseal.Images.Http;

namespace Reseal.Images.OpenStack;

/// <summary>
/// The requests that Nova v2.1 and Huawei's ECS (which serves Nova's server object, console action and password route)
/// answer alike, sent through one Keystone/IAM session: each cloud builds its own URLs, the reading of the answers is
/// here once.
/// </summary>
internal sealed class NovaCalls(KeystoneSession session)
{
    public Task<ApiResponse> SendAsync(HttpMethod method, Uri url, JsonNode? body, string what, bool idempotent, CancellationToken cancellationToken) =>
        session.SendAsync(method, url, body, what, idempotent, cancellationToken);

    /// <summary><c>GET</c> of a server: its status (a 404 says which id and where to look).</summary>
    public async Task<MachineStatus> ServerAsync(Uri url, string machineId, string what, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, url, null, what, true, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            throw ApiErrors.From(response, what, "wrong id, or another project or region?");
        }

        Ensure(response, what);
        using var json = response.Json(what);
        return NovaServerStatus.From(json.RootElement, machineId);
    }

    /// <summary>The newest console lines through the server's <c>os-getConsoleOutput</c> action; null while there is none.</summary>
    public async Task<string?> ConsoleOutputAsync(Uri actionUrl, string what, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, actionUrl,
            new JsonObject { ["os-getConsoleOutput"] = new JsonObject { ["length"] = OpenStackImageCloud.ConsoleLines } }, what, true,
            cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Conflict)
        {
            // No console yet while the server builds.
            return null;
        }

        Ensure(response, what);
        using var json = response.Json(what);
        return Json.String(json.RootElement, "output") is { Length: > 0 } output ? output : null;
    }

    /// <summary>The encrypted password the guest posted (<c>os-server-password</c>); null while empty.</summary>
    public async Task<string?> PasswordAsync(Uri url, string what, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, url, null, what, true, cancellationToken).ConfigureAwait(false);
        Ensure(response, what);
        using var json = response.Json(what);
        return Json.String(json.RootElement, "password") is { } password && !string.IsNullOrWhiteSpace(password) ? password.Trim() : null;
    }

    /// <summary>A delete, where "not found" means it is already gone.</summary>
    public async Task DeleteAsync(HttpMethod method, Uri url, JsonNode? body, string what, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, url, body, what, true, cancellationToken).ConfigureAwait(false);
        if (response.Status != HttpStatusCode.NotFound)
        {
            Ensure(response, what);
        }
    }

    public static void Ensure(ApiResponse response, string what)
    {
        if (!response.IsSuccess)
        {
            throw ApiErrors.From(response, what);
        }
    }

    public static string Escape(string segment) => Uri.EscapeDataString(segment);
}
