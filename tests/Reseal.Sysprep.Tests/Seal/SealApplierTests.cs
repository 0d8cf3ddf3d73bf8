using System.Text;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>
/// The plan's file and registry steps through any machine's ports (<see cref="SealApplier"/>), the UnattendFile step, and
/// SetupComplete.cmd in the encodings Windows accepts.
/// </summary>
public sealed class SealApplierTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0 };

    private static readonly TimeProvider Time = new ManualClock(new DateTimeOffset(2026, 11, 21, 7, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ApplyThenRollback_InMemoryMachine_FilesDirectoriesAndValuesAsBefore()
    {
        var machine = SealableMachine.Create(withHook: true);
        var before = SealableMachine.Snapshot(machine);
        var report = new SealRunner(machine, Time).Preflight(Options with { Clean = true });

        var applied = SealApplier.Apply(machine, report, Time);

        Assert.True(applied.Succeeded, applied.Message);
        Assert.Contains("Sysprep was not run", applied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("offline", applied.Message, StringComparison.Ordinal);
        Assert.Contains(machine.Files.AllDirectories, d => d.Equals(@"C:\Windows\Setup\Scripts", StringComparison.OrdinalIgnoreCase));
        Assert.Null(machine.Registry.GetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName));

        var rolledBack = SealApplier.Rollback(machine);

        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public void Plan_UnattendFileNamesOurAnswerFile_LeftAlone()
    {
        var machine = SealableMachine.Create();
        machine.Registry.SetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName,
            RegistryData.FromString(@"%ProgramData%\Reseal\sysprep\UNATTEND.xml"));

        var plan = new SealRunner(machine, Time).Preflight(Options).Plan!;

        Assert.Null(plan.UnattendFileToClear);
    }

    [Fact]
    public void Plan_UnattendFileNamesAnotherFile_ClearedAndSaidInTheStep()
    {
        var machine = SealableMachine.Create();
        machine.Files.DeleteFile(SealableMachine.StalePantherAnswerFile);
        machine.Registry.SetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName, RegistryData.FromString(@"D:\old\unattend.xml"));

        var report = new SealRunner(machine, Time).Preflight(Options);

        Assert.Equal(@"D:\old\unattend.xml", report.Plan!.UnattendFileToClear);
        var step = Assert.Single(report.Plan.Steps, s => s.Id == SealStepIds.MoveStaleAnswerFile);
        Assert.Equal([@"clear HKLM\SYSTEM\Setup!UnattendFile (it points Setup at D:\old\unattend.xml)"], step.Changes);
        var check = Assert.Single(report.Checks, c => c.Code == PreflightCodes.StalePantherAnswerFile);
        Assert.Equal(CheckSeverity.Warning, check.Severity);
    }

    [Fact]
    public void OfflineApplyThenRollback_UnattendFileClearedThenRestored()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        OfflineWindows.Open(root).Registry.SetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName,
            RegistryData.FromString(@"C:\Windows\Panther\unattend.xml"));
        var systemBefore = SealTestTree.Export(root, "SYSTEM");

        var applied = OfflineSealer.Apply(root, Options, Time);

        Assert.True(applied.Succeeded, applied.Message);
        Assert.Contains(applied.Changes, c => c.Contains(@"HKLM\SYSTEM\Setup!UnattendFile", StringComparison.Ordinal));
        Assert.Null(OfflineWindows.Open(root).Registry.GetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName));
        Assert.True(OfflineSealer.Rollback(root).Succeeded);
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public void Journal_PlantedRegistryChangeOutsideSealsOwn_Refused()
    {
        var machine = SealableMachine.Create();
        machine.Files.WriteText(SealableMachine.Journal, """
            {"format":1,"appliedAt":"2026-11-21T07:00:00.000Z","createdDirectories":[],"changes":[
             {"step":"deny-rdp","kind":"registry","hive":"System","key":"Setup","name":"CmdLine","keyExisted":true,"beforeType":1,"before":"AAA="}]}
            """);

        var result = SealApplier.Rollback(machine);

        Assert.False(result.Succeeded);
        Assert.Contains("is not a change seal makes", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Journal_PlantedServiceStartChangeOfAnotherService_Refused()
    {
        // Seal journals a service's start type only for Cloudbase-Init; a planted one would re-enable anything on rollback.
        var machine = SealableMachine.Create();
        machine.Files.WriteText(SealableMachine.Journal, """
            {"format":1,"appliedAt":"2026-11-21T07:00:00.000Z","createdDirectories":[],"changes":[
             {"step":"reset-agent-state","kind":"service-start","name":"RemoteRegistry","startMode":2}]}
            """);

        var result = SealApplier.Rollback(machine);

        Assert.False(result.Succeeded);
        Assert.Contains("is not a change seal makes", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WithFirstBootHook_Utf16WithBom_LineAddedInUtf16AndExistingBytesKept(bool littleEndian)
    {
        var encoding = new UnicodeEncoding(bigEndian: !littleEndian, byteOrderMark: false);
        byte[] bom = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF];
        byte[] existing = [.. bom, .. encoding.GetBytes("@echo off\r\ncall \u00e9t\u00e9.cmd\r\n")];

        var after = SetupCompleteScript.WithFirstBootHook(existing).ToArray();

        Assert.Equal(existing, after[..existing.Length]);
        Assert.Equal("@echo off\r\ncall \u00e9t\u00e9.cmd\r\n" + SealPaths.FirstBootHookLine + "\r\n", encoding.GetString(after, 2, after.Length - 2));
        Assert.Equal(after, SetupCompleteScript.WithFirstBootHook(after).ToArray());
        var change = new SetupCompleteChange(SealableMachine.SetupComplete, [.. existing], [.. after]);
        Assert.Equal("@echo off\r\ncall \u00e9t\u00e9.cmd\r\n" + SealPaths.FirstBootHookLine + "\r\n", change.AfterText);
    }

    [Fact]
    public void WithFirstBootHook_Utf16EndingWithExit_LineGoesBeforeIt()
    {
        byte[] existing = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("@echo off\r\nexit /b 0\r\n")];

        var after = SetupCompleteScript.WithFirstBootHook(existing).ToArray();

        Assert.Equal("@echo off\r\n" + SealPaths.FirstBootHookLine + "\r\nexit /b 0\r\n", Encoding.Unicode.GetString(after, 2, after.Length - 2));
    }

    [Fact]
    public void AfterText_Utf8AndAnsi_DecodedAsTheyAre()
    {
        byte[] utf8 = [.. "call \u00e9t\u00e9.cmd\r\n"u8];
        byte[] ansi = [.. "call "u8, 0xE9, (byte)'\r', (byte)'\n'];

        Assert.StartsWith("call \u00e9t\u00e9.cmd\r\n", new SetupCompleteChange("x", [.. utf8], SetupCompleteScript.WithFirstBootHook(utf8)).AfterText, StringComparison.Ordinal);
        Assert.StartsWith("call \u00e9\r\n", new SetupCompleteChange("x", [.. ansi], SetupCompleteScript.WithFirstBootHook(ansi)).AfterText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runner_Utf16SetupComplete_SealedWithOneUtf16Line()
    {
        var machine = SealableMachine.Create();
        byte[] existing = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("@echo off\r\n")];
        machine.Files.WriteAllBytes(SealableMachine.SetupComplete, existing);
        new FakeSysprep().Install(machine);

        var result = await new SealRunner(machine, Time, new SealRunSettings { PollInterval = TimeSpan.FromMilliseconds(5) })
            .RunAsync(Options, null, TestContext.Current.CancellationToken);

        Assert.Equal(SealRunOutcome.Sealed, result.Outcome);
        var bytes = machine.Files.ReadAllBytes(SealableMachine.SetupComplete);
        Assert.Equal("@echo off\r\n" + SealPaths.FirstBootHookLine + "\r\n", Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2));
    }
}
