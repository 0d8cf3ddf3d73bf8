using System.Diagnostics;
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
        Assert.SkipUnless(OperatingSystem.IsLinux(), "F_SETPIPE_SZ is Linux's; elsewhere Widen does nothing (next test)");
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var fd = (int)server.SafePipeHandle.DangerousGetHandle();
        var before = OutputPipe.Capacity(fd);

        var after = OutputPipe.Widen(fd);

        Assert.Equal(65536, before); // Linux's default, or this test measures nothing
        Assert.Equal(OutputPipe.WideCapacity, after);
        Assert.Equal(OutputPipe.WideCapacity, OutputPipe.Capacity(fd));
        Assert.Equal(OutputPipe.WideCapacity, OutputPipe.Widen(fd)); // already wide: left as it is
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
        Assert.SkipUnless(OperatingSystem.IsLinux(), "F_SETPIPE_SZ is Linux's");
        using var temp = new TempDirectory();
        var hive = temp.Write("SYSTEM", SharedData.ReadBytes(Path.Combine("hives", "regipy-SYSTEM.gz")));
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalTool.Require("dotnet", "dotnet-sdk");
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

        // The parent's end is the same pipe: its capacity is what reseal left it at.
        Assert.Equal(OutputPipe.WideCapacity, OutputPipe.Capacity((int)pipe.SafePipeHandle.DangerousGetHandle()));
        Assert.True(process.ExitCode == 0, await error);
        Assert.Equal(RegExporter.ExportToBytes(Hive.Load(File.ReadAllBytes(hive))), exported.ToArray());
    }
}
