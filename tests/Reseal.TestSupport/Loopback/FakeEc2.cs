using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Text;

namespace Reseal.TestSupport.Loopback;

/// <summary>An instance the fake EC2 knows.</summary>
public sealed class FakeEc2Instance
{
    public required string Id { get; init; }

    public string ImageId { get; set; } = "ami-0source00000000000";

    /// <summary>The states DescribeInstances reports, one per call; the last one stays.</summary>
    public Queue<string> States { get; } = new();

    public string State { get; set; } = "stopped";

    public string? StateReasonCode { get; set; }

    public string? StateReasonMessage { get; set; }

    /// <summary>The console GetConsoleOutput returns; a function so a test can make it grow with time.</summary>
    public Func<string?> Console { get; set; } = () => null;

    /// <summary>The PasswordData GetPasswordData returns (empty until the clone publishes one).</summary>
    public Func<string?> PasswordData { get; set; } = () => null;

    public string? KeyName { get; set; }

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    public string? UserData { get; set; }

    public string? InstanceType { get; set; }

    public string? SubnetId { get; set; }

    public List<string> SecurityGroupIds { get; } = [];

    public bool Terminated { get; set; }

    internal string NextState()
    {
        if (States.Count > 0)
        {
            State = States.Count > 1 ? States.Dequeue() : States.Peek();
        }

        return State;
    }
}

/// <summary>An image the fake EC2 knows.</summary>
public sealed class FakeEc2Image
{
    public required string Id { get; init; }

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public string SourceInstanceId { get; set; } = "";

    public bool NoReboot { get; set; }

    /// <summary>The states DescribeImages reports, one per call; the last one stays.</summary>
    public Queue<string> States { get; } = new();

    public string State { get; set; } = "pending";

    public string? StateReasonCode { get; set; }

    public string? StateReasonMessage { get; set; }

    public List<string> SnapshotIds { get; } = [];

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> SnapshotTags { get; } = new(StringComparer.Ordinal);

    internal string NextState()
    {
        if (States.Count > 0)
        {
            State = States.Count > 1 ? States.Dequeue() : States.Peek();
        }

        return State;
    }
}

/// <summary>
/// EC2's Query API as its reference documents it, for the real AWS SDK to talk to: form-encoded POSTs with
/// <c>Action</c> and <c>Version</c>, XML answers in the <c>http://ec2.amazonaws.com/doc/2016-11-15/</c> namespace, and
/// errors as <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;</c> with HTTP 400 (503 for
/// <c>RequestLimitExceeded</c>). Actions: DescribeInstances, CreateImage, DescribeImages, DescribeSnapshots,
/// RunInstances, GetConsoleOutput, GetPasswordData, TerminateInstances. Requests are signed by the SDK; the fake checks
/// an <c>Authorization</c> header is there (AuthFailure otherwise) but not the signature.
/// </summary>
public sealed class FakeEc2
{
    private const string Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private int _next = 0x1000;

