using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Unattend.Explain;
using Reseal.Unattend.Model;
using Spectre.Console;

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
}
