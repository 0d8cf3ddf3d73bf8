using System.Text;

namespace Reseal.Windows.Live;

/// <summary>
/// Reads a process's redirected output into text in the background, so that the reader can stop waiting at a
/// deadline and keep what arrived: a grandchild that inherits the pipe keeps it open after the process exits, and
/// reading to its end would never finish. Not tied to Windows, so it is tested anywhere.
/// </summary>
internal sealed class OutputCapture
{
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();

    private OutputCapture(TextReader reader) => Completion = PumpAsync(reader);

    /// <summary>Completes when the stream ended (or failed, or was closed under the reader).</summary>
    public Task Completion { get; }

    /// <summary>What has been read so far.</summary>
    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Starts reading.</summary>
    public static OutputCapture Start(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new OutputCapture(reader);
    }

    /// <summary>
    /// Waits until every capture has ended or <paramref name="limit"/> has passed; true when all ended in time.
    /// After false, the captures' <see cref="Text"/> holds what was read by then.
    /// </summary>
    public static async Task<bool> WaitAllAsync(IReadOnlyCollection<OutputCapture> captures, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(captures);
        ArgumentNullException.ThrowIfNull(time);
        var all = Task.WhenAll(captures.Select(c => c.Completion));
        if (all.IsCompleted)
        {
            return true;
        }

        if (limit <= TimeSpan.Zero)
        {
            return false;
        }

        try
        {
            await all.WaitAsync(limit, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task PumpAsync(TextReader reader)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                lock (_gate)
                {
                    _text.Append(buffer, 0, read);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The pipe was closed under the reader (the process was disposed after the deadline): keep what was read.
        }
    }
}
