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

    private sealed class BlockedPort : ISerialConsole
    {
        public int Writes;

        public Task WriteLineAsync(string line, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Writes);
            return new TaskCompletionSource().Task; // flow control never lets the byte out
        }
    }

    [Fact]
    public void BusyThenFree_LinesKeptAndWrittenLateInOrder_FailureSaidInBothLogs()
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
        Assert.Contains(log.Entries, e => e.Contains("serial console cannot be written (UnauthorizedAccessException", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Contains("works again: 2 line(s) written late", StringComparison.Ordinal));
        Assert.Contains("# the serial console cannot be written", File.ReadAllText(_temp.File("console.log")), StringComparison.Ordinal);
    }

    [Fact]
    public void BlockedPort_WritesBounded_RunNotHeld_LossOfThePasswordBlockSaid()
    {
        var port = new BlockedPort();
        using var log = new AgentLog(_temp.File("agent.log"), TimeProvider.System);
        var watch = Stopwatch.StartNew();
        using (var console = new AgentConsole(port, _temp.File("console.log"), log) { SerialTimeout = TimeSpan.FromMilliseconds(100), SerialRetryDelay = TimeSpan.FromMinutes(1) })
        {
            console.Write("Username: Administrator\r\nPassword: <Password>\r\nAAAA\r\n</Password>\r\n");
            console.Write("Message: Windows is Ready to use\r\n");
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the console held the run {watch.Elapsed}");
        Assert.Equal(2, port.Writes); // one bounded try, one more at the end
        Assert.Contains(log.Entries, e => e.Contains("TimeoutException", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Contains("5 console line(s), the <Password> block among them, never reached the serial console", StringComparison.Ordinal));
        var consoleLog = File.ReadAllText(_temp.File("console.log"));
        Assert.Contains("Password: <Password>\r\nAAAA\r\n</Password>\r\n", consoleLog, StringComparison.Ordinal);
        Assert.Contains("never reached the serial console", consoleLog, StringComparison.Ordinal);
    }
}
