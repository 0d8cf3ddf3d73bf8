using Reseal.Sysprep.Panther;
using Reseal.SysprepEmulator;
using Reseal.TestSupport;

namespace Reseal.Wine.Tests.Emulator;

/// <summary>The emulator's log lines read back by Reseal's own reader exactly as the real format (answerfiles.md §5).</summary>
public sealed class PantherLogTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 21, 8, 30, 15, TimeSpan.Zero);

    [Fact]
    public void Format_WithMessageId_ParsedByPantherLogReader()
    {
        var line = PantherLog.Format(Time, "Error", "SYSPRP", @"LaunchDll:Failure occurred while executing 'C:\Windows\System32\slc.dll,SLReArmWindows', returned error code -1073425657", "0x0f0082");

        Assert.StartsWith("2026-11-21 08:30:15, Error      [0x0f0082] SYSPRP LaunchDll:", line, StringComparison.Ordinal);
        var record = PantherLogReader.ParseLine(line, "setupact.log", 1);
        Assert.Equal(PantherLineKind.Entry, record.Kind);
        Assert.Equal("0x0f0082", record.MessageId);
        Assert.Equal("SYSPRP", record.Component);
        Assert.True(record.IsError);
        Assert.Equal("SD006", PantherSignatureCatalog.Default.Match(record.Message).Single().Signature.Id);
    }

    [Fact]
    public void Format_EmptyComponentWithTag_ParsedAsMessage()
    {
        var line = PantherLog.Format(Time, "Info", string.Empty, "[Shell Unattend] Running 'specialize' pass", null);

        Assert.Equal("2026-11-21 08:30:15, Info                         [Shell Unattend] Running 'specialize' pass", line);
        var record = PantherLogReader.ParseLine(line, "setupact.log", 1);
        Assert.Null(record.Component);
        Assert.Equal("[Shell Unattend] Running 'specialize' pass", record.Message);
    }

    [Fact]
    public void Write_Utf16WithBom_ErrorsCopiedToSetuperr()
    {
        using var dir = new TempDirectory();
        var log = new PantherLog(dir.Path, new FixedClock(Time));
        log.Info("SYSPRP", "===          Beginning of a new sysprep run          ===");
        log.Error("SYSPRP", "Package Contoso.App_1.0.0.0_x64__abc was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.");

        var bytes = File.ReadAllBytes(log.ActionLog);
        Assert.Equal([0xFF, 0xFE], bytes[..2]);
        Assert.Equal(2, PantherLogReader.ReadAll(log.ActionLog, cancellationToken: TestContext.Current.CancellationToken).Count);
        Assert.Single(PantherLogReader.ReadAll(log.ErrorLog, cancellationToken: TestContext.Current.CancellationToken));
        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, TestContext.Current.CancellationToken);
        Assert.Equal("SD001", diagnosis.RootCause?.Id);
        Assert.Equal("Contoso.App_1.0.0.0_x64__abc", diagnosis.RootCause!.Variables["package"]);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
