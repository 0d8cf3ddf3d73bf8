using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reseal.TestSupport.Loopback;

/// <summary>A Nova server the fake knows.</summary>
public sealed class FakeServer
{
    public required string Id { get; init; }

    public string Name { get; set; } = "";

    /// <summary>Statuses GET /servers/{id} reports, one per call; the last one stays.</summary>
    public Queue<string> Statuses { get; } = new();

    public string Status { get; set; } = "SHUTOFF";

    public string? TaskState { get; set; }

    public string? Fault { get; set; }

    public string? ImageRef { get; set; }

    public string? FlavorRef { get; set; }

    public string? KeyName { get; set; }

    public string? UserData { get; set; }

    public JsonNode? Networks { get; set; }

    public List<string> SecurityGroups { get; } = [];

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public Func<string?> Console { get; set; } = () => null;

    public Func<string?> Password { get; set; } = () => null;

    public bool Deleted { get; set; }

    public string NextStatus()
    {
        if (Statuses.Count > 0)
        {
            Status = Statuses.Count > 1 ? Statuses.Dequeue() : Statuses.Peek();
        }

        return Status;
    }
}

/// <summary>A Glance image the fake knows.</summary>
public sealed class FakeGlanceImage
{
    public required string Id { get; init; }

    public string Name { get; set; } = "";

    public Queue<string> Statuses { get; } = new();

    public string Status { get; set; } = "active";

    public Dictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);

    public string? SourceServer { get; set; }

    public string NextStatus()
    {
        if (Statuses.Count > 0)
        {
            Status = Statuses.Count > 1 ? Statuses.Dequeue() : Statuses.Peek();
        }

        return Status;
    }
}

/// <summary>
/// Keystone, Nova v2.1 and Glance v2 on one loopback server, as their API references document them: Keystone at
/// <c>/identity/v3</c>, Nova at <c>/compute/v2.1</c> (servers, server actions <c>createImage</c> — 202 with the image
/// in <c>Location</c>, or <c>{"image_id"}</c> from microversion 2.45 — and <c>os-getConsoleOutput</c>, flavors,
/// <c>os-server-password</c>, errors as <c>{"itemNotFound"|"conflictingRequest"|"badRequest": {"message", "code"}}</c>),
/// Glance at <c>/image/v2/images/{id}</c>. Every service call needs a Keystone token.
/// </summary>
public sealed class FakeOpenStackCloud
{
    private int _next;

    public FakeOpenStackCloud(Uri baseUri, string region = "RegionOne")
    {
        BaseUri = baseUri;
        Keystone.Catalog.Add(("compute", region, "public", new Uri(baseUri, "compute/v2.1").ToString()));
        Keystone.Catalog.Add(("image", region, "public", new Uri(baseUri, "image").ToString()));
        Keystone.Catalog.Add(("identity", region, "public", new Uri(baseUri, "identity/v3").ToString()));
    }

    public Uri BaseUri { get; }

    public FakeKeystone Keystone { get; } = new();

