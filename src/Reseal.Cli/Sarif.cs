using System.Text.Json;
using Reseal.Unattend.Lint;

namespace Reseal.Cli;

/// <summary>
/// SARIF 2.1.0 output for code-scanning tools (GitHub, Azure DevOps, VS Code SARIF viewer). Streamed: each result is
/// written as it is produced, so memory does not grow with the number of findings (a document built in memory first
/// once took 3.1 GB for one 15 MB file).
/// </summary>
internal static class Sarif
{
    public static void Write(TextWriter output, IReadOnlyList<LintReport> reports) => JsonStream.Write(output, json =>
    {
        var rules = LintRules.All.ToList();
        var index = rules.Select((rule, i) => (rule, i)).ToDictionary(p => p.rule.Id, p => p.i, StringComparer.Ordinal);
        json.WriteStartObject();
        json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        json.WriteString("version", "2.1.0");
        json.WriteStartArray("runs");
        json.WriteStartObject();
        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "reseal");
        json.WriteString("semanticVersion", CliApp.Version);
        json.WriteStartArray("rules");
        foreach (var r in rules)
        {
            json.WriteStartObject();
            json.WriteString("id", r.Id);
            json.WriteString("name", r.Name);
            WriteText(json, "shortDescription", r.Description);
            WriteText(json, "help", r.Fix);
            json.WriteStartObject("defaultConfiguration");
            json.WriteString("level", Level(r.DefaultSeverity));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartArray("results");
        foreach (var finding in reports.SelectMany(r => r.Findings))
        {
            WriteResult(json, finding, index.TryGetValue(finding.Rule.Id, out var i) ? i : -1);
            JsonStream.FlushIfLarge(json);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    });

    private static void WriteResult(Utf8JsonWriter json, LintFinding finding, int ruleIndex)
    {
        json.WriteStartObject();
        json.WriteString("ruleId", finding.Rule.Id);
        json.WriteNumber("ruleIndex", ruleIndex);
        json.WriteString("level", Level(finding.Severity));
        WriteText(json, "message", finding.Message);
        json.WriteStartArray("locations");
        json.WriteStartObject();
        json.WriteStartObject("physicalLocation");
        json.WriteStartObject("artifactLocation");
        json.WriteString("uri", Uri(finding.File));
        json.WriteEndObject();
        if (finding.Position.IsKnown)
        {
            json.WriteStartObject("region");
            json.WriteNumber("startLine", finding.Position.Line);
            json.WriteNumber("startColumn", finding.Position.Column);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter json, string name, string text)
    {
        json.WriteStartObject(name);
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    private static string Uri(string? file) => file is null ? "stdin" : file.Replace('\\', '/');

    private static string Level(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };
}
