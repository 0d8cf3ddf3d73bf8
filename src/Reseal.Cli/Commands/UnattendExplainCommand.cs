using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Unattend.Explain;
using Reseal.Unattend.Model;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal unattend explain</c>: what an answer file does, pass by pass.</summary>
internal static class UnattendExplainCommand
{
    internal static Command Explain(CliContext context)
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
        var windows = UnattendCommands.WindowsOption("Windows release of the image (removed and new settings)");
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
            var explanation = new AnswerFileExplainer().Explain(answerFile, switches, parse.GetValue(arch), UnattendCommands.ParseWindows(parse.GetValue(windows)));
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
        var archSource = explanation.ArchitectureFromFile ? " (the file's only architecture)" : string.Empty;
        context.WriteLine(new Styled($"sysprep.exe {explanation.Switches}", "bold"), $" with {explanation.File ?? "<input>"} on an {explanation.Architecture} image{archSource}");
        var number = 0;
        foreach (var step in explanation.Steps)
        {
            number++;
            context.WriteLine();
            context.WriteLine(new Styled($"{number}. {step.Pass.ToXmlName()}", "bold"), $" — {step.When}");
            if (step.Items.Count == 0)
            {
                context.WriteLine("   ", new Styled("(nothing in this file for this pass)", "grey"));
            }

            string? lastComponent = null;
            foreach (var item in step.Items)
            {
                if (item.Component != lastComponent)
                {
                    context.WriteLine($"   {item.Component}");
                    lastComponent = item.Component;
                }

                if (item.Kind == ExplainItemKind.FailingCommand)
                {
                    context.WriteLine("     ", new Styled("fails", "red"), $" {item.Path}: {item.Detail}");
                }
                else if (item.Kind == ExplainItemKind.Command)
                {
                    context.WriteLine("     ", new Styled("run", "green"), $" {item.Path}: {item.Value}");
                    if (item.Detail is not null)
                    {
                        context.WriteLine("         ", new Styled(item.Detail, "grey"));
                    }
                }
                else
                {
                    var setting = $"     {item.Path} = {item.Value}";
                    if (item.Detail is null)
                    {
                        context.WriteLine(setting);
                    }
                    else
                    {
                        context.WriteLine(setting, "  ", new Styled($"({item.Detail})", "grey"));
                    }
                }
            }

            if (step.After is not null)
            {
                context.WriteLine("   ", new Styled("→", "yellow"), $" {step.After}");
            }
        }

        if (explanation.Ignored.Count > 0)
        {
            context.WriteLine();
            context.WriteLine(new Styled("Ignored", "bold"));
            foreach (var ignored in explanation.Ignored)
            {
                var line = ignored.Position.IsKnown ? $"line {ignored.Position.Line}: " : string.Empty;
                context.WriteLine($"   {line}{ignored.What} — {ignored.Reason}");
            }
        }

        foreach (var note in explanation.Notes)
        {
            context.WriteLine();
            context.WriteLine(new Styled("Note:", "yellow"), $" {note}");
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
}
