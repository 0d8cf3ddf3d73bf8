using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Reseal.Cloud.Metadata;

/// <summary>A metadata response: its status, body (within the size limit) and the headers a provider checks.</summary>
internal sealed record MetadataHttpResponse(HttpStatusCode Status, byte[] Body, HttpResponseHeaders Headers)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// HTTP for metadata providers: no proxy (metadata addresses are link-local), no redirects, a timeout per attempt, a
/// deadline per call, bounded retries with exponential backoff and full jitter for transport failures, timeouts,
/// truncated bodies, 5xx and 429, and a hard cap on body size. Errors name the provider, method, URL and status.
/// </summary>
internal sealed class MetadataHttpClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly HttpStatusCode[] _alsoRetry;

    /// <param name="provider">Names the provider in errors.</param>
    /// <param name="baseUri">The service root.</param>
    /// <param name="options">Limits; the defaults when null.</param>
    /// <param name="client">An HttpClient to use instead of an own one (not disposed).</param>
    /// <param name="alsoRetry">Statuses this service documents as temporary, retried like 5xx and 429.</param>
    public MetadataHttpClient(string provider, Uri baseUri, MetadataHttpOptions? options, HttpClient? client,
        params HttpStatusCode[] alsoRetry)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{provider}: the endpoint must be an absolute http(s) URL, not '{baseUri}'", nameof(baseUri));
        }

        Provider = provider;
        _alsoRetry = alsoRetry;
        BaseUri = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        Options = options ?? MetadataHttpOptions.Default;
        Options.Validate();
        if (client is null)
        {
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                ConnectTimeout = Options.AttemptTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                AutomaticDecompression = DecompressionMethods.None,
                MaxResponseHeadersLength = 64,
            };
            _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            _ownsClient = true;
        }
        else
        {
            _client = client;
        }
    }

    public string Provider { get; }

    public Uri BaseUri { get; }

    public MetadataHttpOptions Options { get; }

    public Uri Resolve(string relative) => new(BaseUri, relative);

    /// <summary>
    /// Sends a request built fresh for each attempt and returns the final response, whatever its status, once it is not
    /// one worth retrying. Transport failures that outlast the attempts become a <see cref="CloudException"/>.
    /// With <c>longPoll</c> (a request the server holds until something changes: GCE's <c>wait_for_change</c>): one
    /// attempt that may take that long instead of <see cref="MetadataHttpOptions.AttemptTimeout"/>; the caller decides
    /// when to ask again.
    /// </summary>
    public async Task<MetadataHttpResponse> SendAsync(HttpMethod method, string relative, Action<HttpRequestMessage>? configure,
        HttpContent? content, int maxBytes, bool probe, CancellationToken cancellationToken, TimeSpan? longPoll = null)
    {
        var uri = Resolve(relative);
        var time = Options.Time;
        var attempts = probe || longPoll is not null ? 1 : Options.MaxAttempts;
        var attemptTimeout = longPoll ?? Options.AttemptTimeout;
        using var deadline = new CancellationTokenSource(longPoll ?? (probe ? Options.AttemptTimeout : Options.TotalTimeout), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        string? lastProblem = null;
        var contentBytes = content is null ? null : await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var contentType = content?.Headers.ContentType;
        var made = 0;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                try
                {
                    await Task.Delay(Backoff(attempt), time, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            using var attemptDeadline = new CancellationTokenSource(attemptTimeout, time);
            using var attemptLinked = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, attemptDeadline.Token);
            using var request = new HttpRequestMessage(method, uri);
            if (contentBytes is not null)
            {
                request.Content = new ByteArrayContent(contentBytes);
                request.Content.Headers.ContentType = contentType;
            }

            configure?.Invoke(request);
            made++;
            try
            {
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptLinked.Token)
                    .ConfigureAwait(false);
                var body = await ReadBodyAsync(response, uri, method, maxBytes, attemptLinked.Token).ConfigureAwait(false);
                var result = new MetadataHttpResponse(response.StatusCode, body, response.Headers);
                if (IsRetryable(response.StatusCode) && attempt < attempts)
                {
                    lastProblem = $"status {(int)response.StatusCode} {response.ReasonPhrase}";
                    continue;
                }

                return result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                lastProblem = deadline.IsCancellationRequested
                    ? $"no answer within the {(longPoll ?? (probe ? Options.AttemptTimeout : Options.TotalTimeout)).TotalSeconds:0.###} s deadline"
                    : $"no answer within {attemptTimeout.TotalSeconds:0.###} s";
                if (deadline.IsCancellationRequested)
                {
                    break;
                }
            }
            catch (HttpIOException e) when (e.HttpRequestError == HttpRequestError.ResponseEnded)
            {
                lastProblem = "the response was cut short (truncated body)";
            }
            catch (HttpRequestException e)
            {
                lastProblem = Describe(e);
            }
            catch (IOException e)
            {
                lastProblem = e.Message;
            }
        }

        throw new CloudException($"{Provider}: {method} {uri} failed after {made} attempt(s): {lastProblem}");
    }

    /// <summary>
    /// Runs a multi-call operation under <see cref="MetadataHttpOptions.OperationTimeout"/>; running out of time becomes
    /// a <see cref="CloudException"/> naming the provider and endpoint, the caller's cancellation stays a cancellation.
    /// </summary>
    public async Task<T> WithOperationDeadlineAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(Options.OperationTimeout, Options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await operation(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CloudException(
                $"{Provider}: reading metadata from {BaseUri} took longer than {Options.OperationTimeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>GET expecting 200; 404 (absent item) gives null; any other status is an error naming it.</summary>
    public async Task<byte[]?> GetOptionalAsync(string relative, Action<HttpRequestMessage>? configure, int maxBytes,
        CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, relative, configure, null, maxBytes, probe: false, cancellationToken)
            .ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureSuccess(response, HttpMethod.Get, relative);
        return response.Body;
    }

    public CloudException StatusError(MetadataHttpResponse response, HttpMethod method, string relative, string? why = null)
    {
        var snippet = Snippet(response.Body);
        return new CloudException(
            $"{Provider}: {method} {Resolve(relative)} returned {(int)response.Status} {response.Status}" +
            (why is null ? "" : $" ({why})") + (snippet.Length > 0 ? $": {snippet}" : ""));
    }

    public void EnsureSuccess(MetadataHttpResponse response, HttpMethod method, string relative)
    {
        if (!response.IsSuccess)
        {
            throw StatusError(response, method, relative);
        }
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private bool IsRetryable(HttpStatusCode status) =>
        (int)status >= 500 || status == HttpStatusCode.TooManyRequests || _alsoRetry.Contains(status);

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, Uri uri, HttpMethod method, int maxBytes,
        CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            throw TooLarge($"{Provider}: {method} {uri} answered with {declared} bytes, more than the {maxBytes}-byte limit");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            while (true)
            {
                var read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                if (buffer.Length + read > maxBytes)
                {
                    throw TooLarge($"{Provider}: {method} {uri} answered with more than the {maxBytes}-byte limit");
                }

                buffer.Write(chunk, 0, read);
            }

            if (declared is { } length && buffer.Length != length)
            {
                throw new HttpIOException(HttpRequestError.ResponseEnded, "truncated body");
            }

            return buffer.ToArray();
        }
    }

    /// <summary>True for the error a response over its size limit raised (a provider may then say which part was too large).</summary>
    public static bool IsTooLarge(CloudException error) => error.Data.Contains(TooLargeKey);

    private const string TooLargeKey = "Reseal.Cloud.ResponseTooLarge";

    private static CloudException TooLarge(string message)
    {
        var error = new CloudException(message);
        error.Data[TooLargeKey] = true;
        return error;
    }

    private TimeSpan Backoff(int attempt)
    {
        // Exponential backoff with "full jitter": a random delay up to the capped exponential step.
        var step = Options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 2);
        var cap = Math.Min(step, Options.MaxBackoff.TotalMilliseconds);
        var jitter = RandomNumberGenerator.GetInt32(1001) / 1000.0;
        return TimeSpan.FromMilliseconds(cap * (0.5 + (jitter / 2)));
    }

    private static string Describe(HttpRequestException e)
    {
        var message = e.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "cannot connect",
            HttpRequestError.NameResolutionError => "the host name does not resolve",
            HttpRequestError.InvalidResponse => "the answer is not valid HTTP",
            HttpRequestError.ResponseEnded => "the connection closed before the response was complete",
            _ => e.Message,
        };
        return e.InnerException is { } inner && e.HttpRequestError == HttpRequestError.ConnectionError
            ? $"{message} ({inner.Message})"
            : message;
    }

    private static string Snippet(byte[] body)
    {
        if (body.Length == 0)
        {
            return "";
        }

        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        var clean = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        return clean.Length > 120 ? clean[..120] + "…" : clean;
    }
}
