using System.Text;
using System.Text.Json;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// What a clone learns about itself from its cloud, the same shape whichever provider answered. Values the provider
/// does not offer are null (or empty).
/// </summary>
/// <param name="Source">The provider that answered.</param>
/// <param name="Endpoint">The URL or folder it answered from.</param>
/// <param name="InstanceId">The instance's id (EC2 <c>instance-id</c>, OpenStack <c>uuid</c>, GCE <c>id</c>, Azure <c>vmId</c>,
/// NoCloud <c>instance-id</c>).</param>
/// <param name="HostName">The host name the cloud assigned, if any.</param>
/// <param name="PublicKeys">Launch keys as OpenSSH lines, first key first (the password is encrypted to the first RSA key).</param>
/// <param name="UserData">Raw user data (empty when there is none).</param>
/// <param name="InstanceType">Instance type / flavour / machine type / VM size, if known.</param>
/// <param name="Zone">Availability zone / zone / location, if known.</param>
/// <param name="LocalIPv4">The primary private IPv4 address, if known.</param>
/// <param name="NetworkData">The provider's network description as it gave it (OpenStack <c>network_data.json</c>,
/// NoCloud <c>network-config</c>), if any.</param>
/// <param name="Protocol">How it was fetched, for diagnostics (for example <c>IMDSv2</c> or <c>IMDSv1</c>).</param>
public sealed record InstanceMetadata(
    MetadataSource Source,
    string Endpoint,
    string InstanceId,
    string? HostName,
    IReadOnlyList<string> PublicKeys,
    ReadOnlyMemory<byte> UserData,
    string? InstanceType,
    string? Zone,
    string? LocalIPv4,
    string? NetworkData,
    string? Protocol)
{
    // Validation at the edge: every provider builds this record, so the values a metadata service, a config drive or a
    // captured JSON gave are checked here once, whichever answered. The instance id keys the agent's state (once-tasks)
    // and is printed on the console; the others end up in the registry, on the console and in logs.

    /// <summary>The instance's id: 1 to 128 characters, ASCII letters, digits and <c>- _ . : @ + = ~</c> (EC2, OpenStack, GCE,
    /// Azure and NoCloud ids all are).</summary>
    /// <exception cref="CloudException">Any other value (an id of 25 KB of binary was once accepted).</exception>
    public string InstanceId { get; init; } = CheckInstanceId(InstanceId, Source);

    /// <summary>Scripts the metadata carries (GCE's <c>sysprep-specialize-script-*</c>, <c>windows-startup-script-*</c>, <c>windows-shutdown-script-*</c>), in run order.</summary>
    public IReadOnlyList<CloudScript> Scripts { get; init; } = [];

    /// <summary>What could not be read about the scripts (the project's attributes unreachable, say), for the log.</summary>
    public IReadOnlyList<string> ScriptNotes { get; init; } = [];

    /// <summary>The host name the cloud assigned: at most 255 characters, no control characters.</summary>
    public string? HostName { get; init; } = CheckText(HostName, "host name", 255, Source);

    /// <summary>Instance type / flavour / machine type / VM size: at most 255 characters, no control characters.</summary>
    public string? InstanceType { get; init; } = CheckText(InstanceType, "instance type", 255, Source);

    /// <summary>Availability zone / zone / location: at most 255 characters, no control characters.</summary>
    public string? Zone { get; init; } = CheckText(Zone, "zone", 255, Source);

    /// <summary>The primary private IPv4 address: at most 64 characters, no control characters.</summary>
    public string? LocalIPv4 { get; init; } = CheckText(LocalIPv4, "local IPv4 address", 64, Source);

    /// <summary>The public IPv4 address (EC2 <c>public-ipv4</c>), if the instance has one and the provider says: at most 64
    /// characters, no control characters.</summary>
    public string? PublicIPv4 { get; init => field = CheckText(value, "public IPv4 address", 64, Source); }

    /// <summary>
    /// The instance's tags, when the provider offers them (EC2 only with "allow tags in instance metadata" turned on:
    /// <c>meta-data/tags/instance/</c>); null when they are not offered, empty when offered and none are set. Values are
    /// kept as given (a tag may hold any text); whoever shows them bounds and cleans them.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The longest instance id accepted (real ones: EC2 19, a UUID 36, GCE 20 characters).</summary>
    public const int MaxInstanceIdLength = 128;

    private static string CheckInstanceId(string value, MetadataSource source)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > MaxInstanceIdLength || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@' or '+' or '=' or '~'))
        {
            throw new CloudException($"{source} metadata: the instance id {Describe(value)} is not an instance id " +
                $"(1 to {MaxInstanceIdLength} ASCII letters, digits and - _ . : @ + = ~); refused");
        }

        return value;
    }

    private static string? CheckText(string? value, string field, int maxLength, MetadataSource source)
    {
        if (value is not null && (value.Length > maxLength || value.Any(char.IsControl)))
        {
            throw new CloudException($"{source} metadata: the {field} {Describe(value)} is not one " +
                $"(at most {maxLength} characters, no control characters); refused");
        }

        return value;
    }

    // Never echoes a hostile value whole: its length, and the start only when it is printable.
    private static string Describe(string value) =>
        value.Length == 0 ? "(empty)"
        : value.Length <= 40 && value.All(c => c >= ' ' && c <= '~') ? $"'{value}'"
        : $"({value.Length} characters{(value.Any(char.IsControl) ? ", with control characters" : string.Empty)})";

    /// <summary>True when the instance was given user data.</summary>
    public bool HasUserData => !UserData.IsEmpty;

    /// <summary>
    /// The facts as indented JSON for <c>reseal metadata show --format json</c> (no reflection, so AOT-safe). User data
    /// is given as base64 with its size, and also as text when it is valid UTF-8.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("source", Source.ToString());
            json.WriteString("endpoint", Endpoint);
            json.WriteString("protocol", Protocol);
            json.WriteString("instanceId", InstanceId);
            json.WriteString("hostName", HostName);
            json.WriteString("instanceType", InstanceType);
            json.WriteString("zone", Zone);
            json.WriteString("localIPv4", LocalIPv4);
            json.WriteString("publicIPv4", PublicIPv4);
            if (Tags is not null)
            {
                json.WriteStartObject("tags");
                foreach (var (key, value) in Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            json.WriteStartArray("publicKeys");
            foreach (var key in PublicKeys)
            {
                json.WriteStringValue(key);
            }

            json.WriteEndArray();
            json.WriteNumber("userDataBytes", UserData.Length);
            if (HasUserData)
            {
                json.WriteBase64String("userDataBase64", UserData.Span);
                try
                {
                    json.WriteString("userDataText", new UTF8Encoding(false, true).GetString(UserData.Span));
                }
                catch (DecoderFallbackException)
                {
                    // Binary user data (gzip, for example) has no text form.
                }
            }

            json.WriteString("networkData", NetworkData);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Reads what <see cref="ToJson"/> wrote (captured metadata for <c>reseal agent plan --metadata</c>).
    /// </summary>
    /// <exception cref="CloudException">Not JSON, not an object, no instance id, an unknown source, or bad base64; the message says which.</exception>
    public static InstanceMetadata FromJson(string json, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var where = displayName ?? "metadata JSON";
        JsonDocument document;
        try
        {
            document = StrictJson.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new CloudException($"{where}: not valid JSON (line {(e.LineNumber ?? 0) + 1}): {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"{where}: expected a JSON object as 'reseal metadata show --format json' writes");
            }

            var sourceText = JsonFields.String(root, "source") ?? throw new CloudException($"{where}: 'source' is missing");
            if (!Enum.TryParse<MetadataSource>(sourceText, ignoreCase: true, out var source) || !Enum.IsDefined(source))
            {
                throw new CloudException($"{where}: unknown source '{sourceText}'");
            }

            var instanceId = JsonFields.String(root, "instanceId") ?? throw new CloudException($"{where}: 'instanceId' is missing");
            var keys = JsonFields.Array(root, "publicKeys") is { } array
                ? array.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.String).Select(k => k.GetString()!).ToList()
                : [];
            byte[] userData = [];
            if (JsonFields.String(root, "userDataBase64") is { } base64)
            {
                try
                {
                    userData = Convert.FromBase64String(base64);
                }
                catch (FormatException e)
                {
                    throw new CloudException($"{where}: 'userDataBase64' is not base64", e);
                }
            }

            return new InstanceMetadata(source, JsonFields.String(root, "endpoint") ?? where, instanceId, JsonFields.String(root, "hostName"), keys, userData,
                JsonFields.String(root, "instanceType"), JsonFields.String(root, "zone"), JsonFields.String(root, "localIPv4"),
                JsonFields.String(root, "networkData"), JsonFields.String(root, "protocol"))
            {
                PublicIPv4 = JsonFields.String(root, "publicIPv4"),
                Tags = root.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
                    ? tags.EnumerateObject().Where(t => t.Value.ValueKind == JsonValueKind.String).ToDictionary(t => t.Name, t => t.Value.GetString()!, StringComparer.Ordinal)
                    : null,
            };
        }
    }
}
