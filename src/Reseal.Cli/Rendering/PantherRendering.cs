using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

using Reseal.Sysprep.Panther;

namespace Reseal.Cli.Rendering;

/// <summary>
/// <c>reseal diagnose</c>'s output, and the diagnosis part of a failed seal run: a <see cref="PantherDiagnosis"/> for
/// people (text) and machines (JSON). Key names are stable. The library returns the model; what it looks like is decided here.
/// </summary>
internal static class PantherRendering
{
    /// <summary>Plain text, one block per finding, evidence as <c>file:line: text</c>.</summary>
    public static string Text(PantherDiagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        var text = new StringBuilder();
        text.Append("Outcome: ").AppendLine(Name(diagnosis.Outcome));
        text.AppendLine(diagnosis.Summary);
        if (diagnosis.ImageState is { } state)
        {
            text.Append("ImageState: ").Append(state.Value).Append(" (").Append(state.Meaning).AppendLine(")");
        }

        foreach (var problem in diagnosis.Problems)
        {
            text.Append("error: ").AppendLine(problem.ToString());
        }

        if (diagnosis.RootCause is { } root)
        {
            text.AppendLine();
            text.Append("Root cause: ").Append(root.Id).Append(' ').AppendLine(root.Signature.Title);
            AppendFinding(text, root, "  ");
        }

        if (diagnosis.OtherFindings.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Other findings:");
            foreach (var finding in diagnosis.OtherFindings)
            {
                text.Append("  ").Append(finding.Id).Append(' ').Append(finding.Signature.Title)
                    .Append(Invariant($" ×{finding.Occurrences}"))
                    .Append(finding.Signature.IsNoise ? " (usually noise)" : string.Empty)
                    .Append(finding.Signature.IsSummary ? " (summary)" : string.Empty)
                    .AppendLine(finding.InLatestRun ? string.Empty : " (earlier run)");
                text.Append("    at ").AppendLine(finding.Evidence[^1].ToString());
                text.Append("    fix: ").AppendLine(finding.Fix);
            }
        }

        if (diagnosis.UnknownErrors.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Unknown errors:");
            foreach (var group in diagnosis.UnknownErrors)
            {
                text.Append(Invariant($"  {group.Count,5} × ")).Append(group.Pattern)
                    .AppendLine(group.InLatestRun ? string.Empty : " (earlier run)");
                text.Append("        first ").AppendLine(group.First.ToString());
                if (group.Count > 1)
                {
                    text.Append("        last  ").AppendLine(group.Last.ToString());
                }
            }
        }

        if (diagnosis.Runs.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Sysprep runs:");
            foreach (var run in diagnosis.Runs)
            {
                text.Append("  ").Append(run.File).Append(Invariant($":{run.StartLine}"))
                    .Append(run.EndLine is { } end ? Invariant($"-{end}") : " (did not end)")
                    .Append(run.StartTimestamp is null ? string.Empty : " " + run.StartTimestamp)
                    .Append(run.Options.Count == 0 ? string.Empty : " /" + string.Join(" /", run.Options).ToLowerInvariant())
                    .Append(run.Mode is null ? string.Empty : " mode " + run.Mode)
                    .AppendLine(Invariant($", {run.ErrorLines} error(s), {run.WarningLines} warning(s)"));
            }
        }

        foreach (var source in diagnosis.Sources.Where(s => s.Note is not null))
        {
            text.Append("note: ").Append(source.Path).Append(": ").AppendLine(source.Note);
        }

        return text.ToString();
    }

