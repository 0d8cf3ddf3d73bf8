using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Cloud;
using Reseal.Cloud.Keys;
using Reseal.Images;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal image create</c> and <c>reseal image verify</c>: capture a sealed machine as an image and prove a clone of
/// it boots, says "Windows is Ready" and yields a password the launch key decrypts (DESIGN.md lifecycle step 6). The
/// command-line contract (options, JSON fields, exit codes) is what pipelines rely on: see the README.
/// </summary>
internal static class ImageCommands
{
    /// <summary>How long the process may take after Ctrl-C: enough to terminate a verification clone.</summary>
    public static readonly TimeSpan TerminationGrace = TimeSpan.FromSeconds(90);

    /// <summary>Largest user data file read (Nova's limit is 64 KiB of base64; EC2's 16 KB raw is checked by the cloud adapter).</summary>
    private const long MaxUserDataBytes = 64 * 1024;

    public static Command Create(CliContext context)
    {
        var command = new Command("image", "Capture a sealed machine as an image and prove a clone of it boots (EC2, OpenStack, Huawei Cloud).");
        command.Subcommands.Add(CreateCommand(context));
        command.Subcommands.Add(ImageVerifyCommand.VerifyCommand(context));
        return command;
    }

    /// <summary>The options every image command shares: which cloud and how to reach it.</summary>
    internal sealed class CloudOptions
    {
        public Option<string> Cloud { get; } = new("--cloud")
        {
            Description = "The cloud: ec2, openstack or huawei.",
            Required = true,
            HelpName = "ec2|openstack|huawei",
        };

        public Option<string?> Region { get; } = new("--region")
        {
            Description = "Region (EC2: else AWS_REGION, the profile's; OpenStack/Huawei: else OS_REGION_NAME, clouds.yaml's region_name).",
            HelpName = "region",
        };

        public Option<string?> Profile { get; } = new("--profile")
        {
            Description = "EC2: a profile of ~/.aws/config and ~/.aws/credentials (else AWS_PROFILE, then the SDK's credential chain).",
            HelpName = "name",
        };

        public Option<string?> EndpointUrl { get; } = new("--endpoint-url")
        {
            Description = "Send API calls here instead (EC2: like aws --endpoint-url, over AWS_ENDPOINT_URL_EC2/AWS_ENDPOINT_URL; " +
                "OpenStack: the Keystone URL over OS_AUTH_URL; Huawei: one base URL for IAM, IMS and ECS).",
            HelpName = "url",
        };

        public Option<string?> OsCloud { get; } = new("--os-cloud")
        {
            Description = "OpenStack/Huawei: the cloud's entry in clouds.yaml (else OS_CLOUD, else the OS_* variables).",
            HelpName = "name",
        };

        public Option<OutputFormat> Format { get; } = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);

        public IEnumerable<Option> All => [Cloud, Region, Profile, EndpointUrl, OsCloud, Format];

        public CloudKind Kind(ParseResult parse)
        {
            var name = parse.GetValue(Cloud);
            var kind = CloudKinds.Parse(name) ?? throw new UsageException($"--cloud '{name}': use ec2, openstack or huawei");
            if (kind != CloudKind.Ec2 && parse.GetValue(Profile) is not null)
            {
                throw new UsageException("--profile names an AWS profile; for OpenStack and Huawei use --os-cloud");
            }

            if (kind == CloudKind.Ec2 && parse.GetValue(OsCloud) is not null)
            {
                throw new UsageException("--os-cloud names a clouds.yaml entry (OpenStack, Huawei); for EC2 use --profile");
            }

            return kind;
        }

