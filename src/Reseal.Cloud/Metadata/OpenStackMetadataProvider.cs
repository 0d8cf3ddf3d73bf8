using System.Net;
using System.Text;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// OpenStack (Nova) metadata over HTTP, also Huawei Cloud ECS (protocols.md §3.1, §3.6):
/// <c>GET openstack/latest/meta_data.json</c>, <c>user_data</c> and <c>network_data.json</c> (404 = absent), and the
/// password post-back <c>POST openstack/2013-04-04/password</c> whose body is the base64 ciphertext, at most 1,020
/// bytes (Nova answers 400 beyond), 409 when a password is already stored.
/// </summary>
public sealed class OpenStackMetadataProvider : IMetadataProvider, IPasswordEndpoint, IDisposable
{
    /// <summary>The metadata address.</summary>
    public static readonly Uri DefaultEndpoint = new("http://169.254.169.254/");

    /// <summary>Nova's limit on a posted password: 4 chunks of 255 characters.</summary>
    public const int MaxPasswordPostBytes = 4 * 255;

    /// <summary>The metadata version that introduced the password endpoint.</summary>
    public const string PasswordVersion = "2013-04-04";

    private const string PasswordPath = "openstack/" + PasswordVersion + "/password";

    private readonly MetadataHttpClient _http;

    /// <param name="endpoint">Base URL; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="options">Timeouts, retries and limits.</param>
    /// <param name="httpClient">An HttpClient to use instead of the provider's own (not disposed by it).</param>
    public OpenStackMetadataProvider(Uri? endpoint = null, MetadataHttpOptions? options = null, HttpClient? httpClient = null) =>
        _http = new MetadataHttpClient("OpenStack metadata", endpoint ?? DefaultEndpoint, options, httpClient);

    public MetadataSource Source => MetadataSource.OpenStack;

    public string Endpoint => _http.BaseUri.AbsoluteUri;

    /// <inheritdoc/>
    public IPasswordEndpoint PasswordEndpoint => this;

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await _http.SendAsync(HttpMethod.Get, "openstack", null, null, _http.Options.MaxResponseBytes,
                probe: true, cancellationToken).ConfigureAwait(false);
            return response.IsSuccess && response.Text.Contains("latest", StringComparison.Ordinal);
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
        const string metaPath = "openstack/latest/meta_data.json";
        var meta = await _http.GetOptionalAsync(metaPath, null, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudException($"OpenStack metadata: GET {_http.Resolve(metaPath)} returned 404; this is not an OpenStack metadata service");
        var (id, host, zone, keys) = OpenStackMetadataDocument.Parse(meta, $"OpenStack metadata {_http.Resolve(metaPath)}");
        var userData = await _http.GetOptionalAsync("openstack/latest/user_data", null, _http.Options.MaxUserDataBytes, cancellationToken)
            .ConfigureAwait(false);
        var network = await _http.GetOptionalAsync("openstack/latest/network_data.json", null, _http.Options.MaxResponseBytes, cancellationToken)
            .ConfigureAwait(false);
        return new InstanceMetadata(MetadataSource.OpenStack, Endpoint, id, host, keys, userData ?? ReadOnlyMemory<byte>.Empty,
            null, zone, null, network is null ? null : Encoding.UTF8.GetString(network), "OpenStack HTTP");
    }

    /// <summary>True when the service offers the password endpoint (its version list includes 2013-04-04).</summary>
    public async Task<bool> CanPostPasswordAsync(CancellationToken cancellationToken)
    {
        var listing = await _http.GetOptionalAsync("openstack", null, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        return listing is not null && Encoding.UTF8.GetString(listing)
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Contains(PasswordVersion, StringComparer.Ordinal);
    }

    /// <summary>
    /// The ciphertext the service stores for this instance (empty when none); what <c>nova get-password</c> reads.
    /// </summary>
    public async Task<string> GetStoredPasswordAsync(CancellationToken cancellationToken)
    {
        var body = await _http.GetOptionalAsync(PasswordPath, null, _http.Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudException($"OpenStack metadata: GET {_http.Resolve(PasswordPath)} returned 404; the service has no password endpoint");
        return Encoding.UTF8.GetString(body).Trim();
    }

    /// <summary>
    /// Posts the base64 ciphertext (from <see cref="Passwords.PasswordCipher.EncryptToBase64"/> with PKCS#1 v1.5).
    /// Checked before sending: non-empty, base64, at most <see cref="MaxPasswordPostBytes"/>.
    /// </summary>
    /// <returns>
    /// <see cref="PasswordPostResult.AlreadySet"/> for Nova's 409 when the stored value is not this ciphertext. A 409 whose
    /// stored value is this ciphertext means an earlier attempt of this call was stored but its answer was lost (POST
    /// is retried after transport failures), so it is <see cref="PasswordPostResult.Posted"/>.
    /// </returns>
    /// <exception cref="CloudException">Too large, not base64, or another status; the message names URL and status.</exception>
    public async Task<PasswordPostResult> PostPasswordAsync(string encryptedPasswordBase64, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(encryptedPasswordBase64);
        var body = encryptedPasswordBase64.Trim();
        var bytes = Encoding.ASCII.GetByteCount(body);
        if (bytes == 0 || bytes > MaxPasswordPostBytes)
        {
            throw new CloudException(
                $"OpenStack metadata: the encrypted password is {bytes} bytes; Nova accepts 1..{MaxPasswordPostBytes} " +
                "(a 4096-bit key gives 684, larger keys do not fit)");
        }

        if (!Base64Text.IsValid(body))
        {
            throw new CloudException("OpenStack metadata: the encrypted password to post is not base64");
        }

        using var content = new StringContent(body, Encoding.ASCII, "text/plain");
        var response = await _http.SendAsync(HttpMethod.Post, PasswordPath, null, content, _http.Options.MaxResponseBytes,
            probe: false, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Conflict)
        {
            var stored = await GetStoredPasswordAsync(cancellationToken).ConfigureAwait(false);
            return string.Equals(Base64Text.RemoveWhitespace(stored), Base64Text.RemoveWhitespace(body), StringComparison.Ordinal)
                ? PasswordPostResult.Posted
                : PasswordPostResult.AlreadySet;
        }

        return response.Status switch
        {
            HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.Accepted => PasswordPostResult.Posted,
            HttpStatusCode.NotFound => throw _http.StatusError(response, HttpMethod.Post, PasswordPath, "the service has no password endpoint"),
            _ => throw _http.StatusError(response, HttpMethod.Post, PasswordPath),
        };
    }

    public void Dispose() => _http.Dispose();
}
