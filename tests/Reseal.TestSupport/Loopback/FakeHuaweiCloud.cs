using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reseal.TestSupport.Loopback;

/// <summary>An IMS asynchronous job.</summary>
public sealed class FakeHuaweiJob
{
    public required string Id { get; init; }

    public string Type { get; init; } = "createImageByInstance";

    /// <summary>Statuses the job query reports, one per call; the last one stays.</summary>
    public Queue<string> Statuses { get; } = new();

    public string Status { get; set; } = "INIT";

    public string? ImageId { get; set; }

    public string? FailReason { get; set; }

    public string? ErrorCode { get; set; }

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
/// Huawei Cloud's IAM, IMS and ECS on one loopback server, as their API references document them: IAM
/// <c>POST /v3/auth/tokens</c> (Keystone v3); IMS <c>POST /v2/cloudimages/action</c> → <c>{"job_id"}</c>,
/// <c>GET /v1/{project_id}/jobs/{job_id}</c> → <c>{status: SUCCESS|FAIL|RUNNING|INIT, entities: {image_id,
/// process_percent}, fail_reason, error_code}</c>, <c>GET /v2/cloudimages?id=</c> → <c>{"images": [...]}</c>; ECS
/// <c>GET /v1/{project_id}/cloudservers/{id}</c>, <c>POST /v1/{project_id}/cloudservers</c> → <c>{job_id, serverIds}</c>,
/// <c>POST /v2.1/{project_id}/servers/{id}/action</c> (<c>os-getConsoleOutput</c>),
/// <c>GET /v1/{project_id}/cloudservers/{id}/os-server-password</c>, <c>POST /v1/{project_id}/cloudservers/delete</c>.
/// Errors are <c>{"error": {"code", "message"}}</c>; a path whose project is not the token's gets 403.
/// </summary>
public sealed class FakeHuaweiCloud
{
    private int _next;

    public FakeKeystone Iam { get; } = new() { User = "builder", UserDomain = "my-account", Project = "ap-southeast-1", ProjectId = "05041fffa40025702f6dc009cc6f8f33" };

