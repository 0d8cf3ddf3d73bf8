using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Images.Http;

namespace Reseal.Images.OpenStack;

/// <summary>One endpoint of the token's service catalog.</summary>
internal sealed record CatalogEndpoint(string Type, string Interface, string? Region, Uri Url);

/// <summary>
/// A Keystone v3 token (<c>POST /v3/auth/tokens</c>, the token in <c>X-Subject-Token</c>) and its service catalog,
/// renewed when it is about to expire or a service answers 401 (Keystone API reference, "Password authentication with
/// scoped authorization", "Authenticating with an Application Credential"). Huawei Cloud's IAM speaks the same.
/// </summary>
internal sealed class KeystoneSession
{
    private readonly OpenStackConfig _config;
    private readonly ApiClient _api;
    private readonly ImageSettings _settings;
    private string? _token;
    private DateTimeOffset _expires;
    private IReadOnlyList<CatalogEndpoint> _catalog = [];

    public KeystoneSession(OpenStackConfig config, ApiClient api, ImageSettings settings)
    {
        _config = config;
        _api = api;
        _settings = settings;
    }

    /// <summary>The project the token is scoped to.</summary>
    public string? ProjectId { get; private set; }

    /// <summary>The configuration's description, for messages.</summary>
    public string Source => _config.Source;

    /// <summary>A valid token, fetched or renewed (five minutes before it expires).</summary>
    public async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (_token is null || _settings.Time.GetUtcNow() >= _expires - TimeSpan.FromMinutes(5))
        {
            await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
        }

