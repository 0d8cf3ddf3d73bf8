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
public sealed class GceMetadataProvider : IMetadataProvider, IWindowsKeysSource, IWindowsKeysWatch, IScriptDownloader
{
    /// <summary>The metadata server's name inside GCE.</summary>
    public static readonly Uri DefaultEndpoint = new("http://metadata.google.internal/");

    private const string InstancePath = "computeMetadata/v1/instance/?recursive=true&alt=json";
    private const string WindowsKeysPath = "computeMetadata/v1/instance/attributes/windows-keys";
    private const string UserDataPath = "computeMetadata/v1/instance/attributes/user-data";
    private const string AttributesPath = "computeMetadata/v1/instance/attributes/?recursive=true&alt=json";
    private const string ProjectAttributesPath = "computeMetadata/v1/project/attributes/?recursive=true&alt=json";
    private const string TokenPath = "computeMetadata/v1/instance/service-accounts/default/token";

    /// <summary>Longest a script download may take.</summary>
    public static readonly TimeSpan ScriptDownloadTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait asked of the server in one request (<c>timeout_sec</c>).</summary>
    public const int MaxWaitSeconds = 3600;

    /// <summary>Longest ETag accepted (GCE's are 16 hex digits).</summary>
    private const int MaxETagLength = 128;
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
        InstanceMetadata metadata;
        Dictionary<string, string> scriptsOfInstance;
        var blockProjectKeys = false;
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
            byte[]? userData = null;
            var userDataJsonBytes = 0;
            var instanceAttributes = new Dictionary<string, string>(StringComparer.Ordinal);
            if (JsonFields.Object(root, "attributes") is { } attributes)
            {
                instanceAttributes = ScriptAttributes(attributes);
                keys.AddRange(SshKeyLines(JsonFields.String(attributes, "ssh-keys")));

                // The legacy instance attribute sshKeys, when set, also blocks the project's keys (GCE's documented behaviour).
                var legacy = JsonFields.String(attributes, "sshKeys");
                keys.AddRange(SshKeyLines(legacy));
                blockProjectKeys = legacy is not null
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

            metadata = new InstanceMetadata(MetadataSource.Gce, Endpoint, id.Trim(), host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
                machineType, zone, ip, null, "GCE metadata v1");
            scriptsOfInstance = instanceAttributes;
        }
        catch (JsonException e)
        {
            throw new CloudException($"GCE metadata: {_http.Resolve(InstancePath)} is not valid JSON: {e.Message}", e);
        }

