using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reseal.Cli.Rendering;

/// <summary>What the JSON renderings share: string lists and the indented text every report is printed as.</summary>
internal static class ReportJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A JSON array of strings.</summary>
    public static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    /// <summary>The document as indented text (as every report's <c>--format json</c> prints it).</summary>
    public static string Text(JsonNode node) => node.ToJsonString(Indented);
}
