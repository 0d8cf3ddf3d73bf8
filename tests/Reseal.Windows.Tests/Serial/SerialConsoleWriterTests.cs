using System.Diagnostics;
using System.Text;
using Reseal.Windows.Serial;

namespace Reseal.Windows.Tests.Serial;

/// <summary>The serial console's port handling: one open per run, a busy port retried, timed-out writes bounded and retried whole.</summary>
public sealed class SerialConsoleWriterTests
{
    private static readonly SerialConsoleSettings Fast = new() { OpenRetryDelay = TimeSpan.FromMilliseconds(10), WriteTimeout = TimeSpan.FromMilliseconds(50) };

    /// <summary>A port as Windows behaves: a queue of open outcomes, then writes that fail or go through.</summary>
    private sealed class ScriptedPort
    {
        public Queue<Exception?> OpenOutcomes { get; } = new();

        public Queue<Exception?> WriteOutcomes { get; } = new();

        public List<string> Received { get; } = [];

        public int OpenCalls;

        public int Disposed;

        public ISerialConnection Open()
        {
            OpenCalls++;
            if (OpenOutcomes.Count > 0 && OpenOutcomes.Dequeue() is { } failure)
            {
                throw failure;
            }

            return new Connection(this);
        }

        private sealed class Connection(ScriptedPort port) : ISerialConnection
        {
            public void Write(byte[] bytes)
            {
                if (port.WriteOutcomes.Count > 0 && port.WriteOutcomes.Dequeue() is { } failure)
                {
                    throw failure;
                }

                port.Received.Add(Encoding.UTF8.GetString(bytes));
            }

            public void Dispose() => port.Disposed++;
        }
    }

    private static SerialConsoleWriter Writer(ScriptedPort port, SerialConsoleSettings? settings = null) =>
        new("COM1", port.Open, () => "EMS is off (test)", settings ?? Fast);

    [Fact]
    public async Task WriteLineAsync_ManyLines_OneOpenPerRun_CrLfEach_ClosedOnce()
    {
        var port = new ScriptedPort();
        using var writer = Writer(port);

        for (var i = 0; i < 20; i++)
        {
            await writer.WriteLineAsync($"line {i}", CancellationToken.None);
        }

        writer.Close();

        Assert.Equal(1, port.OpenCalls);
        Assert.Equal(1, writer.Opens);
        Assert.Equal(1, port.Disposed);
        Assert.Equal("line 0\r\n", port.Received[0]);
        Assert.Equal(20, port.Received.Count);
    }

    [Fact]
    public async Task WriteLineAsync_PortBusyTwiceThenFree_OpenedOnTheThirdTry()
    {
        var port = new ScriptedPort();
        port.OpenOutcomes.Enqueue(new UnauthorizedAccessException("Access to the port 'COM1' is denied."));
        port.OpenOutcomes.Enqueue(new UnauthorizedAccessException("Access to the port 'COM1' is denied."));
        using var writer = Writer(port);

        await writer.WriteLineAsync("Password: <Password>", CancellationToken.None);

        Assert.Equal(3, port.OpenCalls);
        Assert.Equal(["Password: <Password>\r\n"], port.Received);
    }

    [Fact]
    public async Task WriteLineAsync_PortHeldForGood_BoundedFailureNamesTriesAndOwners()
    {
        var port = new ScriptedPort();
        for (var i = 0; i < 10; i++)
        {
            port.OpenOutcomes.Enqueue(new UnauthorizedAccessException("Access to the port 'COM1' is denied."));
        }

        using var writer = Writer(port);
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<SerialConsoleUnavailableException>(() => writer.WriteLineAsync("x", CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        Assert.Equal(3, port.OpenCalls); // OpenAttempts
        Assert.Contains("COM1 is held by another program or denied (tried 3 times", e.Message, StringComparison.Ordinal);
        Assert.Contains("Access to the port 'COM1' is denied.", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("EMS is off (test)", e.Message, StringComparison.Ordinal);
        Assert.IsType<UnauthorizedAccessException>(e.InnerException);
    }

    [Fact]
    public async Task WriteLineAsync_PortAbsent_NotRetried()
    {
        var port = new ScriptedPort();
        port.OpenOutcomes.Enqueue(new IOException("The port 'COM1' does not exist."));
        using var writer = Writer(port);

        var e = await Assert.ThrowsAsync<SerialConsoleUnavailableException>(() => writer.WriteLineAsync("x", CancellationToken.None));

        Assert.Equal(1, port.OpenCalls);
        Assert.StartsWith("COM1 cannot be opened (The port 'COM1' does not exist.)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteLineAsync_OneWriteTimesOut_WholeLineWrittenOnceMore_PortKeptOpen()
    {
        var port = new ScriptedPort();
        port.WriteOutcomes.Enqueue(new TimeoutException("The write timed out."));
        using var writer = Writer(port);

        await writer.WriteLineAsync("</Password>", CancellationToken.None);
        await writer.WriteLineAsync("Message: Windows is Ready to use", CancellationToken.None);

        Assert.Equal(["</Password>\r\n", "Message: Windows is Ready to use\r\n"], port.Received);
        Assert.Equal(1, port.OpenCalls);
    }

    [Fact]
    public async Task WriteLineAsync_BlockedLine_FailsAfterTheWriteAttempts_NextLineTriesTheSameOpenPort()
    {
        var port = new ScriptedPort();
        port.WriteOutcomes.Enqueue(new TimeoutException("The write timed out."));
        port.WriteOutcomes.Enqueue(new TimeoutException("The write timed out."));
        using var writer = Writer(port);

        var e = await Assert.ThrowsAsync<SerialConsoleUnavailableException>(() => writer.WriteLineAsync("a", CancellationToken.None));
        await writer.WriteLineAsync("a", CancellationToken.None); // the caller keeps the line and tries again later

        Assert.StartsWith("COM1 took no byte of a line within 50 ms, 2 times", e.Message, StringComparison.Ordinal);
        Assert.Equal(["a\r\n"], port.Received);
        Assert.Equal(1, port.OpenCalls); // a slow line is not a broken port
    }

    [Fact]
    public async Task WriteLineAsync_DeviceGoneMidRun_ConnectionClosed_NextLineOpensAgain()
    {
        var port = new ScriptedPort();
        port.WriteOutcomes.Enqueue(null);
        port.WriteOutcomes.Enqueue(new IOException("The device does not recognize the command."));
        using var writer = Writer(port);

        await writer.WriteLineAsync("one", CancellationToken.None);
        await Assert.ThrowsAsync<SerialConsoleUnavailableException>(() => writer.WriteLineAsync("two", CancellationToken.None));
        await writer.WriteLineAsync("two", CancellationToken.None);

        Assert.Equal(["one\r\n", "two\r\n"], port.Received);
        Assert.Equal(2, port.OpenCalls);
        Assert.Equal(1, port.Disposed);
    }

    [Fact]
    public void Constructor_NoTries_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SerialConsoleWriter("COM1", () => throw new InvalidOperationException(), () => "", new SerialConsoleSettings { OpenAttempts = 0 }));
}
