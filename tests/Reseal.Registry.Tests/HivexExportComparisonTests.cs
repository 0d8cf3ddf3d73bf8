using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>Every real hive exported by Reseal and by hivexregedit (libwin-hivex-perl) must give identical bytes.</summary>
public class HivexExportComparisonTests
{
    public static TheoryData<string> ReadableHives => new(HiveData.Readable);

    public static TheoryData<string> DamagedHives => new(HiveData.Damaged.Select(d => d.Name));

    [Theory]
    [MemberData(nameof(ReadableHives))]
    public void Export_RealHive_EqualsHivexregeditByteForByte(string name)
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var path = HiveData.Extract(name, dir);

        var expected = RunHivexExport(tool, path, dir, prefix: null);
        var actual = RegExporter.ExportToBytes(Hive.Load(File.ReadAllBytes(path)));

        AssertSameBytes(expected, actual, name);
    }

    [Fact]
    public void Export_WithPrefix_EqualsHivexregeditByteForByte()
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var path = HiveData.Extract("regipy-SAM", dir);

        var expected = RunHivexExport(tool, path, dir, prefix: "HKEY_LOCAL_MACHINE\\SAM\\");
        var actual = RegExporter.ExportToBytes(Hive.Load(File.ReadAllBytes(path)),
            new RegExportOptions { Prefix = "HKEY_LOCAL_MACHINE\\SAM\\" });

        AssertSameBytes(expected, actual, "regipy-SAM with prefix");
    }

    [Fact]
    public void Export_SubkeyStart_EqualsHivexregeditOfThatKey()
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var path = HiveData.Extract("regipy-SYSTEM", dir);
        var output = dir.File("sub.reg");
        var result = ExternalTool.Run("sh", ["-c", "\"$0\" --export \"$1\" '\\ControlSet001\\Control\\Lsa' > \"$2\"", tool, path, output]);
        Assert.Equal(0, result.ExitCode);
        var key = Hive.Open(path).OpenKey(@"controlset001\control\lsa")!.Value;
        using var actual = new MemoryStream();

        RegExporter.Export(key, actual);

        AssertSameBytes(File.ReadAllBytes(output), actual.ToArray(), "ControlSet001\\Control\\Lsa");
    }

    /// <summary>The damaged hives hivex refuses: Reseal refuses them too, with an error naming offset and structure.</summary>
    [Theory]
    [MemberData(nameof(DamagedHives))]
    public void Export_HiveHivexRefuses_BothRefuse(string name)
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var path = HiveData.Extract(name, dir);

        var hivex = ExternalTool.Run("sh", ["-c", "\"$0\" --export \"$1\" '\\' > /dev/null", tool, path]);
        var error = Assert.Throws<HiveFormatException>(() => Hive.Open(path));

        Assert.NotEqual(0, hivex.ExitCode);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.FileOffset);
        Assert.Contains(HiveData.Damaged.Single(d => d.Name == name).Expected, error.Message, StringComparison.Ordinal);
    }

    internal static byte[] RunHivexExport(string tool, string hivePath, TempDirectory dir, string? prefix)
    {
        var output = dir.File(Path.GetFileName(hivePath) + ".hivex.reg");
        var script = prefix is null
            ? "\"$0\" --export \"$1\" '\\' > \"$2\""
            : "\"$0\" --export --prefix \"$3\" \"$1\" '\\' > \"$2\"";
        var arguments = new List<string> { "-c", script, tool, hivePath, output };
        if (prefix is not null)
        {
            arguments.Add(prefix);
        }

        var result = ExternalTool.Run("sh", arguments, timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, $"hivexregedit failed on {hivePath}: {result.StandardError}");
        return File.ReadAllBytes(output);
    }

    internal static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }

        var at = expected.AsSpan().CommonPrefixLength(actual);
        var lineStart = Math.Max(0, expected.AsSpan(0, at).LastIndexOf((byte)'\n') + 1);
        string Excerpt(byte[] b) => System.Text.Encoding.Latin1.GetString(b, lineStart, Math.Min(200, b.Length - lineStart));
        Assert.Fail($"{what}: exports differ at byte {at} (lengths {expected.Length} vs {actual.Length})\nhivex:  {Excerpt(expected)}\nreseal: {Excerpt(actual)}");
    }
}