    public ConcurrentDictionary<string, FakeServer> Servers { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakeGlanceImage> Images { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakeHuaweiJob> Jobs { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Method, string Path, string Body)> Calls { get; } = new();

    public string[] NewJobStatuses { get; set; } = ["INIT", "RUNNING", "SUCCESS"];

    public string[] NewServerStatuses { get; set; } = ["BUILD", "ACTIVE"];

    /// <summary>When set, a new image job ends in FAIL with this reason.</summary>
    public string? FailJobsWith { get; set; }

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

    public int Count(string method, string pathContains) => Calls.Count(c => c.Method == method && c.Path.Contains(pathContains, StringComparison.Ordinal));

    public LoopbackReply Handle(LoopbackRequest request)
    {
        var split = request.Path.Split('?');
        var path = split[0];
        var query = split.Length > 1 ? split[1] : "";
        Calls.Enqueue((request.Method, request.Path, request.BodyText));
        if (path == "/v3/auth/tokens")
        {
            return Iam.Handle(request);
        }

        if (!Iam.Authorized(request))
        {
            return Error(401, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail");
        }

        var parts = path.Trim('/').Split('/');
        lock (this)
        {
            return (request.Method, parts) switch
            {
                ("POST", ["v2", "cloudimages", "action"]) => CreateImage(request),
                ("GET", ["v2", "cloudimages"]) => ListImages(query),
                (_, [_, var project, ..]) when project != Iam.ProjectId && parts[0] is "v1" or "v2.1" =>
                    Error(403, "Ecs.0015", $"the project {project} is not the token's"),
                ("GET", ["v1", _, "jobs", var job]) => Job(job),
                ("GET", ["v1", _, "cloudservers", var id]) => GetServer(id),
                ("POST", ["v1", _, "cloudservers"]) => CreateServer(request),
                ("POST", ["v1", _, "cloudservers", "delete"]) => DeleteServers(request),
                ("GET", ["v1", _, "cloudservers", var id, "os-server-password"]) => Servers.TryGetValue(id, out var s) && !s.Deleted
                    ? Json(200, new JsonObject { ["password"] = s.Password() ?? "" })
                    : Error(404, "Ecs.0114", $"Instance[{id}] could not be found."),
                ("POST", ["v2.1", _, "servers", var id, "action"]) => Console(id, request),
                _ => Error(404, "APIGW.0101", "The API does not exist or has not been published in the environment."),
            };
        }
    }

    private LoopbackReply CreateImage(LoopbackRequest request)
    {
        var body = JsonNode.Parse(request.BodyText);
        var instance = body?["instance_id"]?.GetValue<string>();
        var name = body?["name"]?.GetValue<string>();
        if (instance is null || name is null)
        {
            return Error(400, "IMG.0001", "The parameter name or instance_id is missing.");
        }

        if (!Servers.TryGetValue(instance, out var server) || server.Deleted)
        {
            return Error(400, "IMG.0004", $"The ECS {instance} does not exist.");
        }

        if (server.Status != "SHUTOFF")
        {
            return Error(400, "IMG.0078", $"The ECS {instance} is not stopped.");
        }

        var image = new FakeGlanceImage { Id = Guid.NewGuid().ToString(), Name = name, SourceServer = instance, Status = "saving" };
        foreach (var tag in body?["image_tags"]?.AsArray() ?? [])
        {
            image.Properties[tag?["key"]?.GetValue<string>() ?? ""] = tag?["value"]?.GetValue<string>() ?? "";
        }

        var job = new FakeHuaweiJob { Id = $"ff80808{Interlocked.Increment(ref _next):x9}", ImageId = image.Id };
        var statuses = FailJobsWith is null ? NewJobStatuses : ["INIT", "RUNNING", "FAIL"];
        foreach (var status in statuses)
        {
            job.Statuses.Enqueue(status);
        }

        job.FailReason = FailJobsWith;
        job.ErrorCode = FailJobsWith is null ? null : "IMG.0193";
        Jobs[job.Id] = job;
        Images[image.Id] = image;
        return Json(200, new JsonObject { ["job_id"] = job.Id });
    }

    private LoopbackReply Job(string id)
    {
        if (!Jobs.TryGetValue(id, out var job))
        {
            return Error(404, "IMG.0037", $"The job {id} does not exist.");
        }

        var status = job.NextStatus();
        var entities = new JsonObject();
        if (status == "SUCCESS")
        {
            entities["image_id"] = job.ImageId;
            Images[job.ImageId!].Status = "active";
        }
        else if (status == "RUNNING")
        {
            entities["process_percent"] = 0.5;
        }

        if (status == "FAIL")
        {
            Images[job.ImageId!].Status = "killed";
        }

        return Json(200, new JsonObject
        {
            ["status"] = status,
            ["job_id"] = job.Id,
            ["job_type"] = job.Type,
            ["begin_time"] = "06-Dec-2026 10:00:00:000",
            ["end_time"] = "",
            ["error_code"] = job.ErrorCode,
            ["fail_reason"] = job.FailReason,
            ["entities"] = entities,
        });
    }

    private LoopbackReply ListImages(string query)
    {
        var id = query.Split('&').Select(p => p.Split('=')).FirstOrDefault(p => p[0] == "id")?.ElementAtOrDefault(1);
        var images = new JsonArray();
        if (id is not null && Images.TryGetValue(Uri.UnescapeDataString(id), out var image))
        {
            images.Add(new JsonObject { ["id"] = image.Id, ["name"] = image.Name, ["status"] = image.NextStatus(), ["__os_type"] = "Windows" });
        }

        return Json(200, new JsonObject { ["images"] = images });
    }

    private LoopbackReply GetServer(string id)
    {
        if (!Servers.TryGetValue(id, out var server) || server.Deleted)
        {
            return Error(404, "Ecs.0114", $"Instance[{id}] could not be found.");
        }

        var body = new JsonObject { ["id"] = id, ["name"] = server.Name, ["status"] = server.NextStatus(), ["OS-EXT-STS:task_state"] = server.TaskState };
        if (server.Fault is { } fault)
        {
            body["fault"] = new JsonObject { ["code"] = 500, ["message"] = fault };
        }

        return Json(200, new JsonObject { ["server"] = body });
    }

    private LoopbackReply CreateServer(LoopbackRequest request)
    {
        var body = JsonNode.Parse(request.BodyText)?["server"];
        var imageRef = body?["imageRef"]?.GetValue<string>() ?? "";
        if (!Images.TryGetValue(imageRef, out var image))
        {
            return Error(400, "Ecs.0023", $"The image {imageRef} does not exist.");
        }

        if (body?["vpcid"] is null || body["nics"] is null || body["root_volume"] is null || body["flavorRef"] is null)
        {
            return Error(400, "Ecs.0005", "Invalid parameter: vpcid, nics, root_volume and flavorRef are mandatory.");
        }

        var server = new FakeServer
        {
            Id = Guid.NewGuid().ToString(),
            Name = body["name"]?.GetValue<string>() ?? "",
            Status = "BUILD",
            ImageRef = imageRef,
            FlavorRef = body["flavorRef"]?.GetValue<string>(),
            KeyName = body["key_name"]?.GetValue<string>(),
            UserData = body["user_data"]?.GetValue<string>(),
            Networks = body["nics"]?.DeepClone(),
        };
        foreach (var tag in body["server_tags"]?.AsArray() ?? [])
        {
            server.Metadata[tag?["key"]?.GetValue<string>() ?? ""] = tag?["value"]?.GetValue<string>() ?? "";
        }

        foreach (var status in NewServerStatuses)
        {
            server.Statuses.Enqueue(status);
        }

        Servers[server.Id] = server;
        OnLaunch?.Invoke(server, image);
        return Json(200, new JsonObject { ["job_id"] = $"ff80808{Interlocked.Increment(ref _next):x9}", ["serverIds"] = new JsonArray(server.Id) });
    }

    private LoopbackReply DeleteServers(LoopbackRequest request)
    {
        foreach (var item in JsonNode.Parse(request.BodyText)?["servers"]?.AsArray() ?? [])
        {
            if (item?["id"]?.GetValue<string>() is { } id && Servers.TryGetValue(id, out var server))
            {
                server.Deleted = true;
            }
        }

        return Json(200, new JsonObject { ["job_id"] = $"ff80808{Interlocked.Increment(ref _next):x9}" });
    }

    private LoopbackReply Console(string id, LoopbackRequest request)
    {
        if (!Servers.TryGetValue(id, out var server) || server.Deleted)
        {
            return Error(404, "Ecs.0114", $"Instance[{id}] could not be found.");
        }

        if (JsonNode.Parse(request.BodyText)?["os-getConsoleOutput"] is null)
        {
            return Error(400, "Ecs.0005", "Invalid action.");
        }

        return Json(200, new JsonObject { ["output"] = server.Console() ?? "" });
    }

    public static LoopbackReply Error(int status, string code, string message) =>
        Json(status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private static LoopbackReply Json(int status, JsonNode body) =>
        LoopbackReply.Text(status, body.ToJsonString(new JsonSerializerOptions()), ("Content-Type", "application/json"));
}
