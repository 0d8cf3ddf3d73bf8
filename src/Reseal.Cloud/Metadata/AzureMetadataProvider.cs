using System.Net;
using System.Text;
using System.Text.Json;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// Azure's instance metadata service (protocols.md §3.4): <c>GET metadata/instance?api-version=2021-02-01</c> with the
/// mandatory <c>Metadata: true</c> header, no proxy; user data from <c>metadata/instance/compute/userData</c>
/// (<c>format=text</c>, base64). Azure documents 410 Gone while the service starts up, so 410 is retried like a 5xx.
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
        _http = new MetadataHttpClient("Azure IMDS", endpoint ?? DefaultEndpoint, options, httpClient, HttpStatusCode.Gone);

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
        string? host, size, zone, ip;
        var keys = new List<string>();
        try
        {
            using var document = StrictJson.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            var compute = JsonFields.Object(root, "compute")
                ?? throw new CloudException($"Azure IMDS: {_http.Resolve(InstancePath)} has no 'compute' object");
            id = JsonFields.String(compute, "vmId")
                ?? throw new CloudException($"Azure IMDS: {_http.Resolve(InstancePath)} has no 'compute.vmId'");
            host = JsonFields.String(JsonFields.Object(compute, "osProfile"), "computerName") ?? JsonFields.String(compute, "name");
            size = JsonFields.String(compute, "vmSize");
            var location = JsonFields.String(compute, "location");
            var zoneNumber = JsonFields.String(compute, "zone");
            zone = string.IsNullOrEmpty(zoneNumber) ? location : $"{location}-{zoneNumber}";
            foreach (var key in JsonFields.Objects(JsonFields.Array(compute, "publicKeys")))
            {
                if (JsonFields.String(key, "keyData") is { Length: > 0 } data)
                {
                    keys.Add(data.Trim());
                }
            }

            var nic = JsonFields.FirstObject(JsonFields.Array(JsonFields.Object(root, "network"), "interface"));
            var address = JsonFields.FirstObject(JsonFields.Array(JsonFields.Object(nic, "ipv4"), "ipAddress"));
            ip = JsonFields.String(address, "privateIpAddress");
        }
        catch (JsonException e)
        {
            throw new CloudException($"Azure IMDS: {_http.Resolve(InstancePath)} is not valid JSON: {e.Message}", e);
        }

        // User data is base64 text; its decoded size is what the limit is about. The options cap the limit at 64 MiB, so
        // its base64 length (4 characters per 3 bytes, plus room for a line end) fits an int; checked says so if not.
        var maxUserData = _http.Options.MaxUserDataBytes;
        var maxEncoded = checked((((maxUserData + 2) / 3) * 4) + 16);
        var encoded = await _http.GetOptionalAsync(UserDataPath, AddHeader, maxEncoded, cancellationToken).ConfigureAwait(false);
        byte[] userData = [];
        var text = encoded is null ? "" : Base64Text.RemoveWhitespace(Encoding.ASCII.GetString(encoded));
        if (text.Length > 0)
        {
            userData = Base64Text.TryDecode(text)
                ?? throw new CloudException($"Azure IMDS: user data from {_http.Resolve(UserDataPath)} is not base64");

            if (userData.Length > maxUserData)
            {
                throw new CloudException(
                    $"Azure IMDS: the user data is {userData.Length} bytes, more than the {maxUserData}-byte limit");
            }
        }

        return new InstanceMetadata(MetadataSource.Azure, Endpoint, id, host, keys, userData, size, zone, ip, null, "Azure IMDS 2021-02-01");
    }

    public void Dispose() => _http.Dispose();

    private static void AddHeader(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Metadata", "true");
}
