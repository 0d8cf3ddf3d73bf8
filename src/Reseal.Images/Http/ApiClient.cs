using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Reseal.Images.Http;

/// <summary>An API answer: status, the headers Reseal reads, and the body as text (bounded).</summary>
internal sealed record ApiResponse(HttpStatusCode Status, HttpResponseHeaders Headers, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The body as JSON; an answer that is not JSON means the endpoint is not the API.</summary>
    public JsonDocument Json(string what)
    {
        try
        {
            return JsonDocument.Parse(Body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"{what}: the answer is not JSON (truncated, or not the API: {Snippet(Body)}): {e.Message}", e);
        }
    }

    public static string Snippet(string body)
    {
        var flat = body.ReplaceLineEndings(" ").Trim();
        return flat.Length == 0 ? "empty" : flat.Length <= 120 ? $"'{flat}'" : $"'{flat[..120]}…'";
    }
}

/// <summary>
/// HTTP for the JSON APIs of OpenStack and Huawei Cloud: each attempt bounded by
/// <see cref="ImageSettings.RequestTimeout"/>, answers bounded in size, retries with backoff and jitter on network
/// errors, 429 and 5xx (only for calls that are safe to repeat, or when the server says it did nothing: 429, 503), and
/// errors turned into <see cref="ImageCloudException"/> naming the call.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    /// <summary>Largest answer read. Console logs are the big ones; Nova returns the lines asked for.</summary>
    public const int MaxResponseBytes = 8 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly ImageSettings _settings;

    public ApiClient(ImageSettings settings, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("reseal", "0.1"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>
    /// Sends one call (<paramref name="method"/> to <paramref name="url"/> with <paramref name="jsonBody"/> and
    /// <paramref name="headers"/>, until <paramref name="cancellationToken"/>). Non-2xx answers are returned, not thrown:
    /// callers decide what a 404 or 409 means. <paramref name="what"/> names the call and resource in errors
    /// ("server 1234: os-getConsoleOutput"); <paramref name="idempotent"/> says it is safe to repeat after a network
    /// error or 5xx (GET, DELETE; not a create).
    /// </summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, Uri url, string? jsonBody, IReadOnlyDictionary<string, string>? headers,
        string what, bool idempotent, CancellationToken cancellationToken)
    {
        var attempts = Math.Max(1, _settings.HttpAttempts);
        Exception? lastError = null;
        ApiResponse? lastResponse = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(Backoff(attempt - 1, lastResponse), _settings.Time, cancellationToken).ConfigureAwait(false);
            }

            using var request = new HttpRequestMessage(method, url);
            if (jsonBody is not null)
            {
                request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
            }

            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(_settings.RequestTimeout);
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bounded.Token).ConfigureAwait(false);
                var body = await ReadBoundedAsync(response, what, bounded.Token).ConfigureAwait(false);
                lastResponse = new ApiResponse(response.StatusCode, response.Headers, body);
                var status = (int)response.StatusCode;
                var retry = status == 429 || status == 503 || (idempotent && status >= 500);
                if (!retry)
                {
                    return lastResponse;
                }
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = new ImageCloudException(ImageFailureKind.Unreachable,
                    $"{what}: {url.GetLeftPart(UriPartial.Authority)} did not answer within {_settings.RequestTimeout.TotalSeconds:0.#} s", e);
                lastResponse = null;
                if (!idempotent)
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
            {
                lastError = new ImageCloudException(ImageFailureKind.Unreachable,
                    $"{what}: {url.GetLeftPart(UriPartial.Authority)} could not be reached: {Flatten(e)}", e);
                lastResponse = null;
                if (!idempotent)
                {
                    break;
                }
            }
        }

        if (lastResponse is not null)
        {
            return lastResponse;
        }

        throw lastError ?? new ImageCloudException(ImageFailureKind.Unreachable, $"{what}: no answer");
    }

    public void Dispose() => _http.Dispose();

    private TimeSpan Backoff(int retry, ApiResponse? last)
    {
        if (last?.Headers.RetryAfter?.Delta is { } after && after < TimeSpan.FromSeconds(60))
        {
            return after;
        }

        var baseDelay = _settings.HttpBackoff.TotalMilliseconds * Math.Pow(2, retry - 1);
        var jitter = RandomNumberGenerator.GetInt32(0, 1000) / 1000.0;
        return TimeSpan.FromMilliseconds(baseDelay * (0.5 + (jitter / 2)));
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is > MaxResponseBytes)
        {
            throw new ImageCloudException(ImageFailureKind.Unreachable,
                $"{what}: the answer is {response.Content.Headers.ContentLength:N0} bytes; at most {MaxResponseBytes:N0} are read");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw new ImageCloudException(ImageFailureKind.Unreachable,
                        $"{what}: the answer runs past {MaxResponseBytes:N0} bytes; refused");
                }

                buffer.Write(chunk, 0, read);
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null && parts.Count < 3; x = x.InnerException)
        {
            if (!parts.Contains(x.Message))
            {
                parts.Add(x.Message);
            }
        }

        return string.Join(": ", parts);
    }
}
