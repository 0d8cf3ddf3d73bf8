using System.Text;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

public sealed class OfflineSealerTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0 };


    private static readonly TimeProvider Time = new ManualClock(new DateTimeOffset(2026, 11, 21, 7, 0, 0, TimeSpan.Zero));

    /// <summary>A tree with something for every offline step to change.</summary>
    private static string Busy(TempDirectory temp)
    {
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\state\state.json", "{\"format\":1}");
        WindowsTree.Write(root, @"ProgramData\Reseal\state\previous-state.json", "{\"format\":0}");
        WindowsTree.Write(root, @"ProgramData\Reseal\state\run.json", "{\"type\":\"ResealAgentRun\"}");
        WindowsTree.Write(root, @"ProgramData\Reseal\state\setup-complete.json", "{\"type\":\"ResealSetupHandOver\"}");
        WindowsTree.Write(root, @"ProgramData\Reseal\log\agent.log", "old log");
        WindowsTree.Write(root, @"ProgramData\Reseal\sysprep\unattend.xml", "<old/>");
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"/>");
        WindowsTree.Write(root, @"Windows\Setup\Scripts\SetupComplete.cmd", [.. "@echo off\r\ncall vendor.cmd\r\n"u8, 0xE9, (byte)'\r', (byte)'\n']);
        return root;
    }

    [Fact]
    public void ApplyThenRollback_BusyTree_FilesAndHiveValuesByteIdentical()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        var filesBefore = SealTestTree.Files(root);
        var directoriesBefore = SealTestTree.Directories(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");

        var applied = OfflineSealer.Apply(root, Options with { Clean = true }, Time);

        Assert.True(applied.Succeeded, applied.Message);
        Assert.Equal(SealChangeStatus.Done, applied.Status);
        var windows = OfflineWindows.Open(root);
        Assert.Equal(1u, windows.Registry.GetDWord(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName));
        Assert.False(windows.Files.FileExists(@"C:\ProgramData\Reseal\state\state.json"));
        Assert.False(windows.Files.FileExists(@"C:\ProgramData\Reseal\state\previous-state.json"));
        // The builder's last run and hand-over must not be taken by a clone for its own (a clone's clock can be behind).
        Assert.False(windows.Files.FileExists(@"C:\ProgramData\Reseal\state\run.json"));
        Assert.False(windows.Files.FileExists(@"C:\ProgramData\Reseal\state\setup-complete.json"));
        Assert.False(windows.Files.FileExists(@"C:\ProgramData\Reseal\log\agent.log"));
        Assert.False(windows.Files.FileExists(@"C:\Windows\Panther\unattend.xml"));
        Assert.True(windows.Files.FileExists(@"C:\Windows\Panther\unattend.xml.reseal-moved"));
        Assert.Contains("urn:schemas-microsoft-com:unattend", Encoding.UTF8.GetString(windows.Files.ReadAllBytes(@"C:\ProgramData\Reseal\sysprep\unattend.xml")), StringComparison.Ordinal);
        var setupComplete = Encoding.Latin1.GetString(windows.Files.ReadAllBytes(SealPaths.SetupComplete));
        Assert.StartsWith("@echo off\r\ncall vendor.cmd\r\n\u00e9\r\n", setupComplete, StringComparison.Ordinal);
        Assert.EndsWith(SealPaths.FirstBootHookLine + "\r\n", setupComplete, StringComparison.Ordinal);
        Assert.True(windows.Files.FileExists(SealPaths.Journal));
        Assert.NotEqual(systemBefore, SealTestTree.Export(root, "SYSTEM"));

        var rolledBack = OfflineSealer.Rollback(root);

        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(directoriesBefore, SealTestTree.Directories(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public void ApplyThenRollback_BareTree_CreatedDirectoriesAndFilesRemoved()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var filesBefore = SealTestTree.Files(root);
        var directoriesBefore = SealTestTree.Directories(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");

        var applied = OfflineSealer.Apply(root, Options, Time);
        Assert.True(applied.Succeeded, applied.Message);
        Assert.True(File.Exists(WindowsTree.HostPath(root, @"Windows\Setup\Scripts\SetupComplete.cmd")));
        var rolledBack = OfflineSealer.Rollback(root);

        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(directoriesBefore, SealTestTree.Directories(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public void Apply_TwiceAfterRollback_SetupCompleteHasOurLineOnce()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);

        Assert.True(OfflineSealer.Apply(root, Options, Time).Succeeded);
        var first = File.ReadAllBytes(WindowsTree.HostPath(root, @"Windows\Setup\Scripts\SetupComplete.cmd"));
        File.Delete(WindowsTree.HostPath(root, @"ProgramData\Reseal\sysprep\seal-journal.json")); // keep the sealed state, forget the journal
        var second = OfflineSealer.Apply(root, Options, Time);

        Assert.True(second.Succeeded, second.Message);
        var again = File.ReadAllBytes(WindowsTree.HostPath(root, @"Windows\Setup\Scripts\SetupComplete.cmd"));
        Assert.Equal(first, again);
        Assert.Equal(1, Encoding.Latin1.GetString(again).Split("\r\n").Count(l => l == SealPaths.FirstBootHookLine));
        Assert.DoesNotContain(second.Changes, c => c.StartsWith(SealStepIds.FirstBootHook, StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_FailsPartWay_EverythingUndoneAndNoJournalLeft()
    {
        using var temp = new TempDirectory();
        var root = Busy(temp);
        File.Delete(WindowsTree.HostPath(root, @"Windows\Setup\Scripts\SetupComplete.cmd"));
        Directory.CreateDirectory(WindowsTree.HostPath(root, @"Windows\Setup\Scripts\SetupComplete.cmd\blocker")); // a folder where the file goes
        var filesBefore = SealTestTree.Files(root);
        var directoriesBefore = SealTestTree.Directories(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");

        var result = OfflineSealer.Apply(root, Options with { Clean = true }, Time);

        Assert.False(result.Succeeded);
        Assert.Equal(SealChangeStatus.FailedAndUndone, result.Status);
        Assert.StartsWith("failed and undone", result.Message, StringComparison.Ordinal);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(directoriesBefore, SealTestTree.Directories(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public void Apply_JournalAlreadyPresent_RefusedWithoutChanges()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        Assert.True(OfflineSealer.Apply(root, Options, Time).Succeeded);
        var files = SealTestTree.Files(root);

        var second = OfflineSealer.Apply(root, Options, Time);

        Assert.False(second.Succeeded);
        Assert.Equal(SealChangeStatus.Refused, second.Status);
        Assert.Contains("roll it back first", second.Message, StringComparison.Ordinal);
        Assert.Equal(files, SealTestTree.Files(root));
    }

    [Fact]
    public void Apply_BlockedTree_RefusedAndNothingWritten()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        File.Delete(WindowsTree.HostPath(root, @"Windows\System32\Sysprep\sysprep.exe"));
        var files = SealTestTree.Files(root);

        var result = OfflineSealer.Apply(root, Options, Time);

        Assert.False(result.Succeeded);
        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.Contains(PreflightCodes.SysprepMissing, result.Message, StringComparison.Ordinal);
        Assert.Equal(files, SealTestTree.Files(root));
    }

    [Fact]
    public void Apply_NotWindows_RefusedAsNotWindows()
    {
        using var temp = new TempDirectory();
        temp.Write("readme.txt", "not windows");

        var result = OfflineSealer.Apply(temp.Path, Options, Time);

        Assert.False(result.Succeeded);
        Assert.Equal(SealChangeStatus.NotWindows, result.Status);
    }

    [Fact]
    public void Apply_AnswerFileOverride_CopiedByteForByte()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, disableExtraAccount: true);
        var given = SealPlanner.DryRun(root, Options).Plan!.AnswerFile!.Bytes.ToArray();
        var path = temp.Write("mine/unattend.xml", given);

        var result = OfflineSealer.Apply(root, Options with { AnswerFileOverride = path }, Time);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(given, File.ReadAllBytes(WindowsTree.HostPath(root, @"ProgramData\Reseal\sysprep\unattend.xml")));
    }

    [Fact]
    public void Rollback_NoJournal_NothingToDo()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);

        var result = OfflineSealer.Rollback(root);

        Assert.True(result.Succeeded);
        Assert.Contains("nothing to roll back", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollback_CorruptJournal_FailsClearlyAndKeepsIt()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\sysprep\seal-journal.json", "{ not json");

        var result = OfflineSealer.Rollback(root);

        Assert.False(result.Succeeded);
        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.Contains("not a valid seal journal", result.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(WindowsTree.HostPath(root, @"ProgramData\Reseal\sysprep\seal-journal.json")));
    }
}
