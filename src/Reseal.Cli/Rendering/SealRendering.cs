using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Reseal.Sysprep.Panther;
using Reseal.Sysprep.Seal;

namespace Reseal.Cli.Rendering;

/// <summary>
/// <c>reseal seal</c>'s output for a run of the running machine and for an offline apply or rollback, as text for
/// people and JSON for machines: the library returns the models, what they look like is decided here.
/// </summary>
internal static class SealRendering
{
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
            text.Append("\nDiagnosis of the Panther logs:\n").Append(PantherDiagnosisFormatter.ToText(result.Diagnosis));
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
        ["diagnosis"] = result.Diagnosis is null ? null : PantherDiagnosisFormatter.ToJson(result.Diagnosis),
        ["preflight"] = result.Report?.ToJson(), // the preflight report still renders itself (issue 14: to move here too)
    };
}