    public ConcurrentDictionary<string, FakeServer> Servers { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakeGlanceImage> Images { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Flavors { get; } = new(StringComparer.Ordinal) { ["1f2e3d"] = "m1.large", ["4c5b6a"] = "m1.medium" };

    public ConcurrentQueue<(string Method, string Path, string Body)> Calls { get; } = new();

    /// <summary>Statuses of new images.</summary>
    public string[] NewImageStatuses { get; set; } = ["queued", "saving", "active"];

    /// <summary>Statuses of new servers.</summary>
    public string[] NewServerStatuses { get; set; } = ["BUILD", "ACTIVE"];

    /// <summary>Answer createImage with a body (microversion 2.45 and later) instead of a Location header.</summary>
    public bool ImageIdInBody { get; set; }

    /// <summary>Path prefix → replies that replace the next answers (faults).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<LoopbackReply>> Faults { get; } = new(StringComparer.Ordinal);

    public Action<FakeServer, FakeGlanceImage>? OnLaunch { get; set; }

    public FakeServer AddServer(string id, string status = "SHUTOFF")
    {
        var server = new FakeServer { Id = id, Status = status };
        Servers[id] = server;
        return server;
    }

    public FakeGlanceImage AddImage(string id, string status = "active")
    {
        var image = new FakeGlanceImage { Id = id, Status = status };
        Images[id] = image;
        return image;
    }

    public void Fault(string pathPrefix, LoopbackReply reply) => Faults.GetOrAdd(pathPrefix, _ => new()).Enqueue(reply);

    public int Count(string method, string pathContains) => Calls.Count(c => c.Method == method && c.Path.Contains(pathContains, StringComparison.Ordinal));

    public LoopbackReply Handle(LoopbackRequest request)
    {
        var path = request.Path.Split('?')[0];
        Calls.Enqueue((request.Method, path, request.BodyText));
        foreach (var (prefix, queue) in Faults)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && queue.TryDequeue(out var fault))
            {
                return fault;
            }
        }

        if (path == "/identity/v3/auth/tokens")
        {
            return Keystone.Handle(request);
        }

        if (!Keystone.Authorized(request))
        {
            return LoopbackReply.Text(401, "{\"error\": {\"message\": \"The request you have made requires authentication.\", \"code\": 401, \"title\": \"Unauthorized\"}}",
                ("Content-Type", "application/json"));
        }

        lock (this)
        {
            if (path.StartsWith("/compute/v2.1/", StringComparison.Ordinal))
            {
                return Nova(request, path["/compute/v2.1/".Length..]);
            }

            if (path.StartsWith("/image/v2/images/", StringComparison.Ordinal))
            {
                var id = path["/image/v2/images/".Length..];
                return Images.TryGetValue(id, out var image)
                    ? Json(200, new JsonObject { ["id"] = id, ["name"] = image.Name, ["status"] = image.NextStatus(), ["visibility"] = "private" })
                    : LoopbackReply.Text(404, "<html><body><h1>404 Not Found</h1>No image found with ID " + id + "</body></html>", ("Content-Type", "text/html"));
            }
        }

        return LoopbackReply.Text(404, "404 Not Found");
    }

    private LoopbackReply Nova(LoopbackRequest request, string path)
    {
        var parts = path.Split('/');
        switch (request.Method, parts)
        {
            case ("GET", ["flavors", var id]):
                return Flavors.TryGetValue(id, out var flavorName)
                    ? Json(200, new JsonObject { ["flavor"] = new JsonObject { ["id"] = id, ["name"] = flavorName } })
                    : NovaError(404, "itemNotFound", $"Flavor {id} could not be found.");
            case ("GET", ["flavors"]):
                return Json(200, new JsonObject { ["flavors"] = new JsonArray([.. Flavors.Select(f => (JsonNode)new JsonObject { ["id"] = f.Key, ["name"] = f.Value })]) });
            case ("POST", ["servers"]):
                return CreateServer(request);
            case (_, ["servers", var serverId, ..]) when !Servers.TryGetValue(serverId, out var found) || found.Deleted:
                return NovaError(404, "itemNotFound", $"Instance {serverId} could not be found.");
            case ("GET", ["servers", var serverId]):
            {
                var server = Servers[serverId];
                var status = server.NextStatus();
                var body = new JsonObject { ["id"] = server.Id, ["name"] = server.Name, ["status"] = status, ["OS-EXT-STS:task_state"] = server.TaskState };
                if (server.Fault is { } fault)
                {
                    body["fault"] = new JsonObject { ["code"] = 500, ["message"] = fault };
                }

                return Json(200, new JsonObject { ["server"] = body });
            }

            case ("DELETE", ["servers", var serverId]):
                Servers[serverId].Deleted = true;
                return LoopbackReply.Text(204, "");
            case ("GET", ["servers", var serverId, "os-server-password"]):
                return Json(200, new JsonObject { ["password"] = Servers[serverId].Password() ?? "" });
            case ("POST", ["servers", var serverId, "action"]):
                return Action(Servers[serverId], request);
            default:
                return NovaError(404, "itemNotFound", "The resource could not be found.");
        }
    }

