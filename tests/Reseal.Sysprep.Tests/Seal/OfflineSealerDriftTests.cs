using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Offline;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>Rollback noticing files changed after apply, and apply undoing itself whatever fails.</summary>
public sealed class OfflineSealerDriftTests
{
    private const string JournalPath = @"ProgramData\Reseal\sysprep\seal-journal.json";
    private const string SetupCompletePath = @"Windows\Setup\Scripts\SetupComplete.cmd";
    private const string AnswerFilePath = @"ProgramData\Reseal\sysprep\unattend.xml";
    private const string MovedPath = @"Windows\Panther\unattend.xml.reseal-moved";
    private const string StatePath = @"ProgramData\Reseal\state\state.json";

    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0 };


    private static readonly TimeProvider Time = new ManualClock(new DateTimeOffset(2026, 11, 21, 7, 0, 0, TimeSpan.Zero));

    private static string Busy(TempDirectory temp)
    {
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, StatePath, "{\"format\":1}");
        WindowsTree.Write(root, @"ProgramData\Reseal\log\agent.log", "old log");
        WindowsTree.Write(root, AnswerFilePath, "<old/>");
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"/>");
        WindowsTree.Write(root, SetupCompletePath, "@echo off\r\ncall vendor.cmd\r\n");
        return root;
    }

    private static string Host(string root, string relative) => WindowsTree.HostPath(root, relative);

    private static string WindowsPath(string root, string relative) => OfflineWindows.Open(root).Files.Expand(@"C:\" + relative);

    private static JsonObject ReadJournal(string root) => (JsonObject)JsonNode.Parse(File.ReadAllBytes(Host(root, JournalPath)))!;

    private static void Drift(string root, string relative, string how)
    {
        var host = Host(root, relative);
        switch (how)
        {
            case "append":
                File.AppendAllText(host, "\r\ncall packer-step.cmd\r\n");
                break;
            case "delete":
                File.Delete(host);
                break;
            case "create":
                File.WriteAllText(host, "recreated after apply");
                break;
            default:
                throw new ArgumentException(how, nameof(how));
        }
    }

    [Fact]
    public void Apply_JournalsTheHashOfWhatEachFileChangeLeft()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);

        Assert.True(OfflineSealer.Apply(root, Options with { Clean = true }, Time).Succeeded);

        var changes = ReadJournal(root)["changes"]!.AsArray().Select(c => c!.AsObject()).ToList();
        string After(string kind, string key, string relative) =>
            changes.Single(c => c["kind"]!.GetValue<string>() == kind && c[key]!.GetValue<string>() == WindowsPath(root, relative))["after"]!.GetValue<string>();
        string Hash(string relative) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Host(root, relative))));

        Assert.Equal(Hash(SetupCompletePath), After("file", "path", SetupCompletePath));
        Assert.Equal(Hash(AnswerFilePath), After("file", "path", AnswerFilePath));
        Assert.Equal(Hash(MovedPath), After("move", "to", MovedPath));
        Assert.Equal("absent", After("file", "path", StatePath));
        Assert.Equal("absent", After("file", "path", @"ProgramData\Reseal\log\agent.log"));
        Assert.DoesNotContain(changes, c => c["kind"]!.GetValue<string>() == "registry" && c["after"] is not null);
    }

    [Theory]
    [InlineData(SetupCompletePath, "append")]
    [InlineData(SetupCompletePath, "delete")]
    [InlineData(AnswerFilePath, "append")]
    [InlineData(MovedPath, "append")]
    [InlineData(MovedPath, "delete")]
    [InlineData(@"Windows\Panther\unattend.xml", "create")]
    [InlineData(StatePath, "create")]
    public void Rollback_FileChangedAfterApply_RefusedAndNothingChanged(string relative, string how)
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        Assert.True(OfflineSealer.Apply(root, Options with { Clean = true }, Time).Succeeded);
        Drift(root, relative, how);
        var files = SealTestTree.Files(root);
        var directories = SealTestTree.Directories(root);
        var system = SealTestTree.Export(root, "SYSTEM");

        var result = OfflineSealer.Rollback(root, Time);

        Assert.False(result.Succeeded, result.Message);
        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.StartsWith("refused", result.Message, StringComparison.Ordinal);
        Assert.Contains(WindowsPath(root, relative), result.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(result.Changes, c => c.Contains(WindowsPath(root, relative), StringComparison.OrdinalIgnoreCase));
        Assert.Equal(files, SealTestTree.Files(root));
        Assert.Equal(directories, SealTestTree.Directories(root));
        Assert.Equal(system, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public void Rollback_SeveralFilesChanged_ListsEveryDriftedPath()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        Assert.True(OfflineSealer.Apply(root, Options, Time).Succeeded);
        Drift(root, SetupCompletePath, "append");
        Drift(root, AnswerFilePath, "append");

        var result = OfflineSealer.Rollback(root, force: false, Time);

        Assert.False(result.Succeeded);
        Assert.Contains(WindowsPath(root, SetupCompletePath), result.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(WindowsPath(root, AnswerFilePath), result.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, result.Changes.Length);
        Assert.Contains("--force", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollback_Forced_RestoresTheTreeOverTheChange()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        var filesBefore = SealTestTree.Files(root);
        var directoriesBefore = SealTestTree.Directories(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");
        Assert.True(OfflineSealer.Apply(root, Options with { Clean = true }, Time).Succeeded);
        Drift(root, SetupCompletePath, "append");

        var result = OfflineSealer.Rollback(root, force: true, Time);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(SealChangeStatus.Done, result.Status);
        Assert.Contains(WindowsPath(root, SetupCompletePath), result.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(directoriesBefore, SealTestTree.Directories(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public void Rollback_JournalWithoutAfter_StillReadAndRolledBack()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        var filesBefore = SealTestTree.Files(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");
        Assert.True(OfflineSealer.Apply(root, Options with { Clean = true }, Time).Succeeded);
        var journal = ReadJournal(root);
        foreach (var change in journal["changes"]!.AsArray())
        {
            change!.AsObject().Remove("after");
        }

        File.WriteAllText(Host(root, JournalPath), journal.ToJsonString());

        var result = OfflineSealer.Rollback(root, Time);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Theory]
    [InlineData("ABCDEF")]
    [InlineData("present")]
    public void Rollback_JournalWithBadAfter_RefusedAsInvalid(string after)
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        Assert.True(OfflineSealer.Apply(root, Options, Time).Succeeded);
        var journal = ReadJournal(root);
        journal["changes"]!.AsArray().First(c => c!["kind"]!.GetValue<string>() == "file")!["after"] = after;
        File.WriteAllText(Host(root, JournalPath), journal.ToJsonString());
        var files = SealTestTree.Files(root);

        var result = OfflineSealer.Rollback(root, force: true, Time);

        Assert.False(result.Succeeded);
        Assert.Contains("not a valid seal journal", result.Message, StringComparison.Ordinal);
        Assert.Equal(files, SealTestTree.Files(root));
    }

    [Fact]
    public void Rollback_ForcedJournalOutsideTheAllowlist_StillRefused()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        Assert.True(OfflineSealer.Apply(root, Options, Time).Succeeded);
        var journal = ReadJournal(root);
        var change = journal["changes"]!.AsArray().First(c => c!["kind"]!.GetValue<string>() == "file")!;
        change["path"] = @"C:\Windows\System32\drivers\etc\hosts";
        change["after"] = "absent";
        File.WriteAllText(Host(root, JournalPath), journal.ToJsonString());
        var files = SealTestTree.Files(root);

        var result = OfflineSealer.Rollback(root, force: true, Time);

        Assert.False(result.Succeeded);
        Assert.Contains("not a change seal makes", result.Message, StringComparison.Ordinal);
        Assert.Equal(files, SealTestTree.Files(root));
    }

    [Fact]
    public void Apply_BugPartWay_EverythingUndoneThenThrownAsABug()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        var filesBefore = SealTestTree.Files(root);
        var directoriesBefore = SealTestTree.Directories(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");
        var report = SealPlanner.DryRun(root, Options with { Clean = true }, Time);
        var plan = report.Plan!;
        Assert.NotEmpty(plan.StateFiles); // so the failure comes after files were already changed
        // A null move fails with a NullReferenceException after the state, logs and answer file were written.
        var broken = SealReport.Create(report.Root, report.Options, report.Checks, plan with { StaleAnswerFiles = [(FileMove)null!] });

        var bug = Assert.Throws<SealBugException>(() => OfflineSealer.Apply(OfflineWindows.Open(root, Time), broken, Time));

        // A bug is not reported as "the step failed": it is undone first, then thrown (exit 70 from the CLI).
        Assert.IsType<NullReferenceException>(bug.InnerException);
        Assert.Equal(SealStepIds.MoveStaleAnswerFile, bug.Step);
        Assert.Contains("every change was undone", bug.Message, StringComparison.Ordinal);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(directoriesBefore, SealTestTree.Directories(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
        Assert.Contains("urn:schemas-microsoft-com:unattend", Encoding.UTF8.GetString(File.ReadAllBytes(Host(root, @"Windows\Panther\unattend.xml"))), StringComparison.Ordinal);
    }
}
