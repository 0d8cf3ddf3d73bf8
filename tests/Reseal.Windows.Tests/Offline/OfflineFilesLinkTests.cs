using System.Diagnostics;
using Reseal.Sysprep.Inspection;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Offline;

public class OfflineFilesLinkTests
{
    private const string SetupComplete = @"C:\Windows\Setup\Scripts\SetupComplete.cmd";
    private const string Unattend = @"C:\Windows\Panther\Unattend.xml";

    [Fact]
    public void ReadAllBytes_SymlinkToAFileOutsideTheTree_IsRefused()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        var secret = host.Write("shadow", "host secret");
        var files = new OfflineFiles(temp.Path);
        Link(files, SetupComplete, secret);

        var e = Assert.Throws<IOException>(() => files.ReadAllBytes(SetupComplete));

        Assert.Contains("outside the Windows tree", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_SetupCompleteLinkedToAHostFile_DoesNotPrintIt()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        var secret = host.Write("shadow", "root:host-secret-hash");
        var root = WindowsTree.Full(temp);
        Link(new OfflineFiles(root), SetupComplete, secret);

        var report = WindowsInspector.Inspect(root);

        Assert.Null(report.Facts.SetupComplete); // nothing to print: the CLI's rendering is checked in Reseal.Cli.Tests
    }

    [Fact]
    public async Task ReadAllBytes_SymlinkToDevZero_IsRefusedAtOnce()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");
        using var temp = new TempDirectory();
        var files = new OfflineFiles(temp.Path);
        Link(files, Unattend, "/dev/zero");

        var e = await ThrowsWithinAsync(() => files.ReadAllBytes(Unattend, OfflineFiles.MaxTextFileBytes), TimeSpan.FromSeconds(10));

        Assert.IsType<IOException>(e);
    }

    [Fact]
    public async Task ReadAllBytes_Fifo_IsRefusedWithoutHanging()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs mkfifo");
        using var temp = new TempDirectory();
        var files = new OfflineFiles(WindowsTree.Full(temp));
        var fifo = files.ToHostPath(Unattend);
        Directory.CreateDirectory(Path.GetDirectoryName(fifo)!);
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.SkipUnless(mkfifo.ExitCode == 0, "mkfifo failed");
        }

        var e = await ThrowsWithinAsync(() => files.ReadAllBytes(Unattend), TimeSpan.FromSeconds(10));
        Assert.Contains("not a regular file", Assert.IsType<IOException>(e).Message, StringComparison.Ordinal);

        var report = await Task.Run(() => WindowsInspector.Inspect(temp.Path), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Contains(report.Findings, f => f.Code == "answer-file-unreadable");
    }

    [Fact]
    public void SetValue_ConfigDirLinkedOutsideTheTree_WritesNothingThere()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        using var backups = new TempDirectory();
        var outside = Path.GetDirectoryName(WindowsTree.Full(host) + "/x")!;
        var realConfig = Path.Combine(outside, "Windows", "System32", "config");
        var system32 = Directory.CreateDirectory(Path.Combine(temp.Path, "Windows", "System32")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(system32, "config"), realConfig);
        var before = File.ReadAllBytes(Path.Combine(realConfig, "SOFTWARE"));
        var registry = OfflineWindows.Open(temp.Path, backupDirectory: backups.Path).Registry;

        Assert.Throws<HiveUnavailableException>(() => registry.SetValue(RegistryHive.Software, "Reseal", "Stage", RegistryData.FromString("x")));

        Assert.Equal(HiveLoadState.Unreadable, registry.GetStatus(RegistryHive.Software).State);
        Assert.Contains("outside the Windows tree", registry.GetStatus(RegistryHive.Software).Problem, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(realConfig, "SOFTWARE")));
    }

    [Fact]
    public void WriteAllBytes_IntoADirectoryLinkedOutside_IsRefused()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "Windows"));
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "Windows", "Setup"), host.Path);
        var files = new OfflineFiles(temp.Path);

        Assert.Throws<IOException>(() => files.WriteAllBytes(SetupComplete, "echo hi"u8));

        Assert.Empty(Directory.GetFileSystemEntries(host.Path));
    }

    [Fact]
    public void WriteAllBytes_PlantedTemporaryLink_IsNotWrittenThrough()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        var victim = host.Write("victim", "unchanged");
        var files = new OfflineFiles(temp.Path);
        var target = files.ToHostPath(SetupComplete);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // The writer's first temporary name is made to be the planted link's: it must take another name, not follow it.
        var planted = "0123456789abcdef";
        File.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(target)!, ".SetupComplete.cmd.reseal-" + planted + ".tmp"), victim);
        var names = new Queue<string>([planted, "fedcba9876543210"]);
        AtomicFile.RandomPartForTests = names.Dequeue;
        try
        {
            files.WriteAllBytes(SetupComplete, "echo hi"u8);
        }
        finally
        {
            AtomicFile.RandomPartForTests = null;
        }

        Assert.Equal("unchanged", File.ReadAllText(victim));
        Assert.Equal("echo hi", File.ReadAllText(target));
    }

    [Fact]
    public void ReadAllBytes_LinksInsideTheTree_AreFollowed()
    {
        using var temp = new TempDirectory();
        var real = WindowsTree.Write(temp.Path, @"Windows\Setup\Real\SetupComplete.cmd", "echo inside");
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "Windows", "Setup", "Scripts"), "Real");
        var files = new OfflineFiles(temp.Path);

        Assert.Equal("echo inside", System.Text.Encoding.UTF8.GetString(files.ReadAllBytes(SetupComplete)));
        Assert.Equal(real, files.ToHostPath(SetupComplete));
    }

    [Fact]
    public void ReadAllBytes_LinkThroughAnInsideLinkToOutside_IsRefused()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        host.Write("SetupComplete.cmd", "host file");
        var setup = Directory.CreateDirectory(Path.Combine(temp.Path, "Windows", "Setup")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(setup, "Out"), host.Path);
        Directory.CreateSymbolicLink(Path.Combine(setup, "Scripts"), "Out"); // inside by name, outside in fact
        var files = new OfflineFiles(temp.Path);

        Assert.Throws<IOException>(() => files.ReadAllBytes(SetupComplete));
    }

    [Fact]
    public void ReadAllBytes_WithACap_RefusesLargerFiles()
    {
        using var temp = new TempDirectory();
        WindowsTree.Write(temp.Path, @"Windows\Panther\Unattend.xml", new string('x', 2048));
        var files = new OfflineFiles(temp.Path);

        Assert.Throws<IOException>(() => files.ReadAllBytes(Unattend, 1024));
        Assert.Equal(2048, files.ReadAllBytes(Unattend, 2048).Length);
    }

    private static async Task<Exception> ThrowsWithinAsync(Func<object?> action, TimeSpan limit)
    {
        var task = Task.Run(action, TestContext.Current.CancellationToken);
        try
        {
            await task.WaitAsync(limit, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Assert.Fail($"still running after {limit}: it blocked or read without end");
        }
        catch (Exception e)
        {
            return e;
        }

        Assert.Fail("expected an exception");
        return null!;
    }

    private static void Link(OfflineFiles files, string windowsPath, string target)
    {
        var path = files.ToHostPath(windowsPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }
}
