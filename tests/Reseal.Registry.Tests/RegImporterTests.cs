using System.Text;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

public class RegImporterTests
{
    [Theory]
    [InlineData("regipy-SAM")]
    [InlineData("regipy-SYSTEM")]
    [InlineData("hivex-special")]
    public void Import_HivexStyleExportOfRealHive_RecreatesIdenticalExport(string name)
    {
        var original = RegExporter.ExportToBytes(HiveData.Load(name));
        using var dir = new TempDirectory();
        var path = dir.Write("export.reg", original);
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        RegImporter.Import(document, RegImporter.ReadRegFile(path));

        var rebuilt = RegExporter.ExportToBytes(Hive.Load(document.ToBytes()));
        HivexExportComparisonTests.AssertSameBytes(original, rebuilt, name);
    }

    [Fact]
    public void Import_RegeditFormats_SetsTypesAndBytes()
    {
        const string text = """
            Windows Registry Editor Version 5.00

            ; a comment
            [HKEY_LOCAL_MACHINE\SOFTWARE\Reseal\Test]
            @="default"
            "Plain"="a \"quoted\" C:\\path\\"
            "Num"=dword:0000002a
            "Bin"=hex:01,02,\
              03,04
            "Multi"=hex(7):61,00,00,00,00,00
            "Devprop"=hex(ffff2012):ff
            "Empty"=hex(0):
            "Printable"=str(2):"%PATH%"

            [HKEY_LOCAL_MACHINE\SOFTWARE\Reseal\Other]
            "X"=dword:1
            """;
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        var result = RegImporter.Import(document, text, new RegImportOptions { Prefix = @"HKEY_LOCAL_MACHINE\SOFTWARE\" });

        var key = document.GetKey(@"Reseal\Test")!;
        Assert.Equal(new RegImportResult(2, 0, 9, 0), result);
        Assert.Equal(TestHives.Utf16Z("default"), key.GetValue(string.Empty)!.Data);
        Assert.Equal(TestHives.Utf16Z("a \"quoted\" C:\\path\\"), key.GetValue("Plain")!.Data);
        Assert.Equal(TestHives.DWord(42), key.GetValue("Num")!.Data);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, key.GetValue("Bin")!.Data);
        Assert.Equal(3u, key.GetValue("Bin")!.Type);
        Assert.Equal(7u, key.GetValue("Multi")!.Type);
        Assert.Equal(0xFFFF2012u, key.GetValue("Devprop")!.Type);
        Assert.Empty(key.GetValue("Empty")!.Data);
        Assert.Equal(2u, key.GetValue("Printable")!.Type);
        Assert.Equal(TestHives.Utf16Z("%PATH%"), key.GetValue("Printable")!.Data);
    }

    [Fact]
    public void Import_DeleteKeyAndValueLines_RemoveThem()
    {
        var document = TestHives.Everything();
        const string text = "Windows Registry Editor Version 5.00\r\n\r\n[-\\Software\\Reseal\\Many]\r\n\r\n[\\Software\\Reseal\\Values]\r\n\"DWord\"=-\r\n";

        var result = RegImporter.Import(document, text);

        Assert.Equal(1, result.KeysDeleted);
        Assert.Equal(1, result.ValuesDeleted);
        Assert.Null(document.GetKey(@"Software\Reseal\Many"));
        Assert.Null(document.GetKey(@"Software\Reseal\Values")!.GetValue("DWord"));
    }

    [Theory]
    [InlineData("REGEDIT3\n", 1, "expected the header")]
    [InlineData("Windows Registry Editor Version 5.00\n\n\"a\"=dword:1\n", 3, "outside a [key] section")]
    [InlineData("Windows Registry Editor Version 5.00\n\n[\\K]\n\"a\"=dword:123456789\n", 4, "1 to 8 hex digits")]
    [InlineData("Windows Registry Editor Version 5.00\n\n[\\K]\n\"a\"=hex:01,zz\n", 4, "one or two hex digits")]
    [InlineData("Windows Registry Editor Version 5.00\n\n[\\K]\n\"a=dword:1\n", 4, "unterminated value name")]
    [InlineData("Windows Registry Editor Version 5.00\n\n[\\K\n", 3, "does not end with ']'")]
    [InlineData("Windows Registry Editor Version 5.00\n\n[\\K]\n\"a\"=qword:1\n", 4, "expected \"string\"")]
    public void Import_MalformedText_ThrowsWithLine(string text, int line, string expected)
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        var error = Assert.Throws<RegFileFormatException>(() => RegImporter.Import(document, text));

        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_KeyOutsidePrefix_Throws()
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        var error = Assert.Throws<RegFileFormatException>(() => RegImporter.Import(document,
            "Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\X]\n", new RegImportOptions { Prefix = "HKEY_LOCAL_MACHINE\\SOFTWARE" }));

        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void ReadRegFile_Utf16WithBom_Decodes()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("u16.reg", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("Windows Registry Editor Version 5.00\r\n\r\n[\\Ä]\r\n")).ToArray());
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        RegImporter.Import(document, RegImporter.ReadRegFile(path));

