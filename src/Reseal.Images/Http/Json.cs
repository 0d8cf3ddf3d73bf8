using System.Text.Json;

namespace Reseal.Images.Http;

/// <summary>
/// Kind-checked reads from API answers: any member may be missing or of the wrong kind in a broken or hostile answer,
/// so each accessor answers null instead of letting <see cref="JsonElement"/> throw.
/// </summary>
internal static class Json
{
    public static JsonElement? Member(JsonElement? element, string name, JsonValueKind kind) =>
        element is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty(name, out var member) && member.ValueKind == kind
            ? member
            : null;

    public static string? String(JsonElement? element, string name) => Member(element, name, JsonValueKind.String)?.GetString();

    public static JsonElement? Object(JsonElement? element, string name) => Member(element, name, JsonValueKind.Object);

    public static JsonElement? Array(JsonElement? element, string name) => Member(element, name, JsonValueKind.Array);

    public static double? Number(JsonElement? element, string name) =>
        Member(element, name, JsonValueKind.Number) is { } n && n.TryGetDouble(out var value) ? value : null;

    public static IEnumerable<JsonElement> Objects(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } value
            ? value.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.Object)
            : [];

    public static IEnumerable<string> Strings(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } value
            ? value.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!)
            : [];
}
