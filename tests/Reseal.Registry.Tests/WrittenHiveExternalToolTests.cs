using System.Text.RegularExpressions;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>Hives Reseal writes must load in hivexsh, hivexregedit, reglookup, reged and chntpw with the same content.</summary>
public partial class WrittenHiveExternalToolTests
{
    [Fact]
    public void Hivexsh_WrittenHive_SequenceNumbersMatchAndChecksumVerifies()
    {
        var hivexsh = ExternalTool.Require("hivexsh", "libhivex-bin");
        using var dir = new TempDirectory();
        var path = dir.Write("written", TestHives.Everything().ToBytes());

        var result = ExternalTool.Run(hivexsh, ["-d", path], standardInput: "");

        var sequence = SequenceLine().Match(result.StandardError + result.StandardOutput);
        var checksum = ChecksumLine().Match(result.StandardError + result.StandardOutput);
        Assert.True(sequence.Success, result.StandardError);
        Assert.Equal(sequence.Groups[1].Value, sequence.Groups[2].Value);
        Assert.True(checksum.Success, result.StandardError);
        Assert.Equal(checksum.Groups[1].Value, checksum.Groups[2].Value);
    }

    [Fact]
    public void Hivexregedit_WrittenHive_ExportEqualsResealExport()
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var bytes = TestHives.Everything().ToBytes();
        var path = dir.Write("written", bytes);

        var expected = HivexExportComparisonTests.RunHivexExport(tool, path, dir, prefix: null);