        Assert.NotNull(document.GetKey("ä"));
    }

    [Fact]
    public void Import_RegedExportOfSam_RecreatesKeysAndBinaryValues()
    {
        // reged (chntpw) writes regedit's own layout: hex: wrapped at 25 bytes with "\" continuations, "str" values.
        var reged = ExternalTool.Require("reged", "chntpw");
        using var dir = new TempDirectory();
        var path = HiveData.Extract("regipy-SAM", dir);
        var output = dir.File("sam.reg");
        ExternalTool.Run(reged, ["-x", path, "HKEY_LOCAL_MACHINE\\SAM", "\\", output], standardInput: "");
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        RegImporter.Import(document, RegImporter.ReadRegFile(output), new RegImportOptions { Prefix = "HKEY_LOCAL_MACHINE\\SAM" });

        var original = Hive.Open(path);
        var binaryValues = 0;
        var pending = new Stack<EditableKey>([document.Root]);
        while (pending.Count > 0)
        {
            var key = pending.Pop();
            var source = original.OpenKey(key.Path);
            Assert.True(source is not null, key.Path);
            Assert.Equal(source.Value.SubkeyCount, key.Subkeys.Count);
            foreach (var value in key.Values.Where(v => v.Type == 3))
            {
                Assert.Equal(source.Value.GetValue(value.Name)!.Value.GetData(), value.Data);
                binaryValues++;
            }

            foreach (var child in key.Subkeys)
            {
                pending.Push(child);
            }
        }

        Assert.True(binaryValues > 20, $"only {binaryValues} binary values compared");
    }

    [Fact]
    public void HivexregeditMerge_OfResealExport_GivesSameExport()
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var dir = new TempDirectory();
        var target = HiveData.Extract("hivex-minimal", dir);
        var source = TestHives.Everything();
        source.DeleteKey(@"Software\Reseal\Names");
        var export = RegExporter.ExportToBytes(Hive.Load(source.ToBytes()));
        var reg = dir.Write("in.reg", export);

        var result = ExternalTool.Run(tool, ["--merge", target, reg]);

        Assert.Equal(0, result.ExitCode);
        HivexExportComparisonTests.AssertSameBytes(export, RegExporter.ExportToBytes(Hive.Open(target)), "merged by hivex");
    }
}

/// <summary>Corrupted .reg texts: only RegFileFormatException may escape the importer.</summary>
public class RegImporterMutationTests
{
    [Fact]
    public void Import_MutatedExportText_OnlyRegFileFormatExceptionEscapes()
    {
        var text = Encoding.Latin1.GetString(RegExporter.ExportToBytes(HiveData.Load("regipy-SAM")));
        const string alphabet = "[]\"\\=@:,()-;\n\r hexdwordstr0123456789abcdefABCDEF\0\uFFFF™";
        ulong state = 0x243F6A8885A308D3;
        int Next(int bound)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return (int)(state % (ulong)bound);
        }

        var rejected = 0;
        for (var i = 0; i < 1000; i++)
        {
            var chars = text.ToCharArray();
            for (var k = 0; k < 1 + Next(8); k++)
            {
                chars[Next(chars.Length)] = alphabet[Next(alphabet.Length)];
            }

            try
            {
                RegImporter.Import(HiveDocument.Create("ROOT", FixedTime.Default), new string(chars));
            }
            catch (RegFileFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 100, $"only {rejected} of 1000 mutated texts were rejected");
    }
}
