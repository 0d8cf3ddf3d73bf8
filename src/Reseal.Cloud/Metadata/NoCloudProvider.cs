using System.Text;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// A NoCloud seed (label <c>cidata</c>, vfat or ISO 9660; protocols.md §3.3) mounted at a folder or drive root:
/// <c>meta-data</c> (required), <c>user-data</c>, <c>network-config</c>. <c>meta-data</c> is YAML, of which this reads the
/// subset cloudbase-init uses: top-level <c>instance-id</c>, <c>local-hostname</c>, and <c>public-keys</c> as a string, a
/// list of strings, or a map of entries with <c>openssh-key</c>. A JSON <c>meta-data</c> (valid YAML) is read too.
/// </summary>
public sealed class NoCloudProvider : IMetadataProvider
{
    /// <summary>The volume label of a NoCloud seed.</summary>
    public const string VolumeLabel = "cidata";

    private readonly string _root;
    private readonly MetadataHttpOptions _options;

    /// <param name="root">The mounted seed (for example <c>E:\</c> or <c>/mnt/cidata</c>).</param>
    /// <param name="options">Only the size limits are used.</param>
    public NoCloudProvider(string root, MetadataHttpOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        _options = options ?? MetadataHttpOptions.Default;
        _options.Validate();
    }

    /// <summary>Nothing to release; a folder holds no connections.</summary>
    public void Dispose()
    {
    }

    public MetadataSource Source => MetadataSource.NoCloud;

    public string Endpoint => _root;

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(Path.Combine(_root, "meta-data")));
    }

    public async Task<InstanceMetadata> GetMetadataAsync(CancellationToken cancellationToken)
    {
        var metaPath = Path.Combine(_root, "meta-data");
        var meta = await LocalFiles.ReadOptionalAsync("NoCloud", metaPath, _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudException($"NoCloud: {metaPath} does not exist; is {_root} a cidata seed?");
        var (id, host, keys) = ParseMetaData(Encoding.UTF8.GetString(meta), metaPath);
        var userData = await LocalFiles.ReadOptionalAsync("NoCloud", Path.Combine(_root, "user-data"), _options.MaxUserDataBytes,
            cancellationToken).ConfigureAwait(false);
        var network = await LocalFiles.ReadOptionalAsync("NoCloud", Path.Combine(_root, "network-config"), _options.MaxResponseBytes,
            cancellationToken).ConfigureAwait(false);
        return new InstanceMetadata(MetadataSource.NoCloud, _root, id, host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
            null, null, null, network is null ? null : Encoding.UTF8.GetString(network), "NoCloud");
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
