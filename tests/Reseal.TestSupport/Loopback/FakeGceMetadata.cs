using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Reseal.TestSupport.Loopback;

/// <summary>
/// GCE's metadata server as Google documents it (cloud.google.com/compute/docs/metadata/querying-metadata): every request
/// needs <c>Metadata-Flavor: Google</c> (403 without) and every answer carries it; the instance document
/// (<c>instance/?recursive=true&amp;alt=json</c>, with the attributes inside), single attributes (404 when absent), and the
/// attribute map (<c>instance/attributes/?recursive=true&amp;alt=json</c>) with an unquoted <c>ETag</c> header that changes
/// with the content. <c>wait_for_change=true</c> holds the request until the content's ETag differs from
/// <c>last_etag</c> (at once when it already does), or <c>timeout_sec</c> passes (then the same content and ETag).
/// Attributes change while requests wait (<see cref="SetAttribute"/>). 127.0.0.1 only, through <see cref="LoopbackHttpServer"/>.
/// </summary>
public sealed class FakeGceMetadata : IAsyncDisposable
{
    private const string InstancePrefix = "/computeMetadata/v1/instance/";
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _attributes = new(StringComparer.Ordinal);
    private readonly LoopbackHttpServer _server;
    private readonly CancellationTokenSource _stop = new();

    public FakeGceMetadata() => _server = new LoopbackHttpServer(Handle);

    public Uri BaseUri => _server.BaseUri;

    public LoopbackHttpServer Server => _server;

    /// <summary>Project-wide attributes (<c>project/attributes/?recursive=true&amp;alt=json</c>); null: that document is 404.</summary>
    public Dictionary<string, string>? ProjectAttributes { get; set; }

    /// <summary>Files served at <c>/files/NAME</c> (scripts given by URL), without the metadata header.</summary>
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>The default service account's token (<c>instance/service-accounts/default/token</c>); null: 404.</summary>
    public string? AccessToken { get; set; }

    /// <summary>When set, answers every request instead (a failing or lying server).</summary>
    public Func<LoopbackRequest, LoopbackReply?>? Override { get; set; }

    /// <summary>Sets (or, with null, removes) an instance attribute, waking waiting requests.</summary>
    public void SetAttribute(string name, string? value)
    {
        lock (_gate)
        {
            if (value is null)
            {
                _attributes.Remove(name);
            }
            else
            {
                _attributes[name] = value;
            }
        }

        lock (_changed)
        {
            Monitor.PulseAll(_changed);
        }
    }

    private readonly object _changed = new();

    /// <summary>The attribute map as JSON and its ETag (a hash of the content, 16 hex digits, as GCE's look).</summary>
    public (string Json, string ETag) Attributes()
    {
        lock (_gate)
        {
            var json = new JsonObject();
            foreach (var (name, value) in _attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                json[name] = value;
            }

            var text = json.ToJsonString();
            return (text, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16]);
        }
    }

    private LoopbackReply Handle(LoopbackRequest request)
    {
        if (Override?.Invoke(request) is { } overridden)
        {
            return overridden;
        }

        var (path, query) = Split(request.Path);
        if (path.StartsWith("/files/", StringComparison.Ordinal))
        {
            return Files.TryGetValue(path["/files/".Length..], out var file) ? LoopbackReply.Ok(file) : LoopbackReply.Text(404, "No such object");
        }

        if (request.Header("Metadata-Flavor") != "Google")
        {
            return LoopbackReply.Text(403, "Missing Metadata-Flavor:Google header.");
        }

        var flavor = ("Metadata-Flavor", "Google");
        if (path == "/computeMetadata/v1/project/attributes/" && query.GetValueOrDefault("recursive") == "true")
        {
            return ProjectAttributes is null
                ? LoopbackReply.Text(404, "Not Found", flavor)
                : LoopbackReply.Ok(new JsonObject([.. ProjectAttributes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))]).ToJsonString(), flavor);
        }

        if (path == InstancePrefix + "service-accounts/default/token")
        {
            return AccessToken is null
                ? LoopbackReply.Text(404, "Not Found", flavor)
                : LoopbackReply.Ok(new JsonObject { ["access_token"] = AccessToken, ["expires_in"] = 3599, ["token_type"] = "Bearer" }.ToJsonString(), flavor);
        }

        switch (path)
        {
            case InstancePrefix + "id":
                return LoopbackReply.Ok("4520031799277581759", flavor);
            case InstancePrefix when query.GetValueOrDefault("recursive") == "true":
            {
                var instance = new JsonObject
                {
                    ["id"] = 4520031799277581759,
                    ["hostname"] = "win-1.c.proj.internal",
                    ["zone"] = "projects/1/zones/us-central1-a",
                    ["attributes"] = JsonNode.Parse(Attributes().Json),
                };
                return LoopbackReply.Ok(instance.ToJsonString(), flavor, ("Content-Type", "application/json"));
            }

            case InstancePrefix + "attributes/" when query.GetValueOrDefault("recursive") == "true":
                return AttributeMap(query, flavor);
            default:
                if (path.StartsWith(InstancePrefix + "attributes/", StringComparison.Ordinal))
                {
                    var name = path[(InstancePrefix.Length + "attributes/".Length)..];
                    lock (_gate)
                    {
                        return _attributes.TryGetValue(name, out var value) ? LoopbackReply.Ok(value, flavor) : LoopbackReply.Text(404, "Not Found", flavor);
                    }
                }

                return LoopbackReply.Text(404, "Not Found", flavor);
        }
    }

    private LoopbackReply AttributeMap(Dictionary<string, string> query, (string, string) flavor)
    {
        var current = Attributes();
        if (query.GetValueOrDefault("wait_for_change") == "true")
        {
            var last = query.GetValueOrDefault("last_etag");
            var seconds = int.TryParse(query.GetValueOrDefault("timeout_sec"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 3600;
            var until = TimeProvider.System.GetUtcNow().AddSeconds(seconds);
            while (current.ETag == last && TimeProvider.System.GetUtcNow() < until && !_stop.IsCancellationRequested)
            {
                lock (_changed)
                {
                    Monitor.Wait(_changed, TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(200, (until - TimeProvider.System.GetUtcNow()).TotalMilliseconds))));
                }

                current = Attributes();
            }
        }

        return LoopbackReply.Ok(current.Json, flavor, ("Content-Type", "application/json"), ("ETag", current.ETag));
    }

    private static (string Path, Dictionary<string, string> Query) Split(string target)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (question < 0)
        {
            return (target, query);
        }

        foreach (var pair in target[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            query[Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals])] = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
        }

        return (target[..question], query);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_changed)
        {
            Monitor.PulseAll(_changed);
        }

        await _server.DisposeAsync();
        _stop.Dispose();
    }
}
