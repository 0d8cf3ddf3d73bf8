using System.Text.Json;

namespace Reseal.Cloud;

/// <summary>
/// Kind-checked reads from parsed JSON. Metadata documents come from services and users, so any value may have the
/// wrong shape; every accessor checks the kind of what it is given and of what it finds and answers null instead of
/// letting <see cref="JsonElement"/> throw <see cref="InvalidOperationException"/>. Each accepts a null element, so
/// lookups chain: <c>String(FirstItem(Array(root, "nics")), "ip")</c>.
/// </summary>
internal static class JsonFields
{
    /// <summary>The named member of an object when it has the given kind; null otherwise or when not an object.</summary>
    public static JsonElement? Member(JsonElement? element, string name, JsonValueKind kind) =>
        element is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty(name, out var member) &&
        member.ValueKind == kind
            ? member
            : null;

    /// <summary>The named string member's value.</summary>
    public static string? String(JsonElement? element, string name) => Member(element, name, JsonValueKind.String)?.GetString();

    /// <summary>The named object member.</summary>
    public static JsonElement? Object(JsonElement? element, string name) => Member(element, name, JsonValueKind.Object);

    /// <summary>The named array member.</summary>
    public static JsonElement? Array(JsonElement? element, string name) => Member(element, name, JsonValueKind.Array);

    /// <summary>True only when the named member is the literal <c>false</c>.</summary>
    public static bool IsFalse(JsonElement? element, string name) => Member(element, name, JsonValueKind.False) is not null;

    /// <summary>The first item of an array when it is an object; null for anything else.</summary>
    public static JsonElement? FirstObject(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } value && value.GetArrayLength() > 0 &&
        value[0].ValueKind == JsonValueKind.Object
            ? value[0]
            : null;

    /// <summary>The items of an array that are objects; empty for anything else.</summary>
    public static IEnumerable<JsonElement> Objects(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } value
            ? value.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.Object)
            : [];
}