    public ConcurrentDictionary<string, FakeEc2Instance> Instances { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakeEc2Image> Images { get; } = new(StringComparer.Ordinal);

    /// <summary>Actions in the order they came.</summary>
    public ConcurrentQueue<(string Action, IReadOnlyDictionary<string, string> Parameters)> Calls { get; } = new();

    /// <summary>Per-action replies that replace the normal answer once each (throttling, garbage, silence…).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<LoopbackReply>> Faults { get; } = new(StringComparer.Ordinal);

    /// <summary>Called when RunInstances creates a clone, to give it a console and password (the end-to-end test boots a machine).</summary>
    public Action<FakeEc2Instance, FakeEc2Image>? OnLaunch { get; set; }

    /// <summary>Called when CreateImage makes an image (the end-to-end test copies the stopped machine).</summary>
    public Action<FakeEc2Image, FakeEc2Instance>? OnCreateImage { get; set; }

    /// <summary>States a new image goes through (pending… then available).</summary>
    public string[] NewImageStates { get; set; } = ["pending", "pending", "available"];

    /// <summary>States a clone goes through on DescribeInstances.</summary>
    public string[] NewInstanceStates { get; set; } = ["pending", "running"];

    public FakeEc2Instance AddInstance(string id, string state = "stopped")
    {
        var instance = new FakeEc2Instance { Id = id, State = state };
        Instances[id] = instance;
        return instance;
    }

    public FakeEc2Image AddImage(string id, string state = "available")
    {
        var image = new FakeEc2Image { Id = id, State = state };
        Images[id] = image;
        return image;
    }

    public int Count(string action) => Calls.Count(c => c.Action == action);

    public void Fault(string action, LoopbackReply reply) =>
        Faults.GetOrAdd(action, _ => new ConcurrentQueue<LoopbackReply>()).Enqueue(reply);

    /// <summary>An EC2 error reply as the API reference shows it.</summary>
    public static LoopbackReply Error(string code, string message, int status = 400) => LoopbackReply.Text(status,
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error></Errors><RequestID>{Guid.NewGuid()}</RequestID></Response>",
        ("Content-Type", "text/xml;charset=UTF-8"));

    public LoopbackReply Handle(LoopbackRequest request)
    {
        var parameters = ParseForm(request.Method == "POST" ? request.BodyText : QueryOf(request.Path));
        var action = parameters.GetValueOrDefault("Action") ?? "";
        Calls.Enqueue((action, parameters));
        if (Faults.TryGetValue(action, out var faults) && faults.TryDequeue(out var fault))
        {
            return fault;
        }

        if (request.Header("Authorization") is null)
        {
            return Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401);
        }

        lock (this)
        {
            return action switch
            {
                "DescribeInstances" => DescribeInstances(parameters),
                "CreateImage" => CreateImage(parameters),
                "DescribeImages" => DescribeImages(parameters),
                "DescribeSnapshots" => DescribeSnapshots(parameters),
                "RunInstances" => RunInstances(parameters),
                "GetConsoleOutput" => GetConsoleOutput(parameters),
                "GetPasswordData" => GetPasswordData(parameters),
                "TerminateInstances" => TerminateInstances(parameters),
                _ => Error("InvalidAction", $"The action {action} is not valid for this web service."),
            };
        }
    }

