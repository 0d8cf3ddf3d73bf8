using Reseal.Registry;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// <c>reseal hive export</c> to standard output streams the export after a walk that checks the whole hive
/// (<see cref="RegExporter.Check"/>) instead of copying a temporary file: every real hive must still come out exactly
/// as hivexregedit writes it, and a damaged one must leave nothing at all on standard output.
/// </summary>
public class HiveExportStreamTests
{
    /// <summary>Every hive file in the shared data (transaction logs left out), by name without .gz.</summary>
    public static TheoryData<string> Hives => SharedData.Directory is null
        ? ["(no shared data)"]
        : [.. SharedData.RequireFiles("hives", "*.gz").Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(n => !n.Contains(".log", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Hives))]
    public void HiveExport_EveryRealHiveToStandardOutput_HivexregeditBytesOrNothing(string name)
    {
        var hivexregedit = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var temp = new TempDirectory();
        var hive = temp.Write(name, SharedData.ReadBytes(Path.Combine("hives", name + ".gz")));
        var reference = temp.File("hivex.reg");
        var hivex = ExternalTool.Run("sh", ["-c", "\"$0\" --export \"$1\" '\\' > \"$2\"", hivexregedit, hive, reference]);
        using var raw = new MemoryStream();

        var result = CliRunner.Run(["hive", "export", hive], rawOut: raw);

        if (hivex.ExitCode != 0)
        {
            // The damaged hives hivex refuses: refused here too, with an error naming the file, and no output.
            Assert.Equal(3, result.ExitCode);
            Assert.Contains($"reseal: error: {hive}: ", result.Error, StringComparison.Ordinal);
            Assert.Empty(raw.ToArray());
            return;
        }

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Out);
        var expected = File.ReadAllBytes(reference);
        var actual = raw.ToArray();
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}: {actual.Length} bytes differ from hivexregedit's {expected.Length}");
    }

    [Theory]
    [MemberData(nameof(HiveHostileInputTests.Corruptions), MemberType = typeof(HiveHostileInputTests))]
    public void HiveExport_DamagedBelowExportedKeys_NothingOnStandardOutputAndTheExportsError(string corruption)
    {
        using var temp = new TempDirectory();
        var bytes = HiveHostileInputTests.Corrupt(corruption);
        var hive = temp.Write("HIVE", bytes);
        byte[]? library = null;
        HiveFormatException? failure = null;
        try
        {
            library = RegExporter.ExportToBytes(Hive.Load(bytes));
        }
        catch (HiveFormatException e)
        {
            failure = e;
        }

        using var raw = new MemoryStream();

        var result = CliRunner.Run(["hive", "export", hive], rawOut: raw);

        Assert.Equal("", result.Out);
        if (failure is null)
        {
            // Damage the export never reads (a class name): the same bytes as the library's export.
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Equal(library, raw.ToArray());
            return;
        }

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(raw.ToArray());
        Assert.Contains(failure.Message, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }
}
