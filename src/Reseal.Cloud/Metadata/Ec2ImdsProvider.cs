using System.Globalization;
using System.Net;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// EC2's instance metadata service (protocols.md §2). IMDSv2 first: <c>PUT latest/api/token</c> with
/// <c>X-aws-ec2-metadata-token-ttl-seconds</c>, then every <c>GET</c> carries <c>X-aws-ec2-metadata-token</c>. A 401
/// (token missing, invalid or expired) gets one fresh token and one retry. Only when the token <c>PUT</c> is refused
/// with 403, 404 or 405 does it fall back to IMDSv1 (no token), as botocore does; a 400 is an error. The fallback is
/// remembered for <see cref="V1FallbackRecheck"/> only, then the token <c>PUT</c> is tried again, so IMDSv2 is used
/// whenever it answers. 404 on an item means the item is absent. Paths ending in <c>/</c> are LF-separated listings.
/// </summary>
public sealed class Ec2ImdsProvider : IMetadataProvider, IDisposable
{
    /// <summary>The IPv4 endpoint.</summary>
    public static readonly Uri DefaultEndpoint = new("http://169.254.169.254/");

    /// <summary>The IPv6 endpoint (Nitro instances, when enabled).</summary>
    public static readonly Uri IPv6Endpoint = new("http://[fd00:ec2::254]/");

    internal const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    internal const string TokenHeader = "X-aws-ec2-metadata-token";
    private const int MaxTokenBytes = 4096;

    /// <summary>Longest token accepted; real ones are about 60 characters.</summary>
    private const int MaxTokenLength = 1024;

    /// <summary>How long an IMDSv1 fallback is used before the token PUT is tried again.</summary>
    internal static readonly TimeSpan V1FallbackRecheck = TimeSpan.FromSeconds(60);

    private readonly MetadataHttpClient _http;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private readonly TimeSpan _tokenTtl;
    private TokenState? _token;

    /// <param name="endpoint">Base URL; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="options">Timeouts, retries and limits.</param>
    /// <param name="tokenTtl">The IMDSv2 token lifetime to ask for (1 s .. 6 h; default 6 h).</param>
    /// <param name="httpClient">An HttpClient to use instead of the provider's own (not disposed by it).</param>
    public Ec2ImdsProvider(Uri? endpoint = null, MetadataHttpOptions? options = null, TimeSpan? tokenTtl = null,
        HttpClient? httpClient = null)
    {
        _tokenTtl = tokenTtl ?? TimeSpan.FromHours(6);
        if (_tokenTtl < TimeSpan.FromSeconds(1) || _tokenTtl > TimeSpan.FromSeconds(21600))
        {
            throw new ArgumentOutOfRangeException(nameof(tokenTtl), tokenTtl, "IMDSv2 token TTL must be 1..21600 seconds");
        }

        _http = new MetadataHttpClient("EC2 IMDS", endpoint ?? DefaultEndpoint, options, httpClient);
    }

    public MetadataSource Source => MetadataSource.Ec2;

