using System.Text;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// A NoCloud seed (label <c>cidata</c>, vfat or ISO 9660; protocols.md §3.3) mounted at a folder or drive root:
/// <c>meta-data</c> (required), <c>user-data</c>, <c>network-config</c>. <c>meta-data</c> is YAML, of which this reads the
/// subset cloudbase-init uses: top-level <c>instance-id</c>, <c>local-hostname</c>, and <c>public-keys</c> as a string, a
/// list of strings, or a map of entries with <c>openssh-key</c>. A JSON <c>meta-data</c> (valid YAML) is read too.
/// </summary>
public sealed class NoCloudProvider(string root, MetadataHttpOptions? options = null) : MountedSeedProvider(root, options)
{
    /// <summary>The volume label of a NoCloud seed.</summary>
    public const string VolumeLabel = "cidata";

    public override MetadataSource Source => MetadataSource.NoCloud;

    protected override string Name => "NoCloud";

    protected override string Expected => "a cidata seed";

    protected override string MetaDataFile => "meta-data";

    protected override string UserDataFile => "user-data";

    protected override string NetworkFile => "network-config";

    protected override (string InstanceId, string? HostName, string? Zone, IReadOnlyList<string> Keys) ParseMetaData(byte[] meta, string where)
    {
        var (id, host, keys) = ParseMetaData(Encoding.UTF8.GetString(meta), where);
        return (id, host, null, keys);
    }

    internal static (string InstanceId, string? HostName, IReadOnlyList<string> Keys) ParseMetaData(string text, string where)
    {
        if (text.TrimStart().StartsWith('{'))
        {
            return ParseJson(text, where);
        }

        string? id = null;
        string? host = null;
        var keys = new List<string>();
        var inKeys = false;
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i];
            var trimmed = raw.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#') || trimmed == "---")
            {
                continue;
            }

            var indented = char.IsWhiteSpace(raw[0]) || trimmed.StartsWith('-');
            if (!indented)
            {
                inKeys = false;
                var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new CloudException($"NoCloud: {where} line {i + 1}: expected 'key: value'");
                }

                var name = trimmed[..colon].Trim();
                var value = Unquote(trimmed[(colon + 1)..].Trim());
                switch (name)
                {
                    case "instance-id":
                        id = value;
                        break;
                    case "local-hostname":
                        host = value;
                        break;
                    case "public-keys":
                        inKeys = value.Length == 0;
                        if (value.Length > 0)
                        {
                            keys.Add(value);
                        }

                        break;
                }

                continue;
            }

            if (!inKeys)
            {
                continue;
            }

            if (trimmed.StartsWith("- ", StringComparison.Ordinal))
            {
                var item = trimmed[2..].Trim();
                if (item.StartsWith("openssh-key:", StringComparison.Ordinal))
                {
                    item = item["openssh-key:".Length..].Trim();
                }

                keys.Add(Unquote(item));
            }
            else if (trimmed.StartsWith("openssh-key:", StringComparison.Ordinal))
            {
                keys.Add(Unquote(trimmed["openssh-key:".Length..].Trim()));
            }
        }

        if (string.IsNullOrWhiteSpace(id))
        {
            throw new CloudException($"NoCloud: {where} has no 'instance-id'");
        }

        return (id, string.IsNullOrWhiteSpace(host) ? null : host, keys.Where(k => k.Length > 0).ToList());
    }

    private static (string, string?, IReadOnlyList<string>) ParseJson(string text, string where)
    {
        try
        {
            using var document = StrictJson.Parse(text, new System.Text.Json.JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            var id = JsonFields.String(root, "instance-id") ?? throw new CloudException($"NoCloud: {where} has no 'instance-id'");
            var keys = new List<string>();
            if (JsonFields.String(root, "public-keys") is { } single)
            {
                keys.Add(single);
            }
            else if (JsonFields.Array(root, "public-keys") is { } list)
            {
                keys.AddRange(list.EnumerateArray().Where(e => e.ValueKind == System.Text.Json.JsonValueKind.String).Select(e => e.GetString()!));
            }

            return (id, JsonFields.String(root, "local-hostname"), keys);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CloudException($"NoCloud: {where} is not valid JSON: {e.Message}", e);
        }
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')))
        {
            return value[1..^1];
        }

        return value;
    }
}
