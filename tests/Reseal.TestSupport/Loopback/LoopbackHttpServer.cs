using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reseal.TestSupport.Loopback;

/// <summary>A request as the loopback server saw it.</summary>
public sealed record LoopbackRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>How a reply's body is delimited on the wire.</summary>
public enum LoopbackFraming
{
    /// <summary>A Content-Length header (or <see cref="LoopbackReply.DeclaredLength"/>) before the body.</summary>
    ContentLength,

    /// <summary><c>Transfer-Encoding: chunked</c>, so the client learns the size only by reading.</summary>
    Chunked,

    /// <summary>No length at all: the body ends when the server closes the connection.</summary>
    CloseDelimited,
}

/// <summary>What the server sends back. <see cref="Raw"/> bytes, when set, are written instead of a response.</summary>
public sealed record LoopbackReply(int Status, byte[] Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Wait this long before sending anything (a slow or dead endpoint).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Claim this Content-Length but send only <see cref="Body"/> and close (a truncated answer).</summary>
    public long? DeclaredLength { get; init; }

    /// <summary>How the body is delimited; Content-Length unless a test needs a reply whose size is not declared.</summary>
    public LoopbackFraming Framing { get; init; } = LoopbackFraming.ContentLength;

    /// <summary>Bytes written verbatim instead of an HTTP response (garbage).</summary>
    public byte[]? Raw { get; init; }

    public static LoopbackReply Text(int status, string body, params (string Name, string Value)[] headers) =>
        new(status, Encoding.UTF8.GetBytes(body), headers.ToDictionary(h => h.Name, h => h.Value));

    public static LoopbackReply Ok(string body, params (string Name, string Value)[] headers) => Text(200, body, headers);

    /// <summary>The small HTML error pages IMDS and its mock send.</summary>
    public static LoopbackReply Error(int status, string title) =>
        Text(status, $"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>",
            ("Content-Type", "text/html"));
}

/// <summary>
/// An HTTP/1.1 server on 127.0.0.1 and an ephemeral port, one request per connection, built on TcpListener so tests
/// can send slow, truncated, oversized (with or without a declared length) and non-HTTP answers. Never listens beyond
/// loopback.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<LoopbackRequest, LoopbackReply> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public LoopbackHttpServer(Func<LoopbackRequest, LoopbackReply> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public ConcurrentQueue<LoopbackRequest> Requests { get; } = new();

    public int Count(string method, string path) => Requests.Count(r => r.Method == method && r.Path == path);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream);
                if (request is null)
                {
                    return;
                }

                Requests.Enqueue(request);
                var reply = _handler(request);
                if (reply.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(reply.Delay, _stop.Token);
                }

                if (reply.Raw is not null)
                {
                    await stream.WriteAsync(reply.Raw, _stop.Token);
                    return;
                }

                var head = new StringBuilder();
                head.Append("HTTP/1.1 ").Append(reply.Status).Append(' ').Append(((HttpStatusCode)reply.Status).ToString()).Append("\r\n");
                if (reply.Framing == LoopbackFraming.ContentLength)
                {
                    head.Append("Content-Length: ").Append(reply.DeclaredLength ?? reply.Body.Length).Append("\r\n");
                }
                else if (reply.Framing == LoopbackFraming.Chunked)
                {
                    head.Append("Transfer-Encoding: chunked\r\n");
                }

                head.Append("Connection: close\r\n");
                foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                {
                    head.Append(name).Append(": ").Append(value).Append("\r\n");
                }

                head.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
                if (reply.Framing == LoopbackFraming.Chunked)
                {
                    await WriteChunkedAsync(stream, reply.Body, _stop.Token);
                }
                else
                {
                    await stream.WriteAsync(reply.Body, _stop.Token);
                }

                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (timed out) or the server is stopping.
            }
        }
    }

    private static async Task WriteChunkedAsync(NetworkStream stream, byte[] body, CancellationToken cancellationToken)
    {
        const int ChunkSize = 8 * 1024;
        for (var offset = 0; offset < body.Length; offset += ChunkSize)
        {
            var size = Math.Min(ChunkSize, body.Length - offset);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(size.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
            await stream.WriteAsync(body.AsMemory(offset, size), cancellationToken);
            await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }

        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
    }

    private static async Task<LoopbackRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n')
            {
                break;
            }

            if (buffer.Count > 64 * 1024)
            {
                return null;
            }
        }

        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n");
        var parts = lines[0].Split(' ');
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return new LoopbackRequest(parts[0], parts[1], headers, body);
    }
}