    public string Endpoint => _http.BaseUri.AbsoluteUri;

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            var token = await GetTokenAsync(forceRefresh: false, probe: true, cancellationToken).ConfigureAwait(false);
            var response = await _http.SendAsync(HttpMethod.Get, "latest/meta-data/instance-id", r => AddToken(r, token),
                null, _http.Options.MaxResponseBytes, probe: true, cancellationToken).ConfigureAwait(false);
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
        var instanceId = await GetTextAsync("latest/meta-data/instance-id", cancellationToken).ConfigureAwait(false)
            ?? throw new CloudException($"EC2 IMDS: {_http.Resolve("latest/meta-data/instance-id")} returned 404; this is not an EC2 metadata service");
        var hostName = await GetTextAsync("latest/meta-data/local-hostname", cancellationToken).ConfigureAwait(false)
            ?? await GetTextAsync("latest/meta-data/hostname", cancellationToken).ConfigureAwait(false);
        var instanceType = await GetTextAsync("latest/meta-data/instance-type", cancellationToken).ConfigureAwait(false);
        var zone = await GetTextAsync("latest/meta-data/placement/availability-zone", cancellationToken).ConfigureAwait(false);
        var ipv4 = await GetTextAsync("latest/meta-data/local-ipv4", cancellationToken).ConfigureAwait(false);
        var keys = await GetPublicKeysAsync(cancellationToken).ConfigureAwait(false);
        var userData = await GetAsync("latest/user-data", _http.Options.MaxUserDataBytes, cancellationToken).ConfigureAwait(false);
        var publicIpv4 = await GetTextAsync("latest/meta-data/public-ipv4", cancellationToken).ConfigureAwait(false);
        var tags = await GetTagsAsync(cancellationToken).ConfigureAwait(false);
        var protocol = _token is { V1Fallback: true } ? "IMDSv1" : "IMDSv2";
        return new InstanceMetadata(MetadataSource.Ec2, Endpoint, instanceId.Trim(), hostName?.Trim(), keys,
            userData ?? ReadOnlyMemory<byte>.Empty, instanceType?.Trim(), zone?.Trim(), ipv4?.Trim(), null, protocol)
        {
            PublicIPv4 = publicIpv4?.Trim(),
            Tags = tags,
        };
    }

    /// <summary>The most instance tags read (EC2 allows 50 user tags per resource).</summary>
    public const int MaxTags = 50;

    // The instance's tags, when "allow tags in instance metadata" is on: meta-data/tags/instance lists the keys, one per
    // line, and meta-data/tags/instance/KEY holds each value; the listing is 404 when the option is off (null here).
    // With the option on, EC2 allows only letters, digits and + - = . , _ : @ in keys, and not "." or ".." alone
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/work-with-tags-in-IMDS.html); another key is not requested.
    private async Task<IReadOnlyDictionary<string, string>?> GetTagsAsync(CancellationToken cancellationToken)
    {
        var listing = await GetTextCoreAsync("latest/meta-data/tags/instance", cancellationToken).ConfigureAwait(false);
        if (listing is null)
        {
            return null;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).Take(MaxTags))
        {
            if (key is "." or ".." || key.Length > 128 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '=' or '.' or ',' or '_' or ':' or '@'))
            {
                continue;
            }

            if (await GetTextCoreAsync("latest/meta-data/tags/instance/" + key, cancellationToken).ConfigureAwait(false) is { } value)
            {
                tags[key] = value;
            }
        }

        return tags;
    }

    /// <summary>Reads one item under the service root (for example <c>latest/meta-data/ami-id</c>); null when absent (404).</summary>
    public Task<string?> GetTextAsync(string path, CancellationToken cancellationToken) =>
        GetTextCoreAsync(path, cancellationToken);

    /// <summary>Reads a listing (a path ending in <c>/</c>) as its lines; empty when absent.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        if (!path.EndsWith('/'))
        {
            path += "/";
        }

        var text = await GetTextCoreAsync(path, cancellationToken).ConfigureAwait(false);
        return text is null ? [] : text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public void Dispose()
    {
        _http.Dispose();
        _tokenLock.Dispose();
    }

    private async Task<IReadOnlyList<string>> GetPublicKeysAsync(CancellationToken cancellationToken)
    {
        // Listing lines look like "0=my-key"; each index has an openssh-key item.
        var keys = new List<string>();
        foreach (var entry in await ListAsync("latest/meta-data/public-keys/", cancellationToken).ConfigureAwait(false))
        {
            var index = entry.Split('=', 2)[0].TrimEnd('/');
            if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 1000)
            {
                continue;
            }

            var key = await GetTextCoreAsync($"latest/meta-data/public-keys/{n}/openssh-key", cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(key))
            {
                keys.Add(key.Trim());
            }
        }

        return keys;
    }

    private async Task<string?> GetTextCoreAsync(string path, CancellationToken cancellationToken)
    {
        var body = await GetAsync(path, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        return body is null ? null : System.Text.Encoding.UTF8.GetString(body);
    }

    private async Task<byte[]?> GetAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(forceRefresh: false, probe: false, cancellationToken).ConfigureAwait(false);
        for (var refreshed = false; ; refreshed = true)
        {
            var response = await _http.SendAsync(HttpMethod.Get, path, r => AddToken(r, token), null, maxBytes, probe: false,
                cancellationToken).ConfigureAwait(false);
            switch (response.Status)
            {
                case HttpStatusCode.OK:
                    return response.Body;
                case HttpStatusCode.NotFound:
                    return null;
                case HttpStatusCode.Unauthorized when !refreshed && !token.V1Fallback:
                    token = await GetTokenAsync(forceRefresh: true, probe: false, cancellationToken).ConfigureAwait(false);
                    continue;
                case HttpStatusCode.Unauthorized:
                    throw _http.StatusError(response, HttpMethod.Get, path,
                        token.V1Fallback ? "IMDSv2 is required but the token PUT was refused" : "rejected even a fresh IMDSv2 token");
                case HttpStatusCode.Forbidden:
                    throw _http.StatusError(response, HttpMethod.Get, path, "IMDS is disabled or this path is not allowed");
                default:
                    throw _http.StatusError(response, HttpMethod.Get, path);
            }
        }
    }

    private static void AddToken(HttpRequestMessage request, TokenState token)
    {
        if (!token.V1Fallback)
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, token.Value);
        }
    }

    private async Task<TokenState> GetTokenAsync(bool forceRefresh, bool probe, CancellationToken cancellationToken)
    {
        await _tokenLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _http.Options.Time.GetUtcNow();
            if (!forceRefresh && _token is { } cached && now < cached.RefreshAfter)
            {
                return cached;
            }

            var seconds = ((int)_tokenTtl.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            var response = await _http.SendAsync(HttpMethod.Put, "latest/api/token",
                r => r.Headers.TryAddWithoutValidation(TokenTtlHeader, seconds), null, MaxTokenBytes, probe, cancellationToken)
                .ConfigureAwait(false);
            TokenState state;
            if (response.Status == HttpStatusCode.OK && response.Body.Length > 0)
            {
                // Refresh well before the service's expiry so a token never lapses mid-call.
                var margin = TimeSpan.FromTicks(Math.Min(_tokenTtl.Ticks / 10, TimeSpan.FromMinutes(5).Ticks));
                state = new TokenState(ValidToken(response.Body), false, now + _tokenTtl - margin);
            }
            else if (response.Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                state = new TokenState("", true, now + V1FallbackRecheck);
            }
            else
            {
                throw _http.StatusError(response, HttpMethod.Put, "latest/api/token", "IMDSv2 token request refused");
            }

            _token = state;
            return state;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    /// <summary>
    /// The token as sent back in a header: printable ASCII without whitespace and of sane length, so a broken or hostile
    /// service cannot inject header lines (CR/LF) or make every later request huge.
    /// </summary>
    private string ValidToken(byte[] body)
    {
        if (body.Length > MaxTokenLength || body.Any(b => b is < 0x21 or > 0x7E))
        {
            throw new CloudException($"{_http.Provider}: PUT {_http.Resolve("latest/api/token")} returned a malformed token " +
                $"({body.Length} bytes; expected 1..{MaxTokenLength} printable ASCII characters without whitespace)");
        }

        return System.Text.Encoding.ASCII.GetString(body);
    }

    private sealed record TokenState(string Value, bool V1Fallback, DateTimeOffset RefreshAfter)
    {
        public override string ToString() => V1Fallback ? "IMDSv1" : "IMDSv2 token (hidden)";
    }
}
