using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using Reseal.Registry;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>Standard output's pipe is widened before a raw export streams into it (Linux), and nothing else changes.</summary>
public class OutputPipeTests
{
    [Fact]
    public void Widen_OnAPipe_HoldsAMebibyteAfterwards()
    {
        RequireWidenablePipes();
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var fd = (int)server.SafePipeHandle.DangerousGetHandle();
        var before = OutputPipe.Capacity(fd);

        var after = OutputPipe.Widen(fd);

        Assert.Equal(DefaultCapacity, before);
        Assert.Equal(OutputPipe.WideCapacity, after);
        Assert.Equal(OutputPipe.WideCapacity, OutputPipe.Capacity(fd));
    }

    [Fact]
    public void Widen_OnAFileOrOffLinux_NothingAndNoError()
    {
        using var temp = new TempDirectory();
        using var file = File.Create(temp.File("out.reg"));
        var fd = (int)file.SafeFileHandle.DangerousGetHandle();

        Assert.Null(OutputPipe.Widen(fd));
        Assert.Null(OutputPipe.Capacity(fd));
        Assert.Null(OutputPipe.Widen(-1));
        file.Write("still writable"u8);
        file.Flush();
        Assert.Equal(14, new FileInfo(temp.File("out.reg")).Length);
    }

    [Fact]
    public async Task HiveExport_ThroughAPipeFromTheRealProcess_PipeWidenedAndBytesWhole()
    {
        RequireWidenablePipes();
        using var temp = new TempDirectory();
        var hive = temp.Write("SYSTEM", SharedData.ReadBytes(Path.Combine("hives", "regipy-SYSTEM.gz")));
        var dotnet = ExternalTool.Dotnet();
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[CliRunner.ResealDll, "hive", "export", hive])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var pipe = (AnonymousPipeClientStream)process.StandardOutput.BaseStream;
        using var exported = new MemoryStream();
        await pipe.CopyToAsync(exported, TestContext.Current.CancellationToken);
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "reseal hive export did not finish");

        Assert.True(process.ExitCode == 0, await error);
        // The parent's end is the same pipe: its capacity is what reseal left it at.
        Assert.Equal(OutputPipe.WideCapacity, OutputPipe.Capacity((int)pipe.SafePipeHandle.DangerousGetHandle()));
        Assert.Equal(RegExporter.ExportToBytes(Hive.Load(File.ReadAllBytes(hive))), exported.ToArray());
    }

    /// <summary>Linux's capacity for a new pipe: 16 pages.</summary>
    private static int DefaultCapacity => 16 * Environment.SystemPageSize;

    /// <summary>
    /// Skips unless this machine lets this user widen a pipe to 1 MiB: Linux, <c>pipe-max-size</c> at least that, and a
    /// new pipe of the default size (a user past <c>pipe-user-pages-soft</c> gets 2-page pipes that cannot be widened).
    /// Then the tests above can only pass if reseal widened the pipe.
    /// </summary>
    private static void RequireWidenablePipes()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "F_SETPIPE_SZ is Linux's; elsewhere Widen does nothing (tested above)");
        var maximum = int.Parse(File.ReadAllText("/proc/sys/fs/pipe-max-size").Trim(), CultureInfo.InvariantCulture);
        Assert.SkipWhen(maximum < OutputPipe.WideCapacity, $"/proc/sys/fs/pipe-max-size is {maximum}: a pipe cannot be widened to 1 MiB here");
        using var probe = new AnonymousPipeServerStream(PipeDirection.Out);
        var capacity = OutputPipe.Capacity((int)probe.SafePipeHandle.DangerousGetHandle());
        Assert.SkipWhen(capacity != DefaultCapacity,
            $"a new pipe holds {capacity} bytes, not Linux's default {DefaultCapacity}: this user's pipes are past /proc/sys/fs/pipe-user-pages-soft");
    }
}
