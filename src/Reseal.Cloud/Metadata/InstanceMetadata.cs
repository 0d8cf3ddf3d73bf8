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
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
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
                JsonFields.String(root, "networkData"), JsonFields.String(root, "protocol"));
        }
    }
}
