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
public sealed class GceMetadataProvider : IMetadataProvider, IWindowsKeysSource
{
    /// <summary>The metadata server's name inside GCE.</summary>
    public static readonly Uri DefaultEndpoint = new("http://metadata.google.internal/");

    private const string InstancePath = "computeMetadata/v1/instance/?recursive=true&alt=json";
    private const string WindowsKeysPath = "computeMetadata/v1/instance/attributes/windows-keys";
    private const string UserDataPath = "computeMetadata/v1/instance/attributes/user-data";
    private const string ProjectSshKeysPath = "computeMetadata/v1/project/attributes/ssh-keys";
    private const string ProjectLegacySshKeysPath = "computeMetadata/v1/project/attributes/sshKeys";
    private readonly MetadataHttpClient _http;

    /// <param name="endpoint">Base URL; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="options">Timeouts, retries and limits.</param>
    /// <param name="httpClient">An HttpClient to use instead of the provider's own (not disposed by it).</param>
    public GceMetadataProvider(Uri? endpoint = null, MetadataHttpOptions? options = null, HttpClient? httpClient = null) =>
        _http = new MetadataHttpClient("GCE metadata", endpoint ?? DefaultEndpoint, options, httpClient);

    public MetadataSource Source => MetadataSource.Gce;

    public string Endpoint => _http.BaseUri.AbsoluteUri;

    /// <inheritdoc/>
    public IWindowsKeysSource WindowsKeys => this;

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
        // The recursive document carries the user-data attribute inside it, so it may be as large as both limits together;
        // each part is then checked against its own limit, and too much user data gets the error that says so.
        var options = _http.Options;
        MetadataHttpResponse response;
        try
        {
            response = await _http.SendAsync(HttpMethod.Get, InstancePath, AddFlavor, null,
                checked(options.MaxResponseBytes + options.MaxUserDataBytes), probe: false, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudException e) when (MetadataHttpClient.IsTooLarge(e))
        {
            await EnsureUserDataWithinLimitAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }

        _http.EnsureSuccess(response, HttpMethod.Get, InstancePath);
        EnsureGoogle(response, InstancePath);

        try
        {
            using var document = StrictJson.Parse(response.Body, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} is not a JSON object");
            }

            var id = JsonFields.Member(root, "id", JsonValueKind.Number)?.GetRawText() ?? JsonFields.String(root, "id");
            if (string.IsNullOrWhiteSpace(id))
            {
                throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} has no instance 'id'");
            }

            var host = JsonFields.String(root, "hostname") ?? JsonFields.String(root, "name");
            var zone = LastSegment(JsonFields.String(root, "zone"));
            var machineType = LastSegment(JsonFields.String(root, "machineType"));
            var ip = JsonFields.String(JsonFields.FirstObject(JsonFields.Array(root, "networkInterfaces")), "ip");

