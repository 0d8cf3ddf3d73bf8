using System.Text.Json.Nodes;
using Reseal.Unattend.Lint;

namespace Reseal.Cli;

/// <summary>SARIF 2.1.0 output for code-scanning tools (GitHub, Azure DevOps, VS Code SARIF viewer).</summary>
internal static class Sarif
{
    public static JsonObject FromReports(IReadOnlyList<LintReport> reports)
    {
        var rules = LintRules.All.ToList();
        return new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = "reseal",
                        ["semanticVersion"] = CliApp.Version,
                        ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)new JsonObject
                        {
                            ["id"] = r.Id,
                            ["name"] = r.Name,
                            ["shortDescription"] = new JsonObject { ["text"] = r.Description },
                            ["help"] = new JsonObject { ["text"] = r.Fix },
                            ["defaultConfiguration"] = new JsonObject { ["level"] = Level(r.DefaultSeverity) },
                        })]),
                    },
                },
                ["results"] = new JsonArray([.. reports.SelectMany(r => r.Findings).Select(f => (JsonNode)Result(f, rules.IndexOf(f.Rule)))]),
            }),
        };
    }

    private static JsonObject Result(LintFinding finding, int ruleIndex)
    {
        var location = new JsonObject
        {
            ["artifactLocation"] = new JsonObject { ["uri"] = Uri(finding.File) },
        };
        if (finding.Position.IsKnown)
        {
            location["region"] = new JsonObject { ["startLine"] = finding.Position.Line, ["startColumn"] = finding.Position.Column };
        }

        return new JsonObject
        {
            ["ruleId"] = finding.Rule.Id,
            ["ruleIndex"] = ruleIndex,
            ["level"] = Level(finding.Severity),
            ["message"] = new JsonObject { ["text"] = finding.Message },
            ["locations"] = new JsonArray(new JsonObject { ["physicalLocation"] = location }),
        };
    }

    private static string Uri(string? file) => file is null ? "stdin" : file.Replace('\\', '/');

    private static string Level(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };
}
