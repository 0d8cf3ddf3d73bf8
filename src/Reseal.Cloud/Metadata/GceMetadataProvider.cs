using System.Net;
using System.Text;
using System.Text.Json;
using Reseal.Cloud.Passwords;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// Google Compute Engine's metadata server (protocols.md §3.5): every request carries <c>Metadata-Flavor: Google</c>
/// and a genuine answer carries it back. Reads <c>computeMetadata/v1/instance/?recursive=true&amp;alt=json</c>, and the
/// <c>windows-keys</c> attribute for password resets.
/// </summary>
public sealed class GceMetadataProvider : IMetadataProvider
{
    /// <summary>The metadata server's name inside GCE.</summary>
    public static readonly Uri DefaultEndpoint = new("http://metadata.google.internal/");

    private const string InstancePath = "computeMetadata/v1/instance/?recursive=true&alt=json";
    private const string WindowsKeysPath = "computeMetadata/v1/instance/attributes/windows-keys";
    private readonly MetadataHttpClient _http;

    /// <param name="endpoint">Base URL; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="options">Timeouts, retries and limits.</param>
    /// <param name="httpClient">An HttpClient to use instead of the provider's own (not disposed by it).</param>
    public GceMetadataProvider(Uri? endpoint = null, MetadataHttpOptions? options = null, HttpClient? httpClient = null) =>
        _http = new MetadataHttpClient("GCE metadata", endpoint ?? DefaultEndpoint, options, httpClient);

    public MetadataSource Source => MetadataSource.Gce;

    public string Endpoint => _http.BaseUri.AbsoluteUri;

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await _http.SendAsync(HttpMethod.Get, "computeMetadata/v1/instance/id", AddFlavor, null,
                _http.Options.MaxResponseBytes, probe: true, cancellationToken).ConfigureAwait(false);
            return response.IsSuccess && IsGoogle(response);
        }
        catch (CloudException)
        {
            return false;
        }
    }

    public Task<InstanceMetadata> GetMetadataAsync(CancellationToken cancellationToken) =>
        _http.WithOperationDeadlineAsync(ReadMetadataAsync, cancellationToken);

    private async Task<InstanceMetadata> ReadMetadataAsync(CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(HttpMethod.Get, InstancePath, AddFlavor, null, _http.Options.MaxResponseBytes,
            probe: false, cancellationToken).ConfigureAwait(false);
        _http.EnsureSuccess(response, HttpMethod.Get, InstancePath);
        if (!IsGoogle(response))
        {
            throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} answered without 'Metadata-Flavor: Google'; not a GCE metadata server");
        }

        try
        {
            using var document = JsonDocument.Parse(response.Body, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} is not a JSON object");
            }

            var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind is JsonValueKind.Number or JsonValueKind.String
                ? (idElement.ValueKind == JsonValueKind.Number ? idElement.GetRawText() : idElement.GetString())
                : null;
            if (string.IsNullOrWhiteSpace(id))
            {
                throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} has no instance 'id'");
            }

            var host = String(root, "hostname") ?? String(root, "name");
            var zone = LastSegment(String(root, "zone"));
            var machineType = LastSegment(String(root, "machineType"));
            string? ip = null;
            if (root.TryGetProperty("networkInterfaces", out var nics) && nics.ValueKind == JsonValueKind.Array && nics.GetArrayLength() > 0)
            {
                ip = String(nics[0], "ip");
            }

            var keys = new List<string>();
            byte[]? userData = null;
            if (root.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
            {
                // ssh-keys lines are "user:ssh-rsa AAAA… comment".
                foreach (var line in (String(attributes, "ssh-keys") ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    var key = colon > 0 && !line[..colon].Contains(' ', StringComparison.Ordinal) ? line[(colon + 1)..] : line;
                    keys.Add(key.Trim());
                }

                if (String(attributes, "user-data") is { } data)
                {
                    userData = Encoding.UTF8.GetBytes(data);
                    if (userData.Length > _http.Options.MaxUserDataBytes)
                    {
                        throw new CloudException(
                            $"GCE metadata: the user-data attribute is {userData.Length} bytes, more than the {_http.Options.MaxUserDataBytes}-byte limit");
                    }
                }
            }

            return new InstanceMetadata(MetadataSource.Gce, Endpoint, id.Trim(), host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
                machineType, zone, ip, null, "GCE metadata v1");
        }
        catch (JsonException e)
        {
            throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The <c>windows-keys</c> password-reset requests (none when the attribute is absent).</summary>
    public async Task<GceWindowsKeyScan> GetWindowsKeysAsync(CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(HttpMethod.Get, WindowsKeysPath, AddFlavor, null, _http.Options.MaxResponseBytes,
            probe: false, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return new GceWindowsKeyScan([], []);
        }

        _http.EnsureSuccess(response, HttpMethod.Get, WindowsKeysPath);
        return GceWindowsKey.ParseAll(response.Text);
    }

    public void Dispose() => _http.Dispose();

    private static void AddFlavor(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Metadata-Flavor", "Google");

    private static bool IsGoogle(MetadataHttpResponse response) =>
        response.Headers.TryGetValues("Metadata-Flavor", out var values) && values.Contains("Google", StringComparer.Ordinal);

    private static string? LastSegment(string? value) => value is null ? null : value[(value.LastIndexOf('/') + 1)..];

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
