using System.Text.Json;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// Reads OpenStack's <c>meta_data.json</c> (HTTP service and config drive alike, protocols.md §3.1): <c>uuid</c>
/// (instance id), <c>hostname</c> (else <c>name</c>), <c>availability_zone</c>, <c>public_keys</c> (an object of
/// name → OpenSSH line) and <c>keys</c> (a list of <c>{"type":"ssh","data":…}</c>).
/// </summary>
internal static class OpenStackMetadataDocument
{
    public static (string InstanceId, string? HostName, string? Zone, IReadOnlyList<string> Keys) Parse(byte[] json, string where)
    {
        try
        {
            using var document = StrictJson.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"{where}: meta_data.json is not a JSON object");
            }

            var uuid = JsonFields.String(root, "uuid");
            if (string.IsNullOrWhiteSpace(uuid))
            {
                throw new CloudException($"{where}: meta_data.json has no 'uuid'");
            }

            var host = JsonFields.String(root, "hostname") ?? JsonFields.String(root, "name");
            var zone = JsonFields.String(root, "availability_zone");
            var keys = new List<string>();
            if (JsonFields.Object(root, "public_keys") is { } publicKeys)
            {
                // Nova writes one key per name; order by name so "the first key" is stable.
                foreach (var property in publicKeys.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } key)
                    {
                        Add(keys, key);
                    }
                }
            }

            foreach (var item in JsonFields.Objects(JsonFields.Array(root, "keys")))
            {
                if (JsonFields.String(item, "type") == "ssh" && JsonFields.String(item, "data") is { Length: > 0 } data)
                {
                    Add(keys, data);
                }
            }

            return (uuid.Trim(), host?.Trim(), zone?.Trim(), keys);
        }
        catch (JsonException e)
        {
            throw new CloudException($"{where}: meta_data.json is not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private static void Add(List<string> keys, string key)
    {
        var trimmed = key.Trim();
        if (!keys.Contains(trimmed, StringComparer.Ordinal))
        {
            keys.Add(trimmed);
        }
    }
}
