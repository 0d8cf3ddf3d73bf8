using System.IO.Pipes;
using System.Text;
using Reseal.Windows.Live;

namespace Reseal.Windows.Tests.Live;

public class OutputCaptureTests
{
    [Fact]
    public async Task WaitAllAsync_PipeHeldOpenByAGrandchild_StopsAtTheDeadlineWithWhatArrived()
    {
        // A pipe whose write end stays open, as when a grandchild inherits it: reading to the end never finishes.
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        await server.WriteAsync(Encoding.UTF8.GetBytes("partial output\n"), TestContext.Current.CancellationToken);
        await server.FlushAsync(TestContext.Current.CancellationToken);
        using var reader = new StreamReader(client);
        var capture = OutputCapture.Start(reader);
        var started = TimeProvider.System.GetTimestamp();

        var ended = await OutputCapture.WaitAllAsync([capture], TimeSpan.FromMilliseconds(300), TimeProvider.System, TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.False(ended);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        Assert.Equal("partial output\n", capture.Text);
    }

    [Fact]
    public async Task WaitAllAsync_StreamsThatEnd_ReturnAllTheirText()
    {
        var output = OutputCapture.Start(new StringReader("out\n"));
        var error = OutputCapture.Start(new StringReader(new string('e', 10000)));

        Assert.True(await OutputCapture.WaitAllAsync([output, error], TimeSpan.FromSeconds(10), TimeProvider.System, TestContext.Current.CancellationToken));
        Assert.Equal("out\n", output.Text);
        Assert.Equal(10000, error.Text.Length);
    }

    [Fact]
    public async Task WaitAllAsync_NoTimeLeft_DoesNotWait()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var reader = new StreamReader(client);
        var capture = OutputCapture.Start(reader);

        Assert.False(await OutputCapture.WaitAllAsync([capture], TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken));
    }
}
