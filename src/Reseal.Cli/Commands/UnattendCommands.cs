using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Explain;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Unattend.Profiles;
using Spectre.Console;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal unattend</c>: write, lint and explain Windows answer files, and encode their passwords.</summary>
internal static class UnattendCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("unattend", "Windows answer files (unattend.xml): write, lint, explain, and encode passwords. Works on any OS.");
        command.Subcommands.Add(Lint(context));
        command.Subcommands.Add(Explain(context));
        command.Subcommands.Add(New(context));
        command.Subcommands.Add(Get(context));
        command.Subcommands.Add(Set(context));
        command.Subcommands.Add(Remove(context));
        command.Subcommands.Add(Password(context));
        command.Subcommands.Add(Rules(context));
        return command;
    }

    private static Command Lint(CliContext context)
    {
        var files = new Argument<string[]>("file")
        {
            Description = "Answer files to check; - reads one from standard input.",
            Arity = ArgumentArity.OneOrMore,
        }.RejectOptionLikeTokens();
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json, OutputFormat.Sarif);
        var failOn = new Option<string>("--fail-on")
        {
            Description = "Lowest severity that makes the exit code 1: error, warning, info or none.",
            DefaultValueFactory = _ => "warning",
            HelpName = "error|warning|info|none",
        };
        failOn.AcceptOnlyFromAmong("error", "warning", "info", "none");
        var cached = new Option<bool>("--cached")
        {
            Description = "Treat every file as one Setup caches (%WINDIR%\\Panther): clear-text passwords become errors. Paths under a Panther folder are treated so anyway.",
        };
        var windows = WindowsOption("Windows release to check against (deprecated, removed and new settings)");
        var arch = new Option<string?>("--arch")
        {
            Description = "The image's processor architecture: components for another one are errors (RU016). Without it, not checked.",
            HelpName = "amd64|arm64|x86",
        };
        arch.AcceptOnlyFromAmong("amd64", "arm64", "x86");
        var template = new Option<bool>("--template")
        {
            Description = "The files are templates: placeholders in commands and free text (%VAR%, {Var}) are left unchecked too. Unambiguous placeholders ({{ var }}, {% if %}, $Var$) are recognised without it.",
        };
        var command = new Command("lint", "Check answer files against Microsoft's Unattended Windows Setup Reference and for mistakes that break Setup or Sysprep or leave secrets behind. Exit 1 when findings reach --fail-on, 3 when a file is unreadable or not XML.")
        {
            files, format, failOn, cached, windows, arch, template,
        };
        command.SetAction(parse =>
        {
            var linter = new AnswerFileLinter();
            var options = new LintOptions
            {
                Cached = parse.GetValue(cached) ? true : null,
                Windows = ParseWindows(parse.GetValue(windows)),
                Architecture = parse.GetValue(arch),
                Template = parse.GetValue(template),
            };
            var reports = new List<LintReport>();
            foreach (var path in parse.GetValue(files)!)
            {
                if (path == "-")
                {
                    try
                    {
                        // Bytes, not text: the reader decides the encoding (BOM, XML declaration) exactly as for a file.
                        var bytes = context.ReadInputBytes(AnswerFileReadOptions.Default.MaxBytes, "answer file");
                        reports.Add(linter.Lint(AnswerFileReader.Read(bytes, "<stdin>"), options));
                    }
                    catch (AnswerFileFormatException e)
                    {
                        reports.Add(AnswerFileLinter.Unreadable(e));
                    }
                }
                else
                {
                    reports.Add(linter.LintFile(path, options));
                }
            }

            switch (parse.GetValue(format))
            {
                case OutputFormat.Json:
                    WriteLintJson(context.Out, reports);
                    break;
                case OutputFormat.Sarif:
                    Sarif.Write(context.Out, reports);
                    break;
                default:
                    WriteLintText(context, reports);
                    break;
            }

            foreach (var report in reports.Where(r => r.Windows is not null && r.WindowsSource == WindowsReleaseSource.OfflineImage))
            {
                context.Message($"{report.File}: checked against {report.Windows}, the image its cpi:offlineImage names (--windows overrides)");
            }

            var summary = $"{reports.Count} file{(reports.Count == 1 ? string.Empty : "s")}: " +
                $"{reports.Sum(r => r.Count(Severity.Error))} errors, {reports.Sum(r => r.Count(Severity.Warning))} warnings, {reports.Sum(r => r.Count(Severity.Info))} info";
            context.Message(summary);
            if (reports.Any(r => !r.Readable))
            {
                return ExitCodes.BadInput;
            }

            var threshold = parse.GetValue(failOn) switch
            {
                "error" => (Severity?)Severity.Error,
                "info" => Severity.Info,
                "none" => null,
                _ => Severity.Warning,
            };
            return threshold is { } t && reports.Any(r => r.HasFindingsAtOrAbove(t)) ? ExitCodes.Findings : ExitCodes.Success;
        });
        return command;
    }

    private static void WriteLintText(CliContext context, IEnumerable<LintReport> reports)
    {
        foreach (var finding in reports.SelectMany(r => r.Findings))
        {
            var (word, colour) = finding.Severity switch
            {
                Severity.Error => ("error", "red"),
                Severity.Warning => ("warning", "yellow"),
                _ => ("info", "blue"),
            };
            context.Console.MarkupLine($"{Markup.Escape(finding.Where)}: [{colour}]{word}[/] [bold]{finding.Rule.Id}[/]: {Markup.Escape(finding.Message)}");
        }
    }

    // Streamed, like SARIF: memory does not grow with the number of findings.
    private static void WriteLintJson(TextWriter output, List<LintReport> reports) => JsonStream.Write(output, json =>
    {
        json.WriteStartObject();
        json.WriteNumber("version", 1);
        json.WriteStartArray("files");
        foreach (var r in reports)
        {
            json.WriteStartObject();
            json.WriteString("path", r.File);
            json.WriteBoolean("readable", r.Readable);
            if (r.Windows is { } windows)
            {
                json.WriteString("windows", windows.Name);
                json.WriteString("windowsSource", r.WindowsSource.ToString().ToLowerInvariant());
            }
            else
            {
                json.WriteNull("windows");
                json.WriteNull("windowsSource");
            }

            json.WriteStartArray("findings");
            foreach (var f in r.Findings)
            {
                json.WriteStartObject();
                json.WriteString("rule", f.Rule.Id);
                json.WriteString("name", f.Rule.Name);
                json.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
                json.WriteString("message", f.Message);
                WriteNumberOrNull(json, "line", f.Position.IsKnown ? f.Position.Line : null);
                WriteNumberOrNull(json, "column", f.Position.IsKnown ? f.Position.Column : null);
                json.WriteString("fix", f.Rule.Fix);
                if (f.Reference is { } reference)
                {
                    json.WriteString("reference", reference);
                }
                else
                {
                    json.WriteNull("reference");
                }

                json.WriteEndObject();
                JsonStream.FlushIfLarge(json);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("summary");
        json.WriteNumber("files", reports.Count);
        json.WriteNumber("errors", reports.Sum(r => r.Count(Severity.Error)));
        json.WriteNumber("warnings", reports.Sum(r => r.Count(Severity.Warning)));
        json.WriteNumber("info", reports.Sum(r => r.Count(Severity.Info)));
        json.WriteEndObject();
        json.WriteEndObject();
    });

    private static void WriteNumberOrNull(System.Text.Json.Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static Command Explain(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The answer file to explain." }.RejectOptionLikeTokens();
        var sysprep = new Option<string>("--sysprep")
        {
            Description = "Sysprep's switches, as you will run it.",
            DefaultValueFactory = _ => "/generalize /oobe /shutdown",
            HelpName = "switches",
        };
        var arch = new Option<string?>("--arch")
        {
            Description = "Architecture of the image: components for others are ignored. Default: the file's, when all its components name one; else amd64.",
            HelpName = "amd64|arm64|x86",
        };
        arch.AcceptOnlyFromAmong("amd64", "arm64", "x86");
        var windows = WindowsOption("Windows release of the image (removed and new settings)");
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("explain", "Show what Sysprep and Setup will do with an answer file, pass by pass in run order, and what they will ignore and why. Exit 3 when the file is not an answer file.")
        {
            file, sysprep, arch, windows, format,
        };
        command.SetAction(parse =>
        {
            SysprepSwitches switches;
            try
            {
                switches = SysprepSwitches.Parse(parse.GetValue(sysprep)!);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--sysprep: {e.Message}");
            }

            var answerFile = AnswerFileReader.ReadFile(parse.GetValue(file)!);
            var explanation = new AnswerFileExplainer().Explain(answerFile, switches, parse.GetValue(arch), ParseWindows(parse.GetValue(windows)));
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(ExplainJson(explanation)));
            }
            else
            {
                WriteExplainText(context, explanation);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteExplainText(CliContext context, Explanation explanation)
    {
        var console = context.Console;
        var archSource = explanation.ArchitectureFromFile ? " (the file's only architecture)" : string.Empty;
        console.MarkupLine($"[bold]sysprep.exe {Markup.Escape(explanation.Switches.ToString())}[/] with {Markup.Escape(explanation.File ?? "<input>")} on an {explanation.Architecture} image{archSource}");
        var number = 0;
        foreach (var step in explanation.Steps)
        {
            number++;
            console.WriteLine();
            console.MarkupLine($"[bold]{number}. {step.Pass.ToXmlName()}[/] — {Markup.Escape(step.When)}");
            if (step.Items.Count == 0)
            {
                console.MarkupLine("   [grey](nothing in this file for this pass)[/]");
            }

            string? lastComponent = null;
            foreach (var item in step.Items)
            {
                if (item.Component != lastComponent)
                {
                    console.MarkupLine($"   {Markup.Escape(item.Component)}");
                    lastComponent = item.Component;
                }

                if (item.Kind == ExplainItemKind.FailingCommand)
                {
                    console.MarkupLine($"     [red]fails[/] {Markup.Escape(item.Path)}: {Markup.Escape(item.Detail ?? string.Empty)}");
                }
                else if (item.Kind == ExplainItemKind.Command)
                {
                    console.MarkupLine($"     [green]run[/] {Markup.Escape(item.Path)}: {Markup.Escape(item.Value ?? string.Empty)}");
                    if (item.Detail is not null)
                    {
                        console.MarkupLine($"         [grey]{Markup.Escape(item.Detail)}[/]");
                    }
                }
                else
                {
                    var detail = item.Detail is null ? string.Empty : $"  [grey]({Markup.Escape(item.Detail)})[/]";
                    console.MarkupLine($"     {Markup.Escape(item.Path)} = {Markup.Escape(item.Value ?? string.Empty)}{detail}");
                }
            }

            if (step.After is not null)
            {
                console.MarkupLine($"   [yellow]→[/] {Markup.Escape(step.After)}");
            }
        }

        if (explanation.Ignored.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold]Ignored[/]");
            foreach (var ignored in explanation.Ignored)
            {
                var line = ignored.Position.IsKnown ? $"line {ignored.Position.Line}: " : string.Empty;
                console.MarkupLine($"   {line}{Markup.Escape(ignored.What)} — {Markup.Escape(ignored.Reason)}");
            }
        }

        foreach (var note in explanation.Notes)
        {
            console.WriteLine();
            console.MarkupLine($"[yellow]Note:[/] {Markup.Escape(note)}");
        }
    }

    private static JsonObject ExplainJson(Explanation e) => new()
    {
        ["sysprep"] = e.Switches.ToString(),
        ["file"] = e.File,
        ["architecture"] = e.Architecture,
        ["architectureFromFile"] = e.ArchitectureFromFile,
        ["steps"] = new JsonArray([.. e.Steps.Select((s, i) => (JsonNode)new JsonObject
        {
            ["step"] = i + 1,
            ["pass"] = s.Pass.ToXmlName(),
            ["when"] = s.When,
            ["items"] = new JsonArray([.. s.Items.Select(item => (JsonNode)new JsonObject
            {
                ["kind"] = item.Kind == ExplainItemKind.FailingCommand ? "failing-command" : item.Kind.ToString().ToLowerInvariant(),
                ["component"] = item.Component,
                ["path"] = item.Path,
                ["value"] = item.Value,
                ["detail"] = item.Detail,
                ["line"] = item.Position.IsKnown ? item.Position.Line : null,
            })]),
            ["after"] = s.After,
        })]),
        ["ignored"] = new JsonArray([.. e.Ignored.Select(i => (JsonNode)new JsonObject
        {
            ["what"] = i.What,
            ["reason"] = i.Reason,
            ["line"] = i.Position.IsKnown ? i.Position.Line : null,
        })]),
        ["notes"] = new JsonArray([.. e.Notes.Select(n => (JsonNode)JsonValue.Create(n))]),
    };

    private static Command New(CliContext context)
    {
        var profile = new Option<string>("--profile", "-p")
        {
            Description = "Whose answer file to write: ec2config, ec2launch, ec2launch-v2, cloudbase-init or generic (Reseal's own).",
            DefaultValueFactory = _ => "generic",
            HelpName = "name",
        };
        profile.AcceptOnlyFromAmong([.. AnswerFileProfiles.ByCliName.Keys]);
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of standard output.", HelpName = "file" };
        var force = new Option<bool>("--force") { Description = "Overwrite --output if it exists." };
        var arch = new Option<string>("--arch") { Description = "processorArchitecture of every component.", DefaultValueFactory = _ => "amd64" };
        arch.AcceptOnlyFromAmong("amd64", "arm64", "x86");
        var locale = new Option<string?>("--locale") { Description = "Input, system, UI and user locale, e.g. en-US (profile default: en-US).", HelpName = "tag" };
        var timeZone = new Option<string?>("--time-zone") { Description = "Windows time zone name, e.g. UTC or \"Pacific Standard Time\" (profile default: UTC).", HelpName = "name" };
        var owner = new Option<string?>("--owner") { Description = "RegisteredOwner.", HelpName = "text" };
        var organization = new Option<string?>("--organization") { Description = "RegisteredOrganization.", HelpName = "text" };
        var adminPassword = new Option<string>("--admin-password")
        {
            Description = "Administrator password at first boot: random (scrambled in specialize; the agent sets and publishes one), static (read from standard input, written obfuscated) or keep.",
            DefaultValueFactory = _ => "random",
            HelpName = "random|static|keep",
        };
        adminPassword.AcceptOnlyFromAmong("random", "static", "keep");
        var copyProfile = new Option<bool?>("--copy-profile") { Description = "Copy the Administrator's profile to the default profile (true/false; profile default).", HelpName = "true|false" };
        var skipRearm = new Option<bool>("--skip-rearm") { Description = "Keep the licensing state (Security-SPP SkipRearm=1) instead of using a rearm." };
        var noRdp = new Option<bool>("--no-rdp-reenable") { Description = "Do not re-enable Remote Desktop in specialize." };
        var command = new Command("new", "Write the Sysprep answer file a launch agent uses (generalize, specialize with RunSynchronous in Order, oobeSystem). The result lints clean.")
        {
            profile, output, force, arch, locale, timeZone, owner, organization, adminPassword, copyProfile, skipRearm, noRdp,
        };
        command.SetAction(parse =>
        {
            var mode = parse.GetValue(adminPassword) switch
            {
                "static" => AdminPasswordMode.Static,
                "keep" => AdminPasswordMode.Keep,
                _ => AdminPasswordMode.Random,
            };
            var target = parse.GetValue(output);
            if (target is not null && File.Exists(target) && !parse.GetValue(force))
            {
                throw new UsageException($"{target} exists; use --force to overwrite it");
            }

            var zone = CheckTimeZone(parse.GetValue(timeZone));
            var tag = CheckLocale(parse.GetValue(locale));
            string? secret = null;
            if (mode == AdminPasswordMode.Static)
            {
                secret = ReadStaticPassword(context);
            }

            var options = new ProfileOptions
            {
                Architecture = parse.GetValue(arch)!,
                Locale = tag,
                TimeZone = zone,
                RegisteredOwner = parse.GetValue(owner),
                RegisteredOrganization = parse.GetValue(organization),
                AdminPassword = mode,
                StaticPassword = secret,
                CopyProfile = parse.GetValue(copyProfile),
                SkipRearm = parse.GetValue(skipRearm),
                RdpReenable = !parse.GetValue(noRdp),
            };
            var name = AnswerFileProfiles.ByCliName[parse.GetValue(profile)!];
            var file = AnswerFileProfiles.Create(name, options);

            // What we write must lint clean; a finding here is a bug in a profile or an option value the user gave.
            var findings = new AnswerFileLinter().Lint(file).Findings;
            if (findings.Count > 0)
            {
                foreach (var finding in findings)
                {
                    context.Message(finding.ToString());
                }

                throw new UsageException("the options given produce an answer file with the findings above; nothing was written");
            }

            if (target is null)
            {
                context.Out.Write(file.ToXmlString());
            }
            else
            {
                file.Save(target);
                context.Message($"wrote {target} ({AnswerFileProfiles.CliName(name)} profile)");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>--time-zone: a Windows time zone name (the registry's Time Zones keys), in the registry's spelling.</summary>
    private static string? CheckTimeZone(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (WindowsTimeZones.Canonical(value) is { } canonical)
        {
            return canonical;
        }

        var near = WindowsTimeZones.Suggestions(value);
        throw new UsageException($"--time-zone '{value}' is not a Windows time zone name" +
            (near.Count > 0 ? $"; did you mean {string.Join(", ", near.Select(n => $"'{n}'"))}?" : string.Empty) +
            " Names are those 'tzutil /l' lists (UTC, Pacific Standard Time, W. Europe Standard Time...), optionally ending in _dstoff.");
    }

    /// <summary>--locale: a language tag as the International-Core pages describe it (language-region).</summary>
    private static string? CheckLocale(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        var parts = trimmed.Split('-');
        var valid = parts.Length is >= 2 and <= 4 && parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 2 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
        return valid
            ? trimmed
            : throw new UsageException($"--locale '{value}' is not a language tag in the form language-region, such as en-US, de-DE or sr-Latn-RS");
    }

    /// <summary>
    /// The static Administrator password: asked twice on a terminal (a typo would lock the image), read once from
    /// redirected input, and refused unless it meets Windows' complexity rules (which Setup enforces when it sets it).
    /// </summary>
    private static string ReadStaticPassword(CliContext context)
    {
        var secret = context.ReadSecret("Administrator password: ");
        if (secret.Length == 0)
        {
            throw new BadInputException("the static Administrator password is empty");
        }

        if (!context.InputRedirected && context.ReadSecret("Again: ") != secret)
        {
            throw new BadInputException("the two passwords differ; nothing was written");
        }

        var password = Reseal.Cloud.Passwords.ClearTextPassword.FromString(secret);
        var complexity = Reseal.Cloud.Passwords.PasswordComplexity.Check(password, "Administrator");
        if (!complexity.Passes)
        {
            throw new BadInputException($"the static Administrator password does not meet Windows complexity rules: {complexity.Problem}");
        }

        return secret;
    }

    /// <summary>The arguments get, set and remove share: FILE PASS COMPONENT/PATH and --arch.</summary>
    private sealed record EditArguments(Argument<string> File, Argument<string> Pass, Argument<string> Path, Option<string?> Arch);

    private static EditArguments EditArgumentsFor(string verb)
    {
        var file = new Argument<string>("file") { Description = "The answer file." }.RejectOptionLikeTokens();
        var pass = new Argument<string>("pass") { Description = "The configuration pass: windowsPE, offlineServicing, generalize, specialize, auditSystem, auditUser or oobeSystem." };
        var path = new Argument<string>("path")
        {
            Description = $"The setting to {verb}: Component/Setting/..., list items by key, e.g. Microsoft-Windows-Shell-Setup/TimeZone, " +
                "Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand[1]/Path, .../LocalAccount[Name=ops]/Group.",
        };
        var arch = new Option<string?>("--arch")
        {
            Description = "The component's processorArchitecture when the pass has it for several (default: the file's only one; amd64 for a file with none).",
            HelpName = "amd64|arm64|x86|wow64",
        };
        arch.AcceptOnlyFromAmong("amd64", "arm64", "x86", "wow64");
        return new EditArguments(file, pass, path, arch);
    }

    private static (AnswerFile File, ConfigurationPass Pass, Reseal.Unattend.Editing.SettingPath Path) ReadEditTarget(ParseResult parse, EditArguments args)
    {
        var passName = parse.GetValue(args.Pass)!;
        if (!ConfigurationPasses.TryParse(passName, out var pass))
        {
            var near = ConfigurationPasses.SuggestionFor(passName);
            throw new UsageException($"'{passName}' is not a configuration pass" + (near is null ? string.Empty : $"; pass names are case-sensitive: did you mean '{near}'?"));
        }

        Reseal.Unattend.Editing.SettingPath path;
        try
        {
            path = Reseal.Unattend.Editing.SettingPath.Parse(parse.GetValue(args.Path)!);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        var file = AnswerFileReader.ReadFile(parse.GetValue(args.File)!);
        if (!file.HasUnattendRoot)
        {
            throw new BadInputException($"{file.Path}: the root element is <{file.Root.Name.LocalName}>, not <unattend>; this is not an answer file");
        }

        return (file, pass, path);
    }

    private static Command Get(CliContext context)
    {
        var args = EditArgumentsFor("print");
        var command = new Command("get", "Print one setting's value (a group's XML as written). Exit 1 when the file does not have it. Passwords are never printed.")
        {
            args.File, args.Pass, args.Path, args.Arch,
        };
        command.SetAction(parse =>
        {
            var (file, pass, path) = ReadEditTarget(parse, args);
            var editor = new Reseal.Unattend.Editing.AnswerFileEditor();
            var element = Edit(() => editor.Find(file, pass, path, parse.GetValue(args.Arch)));
            if (element is null)
            {
                context.Message($"{path} is not in pass {pass.ToXmlName()} of {file.Path}");
                return ExitCodes.Findings;
            }

            if (IsPassword(editor, path, element))
            {
                throw new UsageException($"{path} is a password; reseal does not print passwords (decode an obfuscated value with 'reseal unattend password decode')");
            }

            context.Out.WriteLine(element.HasElements ? element.ToString() : element.Value);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Set(CliContext context)
    {
        var args = EditArgumentsFor("set");
        var value = new Argument<string>("value") { Description = "The new value; - reads it from standard input (hidden on a terminal). Passwords are taken only so, and written obfuscated where Windows allows it." };
        var force = new Option<bool>("--force") { Description = "Write even when the result has lint findings (errors or warnings) the original did not have." };
        var command = new Command("set", "Change one setting, creating its pass, component, groups or list item when missing, and leave every other byte of the file as it was. The result is linted and written atomically; a result that lints worse than the original is refused (exit 1) unless --force.")
        {
            args.File, args.Pass, args.Path, value, args.Arch, force,
        };
        command.SetAction(parse =>
        {
            var (file, pass, path) = ReadEditTarget(parse, args);
            var editor = new Reseal.Unattend.Editing.AnswerFileEditor();
            var arch = parse.GetValue(args.Arch);
            var given = parse.GetValue(value)!;
            var definition = editor.Definition(path);
            var passwordGroup = definition is not null && Reseal.Unattend.Editing.PasswordTargets.IsObfuscatableGroup(definition);
            var password = passwordGroup || (definition is not null && Reseal.Unattend.Editing.PasswordTargets.IsPassword(definition)) || path.Steps[^1].Name.EndsWith("Password", StringComparison.Ordinal);
            if (password && given != "-")
            {
                throw new UsageException($"{path} is a password: give - and type it (or pipe it); passwords on the command line end up in shell history and process lists");
            }

            var text = given == "-" ? (password ? context.ReadSecret("Password: ") : context.ReadInput(AnswerFileReadOptions.Default.MaxBytes, "value").TrimEnd('\r', '\n')) : given;
            var outcome = Edit(() => passwordGroup
                ? editor.SetPassword(file, pass, path, text, arch)
                : editor.Set(file, pass, path, text, arch));
            return WriteEdit(context, file, outcome, parse.GetValue(force));
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var args = EditArgumentsFor("remove");
        var force = new Option<bool>("--force") { Description = "Write even when the result has lint findings the original did not have." };
        var command = new Command("remove", "Remove one setting (with what it holds) and leave every other byte as it was. Exit 1 when the file does not have it or the result lints worse (unless --force).")
        {
            args.File, args.Pass, args.Path, args.Arch, force,
        };
        command.SetAction(parse =>
        {
            var (file, pass, path) = ReadEditTarget(parse, args);
            var editor = new Reseal.Unattend.Editing.AnswerFileEditor();
            if (Edit(() => editor.Find(file, pass, path, parse.GetValue(args.Arch))) is null)
            {
                context.Message($"{path} is not in pass {pass.ToXmlName()} of {file.Path}; nothing was changed");
                return ExitCodes.Findings;
            }

            var outcome = Edit(() => editor.Remove(file, pass, path, parse.GetValue(args.Arch)));
            return WriteEdit(context, file, outcome, parse.GetValue(force));
        });
        return command;
    }

    private static T Edit<T>(Func<T> edit)
    {
        try
        {
            return edit();
        }
        catch (Reseal.Unattend.Editing.AnswerFileEditException e)
        {
            throw new BadInputException(e.Message);
        }
    }

    private static bool IsPassword(Reseal.Unattend.Editing.AnswerFileEditor editor, Reseal.Unattend.Editing.SettingPath path, System.Xml.Linq.XElement element) =>
        editor.Definition(path) is { } definition
            ? Reseal.Unattend.Editing.PasswordTargets.IsPassword(definition) || Reseal.Unattend.Editing.PasswordTargets.IsObfuscatableGroup(definition)
                || (definition.Name == "Value" && editor.Definition(path with { Steps = path.Steps.Take(path.Steps.Count - 1).ToList() }) is { } parent
                    && Reseal.Unattend.Editing.PasswordTargets.IsObfuscatableGroup(parent))
            : element.Name.LocalName.EndsWith("Password", StringComparison.Ordinal);

    /// <summary>
    /// Lints the original and the result; refuses a result with errors or warnings the original did not have (unless
    /// forced), else writes it atomically beside a .bak of the original.
    /// </summary>
    private static int WriteEdit(CliContext context, AnswerFile original, Reseal.Unattend.Editing.EditOutcome outcome, bool force)
    {
        var linter = new AnswerFileLinter();
        var before = linter.Lint(original).Findings;
        var after = linter.Lint(outcome.File).Findings;
        var added = Reseal.Unattend.Editing.LintDelta.Added(before, after).Where(f => f.Severity >= Severity.Warning).ToList();
        foreach (var finding in added)
        {
            context.Message((force ? "new finding: " : "would add: ") + finding);
        }

        if (added.Count > 0 && !force)
        {
            context.Message($"{outcome.Summary}: not written, because the result lints worse than {original.Path} ({added.Count} new finding{(added.Count == 1 ? string.Empty : "s")}); --force writes it anyway");
            return ExitCodes.Findings;
        }

        outcome.File.SaveEdited(original.Path!, outcome.Bytes, keepBackup: true);
        context.Message($"{outcome.Summary} in {original.Path} (previous version kept as {System.IO.Path.GetFileName(original.Path)}.bak)");
        return ExitCodes.Success;
    }

    private static Command Password(CliContext context)
    {
        var command = new Command("password", "Encode or decode answer-file passwords (PlainText=false): Base64 of UTF-16LE of the password plus the element name. Obfuscation, not encryption.");
        var field = new Option<string>("--field")
        {
            Description = "Which element the value is for: administrator (UserAccounts/AdministratorPassword) or password (LocalAccount/Password, AutoLogon/Password).",
            DefaultValueFactory = _ => "administrator",
            HelpName = "administrator|password",
        };
        field.AcceptOnlyFromAmong("administrator", "password");
        var encode = new Command("encode", "Read a password from standard input (first line; hidden prompt on a terminal) and print the value for <Value> with <PlainText>false</PlainText>.") { field };
        encode.SetAction(parse =>
        {
            var password = context.ReadSecret("Password: ");
            context.Out.WriteLine(UnattendPassword.Encode(password, FieldOf(parse.GetValue(field)!)));
            return ExitCodes.Success;
        });

        var decodeField = new Option<string?>("--field")
        {
            Description = "Require the suffix of this element (administrator or password); without it any known suffix is accepted.",
            HelpName = "administrator|password",
        };
        decodeField.AcceptOnlyFromAmong("administrator", "password");
        var decode = new Command("decode", "Read an obfuscated value from standard input (first line) and print the password it hides; the suffix found goes to standard error.") { decodeField };
        decode.SetAction(parse =>
        {
            var value = context.ReadSecret("Value: ").Trim();
            var fieldName = parse.GetValue(decodeField);
            var result = UnattendPassword.Decode(value, fieldName is null ? null : FieldOf(fieldName));
            if (!result.Success)
            {
                throw new BadInputException($"cannot decode the value: {result.Message}");
            }

            context.Out.WriteLine(result.Password);
            context.Message($"suffix: {result.Suffix}");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(encode);
        command.Subcommands.Add(decode);
        return command;
    }

    /// <summary>--windows: one of the releases the catalog knows, by its short name.</summary>
    private static Option<string?> WindowsOption(string what)
    {
        var option = new Option<string?>("--windows")
        {
            Description = $"{what}: {string.Join(", ", WindowsRelease.Names)}. Default: the release the file's cpi:offlineImage names, else the newest.",
            HelpName = "release",
        };
        option.AcceptOnlyFromAmong([.. WindowsRelease.Names]);
        return option;
    }

    private static WindowsRelease? ParseWindows(string? name) =>
        name is null ? null : WindowsRelease.TryParse(name, out var release) ? release : throw new UsageException($"--windows: '{name}' is not one of {string.Join(", ", WindowsRelease.Names)}");

    private static PasswordField FieldOf(string name) => name == "password" ? PasswordField.Password : PasswordField.AdministratorPassword;

    private static Command Rules(CliContext context)
    {
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("rules", "List the lint rules: stable code, severity, what each checks and how to fix it.") { format };
        command.SetAction(parse =>
        {
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonArray([.. LintRules.All.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Id,
                    ["name"] = r.Name,
                    ["severity"] = r.DefaultSeverity.ToString().ToLowerInvariant(),
                    ["description"] = r.Description,
                    ["fix"] = r.Fix,
                })])));
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("Code", "Severity", "Name", "Checks");
            foreach (var rule in LintRules.All)
            {
                table.AddRow(rule.Id, rule.DefaultSeverity.ToString().ToLowerInvariant(), Markup.Escape(rule.Name), Markup.Escape(rule.Description));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
