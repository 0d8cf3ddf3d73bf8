using System.CommandLine;
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
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(PantherDiagnosisFormatter.ToJson(diagnosis)));
                foreach (var problem in diagnosis.Problems)
                {
                    context.Message($"{problem.Path}: {problem.Message}");
                }
            }
            else
            {
                // The text report names unreadable paths itself.
                context.Out.Write(PantherDiagnosisFormatter.ToText(diagnosis));
            }

            return Task.FromResult(diagnosis.Outcome switch
            {
                SysprepOutcome.Succeeded or SysprepOutcome.Unknown when diagnosis.Sources.Count > 0 => ExitCodes.Success,
                SysprepOutcome.Failed or SysprepOutcome.Incomplete => ExitCodes.Findings,
                _ => ExitCodes.BadInput,
            });
        });
        return command;
    }
}