    private LoopbackReply DescribeInstances(Dictionary<string, string> p)
    {
        var ids = List(p, "InstanceId");
        foreach (var id in ids)
        {
            if (!Instances.ContainsKey(id))
            {
                return Error("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            }
        }

        var body = new StringBuilder("<reservationSet>");
        foreach (var id in ids)
        {
            var i = Instances[id];
            var state = i.NextState();
            body.Append("<item><reservationId>r-0123456789abcdef0</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item>")
                .Append($"<instanceId>{i.Id}</instanceId><imageId>{i.ImageId}</imageId>")
                .Append($"<instanceState><code>{StateCode(state)}</code><name>{state}</name></instanceState>")
                .Append($"<instanceType>{i.InstanceType ?? "t3.medium"}</instanceType><launchTime>2026-12-06T10:00:00.000Z</launchTime>")
                .Append("<platform>windows</platform>");
            if (i.StateReasonCode is not null)
            {
                body.Append($"<stateReason><code>{i.StateReasonCode}</code><message>{SecurityElement.Escape(i.StateReasonMessage)}</message></stateReason>");
            }

            body.Append("</item></instancesSet></item>");
        }

        body.Append("</reservationSet>");
        return Ok("DescribeInstances", body.ToString());
    }

    private LoopbackReply CreateImage(Dictionary<string, string> p)
    {
        var instanceId = p.GetValueOrDefault("InstanceId") ?? "";
        if (!Instances.TryGetValue(instanceId, out var instance))
        {
            return Error("InvalidInstanceID.NotFound", $"The instance ID '{instanceId}' does not exist");
        }

        if (instance.State is "pending" or "shutting-down" or "terminated")
        {
            return Error("IncorrectInstanceState", $"The instance '{instanceId}' is not in a state from which it can be imaged.");
        }

        var name = p.GetValueOrDefault("Name") ?? "";
        if (name.Length is < 3 or > 128)
        {
            return Error("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long");
        }

        if (Images.Values.Any(i => i.Name == name))
        {
            return Error("InvalidAMIName.Duplicate", $"AMI name {name} is already in use by AMI {Images.Values.First(i => i.Name == name).Id}");
        }

        var image = new FakeEc2Image
        {
            Id = $"ami-0{Interlocked.Increment(ref _next):x16}",
            Name = name,
            Description = p.GetValueOrDefault("Description"),
            SourceInstanceId = instanceId,
            NoReboot = p.GetValueOrDefault("NoReboot") == "true",
        };
        image.SnapshotIds.Add($"snap-0{Interlocked.Increment(ref _next):x16}");
        foreach (var state in NewImageStates)
        {
            image.States.Enqueue(state);
        }

        for (var n = 1; p.ContainsKey($"TagSpecification.{n}.ResourceType"); n++)
        {
            var target = p[$"TagSpecification.{n}.ResourceType"] switch
            {
                "image" => image.Tags,
                "snapshot" => image.SnapshotTags,
                var other => null,
            };
            if (target is null)
            {
                return Error("InvalidParameterValue", $"'{p[$"TagSpecification.{n}.ResourceType"]}' is not a valid taggable resource type for this operation.");
            }

            for (var t = 1; p.ContainsKey($"TagSpecification.{n}.Tag.{t}.Key"); t++)
            {
                target[p[$"TagSpecification.{n}.Tag.{t}.Key"]] = p.GetValueOrDefault($"TagSpecification.{n}.Tag.{t}.Value") ?? "";
            }
        }

        Images[image.Id] = image;
        OnCreateImage?.Invoke(image, instance);
        return Ok("CreateImage", $"<imageId>{image.Id}</imageId>");
    }

    private LoopbackReply DescribeImages(Dictionary<string, string> p)
    {
        var ids = List(p, "ImageId");
        foreach (var id in ids)
        {
            if (!Images.ContainsKey(id))
            {
                return Error("InvalidAMIID.NotFound", $"The image id '[{id}]' does not exist");
            }
        }

        var body = new StringBuilder("<imagesSet>");
        foreach (var id in ids)
        {
            var i = Images[id];
            var state = i.NextState();
            body.Append($"<item><imageId>{i.Id}</imageId><imageLocation>123456789012/{SecurityElement.Escape(i.Name)}</imageLocation>")
                .Append($"<imageState>{state}</imageState><imageOwnerId>123456789012</imageOwnerId><isPublic>false</isPublic>")
                .Append($"<architecture>x86_64</architecture><imageType>machine</imageType><platform>windows</platform><name>{SecurityElement.Escape(i.Name)}</name>")
                .Append("<rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/sda1</rootDeviceName><blockDeviceMapping>");
            foreach (var snap in i.SnapshotIds)
            {
                body.Append($"<item><deviceName>/dev/sda1</deviceName><ebs><snapshotId>{snap}</snapshotId><volumeSize>30</volumeSize><deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType></ebs></item>");
            }

            body.Append("</blockDeviceMapping>");
            if (i.StateReasonCode is not null && state is "failed" or "error")
            {
                body.Append($"<stateReason><code>{i.StateReasonCode}</code><message>{SecurityElement.Escape(i.StateReasonMessage)}</message></stateReason>");
            }

            body.Append("</item>");
        }

        body.Append("</imagesSet>");
        return Ok("DescribeImages", body.ToString());
    }

    private LoopbackReply DescribeSnapshots(Dictionary<string, string> p)
    {
        var body = new StringBuilder("<snapshotSet>");
        foreach (var id in List(p, "SnapshotId"))
        {
            var image = Images.Values.FirstOrDefault(i => i.SnapshotIds.Contains(id));
            if (image is null)
            {
                return Error("InvalidSnapshot.NotFound", $"The snapshot '{id}' does not exist.");
            }

            var progress = image.State == "available" ? "100%" : image.States.Count > 1 ? "40%" : "80%";
            body.Append($"<item><snapshotId>{id}</snapshotId><volumeId>vol-0abc</volumeId><status>{(progress == "100%" ? "completed" : "pending")}</status>")
                .Append($"<startTime>2026-12-06T10:00:00.000Z</startTime><progress>{progress}</progress><ownerId>123456789012</ownerId><volumeSize>30</volumeSize></item>");
        }

        body.Append("</snapshotSet>");
        return Ok("DescribeSnapshots", body.ToString());
    }

    private LoopbackReply RunInstances(Dictionary<string, string> p)
    {
        var imageId = p.GetValueOrDefault("ImageId") ?? "";
        if (!Images.TryGetValue(imageId, out var image))
        {
            return Error("InvalidAMIID.NotFound", $"The image id '[{imageId}]' does not exist");
        }

        if (p.GetValueOrDefault("KeyName") is { } key && key.StartsWith("missing", StringComparison.Ordinal))
        {
            return Error("InvalidKeyPair.NotFound", $"The key pair '{key}' does not exist");
        }

        var instance = new FakeEc2Instance
        {
            Id = $"i-0{Interlocked.Increment(ref _next):x16}",
            ImageId = imageId,
            State = "pending",
            KeyName = p.GetValueOrDefault("KeyName"),
            UserData = p.GetValueOrDefault("UserData"),
            InstanceType = p.GetValueOrDefault("InstanceType"),
            SubnetId = p.GetValueOrDefault("SubnetId"),
        };
        instance.SecurityGroupIds.AddRange(List(p, "SecurityGroupId"));
        foreach (var state in NewInstanceStates)
        {
            instance.States.Enqueue(state);
        }

        for (var n = 1; p.ContainsKey($"TagSpecification.{n}.ResourceType"); n++)
        {
            if (p[$"TagSpecification.{n}.ResourceType"] != "instance")
            {
                continue;
            }

            for (var t = 1; p.ContainsKey($"TagSpecification.{n}.Tag.{t}.Key"); t++)
            {
                instance.Tags[p[$"TagSpecification.{n}.Tag.{t}.Key"]] = p.GetValueOrDefault($"TagSpecification.{n}.Tag.{t}.Value") ?? "";
            }
        }

        Instances[instance.Id] = instance;
        OnLaunch?.Invoke(instance, image);
        return Ok("RunInstances",
            $"<reservationId>r-0abc</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item><instanceId>{instance.Id}</instanceId>" +
            $"<imageId>{imageId}</imageId><instanceState><code>0</code><name>pending</name></instanceState><amiLaunchIndex>0</amiLaunchIndex>" +
            $"<instanceType>{instance.InstanceType}</instanceType><launchTime>2026-12-06T10:00:00.000Z</launchTime></item></instancesSet>");
    }

    private LoopbackReply GetConsoleOutput(Dictionary<string, string> p)
    {
        var id = p.GetValueOrDefault("InstanceId") ?? "";
        if (!Instances.TryGetValue(id, out var instance))
        {
            return Error("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        var text = instance.Console();
        var output = text is null ? "" : $"<output>{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}</output>";
        return Ok("GetConsoleOutput", $"<instanceId>{id}</instanceId><timestamp>2026-12-06T10:05:00.000Z</timestamp>{output}");
    }

    private LoopbackReply GetPasswordData(Dictionary<string, string> p)
    {
        var id = p.GetValueOrDefault("InstanceId") ?? "";
        if (!Instances.TryGetValue(id, out var instance))
        {
            return Error("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        return Ok("GetPasswordData",
            $"<instanceId>{id}</instanceId><timestamp>2026-12-06T10:05:00.000Z</timestamp><passwordData>{SecurityElement.Escape(instance.PasswordData() ?? "")}</passwordData>");
    }

    private LoopbackReply TerminateInstances(Dictionary<string, string> p)
    {
        var body = new StringBuilder("<instancesSet>");
        foreach (var id in List(p, "InstanceId"))
        {
            if (!Instances.TryGetValue(id, out var instance))
            {
                return Error("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            }

            var previous = instance.State;
            instance.Terminated = true;
            instance.States.Clear();
            instance.State = "shutting-down";
            instance.States.Enqueue("terminated");
            body.Append($"<item><instanceId>{id}</instanceId><currentState><code>32</code><name>shutting-down</name></currentState>")
                .Append($"<previousState><code>{StateCode(previous)}</code><name>{previous}</name></previousState></item>");
        }

        body.Append("</instancesSet>");
        return Ok("TerminateInstances", body.ToString());
    }

    private static LoopbackReply Ok(string action, string inner) => LoopbackReply.Text(200,
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{Ns}\"><requestId>{Guid.NewGuid()}</requestId>{inner}</{action}Response>",
        ("Content-Type", "text/xml;charset=UTF-8"));

    private static int StateCode(string state) => state switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        "stopped" => 80,
        _ => 0,
    };

    private static List<string> List(Dictionary<string, string> p, string name)
    {
        var values = new List<string>();
        for (var n = 1; p.TryGetValue($"{name}.{n}", out var value); n++)
        {
            values.Add(value);
        }

        return values;
    }

    private static string QueryOf(string path) => path.Contains('?', StringComparison.Ordinal) ? path[(path.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";

    private static Dictionary<string, string> ParseForm(string form)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in form.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            result[key] = value;
        }

        return result;
    }

    /// <summary>A unique-enough id suffix for tests that add their own resources.</summary>
    public string NewId(string prefix) => $"{prefix}-0{Interlocked.Increment(ref _next).ToString("x16", CultureInfo.InvariantCulture)}";
}