        // One read of the project's attributes serves its SSH keys and its scripts. Project keys apply unless the instance
        // blocks them (GCE's block-project-ssh-keys). An unreadable project document must not cost the instance its
        // metadata (no password reset, no user data): the failure is a note for the log, and the instance's own keys and
        // scripts are still used.
        var (project, note) = await ReadProjectAttributesAsync(keysWanted: !blockProjectKeys, cancellationToken).ConfigureAwait(false);
        var projectKeys = blockProjectKeys ? [] : SshKeyLines(project.GetValueOrDefault("ssh-keys")).Concat(SshKeyLines(project.GetValueOrDefault("sshKeys"))).ToList();
        return metadata with
        {
            PublicKeys = [.. metadata.PublicKeys, .. projectKeys],
            Scripts = GceScripts.From(scriptsOfInstance, project),
            ScriptNotes = note is null ? [] : [note],
        };
    }

    /// <summary>The keys of GCE <c>ssh-keys</c> lines (<c>user:ssh-rsa AAAA… comment</c>), the user name removed.</summary>
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

    private static Dictionary<string, string> ScriptAttributes(JsonElement attributes)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var phase in Enum.GetValues<CloudScriptPhase>())
        {
            foreach (var kind in GceScripts.Kinds)
            {
                var key = GceScripts.Prefix(phase) + kind;
                if (JsonFields.String(attributes, key) is { } value)
                {
                    found[key] = value;
                }
            }
        }

        return found;
    }

    private async Task<(Dictionary<string, string> Attributes, string? Note)> ReadProjectAttributesAsync(bool keysWanted, CancellationToken cancellationToken)
    {
        try
        {
            var body = await _http.GetOptionalAsync(ProjectAttributesPath, AddFlavor, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return ([], null);
            }

            using var document = StrictJson.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"GCE metadata: {_http.Resolve(ProjectAttributesPath)} is not a JSON object");
            }

            var found = ScriptAttributes(document.RootElement);
            foreach (var name in (string[])["ssh-keys", "sshKeys"])
            {
                if (JsonFields.String(document.RootElement, name) is { } value)
                {
                    found[name] = value;
                }
            }

            return (found, null);
        }
        catch (Exception e) when (e is CloudException or JsonException)
        {
            return ([], $"GCE metadata: the project's attributes could not be read ({e.Message}); project-wide scripts"
                + (keysWanted ? " and SSH keys are not used" : " are not run"));
        }
    }

    /// <summary>
    /// Fetches a <c>*-script-url</c> script: <c>gs://bucket/object</c> and Cloud Storage addresses
    /// (<c>https://storage.googleapis.com/…</c>, over TLS only) with the instance's default service account token from the metadata server
    /// (anonymously when the instance has none), any other http(s) address as it is. One attempt of at most
    /// <see cref="ScriptDownloadTimeout"/>, at most <see cref="MetadataHttpOptions.MaxUserDataBytes"/> bytes.
    /// </summary>
    public async Task<byte[]> DownloadScriptAsync(string url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var address = StorageAddress(url.Trim());
        string? token = null;
        // The instance's token goes to Cloud Storage over TLS only: never in clear text, never to another host.
        if (address.Scheme == Uri.UriSchemeHttps && address.Host.Equals("storage.googleapis.com", StringComparison.OrdinalIgnoreCase))
        {
            token = await ServiceAccountTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        var response = await _http.SendAsync(HttpMethod.Get, address.AbsoluteUri, request =>
        {
            if (token is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            }
        }, null, _http.Options.MaxUserDataBytes, probe: false, cancellationToken, ScriptDownloadTimeout).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw new CloudException($"GCE script {url}: GET {address} returned {(int)response.Status} {response.Status}");
        }

        return response.Body;
    }

    /// <summary>The http(s) address of a script URL; <c>gs://bucket/object</c> becomes its Cloud Storage address.</summary>
    internal static Uri StorageAddress(string url)
    {
        if (url.StartsWith("gs://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = url[5..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == rest.Length - 1)
            {
                throw new CloudException($"GCE script URL '{url}' is not gs://BUCKET/OBJECT");
            }

            var bucket = rest[..slash];
            var objectName = string.Join('/', rest[(slash + 1)..].Split('/').Select(Uri.EscapeDataString));
            return new Uri($"https://storage.googleapis.com/{Uri.EscapeDataString(bucket)}/{objectName}");
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new CloudException($"GCE script URL '{(url.Length > 200 ? url[..200] + "…" : url)}' is neither gs://BUCKET/OBJECT nor an http(s) address");
    }

    private async Task<string?> ServiceAccountTokenAsync(CancellationToken cancellationToken)
    {
        var body = await _http.GetOptionalAsync(TokenPath, AddFlavor, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return null; // no service account: public objects still download
        }

        try
        {
            using var document = StrictJson.Parse(body);
            var token = JsonFields.String(document.RootElement, "access_token");
            return string.IsNullOrEmpty(token) || token.Any(char.IsControl) ? null : token;
        }
        catch (JsonException)
        {
            return null;
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

    /// <summary>
    /// Reads the instance's attributes (<c>windows-keys</c> among them) now, or, given the version last seen, waits for
    /// the next version (<c>wait_for_change=true&amp;last_etag=…&amp;timeout_sec=…</c>): the server answers at once when
    /// the attributes already differ, so a change between two requests is never missed. The whole attribute map is
    /// watched, not the <c>windows-keys</c> key alone, because the key does not exist until the first reset asks for it.
    /// </summary>
    public async Task<WindowsKeysVersion> WaitForWindowsKeysAsync(string? lastETag, TimeSpan wait, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, MaxWaitSeconds);
        var relative = lastETag is null
            ? AttributesPath
            : $"{AttributesPath}&wait_for_change=true&last_etag={Uri.EscapeDataString(lastETag)}&timeout_sec={seconds}";

        // The server answers by timeout_sec; the margin covers the round trip. A server that holds on longer is treated as
        // failing (the watcher backs off and asks again), never waited on forever.
        var longPoll = lastETag is null ? (TimeSpan?)null : TimeSpan.FromSeconds(seconds + 15);
        var options = _http.Options;
        var response = await _http.SendAsync(HttpMethod.Get, relative, AddFlavor, null, checked(options.MaxResponseBytes + options.MaxUserDataBytes),
            probe: false, cancellationToken, longPoll).ConfigureAwait(false);
        _http.EnsureSuccess(response, HttpMethod.Get, relative);
        EnsureGoogle(response, relative);

        // GCE sends its ETag unquoted (ETag: 411261ca6c9e654e), which the typed header parser rejects: read it as sent.
        var etag = response.Headers.NonValidated.TryGetValues("ETag", out var values) ? values.FirstOrDefault()?.Trim().Trim('"') : null;
        if (string.IsNullOrEmpty(etag) || etag.Length > MaxETagLength || !etag.All(c => c is > ' ' and < '\x7f'))
        {
            throw new CloudException($"GCE metadata: GET {_http.Resolve(relative)} answered without a usable ETag header, so changes cannot be waited for");
        }

        try
        {
            using var document = StrictJson.Parse(response.Body, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CloudException($"GCE metadata: {_http.Resolve(relative)} is not a JSON object of attributes");
            }

            var keys = JsonFields.Member(document.RootElement, "windows-keys", JsonValueKind.String)?.GetString();
            return new WindowsKeysVersion(keys is null ? new GceWindowsKeyScan([], []) : GceWindowsKey.ParseAll(keys), etag);
        }
        catch (JsonException e)
        {
            throw new CloudException($"GCE metadata: {_http.Resolve(relative)} is not valid JSON: {e.Message}", e);
        }
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
