using System.Diagnostics;
using System.Text;
using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

[Collection(MemoryMeasurements.Name)]
public sealed class PantherDiagnoserTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static SignatureSample Sample(string id) => SignatureSamples.All.Single(s => s.Id == id);

    [Fact]
    public void Diagnose_AppxWithBcdNoiseAndSummaries_RootCauseIsThePackage()
    {
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder().BeginRun().Noise()
            .Add(Sample("SD012"))
            .Add(Sample("SD001"))
            .Add(Sample("SD003"))
            .Add(Sample("SD004"))
            .Add(Sample("SD012"))
            .Noise()
            .EndRun()
            .Add(Sample("SD017"));
        log.WriteTo(dir.File("setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD001", diagnosis.RootCause?.Id);
        Assert.Equal(SignatureSamples.PackageFullName, diagnosis.RootCause!.Variables["package"]);
        Assert.Contains(SignatureSamples.PackageFullName, diagnosis.RootCause.Fix, StringComparison.Ordinal);
        Assert.Contains("SD001", diagnosis.Summary, StringComparison.Ordinal);
        var others = diagnosis.OtherFindings.Select(f => f.Id).ToList();
        Assert.Equal(["SD017", "SD003", "SD004", "SD012"], others);
        Assert.Equal(2, diagnosis.OtherFindings.Single(f => f.Id == "SD012").Occurrences);
        Assert.Empty(diagnosis.UnknownErrors);
    }

    [Fact]
    public void Diagnose_OnlySummaryAndUnknownError_RootCauseIsTheSummaryAndUnknownsListed()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Noise()
            .Error("SysprepSession::Execute: Failed to process unattend settings; hr = 0x8007000d", id: "0x0f0051")
            .Add(Sample("SD031")).EndRun()
            .WriteTo(dir.File("setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD031", diagnosis.RootCause?.Id);
        Assert.Equal("processing sysprep cleanup providers", diagnosis.RootCause!.Variables["step"]);
        var unknown = Assert.Single(diagnosis.UnknownErrors);
        Assert.Equal(1, unknown.Count);
    }

    [Fact]
    public void Diagnose_UnknownErrorsOnly_GroupedCountedAndFailed()
    {
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder().BeginRun().Noise();
        for (var i = 0; i < 5; i++)
        {
            log.Error($"ActionPlatform::ReadRegistry: Failed to open key HKLM\\SOFTWARE\\Vendor{i}; dwRet = 0x{i + 2:x}");
        }

        log.Error("SYSPRP_Custom: the widget frobnicator refused to stop; status 17", component: "IBS")
           .Entry("Warning", "SYSPRP", "This warning is not an error")
           .EndRun();
        log.WriteTo(dir.File("setupact.log"), LogEncoding.Utf8, "\n");

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Null(diagnosis.RootCause);
        Assert.Equal(2, diagnosis.UnknownErrors.Count);
        var registry = diagnosis.UnknownErrors[0];
        Assert.Equal(5, registry.Count);
        Assert.StartsWith("SYSPRP ActionPlatform::ReadRegistry: Failed to open key", registry.Pattern, StringComparison.Ordinal);
        Assert.Contains("Vendor0", registry.First.Text, StringComparison.Ordinal);
        Assert.Contains("Vendor4", registry.Last.Text, StringComparison.Ordinal);
        Assert.Equal(1, diagnosis.UnknownErrors[1].Count);
        Assert.Contains("unknown error", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_EarlierRunFailedLatestSucceeded_SucceededWithOldFindingMarked()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder(new DateTime(2024, 5, 14, 9, 0, 0, DateTimeKind.Unspecified))
            .BeginRun().Add(Sample("SD005")).EndRun()
            .At(new DateTime(2024, 5, 14, 11, 0, 0, DateTimeKind.Unspecified))
            .BeginRun().Noise().EndRun()
            .WriteTo(dir.File("setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.Succeeded, diagnosis.Outcome);
        Assert.Null(diagnosis.RootCause);
        var old = Assert.Single(diagnosis.OtherFindings);
        Assert.Equal("SD005", old.Id);
        Assert.False(old.InLatestRun);
        Assert.Equal(2, diagnosis.Runs.Count);
        Assert.Contains("ended without errors", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_TwoFailedRuns_RootCauseFromTheLatest()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder(new DateTime(2024, 5, 14, 9, 0, 0, DateTimeKind.Unspecified))
            .BeginRun().Add(Sample("SD005")).EndRun()
            .At(new DateTime(2024, 5, 14, 11, 0, 0, DateTimeKind.Unspecified))
            .BeginRun().Noise().Add(Sample("SD009")).Add(Sample("SD032")).EndRun()
            .WriteTo(dir.File("setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD009", diagnosis.RootCause?.Id);
        Assert.Equal("0x5", diagnosis.RootCause!.Variables["hr"]);
        Assert.False(diagnosis.OtherFindings.Single(f => f.Id == "SD005").InLatestRun);
    }

    [Fact]
    public void Diagnose_SetuperrRepeatsSetupact_CountedOnceWithBothEvidence()
    {
        using var dir = new TempDirectory();
        var start = new DateTime(2024, 5, 14, 10, 0, 0, DateTimeKind.Unspecified);
        var act = new PantherLogBuilder(start).BeginRun().Noise();
        act.Add(Sample("SD013")).EndRun().WriteTo(dir.File("Panther/setupact.log"));
        // setuperr.log holds the same Error lines with the same timestamps.
        var actText = File.ReadAllText(dir.File("Panther/setupact.log"));
        var errorLine = actText.Split("\r\n").Single(l => l.Contains("Sysprep_Generalize_Bcd", StringComparison.Ordinal));
        File.WriteAllBytes(dir.File("Panther/setuperr.log"), PantherLogBuilder.Encode(errorLine + "\r\n", LogEncoding.Utf16LeBom));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.File("Panther"), Token);

        Assert.Equal("SD013", diagnosis.RootCause?.Id);
        Assert.Equal(1, diagnosis.RootCause!.Occurrences);
        Assert.Equal(2, diagnosis.RootCause.Evidence.Count);
        Assert.EndsWith("setuperr.log", diagnosis.RootCause.Evidence[1].File, StringComparison.Ordinal);
        Assert.Equal(1, diagnosis.RootCause.Evidence[1].Line);
        Assert.Equal(2, diagnosis.Sources.Count);
    }

    [Fact]
    public void Diagnose_SetuperrRepeatsUnknownErrors_CountedOnce()
    {
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder().BeginRun().Noise();
        var errors = new PantherLogBuilder(new DateTime(2024, 5, 14, 11, 0, 0, DateTimeKind.Unspecified));
        log.At(new DateTime(2024, 5, 14, 11, 0, 0, DateTimeKind.Unspecified));
        for (var i = 0; i < 3; i++)
        {
            log.Error($"Widget{i}: refused to stop; hr = 0x8007000{i}").Info("between");
            errors.Error($"Widget{i}: refused to stop; hr = 0x8007000{i}").At(new DateTime(2024, 5, 14, 11, 0, 2 * (i + 1), DateTimeKind.Unspecified));
        }

        log.EndRun().WriteTo(dir.File("setupact.log"));
        errors.WriteTo(dir.File("setuperr.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        var group = Assert.Single(diagnosis.UnknownErrors);
        Assert.Equal(3, group.Count);
        Assert.Equal("SYSPRP Widget<n>: refused to stop; hr = <hex>", group.Pattern);
    }

    [Fact]
    public void Diagnose_SignatureRepeated_CountsAllKeepsFirstAndLatestEvidence()
    {
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder().BeginRun();
        for (var i = 0; i < 25; i++)
        {
            log.Add(Sample("SD007")).Noise();
        }

        var last = log.LineCount - 5;
        log.EndRun().WriteTo(dir.File("setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal("SD007", diagnosis.RootCause?.Id);
        Assert.Equal(25, diagnosis.RootCause!.Occurrences);
        Assert.Equal(10, diagnosis.RootCause.Evidence.Count);
        Assert.Equal(9, diagnosis.RootCause.Evidence[0].Line);
        Assert.Equal(last, diagnosis.RootCause.Evidence[^1].Line);
        Assert.Contains($":{last}.", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_SuccessTagInSysprepFolder_Succeeded()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Noise().Add(Sample("SD012")).EndRun()
            .WriteTo(dir.File("Sysprep/Panther/setupact.log"));
        dir.Write("Sysprep/Sysprep_succeeded.tag", string.Empty);

        var diagnosis = new PantherDiagnoser().Diagnose(dir.File("Sysprep/Panther"), Token);

        Assert.Equal(SysprepOutcome.Succeeded, diagnosis.Outcome);
        Assert.Equal(dir.File("Sysprep/Sysprep_succeeded.tag"), diagnosis.SuccessTag);
        Assert.Null(diagnosis.RootCause);
        Assert.Equal("SD012", Assert.Single(diagnosis.OtherFindings).Id);
    }

    [Fact]
    public void Diagnose_RunWithoutShutdown_Incomplete()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Noise().Noise().WriteTo(dir.File("setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.File("setupact.log"), Token);

        Assert.Equal(SysprepOutcome.Incomplete, diagnosis.Outcome);
        Assert.Contains("did not end", diagnosis.Summary, StringComparison.Ordinal);
        Assert.False(Assert.Single(diagnosis.Runs).Ended);
    }

    [Fact]
    public void Diagnose_EmptyFile_NoLogsWithNote()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("setupact.log", []);

        var diagnosis = new PantherDiagnoser().Diagnose(path, Token);

        Assert.Equal(SysprepOutcome.NoLogs, diagnosis.Outcome);
        Assert.Empty(diagnosis.Problems);
        Assert.Contains("empty", Assert.Single(diagnosis.Sources).Note, StringComparison.Ordinal);
        Assert.Null(diagnosis.RootCause);
    }

    [Fact]
    public void Diagnose_GarbageFile_ProblemNamesTheFile()
    {
        using var dir = new TempDirectory();
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        var path = dir.Write("setuperr.log", bytes);

        var diagnosis = new PantherDiagnoser().Diagnose(path, Token);

        Assert.Equal(SysprepOutcome.NoLogs, diagnosis.Outcome);
        var problem = Assert.Single(diagnosis.Problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains("not a text log", problem.Message, StringComparison.Ordinal);
        Assert.Contains(path, diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_MissingPath_ProblemNamesThePath()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("no-such-folder/Panther");

        var diagnosis = new PantherDiagnoser().Diagnose(missing, Token);

        Assert.Equal(SysprepOutcome.NoLogs, diagnosis.Outcome);
        var problem = Assert.Single(diagnosis.Problems);
        Assert.Equal(missing, problem.Path);
        Assert.Contains("no such file or folder", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_FolderWithoutLogs_ProblemSaysWhereItLooked()
    {
        using var dir = new TempDirectory();
        dir.Write("readme.txt", "hello");

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.NoLogs, diagnosis.Outcome);
        Assert.Contains("no setupact.log or setuperr.log", Assert.Single(diagnosis.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_WindowsTreeMixedCase_FindsEveryPantherAndBlamesSpecialize()
    {
        using var dir = new TempDirectory();
        var root = dir.Path;
        var sysprepStart = new DateTime(2024, 5, 14, 10, 0, 0, DateTimeKind.Unspecified);
        new PantherLogBuilder(sysprepStart).BeginRun().Noise().Add(Sample("SD012")).Noise().EndRun()
            .WriteTo(Path.Combine(root, "WINDOWS", "system32", "SYSPREP", "panther", "SetupAct.log"));
        File.WriteAllText(Path.Combine(root, "WINDOWS", "system32", "SYSPREP", "Sysprep_succeeded.tag"), string.Empty);
        new PantherLogBuilder(sysprepStart.AddMinutes(30))
            .Entry("Info", null, "[windeploy.exe] Found unattend file at [C:\\Windows\\Panther\\unattend.xml]")
            .Add(Sample("SD021"))
            .Add(Sample("SD026"))
            .WriteTo(Path.Combine(root, "WINDOWS", "Panther", "setupact.log"), LogEncoding.Utf8Bom);
        new PantherLogBuilder(sysprepStart.AddMinutes(31)).Add(Sample("SD015"))
            .WriteTo(Path.Combine(root, "WINDOWS", "Panther", "UnattendGC", "setupact.log"), LogEncoding.Utf16Le);
        dir.Write("WINDOWS/System32/config/SYSTEM", "not a log");

        var diagnosis = new PantherDiagnoser().Diagnose(root, Token);

        Assert.Equal(3, diagnosis.Sources.Count);
        Assert.Empty(diagnosis.Problems);
        Assert.NotNull(diagnosis.SuccessTag);
        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD015", diagnosis.RootCause?.Id);
        Assert.Contains(diagnosis.OtherFindings, f => f.Id == "SD021" && f.Variables["pass"] == "specialize");
        Assert.Contains(diagnosis.OtherFindings, f => f.Id == "SD026" && f.Signature.IsSummary);
        Assert.Single(diagnosis.Runs);
    }

    [Fact]
    public void Diagnose_WindowsFolderGivenDirectly_FindsSysprepPanther()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Add(Sample("SD007")).EndRun()
            .WriteTo(dir.File("Windows/System32/Sysprep/Panther/setuperr.log"));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.File("Windows"), Token);

        Assert.Equal("SD007", diagnosis.RootCause?.Id);
        Assert.EndsWith("setuperr.log", Assert.Single(diagnosis.Sources).Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_SeveralPaths_MergesAndReportsMissingOne()
    {
        using var dir = new TempDirectory();
        var act = new PantherLogBuilder().BeginRun().Add(Sample("SD006")).EndRun().WriteTo(dir.File("a/setupact.log"));

        var diagnosis = new PantherDiagnoser().Diagnose([act, dir.File("b/missing.log"), act], Token);

        Assert.Equal("SD006", diagnosis.RootCause?.Id);
        Assert.Single(diagnosis.Sources);
        Assert.EndsWith("missing.log", Assert.Single(diagnosis.Problems).Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_HugeLog_ReadsTheTailInBoundedMemoryAndTime()
    {
        using var dir = new TempDirectory();
        var path = dir.File("Panther/setupact.log");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        const long target = 200L * 1024 * 1024;
        long lines = 0;
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new StreamWriter(stream, new UnicodeEncoding(bigEndian: false, byteOrderMark: true), 1 << 20))
        {
            writer.NewLine = "\r\n";
            var start = new DateTime(2024, 5, 14, 8, 0, 0, DateTimeKind.Unspecified);
            var header = new PantherLogBuilder(start).BeginRun();
            writer.Write(header.Text());
            lines += header.LineCount;
            var second = 0;
            while (stream.Length < target)
            {
                for (var i = 0; i < 1000; i++)
                {
                    var ts = start.AddSeconds(second++ / 50).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
                    writer.WriteLine(i % 97 == 0
                        ? $"{ts}, Error                 SYSPRP ActionPlatform::DeleteValue: Error from RegDeleteValueW for value Foo{i} under key HKLM\\X; dwRet = 0x2"
                        : $"{ts}, Info                  CSI    00000{i:x4} Begin executing advanced installer phase 38 index {i} (sequence {second})");
                    lines++;
                }

                writer.Flush();
            }

            var tail = new PantherLogBuilder(start.AddHours(3)).Add(Sample("SD012")).Add(Sample("SD001")).Add(Sample("SD004")).EndRun();
            writer.Write(tail.Text());
            lines += tail.LineCount;
        }

        var length = new FileInfo(path).Length;
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        clock.Stop();
        stop.Cancel();
        await sampler;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        Assert.True(length >= target);
        Assert.Equal("SD001", diagnosis.RootCause?.Id);
        Assert.Equal(lines - 2, diagnosis.RootCause!.Evidence[0].Line);
        var source = Assert.Single(diagnosis.Sources);
        Assert.Contains("only the last 64 MiB", source.Note, StringComparison.Ordinal);
        Assert.Equal(lines, source.Lines);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.True(retained < 32L * 1024 * 1024, $"retained {retained / 1024 / 1024} MiB");
        Assert.True(peak - baseline < 400L * 1024 * 1024, $"peak heap {(peak - baseline) / 1024 / 1024} MiB");
        Assert.True(diagnosis.UnknownErrors.Count <= 50);
        Assert.Contains(diagnosis.UnknownErrors, u => u.Count > 1000);
    }
}

/// <summary>
/// Tests that measure the process's GC heap run alone: other test classes allocating in parallel would make the
/// numbers meaningless and the tests flaky.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "Memory measurements (not parallel)";
}
