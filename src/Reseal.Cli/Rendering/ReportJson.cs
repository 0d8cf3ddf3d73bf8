using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reseal.Cli.Rendering;

/// <summary>What the JSON renderings share: string lists, the verdict head and the indented text every report is printed as.</summary>
internal static class ReportJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A JSON array of strings.</summary>
    public static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    /// <summary>
    /// The head every verdict report (<c>inspect</c>, <c>seal --dry-run</c>) starts with, in this order: the tree, the
    /// verdict, the exit code it gives and the one-line summary.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> Verdict(string root, string readiness, int exitCode, string summary) =>
    [
        new("root", root),
        new("readiness", readiness),
        new("exitCode", exitCode),
        new("summary", summary),
    ];

    /// <summary>The document as indented text (as every report's <c>--format json</c> prints it).</summary>
    public static string Text(JsonNode node) => node.ToJsonString(Indented);
}
