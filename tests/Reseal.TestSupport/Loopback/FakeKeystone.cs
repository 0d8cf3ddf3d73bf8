using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reseal.TestSupport.Loopback;

/// <summary>
/// Keystone v3 token issuing as its API reference documents it (Huawei IAM speaks the same): <c>POST /v3/auth/tokens</c>
/// with the password or application_credential method and an optional project scope answers 201 with the token in
/// <c>X-Subject-Token</c> and <c>{"token": {expires_at, project, catalog}}</c>; wrong credentials get 401 with Keystone's
/// <c>{"error": {"code", "message", "title"}}</c>. Services check <c>X-Auth-Token</c> through <see cref="Authorized"/>.
/// </summary>
public sealed class FakeKeystone
{
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private int _authorized;

    public string User { get; set; } = "builder";

    public string UserDomain { get; set; } = "Default";

    public string Password { get; set; } = "s3cret-pass";

    public string Project { get; set; } = "images";

    public string ProjectId { get; set; } = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    public string ApplicationCredentialId { get; set; } = "appcred-0123";

    public string ApplicationCredentialSecret { get; set; } = "appcred-secret";

    /// <summary>Services in the catalog: type → (region, URL).</summary>
    public List<(string Type, string Region, string Interface, string Url)> Catalog { get; } = [];

    /// <summary>After this many authorized service calls every token issued so far expires (once).</summary>
    public int? ExpireTokensAfter { get; set; }

    public int TokensIssued { get; private set; }

    /// <summary>The auth bodies received, for tests that check scoping.</summary>
    public ConcurrentQueue<JsonNode> AuthRequests { get; } = new();

    public LoopbackReply Handle(LoopbackRequest request)
    {
        if (request.Method != "POST")
        {
            return Error(405, "Method Not Allowed", "The method is not allowed for the requested URL.");
        }

        JsonNode? body;
        try
        {
            body = JsonNode.Parse(request.BodyText);
        }
        catch (JsonException)
        {
            return Error(400, "Bad Request", "Expecting to find valid JSON in request body.");
        }

        AuthRequests.Enqueue(body!);
        var identity = body?["auth"]?["identity"];
        var methods = identity?["methods"]?.AsArray().Select(m => m?.GetValue<string>()).ToList() ?? [];
        bool ok;
        if (methods.Contains("application_credential"))
        {
            var credential = identity!["application_credential"];
            ok = credential?["id"]?.GetValue<string>() == ApplicationCredentialId && credential?["secret"]?.GetValue<string>() == ApplicationCredentialSecret;
            if (body?["auth"]?["scope"] is not null)
            {
                return Error(401, "Unauthorized", "Application credentials cannot request a scope.");
            }
        }
        else if (methods.Contains("password"))
        {
            var user = identity!["password"]?["user"];
            ok = user?["name"]?.GetValue<string>() == User && user?["domain"]?["name"]?.GetValue<string>() == UserDomain &&
                 user?["password"]?.GetValue<string>() == Password;
            var project = body?["auth"]?["scope"]?["project"];
            if (ok && project is not null && project["id"]?.GetValue<string>() != ProjectId && project["name"]?.GetValue<string>() != Project)
            {
                return Error(401, "Unauthorized", "The request you have made requires authentication.");
            }
        }
        else
        {
            return Error(400, "Bad Request", "Invalid input for field 'identity/methods'.");
        }

        if (!ok)
        {
            return Error(401, "Unauthorized", "The request you have made requires authentication.");
        }

        var token = "gAAAAA" + Guid.NewGuid().ToString("N");
        _tokens[token] = true;
        TokensIssued++;
        var catalog = new JsonArray();
        foreach (var group in Catalog.GroupBy(c => c.Type))
        {
            var endpoints = new JsonArray();
            foreach (var (_, region, face, url) in group)
            {
                endpoints.Add(new JsonObject { ["id"] = Guid.NewGuid().ToString("N"), ["interface"] = face, ["region"] = region, ["region_id"] = region, ["url"] = url });
            }

            catalog.Add(new JsonObject { ["type"] = group.Key, ["name"] = group.Key, ["endpoints"] = endpoints });
        }

        var answer = new JsonObject
        {
            ["token"] = new JsonObject
            {
                ["methods"] = new JsonArray([.. methods.Select(m => (JsonNode?)JsonValue.Create(m))]),
                ["expires_at"] = "2099-01-01T00:00:00.000000Z",
                ["issued_at"] = "2026-12-06T10:00:00.000000Z",
                ["user"] = new JsonObject { ["name"] = User, ["id"] = "u-1", ["domain"] = new JsonObject { ["name"] = UserDomain, ["id"] = "default" } },
                ["project"] = new JsonObject { ["name"] = Project, ["id"] = ProjectId, ["domain"] = new JsonObject { ["name"] = UserDomain, ["id"] = "default" } },
                ["catalog"] = catalog,
            },
        };
        return LoopbackReply.Text(201, answer.ToJsonString(), ("Content-Type", "application/json"), ("X-Subject-Token", token));
    }

    /// <summary>True when the request carries a token Keystone issued and that has not expired.</summary>
    public bool Authorized(LoopbackRequest request)
    {
        var token = request.Header("X-Auth-Token");
        if (token is null || !_tokens.ContainsKey(token))
        {
            return false;
        }

        if (ExpireTokensAfter is { } limit && Interlocked.Increment(ref _authorized) > limit)
        {
            ExpireTokensAfter = null;
            _tokens.Clear();
            return false;
        }

        return true;
    }

    public static LoopbackReply Error(int code, string title, string message) => LoopbackReply.Text(code,
        new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["title"] = title, ["message"] = message } }.ToJsonString(),
        ("Content-Type", "application/json"));
}
