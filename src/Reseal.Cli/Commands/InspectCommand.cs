using System.CommandLine;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Inspection;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal inspect</c>: is an offline Windows tree ready to seal? From any OS.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var root = new Option<string>("--root", "-r")
        {
            Description = "The Windows tree: a mounted image or a copy (the folder that holds Windows\\System32\\config).",
            Required = true,
            HelpName = "dir",
        };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("inspect", "Read an offline Windows tree (hives, answer files, Panther logs, agents) and report what would break a Sysprep seal, each finding with its fix. Exit 0 ready to seal, 1 findings that block sealing, 3 not a Windows tree or unreadable.")
        {
            root, format,
        };
        command.SetAction(parse =>
        {
            var tree = parse.GetValue(root)!;
            var report = WindowsInspector.Inspect(tree);
            context.Out.Write(parse.GetValue(format) == OutputFormat.Json ? ReportJson.Text(InspectionRendering.Json(report)) + Environment.NewLine : InspectionRendering.Text(report));
            return SealCommand.SayWhyBadInput(context, tree, ExitCodes.For(report.Readiness), ReportSummary.Of(report));
        });
        return command;
    }
}
