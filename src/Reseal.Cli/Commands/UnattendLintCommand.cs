using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Spectre.Console;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal unattend lint</c> and <c>reseal unattend rules</c>: check answer files against the catalog and list the rules.</summary>
internal static class UnattendLintCommand
{
    internal static Command Lint(CliContext context)
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
        var windows = UnattendCommands.WindowsOption("Windows release to check against (deprecated, removed and new settings)");
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
                Windows = UnattendCommands.ParseWindows(parse.GetValue(windows)),
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
            context.WriteLine($"{finding.Where}: ", new Styled(word, colour), " ", new Styled(finding.Rule.Id, "bold"), $": {finding.Message}");
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

    internal static Command Rules(CliContext context)
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