    /// <summary>JSON: outcome, summary, rootCause, otherFindings, unknownErrors, runs, sources, successTag, problems.</summary>
    public static JsonObject Json(PantherDiagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        return new JsonObject
        {
            ["outcome"] = Name(diagnosis.Outcome),
            ["summary"] = diagnosis.Summary,
            ["rootCause"] = diagnosis.RootCause is null ? null : Finding(diagnosis.RootCause),
            ["otherFindings"] = Array(diagnosis.OtherFindings.Select(Finding)),
            ["unknownErrors"] = Array(diagnosis.UnknownErrors.Select(u => new JsonObject
            {
                ["pattern"] = u.Pattern,
                ["count"] = u.Count,
                ["inLatestRun"] = u.InLatestRun,
                ["first"] = Evidence(u.First),
                ["last"] = Evidence(u.Last),
            })),
            ["runs"] = Array(diagnosis.Runs.Select(r => new JsonObject
            {
                ["file"] = r.File,
                ["startLine"] = r.StartLine,
                ["endLine"] = r.EndLine,
                ["start"] = r.StartTimestamp,
                ["end"] = r.EndTimestamp,
                ["ended"] = r.Ended,
                ["options"] = Array(r.Options.Select(o => (JsonNode)JsonValue.Create(o))),
                ["mode"] = r.Mode,
                ["errors"] = r.ErrorLines,
                ["warnings"] = r.WarningLines,
                ["lastLines"] = Array(r.LastLines.Select(Evidence)),
            })),
            ["sources"] = Array(diagnosis.Sources.Select(s => new JsonObject
            {
                ["path"] = s.Path,
                ["encoding"] = s.Encoding,
                ["length"] = s.Length,
                ["bytesRead"] = s.BytesRead,
                ["lines"] = s.Lines,
                ["note"] = s.Note,
            })),
            ["successTag"] = diagnosis.SuccessTag,
            ["imageState"] = diagnosis.ImageState is not { } state ? null : new JsonObject
            {
                ["value"] = state.Value,
                ["meaning"] = state.Meaning,
                ["source"] = state.Source,
            },
            ["problems"] = Array(diagnosis.Problems.Select(p => new JsonObject { ["path"] = p.Path, ["message"] = p.Message })),
        };
    }

    /// <summary>The lower-case name used in text and JSON (<c>failed</c>, <c>noLogs</c>...).</summary>
    public static string Name(SysprepOutcome outcome) => outcome switch
    {
        SysprepOutcome.Succeeded => "succeeded",
        SysprepOutcome.Failed => "failed",
        SysprepOutcome.Incomplete => "incomplete",
        SysprepOutcome.NoLogs => "noLogs",
        _ => "unknown",
    };

    private static void AppendFinding(StringBuilder text, DiagnosisFinding finding, string indent)
    {
        text.Append(indent).Append("cause: ").AppendLine(finding.Cause);
        text.Append(indent).Append("fix: ").AppendLine(finding.Fix);
        foreach (var (name, value) in finding.Variables.Where(v => v.Value.Length > 0))
        {
            text.Append(indent).Append(name).Append(": ").AppendLine(value);
        }

        text.Append(indent).AppendLine(Invariant($"evidence ({finding.Occurrences} line(s)):"));
        foreach (var evidence in finding.Evidence)
        {
            text.Append(indent).Append("  ").AppendLine(evidence.ToString());
        }

        text.Append(indent).Append("source: ").AppendLine(finding.Signature.Source);
    }

    private static JsonObject Finding(DiagnosisFinding f)
    {
        var variables = new JsonObject();
        foreach (var (name, value) in f.Variables)
        {
            variables[name] = value;
        }

        return new JsonObject
        {
            ["id"] = f.Id,
            ["title"] = f.Signature.Title,
            ["severity"] = f.Signature.Severity.ToString().ToLowerInvariant(),
            ["noise"] = f.Signature.IsNoise,
            ["summary"] = f.Signature.IsSummary,
            ["inLatestRun"] = f.InLatestRun,
            ["occurrences"] = f.Occurrences,
            ["cause"] = f.Cause,
            ["fix"] = f.Fix,
            ["source"] = f.Signature.Source,
            ["variables"] = variables,
            ["evidence"] = Array(f.Evidence.Select(Evidence)),
        };
    }

    private static JsonObject Evidence(LogEvidence e) => new()
    {
        ["file"] = e.File,
        ["line"] = e.Line,
        ["timestamp"] = e.Timestamp,
        ["text"] = e.Text,
    };

    private static JsonArray Array(IEnumerable<JsonNode?> items) => new(items.ToArray());

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
