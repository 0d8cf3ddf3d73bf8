using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

public sealed class PantherLogReaderTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void ParseLine_FullEntry_SplitsEveryColumn()
    {
        var record = PantherLogReader.ParseLine(
            "2024-05-14 10:00:01, Error      [0x0f0082] SYSPRP LaunchDll:Failure occurred while executing 'x.dll,Y', returned error code 0x2[gle=0x00000002]",
            "setupact.log", 7);

        Assert.Equal(PantherLineKind.Entry, record.Kind);
        Assert.Equal("2024-05-14 10:00:01", record.Timestamp);
        Assert.Equal(PantherLogLevel.Error, record.Level);
        Assert.Equal("Error", record.LevelText);
        Assert.Equal("0x0f0082", record.MessageId);
        Assert.Equal("SYSPRP", record.Component);
        Assert.Equal("LaunchDll:Failure occurred while executing 'x.dll,Y', returned error code 0x2", record.Message);
        Assert.Equal("0x00000002", record.Gle);
        Assert.Equal("setupact.log:7", record.Location);
    }

    [Fact]
    public void ParseLine_EmptyComponentColumn_KeepsBracketTagInMessage()
    {
        var record = PantherLogReader.ParseLine("2024-05-14 10:00:01, Error                 [Shell Unattend] CopyProfile failed (0x80070003)", "f", 1);

        Assert.Null(record.Component);
        Assert.Null(record.MessageId);
        Assert.Equal("[Shell Unattend] CopyProfile failed (0x80070003)", record.Message);
    }

    [Fact]
    public void ParseLine_WarningWithoutId_ParsesLevelAndComponent()
    {
        var record = PantherLogReader.ParseLine("2024-05-14 10:00:01, Warning               SYSPRP WinMain: File operations pending", "f", 1);

        Assert.Equal(PantherLogLevel.Warning, record.Level);
        Assert.Equal("SYSPRP", record.Component);
        Assert.Equal("WinMain: File operations pending", record.Message);
    }

    [Theory]
    [InlineData("    continuation of a CSI dump")]
    [InlineData("2024-05-14 10:00:01 Error no comma")]
    [InlineData("2024-13-xx 10:00:01, Error bad date")]
    [InlineData("")]
    [InlineData("\u00ff\u00fe garbage")]
    public void ParseLine_NotTheDocumentedFormat_KeptAsRaw(string text)
    {
        var record = PantherLogReader.ParseLine(text, "f", 3);

        Assert.Equal(PantherLineKind.Raw, record.Kind);
        Assert.Equal(PantherLogLevel.None, record.Level);
        Assert.Equal(text, record.RawText);
        Assert.Equal(text, record.Message);
    }

    [Theory]
    [InlineData(LogEncoding.Utf16LeBom, "\r\n", "utf-16le")]
    [InlineData(LogEncoding.Utf16Le, "\r\n", "utf-16le")]
    [InlineData(LogEncoding.Utf8, "\n", "utf-8")]
    [InlineData(LogEncoding.Utf8Bom, "\r\n", "utf-8")]
    [InlineData(LogEncoding.Ansi, "\r\n", "latin1")]
    public void ReadAll_EachEncodingAndLineEnding_SameRecords(LogEncoding encoding, string newline, string expectedEncoding)
    {
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder().BeginRun().Noise()
            .Error("Package Caf\u00e9App_1.0.0.0_x64__8wekyb3d8bbwe was installed for a user, but not provisioned for all users.").EndRun();
        var path = log.WriteTo(dir.File("setupact.log"), encoding, newline);

        var info = PantherLogReader.Inspect(path);
        var records = PantherLogReader.ReadAll(path, cancellationToken: Token);

        Assert.Equal(expectedEncoding, info.EncodingName);
        Assert.False(info.IsBinary);
        Assert.Equal(log.LineCount, records.Count);
        Assert.Equal(Enumerable.Range(1, log.LineCount).Select(i => (long)i), records.Select(r => r.LineNumber));
        Assert.Contains(records, r => r.Message.Contains("Caf\u00e9App", StringComparison.Ordinal));
        Assert.All(records, r => Assert.DoesNotContain('\r', r.RawText));
        Assert.Equal(PantherLineKind.Raw, records.Single(r => r.RawText.Contains("Multi-line", StringComparison.Ordinal)).Kind);
    }

    [Fact]
    public void ReadAll_TruncatedLastLineAndNulPadding_KeepsPartialLineDropsPadding()
    {
        using var dir = new TempDirectory();
        var text = new PantherLogBuilder().BeginRun().Text() + "2024-05-14 10:00:09, Error                 SYSPRP Package Foo_1.0_x64__abc was installed for a us";
        var bytes = PantherLogBuilder.Encode(text, LogEncoding.Utf16LeBom).Concat(new byte[4096]).ToArray();
        var path = dir.Write("setupact.log", bytes);

        var records = PantherLogReader.ReadAll(path, cancellationToken: Token);

        var last = records[^1];
        Assert.Equal(PantherLineKind.Entry, last.Kind);
        Assert.EndsWith("installed for a us", last.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(records, r => r.RawText.Contains('\0', StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_EmptyFile_NoteSaysEmpty()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("setupact.log", []);

        var info = PantherLogReader.Inspect(path);

        Assert.Equal(0, info.Length);
        Assert.False(info.IsBinary);
        Assert.Contains("empty", info.Note, StringComparison.Ordinal);
        Assert.Empty(PantherLogReader.ReadRecords(info, cancellationToken: Token));
    }

    [Fact]
    public void Inspect_RandomBytes_Binary()
    {
        using var dir = new TempDirectory();
        var bytes = new byte[20000];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0x4D;
        bytes[1] = 0x5A;
        var path = dir.Write("setupact.log", bytes);

        var info = PantherLogReader.Inspect(path);

        Assert.True(info.IsBinary);
        Assert.Contains("not a text log", info.Note, StringComparison.Ordinal);
        Assert.Empty(PantherLogReader.ReadRecords(info, cancellationToken: Token));
    }

    [Theory]
    [InlineData(LogEncoding.Utf16LeBom)]
    [InlineData(LogEncoding.Utf8)]
    public void ReadRecords_FileLargerThanWindow_ReadsTailWithTrueLineNumbers(LogEncoding encoding)
    {
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder();
        for (var i = 0; i < 2000; i++)
        {
            log.Info($"WinMain:filler line {i}");
        }

        log.Error("BCD: BiUpdateEfiEntry failed c000000d");
        var expectedLast = log.LineCount;
        var path = log.WriteTo(dir.File("setupact.log"), encoding);
        var options = new PantherReadOptions { MaxBytesPerFile = 16 * 1024 };

        var info = PantherLogReader.Inspect(path, options);
        var records = PantherLogReader.ReadRecords(info, options, Token).ToList();

        Assert.True(info.IsWindowed);
        Assert.Contains("only the last", info.Note, StringComparison.Ordinal);
        Assert.True(records.Count < 2000);
        Assert.Equal(expectedLast, records[^1].LineNumber);
        Assert.Equal("BCD: BiUpdateEfiEntry failed c000000d", records[^1].Message);
        var first = records[0];
        Assert.Equal($"WinMain:filler line {first.LineNumber - 1}", first.Message);
    }

    [Fact]
    public void ReadRecords_LineLongerThanLimit_IsCut()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("setupact.log", "2024-05-14 10:00:01, Info SYSPRP " + new string('x', 100_000) + "\nnext\n");
        var options = new PantherReadOptions { MaxLineLength = 1000 };

        var records = PantherLogReader.ReadAll(path, options, Token);

        Assert.Equal(2, records.Count);
        Assert.True(records[0].RawText.Length < 1100);
        Assert.EndsWith("[line cut]", records[0].RawText, StringComparison.Ordinal);
        Assert.Equal("next", records[1].RawText);
        Assert.Equal(2, records[1].LineNumber);
    }

    [Fact]
    public void ParseText_PastedLog_ParsesLines()
    {
        var text = new PantherLogBuilder().BeginRun().EndRun().Text("\n");

        var records = PantherLogReader.ParseText(text, "pasted");

        Assert.Equal(text.Count(c => c == '\n'), records.Count);
        Assert.All(records, r => Assert.Equal(PantherLineKind.Entry, r.Kind));
    }

    [Fact]
    public void Inspect_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        using var dir = new TempDirectory();
        var path = dir.File("nope/setupact.log");

        var error = Assert.ThrowsAny<IOException>(() => PantherLogReader.Inspect(path));

        Assert.Contains("setupact.log", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_TwoRuns_OptionsModeAndEnds()
    {
        var text = new PantherLogBuilder().BeginRun("GENERALIZE", "OOBE", "SHUTDOWN").Error("something broke").EndRun()
            .BeginRun("AUDIT", "REBOOT").Noise().Text();
        var records = PantherLogReader.ParseText(text, "setupact.log");

        var runs = SysprepRunTracker.Split(records);

        Assert.Equal(2, runs.Count);
        Assert.True(runs[0].Ended);
        Assert.Equal(["GENERALIZE", "OOBE", "SHUTDOWN"], runs[0].Options);
        Assert.Equal("vm", runs[0].Mode);
        Assert.Equal(1, runs[0].ErrorLines);
        Assert.False(runs[1].Ended);
        Assert.Equal(["AUDIT", "REBOOT"], runs[1].Options);
        Assert.Equal(1, runs[1].Index);
        Assert.Contains("Shutting down SysPrep log", runs[0].LastLines[^1].Text, StringComparison.Ordinal);
    }
}
