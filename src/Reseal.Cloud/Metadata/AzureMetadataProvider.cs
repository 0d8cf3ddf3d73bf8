using System.Text;
using System.Text.Json;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// Azure's instance metadata service (protocols.md §3.4): <c>GET metadata/instance?api-version=2021-02-01</c> with the
/// mandatory <c>Metadata: true</c> header, no proxy; user data from <c>metadata/instance/compute/userData</c>
/// (<c>format=text</c>, base64).
/// </summary>
public sealed class AzureMetadataProvider : IMetadataProvider
{
    /// <summary>The metadata address.</summary>
    public static readonly Uri DefaultEndpoint = new("http://169.254.169.254/");

    private const string InstancePath = "metadata/instance?api-version=2021-02-01";
    private const string UserDataPath = "metadata/instance/compute/userData?api-version=2021-01-01&format=text";
    private readonly MetadataHttpClient _http;

    /// <param name="endpoint">Base URL; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="options">Timeouts, retries and limits.</param>
    /// <param name="httpClient">An HttpClient to use instead of the provider's own (not disposed by it).</param>
    public AzureMetadataProvider(Uri? endpoint = null, MetadataHttpOptions? options = null, HttpClient? httpClient = null) =>
        _http = new MetadataHttpClient("Azure IMDS", endpoint ?? DefaultEndpoint, options, httpClient);

    public MetadataSource Source => MetadataSource.Azure;

    public string Endpoint => _http.BaseUri.AbsoluteUri;

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await _http.SendAsync(HttpMethod.Get, "metadata/instance/compute/vmId?api-version=2021-02-01&format=text",
                AddHeader, null, _http.Options.MaxResponseBytes, probe: true, cancellationToken).ConfigureAwait(false);
            return response.IsSuccess && response.Body.Length > 0;
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
        var body = await _http.GetOptionalAsync(InstancePath, AddHeader, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudException($"Azure IMDS: GET {_http.Resolve(InstancePath)} returned 404; this is not Azure IMDS");
        string id;
        string? host, size, zone, ip = null;
        var keys = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (!root.TryGetProperty("compute", out var compute) || compute.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"Azure IMDS: {_http.Resolve(InstancePath)} has no 'compute' object");
            }

            id = String(compute, "vmId") ?? throw new CloudException($"Azure IMDS: {_http.Resolve(InstancePath)} has no 'compute.vmId'");
            host = compute.TryGetProperty("osProfile", out var os) && os.ValueKind == JsonValueKind.Object
                ? String(os, "computerName") ?? String(compute, "name")
                : String(compute, "name");
            size = String(compute, "vmSize");
            var location = String(compute, "location");
            var zoneNumber = String(compute, "zone");
            zone = string.IsNullOrEmpty(zoneNumber) ? location : $"{location}-{zoneNumber}";
            if (compute.TryGetProperty("publicKeys", out var publicKeys) && publicKeys.ValueKind == JsonValueKind.Array)
            {
                foreach (var key in publicKeys.EnumerateArray())
                {
                    if (key.ValueKind == JsonValueKind.Object && String(key, "keyData") is { Length: > 0 } data)
                    {
                        keys.Add(data.Trim());
                    }
                }
            }

            if (root.TryGetProperty("network", out var network) && network.TryGetProperty("interface", out var nics) &&
                nics.ValueKind == JsonValueKind.Array && nics.GetArrayLength() > 0 &&
                nics[0].TryGetProperty("ipv4", out var ipv4) && ipv4.TryGetProperty("ipAddress", out var addresses) &&
                addresses.ValueKind == JsonValueKind.Array && addresses.GetArrayLength() > 0)
            {
                ip = String(addresses[0], "privateIpAddress");
            }
        }
        catch (JsonException e)
        {
            throw new CloudException($"Azure IMDS: {_http.Resolve(InstancePath)} is not valid JSON: {e.Message}", e);
        }

        // User data is base64 text; its decoded size is what the limit is about.
        var encoded = await _http.GetOptionalAsync(UserDataPath, AddHeader, (_http.Options.MaxUserDataBytes / 3 * 4) + 8, cancellationToken)
            .ConfigureAwait(false);
        byte[] userData = [];
        if (encoded is { Length: > 0 })
        {
            try
            {
                userData = Convert.FromBase64String(Encoding.ASCII.GetString(encoded).Trim());
            }
            catch (FormatException e)
            {
                throw new CloudException($"Azure IMDS: user data from {_http.Resolve(UserDataPath)} is not base64", e);
            }
        }

        return new InstanceMetadata(MetadataSource.Azure, Endpoint, id, host, keys, userData, size, zone, ip, null, "Azure IMDS 2021-02-01");
    }

    public void Dispose() => _http.Dispose();

    private static void AddHeader(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Metadata", "true");

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
