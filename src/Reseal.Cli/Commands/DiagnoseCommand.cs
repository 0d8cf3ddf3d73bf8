using System.CommandLine;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Panther;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal diagnose</c>: why Sysprep or Setup failed, from the Panther logs, on any OS.</summary>
internal static class DiagnoseCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "setupact.log / setuperr.log files, Panther folders, or a Windows tree (its Panther folders are found).",
            Arity = ArgumentArity.OneOrMore,
        }.RejectOptionLikeTokens();
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("diagnose", "Read Sysprep and Setup logs and name the root cause, the evidence lines and the fix. Exit 0 when Sysprep succeeded, 1 when it failed or did not finish, 3 when no log could be read.")
        {
            paths, format,
        };
        command.SetAction((parse, cancellation) =>
        {
            var diagnosis = new PantherDiagnoser().Diagnose(parse.GetValue(paths)!, cancellation);
            var code = diagnosis.Outcome switch
            {
                SysprepOutcome.Succeeded or SysprepOutcome.Unknown when diagnosis.Sources.Count > 0 => ExitCodes.Success,
                SysprepOutcome.Failed or SysprepOutcome.Incomplete => ExitCodes.Findings,
                _ => ExitCodes.BadInput,
            };
            var json = parse.GetValue(format) == OutputFormat.Json;
            context.Out.Write(json ? Json.Write(PantherRendering.Json(diagnosis)) + Environment.NewLine : PantherRendering.Text(diagnosis));
            // The text report names unreadable paths itself; standard error says so too when that is why nothing was
            // read (exit 3), and always for JSON, whose standard output is for machines.
            if (json || code == ExitCodes.BadInput)
            {
                foreach (var problem in diagnosis.Problems)
                {
                    context.Message($"{(code == ExitCodes.BadInput ? "error: " : string.Empty)}{problem.Path}: {problem.Message}");
                }
            }

            return Task.FromResult(code);
        });
        return command;
    }
}