        HivexExportComparisonTests.AssertSameBytes(expected, RegExporter.ExportToBytes(Hive.Load(bytes)), "written hive");
    }

    [Theory]
    [InlineData("regipy-SYSTEM")]
    [InlineData("regipy-SAM")]
    [InlineData("regipy-NTUSER.DAT")]
    [InlineData("hivex-special")]
    public void Hivexregedit_RewrittenRealHive_ExportEqualsOriginalHivexExport(string name)
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var original = HiveData.Extract(name, dir);
        var rewritten = dir.Write(name + ".rewritten", HiveDocument.FromHive(Hive.Open(original), FixedTime.Default).ToBytes());

        var expected = HivexExportComparisonTests.RunHivexExport(tool, original, dir, prefix: null);
        var actual = HivexExportComparisonTests.RunHivexExport(tool, rewritten, dir, prefix: null);

        HivexExportComparisonTests.AssertSameBytes(expected, actual, name + " rewritten by Reseal, read by hivex");
    }

    [Fact]
    public void Reglookup_RewrittenSam_ListsSamePathsTypesAndValues()
    {
        var reglookup = ExternalTool.Require("reglookup", "reglookup");
        using var dir = new TempDirectory();
        var original = HiveData.Extract("regipy-SAM", dir);
        var rewritten = dir.Write("SAM.rewritten", HiveDocument.FromHive(Hive.Open(original), FixedTime.Default).ToBytes());

        string[] Rows(string path)
        {
            var result = ExternalTool.Run(reglookup, [path]);
            Assert.Equal(0, result.ExitCode);
            // PATH,TYPE,VALUE; MTIME differs for nothing here but is dropped to compare content only.
            return result.StandardOutput.Split('\n').Select(l => string.Join(',', l.Split(',').Take(3))).ToArray();
        }

        var expected = Rows(original);
        Assert.True(expected.Length > 50);
        Assert.Equal(expected, Rows(rewritten));
    }

    [Fact]
    public void Reglookup_WrittenHive_SeesBigValueAndEveryKey()
    {
        var reglookup = ExternalTool.Require("reglookup", "reglookup");
        using var dir = new TempDirectory();
        var path = dir.Write("written", TestHives.Everything().ToBytes());

        var result = ExternalTool.Run(reglookup, ["-p", "/Software/Reseal", path]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("/Software/Reseal/Values/DWord,DWORD,0xDEADBEEF", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("/Software/Reseal/Values/Big100000,BINARY,", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("/Software/Reseal/Many/Key01199,KEY", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("ERROR", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("regipy-SAM")]
    [InlineData("winregkb-SECURITY")]
    [InlineData("regipy-BCD")]
    public void Regfexport_RewrittenHive_SameDumpAsOriginal(string name)
    {
        var regfexport = ExternalTool.Require("regfexport", "libregf-utils");
        using var dir = new TempDirectory();
        var original = HiveData.Extract(name, dir);
        var rewritten = dir.Write(name + ".rewritten", HiveDocument.FromHive(Hive.Open(original), FixedTime.Default).ToBytes());

        string Dump(string path)
        {
            var result = ExternalTool.Run(regfexport, [path]);
            Assert.Equal(0, result.ExitCode);
            return result.StandardOutput;
        }

        var expected = Dump(original);
        Assert.True(expected.Length > 1000);
        Assert.Equal(expected, Dump(rewritten));
    }

    [Fact]
    public void Reged_RewrittenSam_ExportEqualsOriginalRegedExport()
    {
        var reged = ExternalTool.Require("reged", "chntpw");
        using var dir = new TempDirectory();
        var original = HiveData.Extract("regipy-SAM", dir);
        var rewritten = dir.Write("SAM.rewritten", HiveDocument.FromHive(Hive.Open(original), FixedTime.Default).ToBytes());

        string Export(string path)
        {
            var output = path + ".reged.reg";
            var result = ExternalTool.Run(reged, ["-x", path, "HKEY_LOCAL_MACHINE\\SAM", "\\", output], standardInput: "");
            Assert.True(File.Exists(output), result.StandardOutput + result.StandardError);
            Assert.DoesNotContain("Not a 'nk' node", result.StandardOutput, StringComparison.Ordinal);
            return File.ReadAllText(output);
        }

        var expected = Export(original);
        Assert.Contains("[HKEY_LOCAL_MACHINE\\SAM\\SAM\\Domains\\Account\\Users\\Names\\Guest]", expected, StringComparison.Ordinal);
        Assert.Equal(expected, Export(rewritten));
    }

    [Fact]
    public void Reged_WrittenHive_ExportsAsciiKeysAndValues()
    {
        var reged = ExternalTool.Require("reged", "chntpw");
        using var dir = new TempDirectory();
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        document.SetValue(@"Software\Reseal", "Str", 1, TestHives.Utf16Z("hello"));
        document.SetValue(@"Software\Reseal", "Num", 4, TestHives.DWord(42));
        var path = dir.Write("written", document.ToBytes());
        var output = dir.File("out.reg");

        ExternalTool.Run(reged, ["-x", path, "HKEY_LOCAL_MACHINE\\X", "\\", output], standardInput: "");

        var text = File.ReadAllText(output);
        Assert.Contains("[HKEY_LOCAL_MACHINE\\X\\Software\\Reseal]", text, StringComparison.Ordinal);
        Assert.Contains("\"Str\"=\"hello\"", text, StringComparison.Ordinal);
        Assert.Contains("\"Num\"=dword:0000002a", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ChntpwList_RewrittenSam_ListsSameUsers()
    {
        var chntpw = ExternalTool.Require("chntpw", "chntpw");
        using var dir = new TempDirectory();
        var original = HiveData.Extract("regipy-SAM", dir);
        var rewritten = dir.Write("SAM.rewritten", HiveDocument.FromHive(Hive.Open(original), FixedTime.Default).ToBytes());

        string[] Users(string path) => ExternalTool.Run(chntpw, ["-l", path], standardInput: "").StandardOutput
            .Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToArray();

        var expected = Users(original);
        Assert.Contains(expected, l => l.Contains("Administrator", StringComparison.Ordinal));
        Assert.Equal(4, expected.Length);
        Assert.Equal(expected, Users(rewritten));
    }

    [Fact]
    public void HivexshEdit_OfResealHive_ReadBackByReseal()
    {
        var hivexsh = ExternalTool.Require("hivexsh", "libhivex-bin");
        using var dir = new TempDirectory();
        var path = dir.Write("written", TestHives.Everything().ToBytes());
        var script = dir.Write("script", "cd \\Software\nadd HivexKey\ncd HivexKey\nsetval 2\nStr\nstring:hello\nNum\ndword:0x2a\ncommit\n");

        var result = ExternalTool.Run(hivexsh, ["-w", "-f", script, path]);

        Assert.Equal(0, result.ExitCode);
        var key = Hive.Open(path).OpenKey(@"Software\HivexKey")!.Value;
        Assert.Equal("hello", key.GetValue("Str")!.Value.GetString());
        Assert.Equal(42u, key.GetValue("Num")!.Value.GetDWord());
        Assert.NotNull(Hive.Open(path).OpenKey(@"Software\Reseal\Many\Key00042"));
    }

    [Fact]
    public void ResealEdit_OfHivexEditedHive_ReadBackByHivexget()
    {
        var hivexsh = ExternalTool.Require("hivexsh", "libhivex-bin");
        var hivexget = ExternalTool.Require("hivexget", "libhivex-bin");
        using var dir = new TempDirectory();
        var path = HiveData.Extract("hivex-minimal", dir);
        var script = dir.Write("script", "add FromHivex\ncommit\n");
        Assert.Equal(0, ExternalTool.Run(hivexsh, ["-w", "-f", script, path]).ExitCode);

        var document = HiveDocument.Open(path, time: FixedTime.Default);
        document.SetValue("FromHivex", "Answer", 4, TestHives.DWord(42));
        document.SetValue(@"FromReseal\Deep", "Text", 1, TestHives.Utf16Z("from reseal"));
        document.Save(path);

        Assert.Equal("42", ExternalTool.Run(hivexget, [path, "\\FromHivex", "Answer"]).StandardOutput.Trim());
        Assert.Equal("from reseal", ExternalTool.Run(hivexget, [path, "\\FromReseal\\Deep", "Text"]).StandardOutput.Trim());
    }

    [GeneratedRegex(@"sequence nos\s+(\d+)\s+(\d+)")]
    private static partial Regex SequenceLine();

    [GeneratedRegex(@"checksum\s+(0x[0-9a-f]+)\s+\(calculated\s+(0x[0-9a-f]+)\)")]
    private static partial Regex ChecksumLine();
}
