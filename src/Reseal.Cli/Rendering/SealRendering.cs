using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Reseal.Sysprep.Seal;
using Reseal.Unattend.Profiles;

namespace Reseal.Cli.Rendering;

/// <summary>
/// <c>reseal seal</c>'s output: the preflight report, a run of the running machine, an offline apply or rollback, as
/// text for people and JSON for machines. The library returns the models; what they look like is decided here.
/// </summary>
internal static class SealRendering
{
    /// <summary>The report as text for people: checks, then the plan, then the summary.</summary>
    public static string Text(SealReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"Seal preflight: {report.Root}\n");
        text.Append(c, $"  options: {OptionsText(report)}\n\n");
        text.Append("Checks:\n");
        foreach (var check in report.Checks)
        {
            text.Append(c, $"  {Label(check.Severity),-7} {check.Code}: {check.Message}\n");
            if (check.Severity is not (CheckSeverity.Ok or CheckSeverity.NotApplicable))
            {
                foreach (var evidence in check.Evidence)
                {
                    text.Append(c, $"          - {evidence}\n");
                }

                if (check.Fix is not null)
                {
                    text.Append(c, $"          fix: {check.Fix}\n");
                }
            }
        }

        if (report.Plan is { } plan)
        {
            text.Append("\nPlan (reseal seal would):\n");
            var n = 0;
            foreach (var step in plan.Steps)
            {
                text.Append(c, $"  {++n}. {step.Title} [{step.Id}]{(step.AppliesOffline ? "" : " (running Windows only)")}\n");
                foreach (var change in step.Changes)
                {
                    text.Append(c, $"       - {change}\n");
                }

                text.Append(c, $"       undo: {step.Undo}\n");
                if (step.Id is SealStepIds.FirstBootHook or SealStepIds.RunSysprep && step.Content is { } content)
                {
                    foreach (var line in content.TrimEnd('\r', '\n').Split('\n'))
                    {
                        text.Append(c, $"       | {line.TrimEnd('\r')}\n");
                    }
                }
            }
        }