        return _token!;
    }

    /// <summary>Forgets the token, so the next call authenticates again (a service said 401).</summary>
    public void Invalidate() => _token = null;

    /// <summary>The endpoint of a service type for the configured interface and region, from the catalog.</summary>
    public async Task<Uri?> EndpointAsync(IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        await TokenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var type in types)
        {
            var matches = _catalog.Where(e => e.Type == type && e.Interface == _config.Interface).ToList();
            var pick = _config.Region is { } region
                ? matches.FirstOrDefault(e => e.Region == region)
                : matches.FirstOrDefault();
            if (pick is not null)
            {
                return pick.Url;
            }
        }

        return null;
    }

    /// <summary>The regions the catalog has for a service type (for "not in region X; it has Y" messages).</summary>
    public IEnumerable<string> RegionsOf(string type) => _catalog.Where(e => e.Type == type).Select(e => e.Region ?? "(none)").Distinct();

    /// <summary>Sends a call with the token; on 401 authenticates once more and repeats it.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, Uri url, JsonNode? body, string what, bool idempotent,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? extraHeaders = null)
    {
        var json = body?.ToJsonString();
        for (var attempt = 0; ; attempt++)
        {
            var headers = new Dictionary<string, string>(extraHeaders ?? new Dictionary<string, string>())
            {
                ["X-Auth-Token"] = await TokenAsync(cancellationToken).ConfigureAwait(false),
            };
            var response = await _api.SendAsync(method, url, json, headers, what, idempotent, cancellationToken).ConfigureAwait(false);
            if (response.Status != HttpStatusCode.Unauthorized || attempt > 0)
            {
                return response;
            }

            // The token expired or was revoked: get a new one and try once more.
            Invalidate();
        }
    }

    private async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        var url = TokensUrl(_config.AuthUrl);
        var response = await _api.SendAsync(HttpMethod.Post, url, AuthBody().ToJsonString(), null,
            $"Keystone at {_config.AuthUrl}", idempotent: false, cancellationToken).ConfigureAwait(false);
        if (response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw ApiErrors.From(response, $"Keystone at {_config.AuthUrl} refused the credentials of {_config.Source}",
                "check the user, password or application credential, the domains and the project");
        }

        if (!response.IsSuccess)
        {
            throw ApiErrors.From(response, $"Keystone at {_config.AuthUrl}");
        }

        var token = response.Headers.TryGetValues("X-Subject-Token", out var values) ? values.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(token))
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"Keystone at {_config.AuthUrl} answered {(int)response.Status} without an X-Subject-Token header: is this the identity v3 URL?");
        }

        using var json = response.Json($"Keystone at {_config.AuthUrl}");
        var root = json.RootElement;
        var tokenBody = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.Object
            ? t
            : throw new ImageCloudException(ImageFailureKind.Unreachable, $"Keystone at {_config.AuthUrl}: the answer has no 'token' object");
        _expires = Json.String(tokenBody, "expires_at") is { } expires && DateTimeOffset.TryParse(expires,
            System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : _settings.Time.GetUtcNow().AddHours(1);
        ProjectId = Json.String(Json.Object(tokenBody, "project"), "id") ?? _config.ProjectId;
        _catalog = ReadCatalog(tokenBody);
        _token = token;
    }

    private static Uri TokensUrl(Uri authUrl)
    {
        var text = authUrl.ToString().TrimEnd('/');
        if (!text.EndsWith("/v3", StringComparison.Ordinal))
        {
            // openstacksdk discovers the version; the common unversioned form is the identity root, where v3 lives at /v3.
            text += "/v3";
        }

        return new Uri(text + "/auth/tokens");
    }

    private JsonObject AuthBody()
    {
        JsonObject identity;
        if (_config.Method == KeystoneAuthMethod.ApplicationCredential)
        {
            var credential = new JsonObject { ["secret"] = _config.ApplicationCredentialSecret };
            if (_config.ApplicationCredentialId is { } id)
            {
                credential["id"] = id;
            }
            else
            {
                credential["name"] = _config.ApplicationCredentialName;
                credential["user"] = User();
            }

            identity = new JsonObject
            {
                ["methods"] = new JsonArray("application_credential"),
                ["application_credential"] = credential,
            };

            // An application credential is already scoped to its project: Keystone refuses a scope beside it.
            return new JsonObject { ["auth"] = new JsonObject { ["identity"] = identity } };
        }

        var user = User();
        user["password"] = _config.Password;
        identity = new JsonObject
        {
            ["methods"] = new JsonArray("password"),
            ["password"] = new JsonObject { ["user"] = user },
        };
        var auth = new JsonObject { ["identity"] = identity };
        if (_config.ProjectId is { } projectId)
        {
            auth["scope"] = new JsonObject { ["project"] = new JsonObject { ["id"] = projectId } };
        }
        else if (_config.ProjectName is { } projectName)
        {
            var project = new JsonObject { ["name"] = projectName };
            if (_config.ProjectDomainId is { } domainId)
            {
                project["domain"] = new JsonObject { ["id"] = domainId };
            }
            else
            {
                project["domain"] = new JsonObject { ["name"] = _config.ProjectDomainName ?? _config.UserDomainName ?? "Default" };
            }

            auth["scope"] = new JsonObject { ["project"] = project };
        }

        return new JsonObject { ["auth"] = auth };
    }

    private JsonObject User()
    {
        if (_config.UserId is { } id)
        {
            return new JsonObject { ["id"] = id };
        }

        var user = new JsonObject { ["name"] = _config.Username };
        user["domain"] = _config.UserDomainId is { } domainId
            ? new JsonObject { ["id"] = domainId }
            : new JsonObject { ["name"] = _config.UserDomainName ?? "Default" };
        return user;
    }

    private static List<CatalogEndpoint> ReadCatalog(JsonElement token)
    {
        var endpoints = new List<CatalogEndpoint>();
        foreach (var service in Json.Objects(Json.Array(token, "catalog")))
        {
            if (Json.String(service, "type") is not { } type)
            {
                continue;
            }

            foreach (var endpoint in Json.Objects(Json.Array(service, "endpoints")))
            {
                if (Json.String(endpoint, "url") is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
                    Json.String(endpoint, "interface") is { } face)
                {
                    endpoints.Add(new CatalogEndpoint(type, face, Json.String(endpoint, "region_id") ?? Json.String(endpoint, "region"), uri));
                }
            }
        }

        return endpoints;
    }
}
