using System.Text;
using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

public sealed class PantherLogFollowerTests
{
    private const string Log = @"C:\Windows\System32\Sysprep\Panther\setupact.log";

    private static string Line(int second, string message) => $"2026-11-21 07:00:{second:00}, Info                  SYSPRP {message}";

    [Fact]
    public void ReadNew_LinesAppendedAfterStart_OnlyThoseWithTrueLineNumbers()
    {
        var machine = new FakeWindows();
        FakeSysprep.Append(machine, Log, Line(1, "old run"), Line(2, "old run"));
        var follower = new PantherLogFollower(machine.Files, Log);
        follower.Start();

        Assert.Empty(follower.ReadNew());
        FakeSysprep.Append(machine, Log, Line(3, "new run"));
        var records = follower.ReadNew();

        var record = Assert.Single(records);
        Assert.Equal("new run", record.Message);
        Assert.Equal(3, record.LineNumber);
        Assert.Equal("utf-16le", follower.EncodingName);
    }

    [Fact]
    public void ReadNew_PartialUtf16Line_WaitsForItsEnd()
    {
        var machine = new FakeWindows();
        var follower = new PantherLogFollower(machine.Files, Log);
        follower.Start();
        var full = Encoding.Unicode.GetBytes(Line(1, "first") + "\r\n" + Line(2, "second") + "\r\n");
        var cut = full.Length - 9; // mid-character of the second line

        machine.Files.WriteAllBytes(Log, [0xFF, 0xFE, .. full[..cut]]);
        var first = follower.ReadNew();
        machine.Files.WriteAllBytes(Log, [0xFF, 0xFE, .. full]);
        var second = follower.ReadNew();

        Assert.Equal(["first"], first.Select(r => r.Message));
        Assert.Equal(["second"], second.Select(r => r.Message));
        Assert.Equal(2, second[0].LineNumber);
    }

    [Fact]
    public void ReadNew_FileReplacedByAFreshLog_ReadFromItsStart()
    {
        var machine = new FakeWindows();
        FakeSysprep.Append(machine, Log, Line(1, "old run, a long line that makes the old file longer than the new one"));
        var follower = new PantherLogFollower(machine.Files, Log);
        follower.Start();

        machine.Files.DeleteFile(Log);
        FakeSysprep.Append(machine, Log, Line(9, "fresh"));
        var shorter = follower.ReadNew();
        machine.Files.DeleteFile(Log);
        FakeSysprep.Append(machine, Log, Line(8, "fresh again, and this time longer than the log it replaces, so only its first bytes tell"));
        var longer = follower.ReadNew();

        Assert.Equal(["fresh"], shorter.Select(r => r.Message));
        Assert.Equal(1, shorter[0].LineNumber);
        Assert.Single(longer);
        Assert.StartsWith("fresh again", longer[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadNew_Utf8LogAndMissingFile_NothingThenLines()
    {
        var machine = new FakeWindows();
        var follower = new PantherLogFollower(machine.Files, Log);
        follower.Start();

        Assert.Empty(follower.ReadNew());
        machine.Files.WriteText(Log, Line(1, "caf\u00e9") + "\n" + Line(2, "partial"));

        var records = follower.ReadNew();

        Assert.Equal(["caf\u00e9"], records.Select(r => r.Message));
        Assert.Equal("utf-8", follower.EncodingName);
    }
}