        public ImageCloudConnection Connection(ParseResult parse, CloudKind kind, CliContext context) => new(
            kind, parse.GetValue(Region), parse.GetValue(Profile), parse.GetValue(EndpointUrl), parse.GetValue(OsCloud), context.Environment);
    }

    internal static Option<double> TimeoutOption(double seconds, string what) => new("--timeout")
    {
        Description = $"Give up after this many seconds in all ({what}).",
        DefaultValueFactory = _ => seconds,
        HelpName = "seconds",
    };

    private static Command CreateCommand(CliContext context)
    {
        var cloud = new CloudOptions();
        var instance = new Option<string>("--instance-id") { Description = "The sealed instance (EC2) or server (OpenStack, Huawei ECS).", Required = true, HelpName = "id" };
        var name = new Option<string>("--name") { Description = "The image name.", Required = true, HelpName = "name" };
        var description = new Option<string?>("--description") { Description = "The image description.", HelpName = "text" };
        var noReboot = new Option<bool>("--no-reboot") { Description = "EC2: do not shut the instance down for the snapshots (file-system integrity is not guaranteed); also allows a running instance." };
        var tags = new Option<string[]>("--tag")
        {
            Description = "A tag for the image (and, on EC2, its snapshots); repeat for more.",
            HelpName = "key=value",
            AllowMultipleArgumentsPerToken = false,
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the cloud accepted the request (state pending) instead of waiting until the image is available." };
        var allowRunning = new Option<bool>("--allow-running") { Description = "Capture an instance that is running. By default it is refused: a sealed machine shuts itself down when Sysprep ends." };
        var waitForShutdown = new Option<bool>("--wait-for-shutdown") { Description = "Wait while the instance is running too, until Sysprep shuts it down (right after starting reseal seal)." };
        var timeout = TimeoutOption(7200, "for the instance to stop and the image to become available; the image is left as it is");
        var command = new Command("create", "Create an image from a sealed machine: wait while it stops, create the image, wait until it is available. " +
            "Prints the image id (text) or a JSON object. Exit 0 available (or accepted, with --no-wait), 1 failed or timed out, 2 usage, 3 bad input, 4 cloud unreachable or credentials refused.")
        {
            instance, name, description, noReboot, tags, noWait, allowRunning, waitForShutdown, timeout,
        };
        foreach (var option in cloud.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            var kind = cloud.Kind(parse);
            var request = new CreateImageRequest(
                parse.GetValue(instance)!,
                parse.GetValue(name)!,
                parse.GetValue(description),
                parse.GetValue(noReboot),
                ParseTags(parse.GetValue(tags) ?? []),
                !parse.GetValue(noWait),
                Seconds(parse.GetValue(timeout)),
                parse.GetValue(allowRunning),
                parse.GetValue(waitForShutdown));
            if (request.Validate() is { } problem)
            {
                throw new UsageException(problem);
            }

            var settings = context.ImageSettings ?? ImageSettings.Default;
            using var progress = new ProgressPrinter(context);
            CreateImageResult result;
            using (var images = ImageClouds.Create(cloud.Connection(parse, kind, context), settings))
            {
                result = await Run(() => new ImageCreator(images, settings, progress).CreateAsync(request, cancellation)).ConfigureAwait(false);
            }

            progress.Finish();
            if (parse.GetValue(cloud.Format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["imageId"] = result.ImageId,
                    ["state"] = result.State,
                    ["snapshotIds"] = new JsonArray([.. result.SnapshotIds.Select(s => (JsonNode?)JsonValue.Create(s))]),
                    ["seconds"] = result.Seconds,
                    ["cloud"] = kind.Name(),
                    ["outcome"] = OutcomeName(result.Outcome),
                    ["reason"] = result.Reason,
                    ["jobId"] = result.JobId,
                }));
            }
            else if (result.ImageId is not null)
            {
                context.Out.WriteLine(result.ImageId);
            }

            switch (result.Outcome)
            {
                case CreateOutcome.Available:
                    context.Message($"image {result.ImageId} is {result.State} after {result.Seconds.ToString("0.#", CultureInfo.InvariantCulture)} s" +
                        (result.SnapshotIds.Count > 0 ? $" (snapshots {string.Join(", ", result.SnapshotIds)})" : ""));
                    return ExitCodes.Success;
                case CreateOutcome.Started:
                    context.Message($"image {result.ImageId ?? $"job {result.JobId}"} is being created (--no-wait)");
                    return ExitCodes.Success;
                case CreateOutcome.Failed:
                    context.Message($"error: image {result.ImageId ?? $"job {result.JobId}"} failed: {result.Reason}");
                    return ExitCodes.Findings;
                default:
                    context.Message($"error: {result.Reason}");
                    return ExitCodes.Findings;
            }
        });
        return command;
    }

    private static string OutcomeName(CreateOutcome outcome) => outcome switch
    {
        CreateOutcome.Available => "available",
        CreateOutcome.Started => "started",
        CreateOutcome.Failed => "failed",
        _ => "timed-out",
    };

    internal static TimeSpan Seconds(double seconds) => seconds is > 0 and <= 7 * 24 * 3600
        ? TimeSpan.FromSeconds(seconds)
        : throw new UsageException("--timeout must be more than 0 and at most 604800 seconds (a week)");

    private static List<KeyValuePair<string, string>> ParseTags(string[] values)
    {
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--tag '{value}': use KEY=VALUE (the value may be empty: KEY=)");
            }

            tags.Add(new(value[..eq], value[(eq + 1)..]));
        }

        return tags;
    }

    internal static RsaPrivateKey LoadKey(string path)
    {
        try
        {
            return RsaPrivateKey.Load(path);
        }
        catch (CloudException e)
        {
            throw new BadInputException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
        }
    }

    internal static byte[] ReadUserData(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new BadInputException($"{path}: user data file not found");
        }

        if (info.Length > MaxUserDataBytes)
        {
            throw new BadInputException($"{path}: {info.Length:N0} bytes of user data; clouds take at most 16 KB (EC2) to 64 KB (OpenStack)");
        }

        return File.ReadAllBytes(path);
    }

    internal static async Task<T> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C before anything was created or launched (after that, create and verify end with a result).
            throw new ImageFailedException("interrupted (Ctrl-C) before the cloud answered; if a create or launch call was under way, check the cloud for what it made");
        }
    }

    /// <summary>
    /// Progress on standard error: on a terminal one status line rewritten in place; in a pipeline a quiet line only
    /// when something changed (a new state, a new milestone).
    /// </summary>
    internal sealed class ProgressPrinter(CliContext context) : IProgress<ImageProgress>, IDisposable
    {
        private bool _lineOpen;

        public void Report(ImageProgress value)
        {
            var text = $"{value.Resource}: {value.Message} ({Elapsed(value.Elapsed)})";
            lock (this)
            {
                if (context.ErrorIsTerminal)
                {
                    context.Error.Write($"\r\u001b[2K{text}");
                    context.Error.Flush();
                    _lineOpen = true;
                }
                else if (value.Changed)
                {
                    context.Message(text);
                }
            }
        }

        public void Finish()
        {
            lock (this)
            {
                if (_lineOpen)
                {
                    context.Error.WriteLine();
                    _lineOpen = false;
                }
            }
        }

        public void Dispose() => Finish();

        private static string Elapsed(TimeSpan elapsed) => elapsed.TotalSeconds < 60
            ? $"{elapsed.TotalSeconds:0} s"
            : $"{(int)elapsed.TotalMinutes} min {elapsed.Seconds:00} s";
    }
}
