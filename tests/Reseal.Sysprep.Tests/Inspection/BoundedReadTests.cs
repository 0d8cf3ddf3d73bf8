using System.Text;
using Reseal.Sysprep.Inspection;
using Reseal.TestSupport;
using Reseal.Windows.Offline;

namespace Reseal.Sysprep.Tests.Inspection;

/// <summary>The inspector reads the start or the end of a file, never the whole of it: files here are 3 GiB (sparse), past what a whole read can hold.</summary>
public class BoundedReadTests
{
    private const long Huge = 3L * 1024 * 1024 * 1024;

    [Fact]
    public void Inspect_HugeSetupactLog_ReadsItsTail()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var log = Path.Combine(root, "Windows", "System32", "Sysprep", "Panther", "setupact.log");
        Sparse(log, head: "2024-01-01 00:00:00, Info  start\n", tail: "2024-01-01 00:00:09, Error [0x0f0082] SYSPRP the last error\n");

        var report = WindowsInspector.Inspect(root);

        var facts = Assert.Single(report.Facts.SysprepLogs, l => l.Path.EndsWith(@"Sysprep\Panther\setupact.log", StringComparison.Ordinal));
        Assert.Equal(new FileInfo(log).Length, facts.Length);
        Assert.Contains(facts.ErrorLines, l => l.Contains("the last error", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Findings, f => f.Code.EndsWith("-unreadable", StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_HugeSetupCompleteAndStateIni_ReadTheirHeads()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        Sparse(Path.Combine(root, "Windows", "Setup", "Scripts", "SetupComplete.cmd"), head: "@echo off\r\ncall PostSysprep.cmd\r\n", tail: "");
        Sparse(Path.Combine(root, "Windows", "Setup", "State", "State.ini"), head: "[State]\r\nImageState=IMAGE_STATE_COMPLETE\r\n", tail: "");

        var report = WindowsInspector.Inspect(root);

        Assert.Contains("PostSysprep.cmd", report.Facts.SetupComplete, StringComparison.Ordinal);
        Assert.Equal("IMAGE_STATE_COMPLETE", report.Facts.Setup!.StateIniImageState);
        Assert.Contains(report.Findings, f => f.Code == "setupcomplete" && f.Message.Contains($"{Huge} bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadTail_Utf16Log_KeepsCharacterBoundaries()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var path = Path.Combine(root, "Windows", "Panther", "setupact.log");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var stream = File.Create(path))
        {
            stream.Write([0xFF, 0xFE]);
            var filler = Encoding.Unicode.GetBytes("2024-01-01 00:00:00, Info  filler line\n");
            for (var i = 0; i < 20000; i++)
            {
                stream.Write(filler);
            }

            stream.Write(Encoding.Unicode.GetBytes("2024-01-01 00:00:09, Error utf16 tail error\n"));
            stream.WriteByte(0x41); // a torn last write makes the length odd: the tail must still decode on the file's UTF-16 boundaries
        }

        var report = WindowsInspector.Inspect(root);

        var facts = Assert.Single(report.Facts.SysprepLogs, l => l.Path == @"C:\Windows\Panther\setupact.log");
        Assert.Contains(facts.ErrorLines, l => l.Contains("utf16 tail error", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadHeadAndTail_ReturnBoundedRanges()
    {
        using var temp = new TempDirectory();
        WindowsTree.Write(temp.Path, @"Windows\x.log", "0123456789");
        var files = new OfflineFiles(temp.Path);

        Assert.Equal("789", Encoding.ASCII.GetString(files.ReadTail(@"C:\Windows\x.log", 3, out var length)));
        Assert.Equal(10, length);
        Assert.Equal("012", Encoding.ASCII.GetString(files.ReadHead(@"C:\Windows\x.log", 3, out _)));
        Assert.Equal("0123456789", Encoding.ASCII.GetString(files.ReadTail(@"C:\Windows\x.log", 100, out _)));
    }

    private static void Sparse(string path, string head, string tail)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        stream.Write(Encoding.UTF8.GetBytes(head));
        var tailBytes = Encoding.UTF8.GetBytes(tail);
        stream.SetLength(Huge - tailBytes.Length);
        stream.Seek(0, SeekOrigin.End);
        stream.Write(tailBytes);
    }
}