        text.Append(c, $"\n{ReportSummary.Of(report)}\n");
        return text.ToString();
    }

    /// <summary>The report as a JSON object for machines.</summary>
    public static JsonObject Json(SealReport report)
    {
        var json = new JsonObject(ReportJson.Verdict(report.Root, report.Readiness.ToString(), ExitCodes.For(report.Readiness), ReportSummary.Of(report)))
        {
            ["options"] = new JsonObject
            {
                ["profile"] = report.Options.AnswerFileOverride is null ? AnswerFileProfiles.CliName(ProfileUsed(report)) : null,
                ["agent"] = report.Plan?.Agent is { } agent ? SealAgents.CliName(agent) : null,
                ["answerFile"] = report.Options.AnswerFileOverride,
                ["completion"] = report.Options.Completion.ToString().ToLowerInvariant(),
                ["modeVm"] = report.Options.ModeVm,
                ["clean"] = report.Options.Clean,
                ["force"] = report.Options.Force,
                ["noSysprep"] = report.Options.NoSysprep,
                ["adminPassword"] = report.Options.AdminPassword?.ToString().ToLowerInvariant(),
            },
            ["checks"] = new JsonArray([.. report.Checks.Select(check => (JsonNode)new JsonObject
            {
                ["code"] = check.Code,
                ["severity"] = Label(check.Severity).ToLowerInvariant(),
                ["title"] = check.Title,
                ["message"] = check.Message,
                ["evidence"] = ReportJson.Strings(check.Evidence),
                ["fix"] = check.Fix,
            })]),
        };
        if (report.Plan is { } plan)
        {
            json["plan"] = new JsonObject
            {
                ["steps"] = new JsonArray([.. plan.Steps.Select(step => (JsonNode)new JsonObject
                {
                    ["id"] = step.Id,
                    ["title"] = step.Title,
                    ["changes"] = ReportJson.Strings(step.Changes),
                    ["undo"] = step.Undo,
                    ["appliesOffline"] = step.AppliesOffline,
                    // As in the text form: only the first-boot hook and the Sysprep command line. The answer file's
                    // content can hold passwords and is never printed.
                    ["content"] = step.Id is SealStepIds.FirstBootHook or SealStepIds.RunSysprep ? step.Content : null,
                })]),
                ["withoutSysprep"] = plan.WithoutSysprep,
                ["answerFile"] = plan.AnswerFile is not { } answer ? null : new JsonObject
                {
                    ["source"] = answer.Source,
                    ["path"] = answer.TargetPath,
                    ["locale"] = answer.Locale?.Locale,
                    ["localeSource"] = answer.Locale?.Source,
                    ["localeNote"] = answer.Locale?.Note,
                    ["copyProfile"] = answer.CopyProfile,
                    ["lint"] = ReportJson.Strings(answer.Lint.Findings.Select(f => f.ToString())),
                },
                ["stateFiles"] = ReportJson.Strings(plan.StateFiles),
                ["logFiles"] = ReportJson.Strings(plan.LogFiles),
                ["movedAside"] = new JsonArray([.. plan.StaleAnswerFiles.Select(m => (JsonNode)new JsonObject { ["from"] = m.From, ["to"] = m.To })]),
                ["rdpDenyBefore"] = plan.RdpDenyBefore,
                ["beforeSysprepHook"] = plan.BeforeSysprepHook,
                ["setupComplete"] = new JsonObject
                {
                    ["path"] = plan.SetupComplete.Path,
                    ["existed"] = !plan.SetupComplete.Before.IsDefault,
                    ["unchanged"] = plan.SetupComplete.Unchanged,
                    ["content"] = plan.SetupComplete.AfterText,
                },
                ["sysprep"] = new JsonObject
                {
                    ["path"] = plan.SysprepPath,
                    ["arguments"] = ReportJson.Strings(plan.SysprepArguments),
                    ["commandLine"] = plan.SysprepCommandLine,
                },
            };
        }

        return json;
    }

    /// <summary>An apply or rollback as text for people.</summary>
    public static string Text(SealChangeResult result) =>
        $"{result.Operation}: {result.Message}\n" + string.Concat(result.Changes.Select(c => $"  - {c}\n")) + (result.JournalPath is null ? "" : $"  journal: {result.JournalPath}\n");

    /// <summary>An apply or rollback as JSON for machines.</summary>
    public static JsonObject Json(SealChangeResult result) => new()
    {
        ["operation"] = result.Operation,
        ["succeeded"] = result.Succeeded,
        ["message"] = result.Message,
        ["changes"] = ReportJson.Strings(result.Changes),
        ["journal"] = result.JournalPath,
        ["exitCode"] = ExitCodes.For(result.Status),
    };

    /// <summary>A run as text for people (the preflight report is printed separately, before the run).</summary>
    public static string Text(SealRunResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"seal: {result.Message}\n");
        if (result.FailedStep is not null)
        {
            text.Append(c, $"  failed step: {result.FailedStep}\n");
        }

        if (result.SysprepExitCode is { } code)
        {
            text.Append(c, $"  sysprep exit code: {code}\n");
        }

        if (result.ImageStateBefore is not null || result.ImageStateAfter is not null)
        {
            text.Append(c, $"  ImageState: {result.ImageStateBefore ?? "(absent)"} -> {result.ImageStateAfter ?? "(absent)"}\n");
        }

        foreach (var error in result.SysprepErrors)
        {
            text.Append(c, $"  setuperr.log: {error}\n");
        }

        if (!result.Changes.IsEmpty)
        {
            text.Append(result.Undone ? "  changes (undone):\n" : "  changes:\n");
            foreach (var change in result.Changes)
            {
                text.Append(c, $"    - {change}\n");
            }
        }

        foreach (var problem in result.UndoProblems)
        {
            text.Append(c, $"  NOT UNDONE: {problem}\n");
        }

        foreach (var warning in result.Warnings)
        {
            text.Append(c, $"  warning: {warning}\n");
        }

        if (result.JournalPath is not null)
        {
            text.Append(c, $"  journal: {result.JournalPath}\n");
        }

        if (result.Diagnosis is not null)
        {
            text.Append("\nDiagnosis of the Panther logs:\n").Append(PantherRendering.Text(result.Diagnosis));
        }

        if (result.NextSteps is not null)
        {
            text.Append(c, $"\nNext: {result.NextSteps}\n");
        }

        return text.ToString();
    }

    /// <summary>JSON for machines.</summary>
    public static JsonObject Json(SealRunResult result) => new()
    {
        ["outcome"] = result.Outcome.ToString(),
        ["exitCode"] = ExitCodes.For(result),
        ["message"] = result.Message,
        ["failedStep"] = result.FailedStep,
        ["changes"] = ReportJson.Strings(result.Changes),
        ["undone"] = result.Undone,
        ["undoProblems"] = ReportJson.Strings(result.UndoProblems),
        ["journal"] = result.JournalPath,
        ["sysprepExitCode"] = result.SysprepExitCode,
        ["imageStateBefore"] = result.ImageStateBefore,
        ["imageStateAfter"] = result.ImageStateAfter,
        ["sysprepErrors"] = ReportJson.Strings(result.SysprepErrors),
        ["warnings"] = ReportJson.Strings(result.Warnings),
        ["nextSteps"] = result.NextSteps,
        ["diagnosis"] = result.Diagnosis is null ? null : PantherRendering.Json(result.Diagnosis),
        ["preflight"] = result.Report is null ? null : Json(result.Report),
    };

    private static ProfileName ProfileUsed(SealReport report) => report.Options.Profile ?? SealAgents.Profile(report.Plan?.Agent ?? SealAgent.Reseal);

    private static string OptionsText(SealReport report)
    {
        var parts = new List<string>
        {
            "agent " + (report.Plan?.Agent is { } agent ? SealAgents.CliName(agent) : "(not chosen)"),
            report.Options.AnswerFileOverride is { } file ? "answer file " + file : "profile " + AnswerFileProfiles.CliName(ProfileUsed(report)),
            report.Options.CompletionSwitch,
        };
        if (report.Options.ModeVm)
        {
            parts.Add("/mode:vm");
        }

        if (report.Options.Clean)
        {
            parts.Add("clean");
        }

        if (report.Options.NoSysprep)
        {
            parts[2] = "no Sysprep (shut down)";
        }

        if (report.Options.AdminPassword is { } password)
        {
            parts.Add("admin password " + password.ToString().ToLowerInvariant());
        }

        if (report.Options.Force)
        {
            parts.Add("force");
        }

        return string.Join(", ", parts);
    }

    private static string Label(CheckSeverity severity) => severity switch
    {
        CheckSeverity.Ok => "OK",
        CheckSeverity.NotApplicable => "N/A",
        CheckSeverity.Info => "INFO",
        CheckSeverity.Warning => "WARNING",
        _ => "ERROR",
    };
}