    private LoopbackReply Action(FakeServer server, LoopbackRequest request)
    {
        var body = JsonNode.Parse(request.BodyText);
        if (body?["createImage"] is { } create)
        {
            if (server.Status is not ("SHUTOFF" or "ACTIVE"))
            {
                return NovaError(409, "conflictingRequest", $"Cannot 'createImage' instance {server.Id} while it is in vm_state {server.Status.ToLowerInvariant()}");
            }

            var image = new FakeGlanceImage { Id = Guid.NewGuid().ToString(), Name = create["name"]?.GetValue<string>() ?? "", SourceServer = server.Id };
            foreach (var status in NewImageStatuses)
            {
                image.Statuses.Enqueue(status);
            }

            foreach (var (key, value) in create["metadata"]?.AsObject() ?? [])
            {
                image.Properties[key] = value?.GetValue<string>() ?? "";
            }

            Images[image.Id] = image;
            return ImageIdInBody
                ? Json(202, new JsonObject { ["image_id"] = image.Id })
                : LoopbackReply.Text(202, "", ("Location", new Uri(BaseUri, $"image/v2/images/{image.Id}").ToString()));
        }

        if (body?["os-getConsoleOutput"] is { } console)
        {
            if (server.Status == "BUILD")
            {
                return NovaError(409, "conflictingRequest", $"Instance {server.Id} in vm_state building. Cannot get_console_output while the instance is in this state.");
            }

            var length = console["length"]?.GetValue<int>() ?? -1;
            var text = server.Console() ?? "";
            if (length > 0)
            {
                text = string.Join('\n', text.Split('\n').TakeLast(length));
            }

            return Json(200, new JsonObject { ["output"] = text });
        }

        return NovaError(400, "badRequest", "There is no such action.");
    }

    private LoopbackReply CreateServer(LoopbackRequest request)
    {
        var body = JsonNode.Parse(request.BodyText)?["server"];
        var imageRef = body?["imageRef"]?.GetValue<string>() ?? "";
        if (!Images.TryGetValue(imageRef, out var image))
        {
            return NovaError(400, "badRequest", $"Image {imageRef} could not be found.");
        }

        var flavor = body?["flavorRef"]?.GetValue<string>() ?? "";
        if (!Flavors.ContainsKey(flavor))
        {
            return NovaError(400, "badRequest", $"Flavor {flavor} could not be found.");
        }

        var server = new FakeServer
        {
            Id = Guid.NewGuid().ToString(),
            Name = body?["name"]?.GetValue<string>() ?? "",
            Status = "BUILD",
            ImageRef = imageRef,
            FlavorRef = flavor,
            KeyName = body?["key_name"]?.GetValue<string>(),
            UserData = body?["user_data"]?.GetValue<string>(),
            Networks = body?["networks"]?.DeepClone(),
        };
        server.SecurityGroups.AddRange(body?["security_groups"]?.AsArray().Select(g => g?["name"]?.GetValue<string>() ?? "") ?? []);
        foreach (var (key, value) in body?["metadata"]?.AsObject() ?? [])
        {
            server.Metadata[key] = value?.GetValue<string>() ?? "";
        }

        foreach (var status in NewServerStatuses)
        {
            server.Statuses.Enqueue(status);
        }

        Interlocked.Increment(ref _next);
        Servers[server.Id] = server;
        OnLaunch?.Invoke(server, image);
        return Json(202, new JsonObject { ["server"] = new JsonObject { ["id"] = server.Id, ["adminPass"] = "ignored-by-windows" } });
    }

    public static LoopbackReply NovaError(int code, string kind, string message) =>
        Json(code, new JsonObject { [kind] = new JsonObject { ["message"] = message, ["code"] = code } });

    private static LoopbackReply Json(int status, JsonNode body) =>
        LoopbackReply.Text(status, body.ToJsonString(new JsonSerializerOptions()), ("Content-Type", "application/json"));
}