            var keys = new List<string>();
            var blockProject = false;
            byte[]? userData = null;
            var userDataJsonBytes = 0;
            if (JsonFields.Object(root, "attributes") is { } attributes)
            {
                keys.AddRange(SshKeyLines(JsonFields.String(attributes, "ssh-keys")));
                // The legacy instance attribute sshKeys, when set, also blocks the project's keys (GCE's documented behaviour).
                var legacy = JsonFields.String(attributes, "sshKeys");
                keys.AddRange(SshKeyLines(legacy));
                blockProject = legacy is not null
                    || string.Equals(JsonFields.String(attributes, "block-project-ssh-keys")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

                if (JsonFields.Member(attributes, "user-data", JsonValueKind.String) is { } element && element.GetString() is { } data)
                {
                    userDataJsonBytes = Encoding.UTF8.GetByteCount(element.GetRawText());
                    userData = Encoding.UTF8.GetBytes(data);
                    if (userData.Length > options.MaxUserDataBytes)
                    {
                        throw new CloudException(
                            $"GCE metadata: the user-data attribute is {userData.Length} bytes, more than the {options.MaxUserDataBytes}-byte limit");
                    }
                }
            }

            var rest = response.Body.Length - userDataJsonBytes;
            if (rest > options.MaxResponseBytes)
            {
                throw new CloudException(
                    $"GCE metadata: GET {_http.Resolve(InstancePath)} answered with {rest} bytes besides user-data, more than the {options.MaxResponseBytes}-byte limit");
            }

            if (!blockProject)
            {
                // Project-wide keys apply unless the instance blocks them (GCE's block-project-ssh-keys).
                keys.AddRange(await ProjectSshKeysAsync(cancellationToken).ConfigureAwait(false));
            }

            return new InstanceMetadata(MetadataSource.Gce, Endpoint, id.Trim(), host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
                machineType, zone, ip, null, "GCE metadata v1");
        }
        catch (JsonException e)
        {
            throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The project's <c>ssh-keys</c> (and legacy <c>sshKeys</c>) attribute lines; none when absent.</summary>
    private async Task<IReadOnlyList<string>> ProjectSshKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        foreach (var attribute in (string[])[ProjectSshKeysPath, ProjectLegacySshKeysPath])
        {
            var body = await _http.GetOptionalAsync(attribute, AddFlavor, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            if (body is not null)
            {
                keys.AddRange(SshKeyLines(Encoding.UTF8.GetString(body)));
            }
        }

        return keys;
    }

    /// <summary>
    /// The keys of an <c>ssh-keys</c> attribute: one per line, <c>USERNAME:KEY</c> (GCE's format; the user name is
    /// dropped, the key line kept whole with its comment, which may carry <c>google-ssh {"userName":…,"expireOn":…}</c>).
    /// A line without a user name is kept as it is; blank lines are skipped. Whether a line is a valid key is for the
    /// agent to say when it installs it.
    /// </summary>
    internal static IEnumerable<string> SshKeyLines(string? attribute)
    {
        foreach (var line in (attribute ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var key = colon > 0 && !line[..colon].Contains(' ', StringComparison.Ordinal) ? line[(colon + 1)..] : line;
            if (key.Trim() is { Length: > 0 } trimmed)
            {
                yield return trimmed;
            }
        }
    }

    /// <summary>When the whole document was too large, asks for user-data alone so the error can say it is the culprit.</summary>
    private async Task EnsureUserDataWithinLimitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _http.GetOptionalAsync(UserDataPath, AddFlavor, _http.Options.MaxUserDataBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudException e) when (MetadataHttpClient.IsTooLarge(e))
        {
            throw new CloudException(
                $"GCE metadata: the user-data attribute is more than the {_http.Options.MaxUserDataBytes}-byte limit", e);
        }
        catch (CloudException)
        {
            // Not telling: the original error about the whole document stands.
        }
    }

    /// <summary>The <c>windows-keys</c> password-reset requests (none when the attribute is absent).</summary>
    public async Task<GceWindowsKeyScan> GetWindowsKeysAsync(CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(HttpMethod.Get, WindowsKeysPath, AddFlavor, null, _http.Options.MaxResponseBytes,
            probe: false, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            EnsureGoogle(response, WindowsKeysPath);
            return new GceWindowsKeyScan([], []);
        }

        _http.EnsureSuccess(response, HttpMethod.Get, WindowsKeysPath);
        EnsureGoogle(response, WindowsKeysPath);
        return GceWindowsKey.ParseAll(response.Text);
    }

    public void Dispose() => _http.Dispose();

    private static void AddFlavor(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Metadata-Flavor", "Google");

    private void EnsureGoogle(MetadataHttpResponse response, string relative)
    {
        if (!IsGoogle(response))
        {
            throw new CloudException(
                $"GCE metadata: {_http.Resolve(relative)} answered without 'Metadata-Flavor: Google'; not a GCE metadata server");
        }
    }

    private static bool IsGoogle(MetadataHttpResponse response) =>
        response.Headers.TryGetValues("Metadata-Flavor", out var values) && values.Contains("Google", StringComparer.Ordinal);

    private static string? LastSegment(string? value) => value is null ? null : value[(value.LastIndexOf('/') + 1)..];
}
