using System.Diagnostics;
using Reseal.Agent.Boot.Host;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot;

/// <summary>The serial copy of the console: a busy port retried, a blocked port bounded, no line silently lost.</summary>
public sealed class AgentConsoleTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A port whose writes never finish until released (flow control never lets the bytes out).</summary>
    private sealed class BlockedPort : ISerialConsole
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<string> Lines = [];
        public int Writes;
        public int Closes;

        public Task WriteLineAsync(string line, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Writes);
            return Release.Task.ContinueWith(_ => { lock (Lines) { Lines.Add(line); } }, TaskScheduler.Default);
        }

        public void Close() => Interlocked.Increment(ref Closes);
    }

    /// <summary>A port whose write blocks its caller's thread (a synchronous implementation with no timeout of its own).</summary>
    private sealed class SynchronouslyBlockedPort : ISerialConsole, IDisposable
    {
        public readonly ManualResetEventSlim Release = new();

        public Task WriteLineAsync(string line, CancellationToken cancellationToken)
        {
            Release.Wait(TimeSpan.FromSeconds(30), cancellationToken);
            return Task.CompletedTask;
        }

        public void Close()
        {
        }

        public void Dispose() => Release.Dispose();
    }

    [Fact]
    public void BusyThenFree_LinesKeptAndWrittenLateInOrder_FailureSaidInBothLogs_PortReleasedAtTheEnd()
    {
        var port = new FakeSerialConsole { Failure = new UnauthorizedAccessException("Access to the port 'COM1' is denied.") };
        using var log = new AgentLog(_temp.File("agent.log"), TimeProvider.System);
        using (var console = new AgentConsole(port, _temp.File("console.log"), log) { SerialRetryDelay = TimeSpan.Zero })
        {
            console.Write("one\r\nPassword: <Password>\r\n");
            port.Failure = null; // the other program let go of the port
            console.Write("two\r\n");
        }

        Assert.Equal(["one", "Password: <Password>", "two"], port.Lines);
        Assert.Contains(log.Entries, e => e.Contains("serial console cannot be written (Access to the port 'COM1' is denied.)", StringComparison.Ordinal) && !e.Contains("Exception", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Contains("works again: 2 line(s) written late", StringComparison.Ordinal)); // "two" went out in its own write
        Assert.Contains("# the serial console cannot be written", File.ReadAllText(_temp.File("console.log")), StringComparison.Ordinal);
        Assert.Equal(1, port.Closes);
    }

    [Fact]
    public void BlockedPort_WritesBounded_RunNotHeld_NoSecondWriteBesideTheStuckOne_LossOfThePasswordBlockSaid()
    {
        var port = new BlockedPort();
        using var log = new AgentLog(_temp.File("agent.log"), TimeProvider.System);
        var watch = Stopwatch.StartNew();
        using (var console = new AgentConsole(port, _temp.File("console.log"), log) { SerialTimeout = TimeSpan.FromMilliseconds(100), SerialRetryDelay = TimeSpan.Zero })
        {
            console.Write("Username: Administrator\r\nPassword: <Password>\r\nAAAA\r\n</Password>\r\n");
            console.Write("Message: Windows is Ready to use\r\n");
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the console held the run {watch.Elapsed}");
        Assert.Equal(1, port.Writes); // the stuck write is never doubled, whatever the retry delay
        Assert.Equal(0, port.Closes); // not closed under a write still in flight
        Assert.Contains(log.Entries, e => e.Contains("serial console cannot be written (a write did not finish within 0.1 s", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Contains("5 console line(s), the <Password> block among them, never reached the serial console", StringComparison.Ordinal));
        var consoleLog = File.ReadAllText(_temp.File("console.log"));
        Assert.Contains("Password: <Password>\r\nAAAA\r\n</Password>\r\n", consoleLog, StringComparison.Ordinal);
        Assert.Contains("never reached the serial console", consoleLog, StringComparison.Ordinal);
    }

    [Fact]
    public void SlowWriteFinishesLate_ItsLineCountsAsWritten_NotWrittenTwice()
    {
        var port = new BlockedPort();
        using var log = new AgentLog(_temp.File("agent.log"), TimeProvider.System);
        using (var console = new AgentConsole(port, _temp.File("console.log"), log) { SerialTimeout = TimeSpan.FromMilliseconds(100), SerialRetryDelay = TimeSpan.Zero })
        {
            console.Write("one\r\n");
            port.Release.SetResult(); // the device drains at last
            Thread.Sleep(100);
            console.Write("two\r\n");
        }

        Assert.Equal(["one", "two"], port.Lines);
        Assert.Equal(2, port.Writes);
        Assert.Contains(log.Entries, e => e.Contains("works again: 1 line(s) written late", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Contains("never reached", StringComparison.Ordinal));
    }

    [Fact]
    public void PortBlockingItsCaller_RunStillBounded()
    {
        using var port = new SynchronouslyBlockedPort();
        using var log = new AgentLog(_temp.File("agent.log"), TimeProvider.System);
        var watch = Stopwatch.StartNew();
        using (var console = new AgentConsole(port, _temp.File("console.log"), log) { SerialTimeout = TimeSpan.FromMilliseconds(100) })
        {
            console.Write("Password: <Password>\r\nAAAA\r\n</Password>\r\n");
        }

        port.Release.Set();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the console held the run {watch.Elapsed}");
        Assert.Contains(log.Entries, e => e.Contains("3 console line(s), the <Password> block among them, never reached", StringComparison.Ordinal));
    }
}
