using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Cloud;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Spectre.Console;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal password</c> and <c>reseal metadata</c>: the instance password exchange and metadata, from any OS.</summary>
internal static class CloudCommands
{
    /// <summary>Largest console output read for <c>password decrypt</c>; EC2 keeps the last 64 KB, GCE's serial port 1 MB.</summary>
    private const long MaxConsoleBytes = 64L * 1024 * 1024;

    public static Command Password(CliContext context)
    {
        var command = new Command("password", "Decrypt the administrator password an instance published (EC2Config, EC2Launch v1/v2, Cloudbase-Init/Nova, GCE), or generate one.");
        command.Subcommands.Add(Decrypt(context));
        command.Subcommands.Add(Generate(context));
        return command;
    }

    private static Command Decrypt(CliContext context)
    {
        var key = new Option<string>("--key", "-k")
        {
            Description = "The private launch key: PEM (PKCS#1 or PKCS#8) or OpenSSH, RSA of at least 2048 bits, without a passphrase.",
            Required = true,
            HelpName = "file",
        };
        var data = new Option<string?>("--data") { Description = "The base64 ciphertext itself (aws ec2 get-password-data's PasswordData, nova get-password's output).", HelpName = "base64" };
        var consoleOutput = new Option<string?>("--console-output")
        {
            Description = "A file with the instance's console or serial output (the latest <Password> block or GCE reply for this key is used), or the JSON of aws ec2 get-password-data or Nova's os-server-password.",
            HelpName = "file",
        };
        var input = new Argument<string?>("input")
        {
            Description = "- to read console output, password API JSON or base64 from standard input.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var padding = new Option<string>("--padding")
        {
            Description = "How the ciphertext was encrypted: auto (try PKCS#1 v1.5 then OAEP SHA-1/256/512), pkcs1, oaep-sha1, oaep-sha256, oaep-sha512.",
            DefaultValueFactory = _ => "auto",
        };
        padding.AcceptOnlyFromAmong("auto", "pkcs1", "oaep-sha1", "oaep-sha256", "oaep-sha512");
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("decrypt", "Decrypt an instance's administrator password with the private launch key. Prints the password on standard output.")
        {
            key, data, consoleOutput, input, padding, format,
        };
        command.SetAction(parse =>
        {
            var sources = new[] { parse.GetValue(data) is not null, parse.GetValue(consoleOutput) is not null, parse.GetValue(input) is not null }.Count(x => x);
            if (sources != 1)
            {
                throw new UsageException("give exactly one of --data, --console-output or - (standard input)");
            }

            if (parse.GetValue(input) is { } dash && dash != "-")
            {
                throw new UsageException($"'{dash}': use --console-output FILE for a file, or - for standard input");
            }

            var keyPath = parse.GetValue(key)!;
            using var privateKey = Guard(() => RsaPrivateKey.Load(keyPath), keyPath);
            EncryptedPassword encrypted;
            if (parse.GetValue(data) is { } base64)
            {
                encrypted = Guard(() => EncryptedPassword.FromBase64(base64, PaddingOf(parse.GetValue(padding)!)), "--data");
            }
            else
            {
                var (text, origin) = parse.GetValue(consoleOutput) is { } file ? (ReadBounded(file), file) : (context.ReadInput(MaxConsoleBytes, "console output"), "<stdin>");
                encrypted = Guard(() => PasswordOutputParser.FindLatest(text, privateKey.PublicKey), origin);
                if (PaddingOf(parse.GetValue(padding)!) is { } forced)
                {
                    encrypted = encrypted with { Padding = forced };
                }
            }

            var password = Guard(() => encrypted.Decrypt(privateKey), keyPath);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["password"] = password.Reveal(),
                    ["userName"] = encrypted.UserName,
                    ["source"] = encrypted.Source.ToString(),
                    ["line"] = encrypted.Line == 0 ? null : encrypted.Line,
                    ["keyFingerprint"] = privateKey.PublicKey.Sha256Fingerprint,
                }));
            }
            else
            {
                context.Out.WriteLine(password.Reveal());
                if (encrypted.UserName is { } user)
                {
                    context.Message($"user: {user}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Generate(CliContext context)
    {
        var length = new Option<int>("--length", "-l")
        {
            Description = "Number of characters (at least the number of required classes; at most 256).",
            DefaultValueFactory = _ => PasswordPolicy.Default.Length,
        };
        var alphabet = new Option<string?>("--alphabet") { Description = "Characters to draw from (default: letters, digits and symbols safe in cmd, PowerShell and RDP).", HelpName = "chars" };
        var classes = new Option<int>("--classes")
        {
            Description = "How many of the four classes (upper, lower, digit, symbol) must appear; Windows complexity needs 3.",
            DefaultValueFactory = _ => 4,
        };
        var command = new Command("generate", "Print a random password from the OS's cryptographic generator that meets Windows complexity rules.")
        {
            length, alphabet, classes,
        };
        command.SetAction(parse =>
        {
            PasswordPolicy policy;
            try
            {
                policy = PasswordPolicy.Create(parse.GetValue(length), parse.GetValue(alphabet), parse.GetValue(classes));
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            context.Out.WriteLine(PasswordGenerator.Generate(policy).Reveal());
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Metadata(CliContext context)
    {
        var command = new Command("metadata", "Instance metadata, as the agent sees it: for debugging an instance.");
        var source = new Option<string>("--source", "-s")
        {
            Description = "Where to read: auto (detect, in order config drive, NoCloud, GCE, Azure, OpenStack, EC2), ec2, openstack, configdrive, nocloud, gce, azure.",
            DefaultValueFactory = _ => "auto",
        };
        source.AcceptOnlyFromAmong("auto", "ec2", "openstack", "configdrive", "nocloud", "gce", "azure");
        var endpoint = new Option<string?>("--endpoint")
        {
            Description = "Base URL of an HTTP source (default: its documented address), or the folder a config drive / NoCloud seed is mounted at.",
            HelpName = "url|folder",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Give up after this many seconds in all.",
            DefaultValueFactory = _ => 60,
            HelpName = "seconds",
        };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var show = new Command("show", "Print what a metadata provider returns: instance id, host name, keys, zone, user data size. Exit 4 when no provider answers.")
        {
            source, endpoint, timeout, format,
        };
        show.SetAction(async (parse, cancellation) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds is <= 0 or > 3600)
            {
                throw new UsageException("--timeout must be between 0 and 3600 seconds");
            }

            var options = MetadataHttpOptions.Default with { OperationTimeout = TimeSpan.FromSeconds(seconds) };
            var name = parse.GetValue(source)!;
            var url = parse.GetValue(endpoint);
            if (name == "auto" && url is not null)
            {
                throw new UsageException("--endpoint needs --source: it names where one provider is");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
            var providers = name == "auto"
                ? MetadataDetector.CreateProviders(options: options)
                : [Guard(() => MetadataDetector.Create(MetadataDetector.ParseSource(name), url, options), url ?? name)];
            try
            {
                IMetadataProvider? provider = providers.Count == 1 && name != "auto" ? providers[0] : null;
                if (provider is null)
                {
                    var detection = await MetadataDetector.DetectAsync(providers, deadline.Token).ConfigureAwait(false);
                    foreach (var attempt in detection.Tried)
                    {
                        context.Message($"{attempt.Source} at {attempt.Endpoint}: {(attempt.Answered ? "answered" : "no answer")}");
                    }

                    provider = detection.Provider ?? throw new EnvironmentException("no metadata provider answered; is this a cloud instance? (use --source and --endpoint to name one)");
                }

                InstanceMetadata metadata;
                try
                {
                    metadata = await provider.GetMetadataAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (CloudException e)
                {
                    throw new EnvironmentException(e.Message);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    throw new EnvironmentException($"{provider.Source} at {provider.Endpoint} did not answer within {seconds:0.#} s");
                }

                if (parse.GetValue(format) == OutputFormat.Json)
                {
                    context.Out.WriteLine(metadata.ToJson());
                }
                else
                {
                    WriteMetadataText(context, metadata);
                }

                return ExitCodes.Success;
            }
            finally
            {
                foreach (var p in providers)
                {
                    p.Dispose();
                }
            }
        });
        command.Subcommands.Add(show);
        return command;
    }

    private static void WriteMetadataText(CliContext context, InstanceMetadata metadata)
    {
        var table = new Table().AddColumns("Field", "Value");
        void Row(string field, string? value) => table.AddRow(field, Markup.Escape(value ?? "-"));
        Row("source", metadata.Source.ToString());
        Row("endpoint", metadata.Endpoint);
        Row("protocol", metadata.Protocol);
        Row("instance id", metadata.InstanceId);
        Row("host name", metadata.HostName);
        Row("instance type", metadata.InstanceType);
        Row("zone", metadata.Zone);
        Row("local IPv4", metadata.LocalIPv4);
        Row("public keys", metadata.PublicKeys.Count == 0 ? "none" : string.Join(Environment.NewLine, metadata.PublicKeys.Select(Abbreviate)));
        Row("user data", metadata.HasUserData ? $"{metadata.UserData.Length:N0} bytes" : "none");
        Row("network data", metadata.NetworkData is null ? null : $"{metadata.NetworkData.Length:N0} characters");
        context.Console.Write(table);
    }

    private static string Abbreviate(string key) => key.Length <= 60 ? key : $"{key[..30]}…{key[^25..]}";

    private static PasswordPadding? PaddingOf(string name) => name switch
    {
        "pkcs1" => PasswordPadding.Pkcs1,
        "oaep-sha1" => PasswordPadding.OaepSha1,
        "oaep-sha256" => PasswordPadding.OaepSha256,
        "oaep-sha512" => PasswordPadding.OaepSha512,
        _ => null,
    };

    private static string ReadBounded(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new BadInputException($"{path}: file not found");
        }

        if (info.Length > MaxConsoleBytes)
        {
            throw new BadInputException($"{path}: {info.Length:N0} bytes is more console output than any cloud keeps (limit {MaxConsoleBytes:N0}); pass the last part of it");
        }

        return File.ReadAllText(path);
    }

    /// <summary>Runs a Cloud call and turns its expected failures into bad-input errors that name the input.</summary>
    private static T Guard<T>(Func<T> call, string what)
    {
        try
        {
            return call();
        }
        catch (CloudException e)
        {
            throw new BadInputException(e.Message.StartsWith(what, StringComparison.Ordinal) ? e.Message : $"{what}: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
