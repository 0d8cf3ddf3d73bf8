using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Images;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal image verify</c>: launch a clone of an image and prove it boots, says "Windows is Ready" and yields a password the launch key decrypts.</summary>
internal static class ImageVerifyCommand
{
    internal static Command VerifyCommand(CliContext context)
    {
        var cloud = new ImageCommands.CloudOptions();
        var image = new Option<string>("--image-id") { Description = "The image to launch a clone of.", Required = true, HelpName = "id" };
        // -k and -u as in `password decrypt` and `agent validate`/`plan` (docs/cli-style.md: a short name means one thing).
        var key = new Option<string>("--key", "-k")
        {
            Description = "The private half of the launch key pair (PEM PKCS#1 or PKCS#8, or OpenSSH; RSA, no passphrase), to decrypt the password.",
            Required = true,
            HelpName = "private-key-file",
        };
        var keyName = new Option<string>("--key-name") { Description = "The key pair's name in the cloud, given to the clone.", Required = true, HelpName = "name" };
        var instanceType = new Option<string?>("--instance-type")
        {
            Description = $"EC2 instance type (default {Reseal.Images.Ec2.Ec2ImageCloud.DefaultInstanceType}); OpenStack flavor id or name and Huawei flavor (required there).",
            HelpName = "type",
        };
        var subnet = new Option<string?>("--subnet-id") { Description = "EC2 and Huawei: the subnet to launch in (EC2: else the default VPC's).", HelpName = "id" };
        var network = new Option<string?>("--network-id") { Description = "OpenStack: the network to attach (else Nova's choice).", HelpName = "id" };
        var vpc = new Option<string?>("--vpc-id") { Description = "Huawei: the VPC of --subnet-id (required there).", HelpName = "id" };
        var groups = new Option<string[]>("--security-group-id") { Description = "A security group for the clone (OpenStack: name or id); repeat for more.", HelpName = "id" };
        var userData = new Option<string?>("--user-data", "-u") { Description = "A file whose contents are the clone's user data (sent base64-encoded).", HelpName = "file" };
        var timeout = ImageCommands.TimeoutOption(1800, "for the clone to become ready; it is terminated then");
        var keep = new Option<bool>("--keep") { Description = "Leave the clone running instead of terminating it." };
        var showPassword = new Option<bool>("--show-password") { Description = "Print the decrypted Administrator password (text: on standard output; JSON: a 'password' field)." };
        var command = new Command("verify", "Launch a clone of an image, watch its console and password until 'Windows is Ready to use' and the password decrypts with --key, " +
            "report the timeline, and terminate the clone (always, unless --keep). Exit 0 ready, 1 not ready (with the reason), 2 usage, 3 bad input " +
            "(key, user data, or a password the key does not decrypt), 4 cloud unreachable or credentials refused.")
        {
            image, key, keyName, instanceType, subnet, network, vpc, groups, userData, timeout, keep, showPassword,
        };
        foreach (var option in cloud.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            var kind = cloud.Kind(parse);
            if (kind == CloudKind.OpenStack && parse.GetValue(subnet) is not null)
            {
                throw new UsageException("--subnet-id is for EC2 and Huawei; on OpenStack give the network with --network-id");
            }

            if (kind != CloudKind.OpenStack && parse.GetValue(network) is not null)
            {
                throw new UsageException("--network-id is for OpenStack; on EC2 and Huawei give --subnet-id");
            }

            if (kind != CloudKind.Huawei && parse.GetValue(vpc) is not null)
            {
                throw new UsageException("--vpc-id is for Huawei (on EC2 the subnet names its VPC)");
            }

            if (kind != CloudKind.Ec2 && parse.GetValue(instanceType) is null)
            {
                throw new UsageException($"--instance-type is required on {kind.Name()}: the flavor to launch the clone with");
            }

            if (kind == CloudKind.Huawei && (parse.GetValue(vpc) is null || parse.GetValue(subnet) is null))
            {
                throw new UsageException("Huawei ECS needs --vpc-id and --subnet-id for the clone");
            }

            var keyPath = parse.GetValue(key)!;
            using var privateKey = ImageCommands.LoadKey(keyPath);
            var data = parse.GetValue(userData) is { } file ? ImageCommands.ReadUserData(file) : null;
            var request = new VerifyImageRequest(
                parse.GetValue(image)!,
                privateKey,
                parse.GetValue(keyName)!,
                parse.GetValue(instanceType),
                parse.GetValue(subnet),
                parse.GetValue(network),
                parse.GetValue(vpc),
                parse.GetValue(groups) ?? [],
                data,
                ImageCommands.Seconds(parse.GetValue(timeout)),
                parse.GetValue(keep));

            var settings = context.ImageSettings ?? ImageSettings.Default;
            using var progress = new ImageCommands.ProgressPrinter(context);
            VerifyImageResult result;
            using (var images = ImageClouds.Create(cloud.Connection(parse, kind, context), settings))
            {
                result = await ImageCommands.Run(() => new ImageVerifier(images, settings, progress).VerifyAsync(request, cancellation)).ConfigureAwait(false);
            }

            progress.Finish();
            var show = parse.GetValue(showPassword);
            if (parse.GetValue(cloud.Format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(VerifyJson(result, kind, show)));
            }
            else
            {
                WriteVerifyText(context, result, show);
            }

            var cleanup = ImageVerifier.CleanupSentence(result.InstanceId ?? "?", request.Keep, result.Terminated, result.TerminateError);
            switch (result.Outcome)
            {
                case VerifyOutcome.Ready:
                    context.Message($"image {result.ImageId} is good: the clone was ready after {Format(result.Timeline.WindowsReady)} s and its password decrypted; {cleanup}");
                    return ExitCodes.Success;
                case VerifyOutcome.KeyMismatch:
                    context.Message($"error: {result.Reason}; {cleanup}");
                    return ExitCodes.BadInput;
                default:
                    context.Message($"error: {result.Reason}; {cleanup}");
                    if (result.Explanation is { } why)
                    {
                        context.Message(why);
                    }

                    return ExitCodes.Findings;
            }
        });
        return command;
    }

    private static JsonObject VerifyJson(VerifyImageResult result, CloudKind kind, bool showPassword)
    {
        var json = new JsonObject
        {
            ["instanceId"] = result.InstanceId,
            ["imageId"] = result.ImageId,
            ["ready"] = result.Outcome == VerifyOutcome.Ready,
            ["passwordDecrypted"] = result.PasswordDecrypted,
            ["terminated"] = result.Terminated,
            ["timeline"] = new JsonObject
            {
                ["running"] = result.Timeline.Running,
                ["sysprepComplete"] = result.Timeline.SysprepComplete,
                ["passwordAvailable"] = result.Timeline.PasswordAvailable,
                ["windowsReady"] = result.Timeline.WindowsReady,
            },
            ["consoleTail"] = new JsonArray([.. result.ConsoleTail.Select(l => (JsonNode?)JsonValue.Create(l))]),
            ["cloud"] = kind.Name(),
            ["outcome"] = result.Outcome switch
            {
                VerifyOutcome.Ready => "ready",
                VerifyOutcome.KeyMismatch => "key-mismatch",
                VerifyOutcome.Cancelled => "cancelled",
                _ => "not-ready",
            },
            ["consoleReady"] = result.Ready,
            ["reason"] = result.Reason,
            ["explanation"] = result.Explanation,
        };
        if (result.TerminateError is { } error)
        {
            json["terminateError"] = error;
        }

        if (showPassword && result.Password is { } password)
        {
            json["password"] = password.Reveal();
        }

        return json;
    }

    private static void WriteVerifyText(CliContext context, VerifyImageResult result, bool showPassword)
    {
        var output = context.Out;
        output.WriteLine($"instance      {result.InstanceId} ({(result.Terminated ? "terminated" : "not terminated")})");
        output.WriteLine($"image         {result.ImageId}");
        output.WriteLine($"ready         {(result.Ready ? "yes" : "no")}");
        output.WriteLine($"password      {(result.PasswordDecrypted ? showPassword ? result.Password!.Reveal() : "decrypted (--show-password prints it)" : "not decrypted")}");
        var t = result.Timeline;
        output.WriteLine($"timeline      running {Format(t.Running)} s, sysprep complete {Format(t.SysprepComplete)} s, " +
            $"password {Format(t.PasswordAvailable)} s, Windows ready {Format(t.WindowsReady)} s");
        if (result.Outcome != VerifyOutcome.Ready)
        {
            output.WriteLine($"reason        {result.Reason}");
            if (result.Explanation is { } why)
            {
                output.WriteLine($"console says  {why}");
            }

            foreach (var line in result.ConsoleTail)
            {
                output.WriteLine($"  | {line}");
            }
        }
    }

    private static string Format(double? seconds) => seconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
