using System.Buffers.Binary;
using System.Text;
using Reseal.Registry;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// The hive findings of the hostile-input campaign (issue 16), each rebuilt from a generator: damaged structures,
/// dirty hives without logs, exhausted sequence numbers and Windows' size limits give a clear error, never a crash.
/// </summary>
public class HiveHostileInputTests
{
    /// <summary>Cell offsets count from the end of the 4096-byte base block.</summary>
    private const int HbinAreaStart = 4096;

    /// <summary>A hive with a key K holding three subkeys, a class name and values of every storage kind.</summary>
    private static byte[] Generated()
    {
        var document = HiveDocument.Create("ROOT");
        var key = document.CreateKey("K");
        key.ClassName = "class";
        foreach (var child in new[] { "A", "B", "C" })
        {
            key.CreateSubkey(child);
        }

        key.SetValue("Dword", RegistryValueType.DWord, [1, 0, 0, 0]);
        key.SetValue("Text", RegistryValueType.Sz, Encoding.Unicode.GetBytes("hello world\0"));
        key.SetValue("Big", RegistryValueType.Binary, new byte[40_000]);
        return document.ToBytes();
    }

    /// <summary>File offset of a structure field in the generated hive, found with the reader.</summary>
    private static int At(byte[] bytes, Func<Hive, (int Cell, int Field)> locate)
    {
        var (cell, field) = locate(Hive.Load(bytes));
        return HbinAreaStart + cell + 4 + field;
    }

    private static int ValueCell(Hive hive, string name) => hive.OpenKey("K")!.Value.GetValue(name)!.Value.CellOffset;

    private static uint Field(Hive hive, int cell, int at) => BinaryPrimitives.ReadUInt32LittleEndian(hive.Image.Span[(HbinAreaStart + cell + 4 + at)..]);

    public static TheoryData<string> Corruptions =>
    [
        "subkey list signature", "subkey list count", "subkey list entry", "child key signature", "value list offset",
        "value count", "value signature", "value data offset", "big data segment list", "class offset",
    ];

    internal static byte[] Corrupt(string what)
    {
        var bytes = Generated();
        var hive = Hive.Load(bytes);
        var k = hive.OpenKey("K")!.Value.CellOffset;
        var subkeys = (int)Field(hive, k, 28);
        var big = (int)Field(hive, ValueCell(hive, "Big"), 8);
        void U32(int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
        switch (what)
        {
            case "subkey list signature": "zz"u8.CopyTo(bytes.AsSpan(At(bytes, _ => (subkeys, 0)))); break;
            case "subkey list count": BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(At(bytes, _ => (subkeys, 2))), 0xFFFF); break;
            case "subkey list entry": U32(At(bytes, _ => (subkeys, 4)), 0x7FFFFFF8); break;
            case "child key signature": "zz"u8.CopyTo(bytes.AsSpan(At(bytes, h => (h.OpenKey(@"K\A")!.Value.CellOffset, 0)))); break;
            case "value list offset": U32(At(bytes, _ => (k, 40)), 0x7FFFFFF0); break;
            case "value count": U32(At(bytes, _ => (k, 36)), 0x10000000); break;
            case "value signature": "zz"u8.CopyTo(bytes.AsSpan(At(bytes, h => (ValueCell(h, "Text"), 0)))); break;
            case "value data offset": U32(At(bytes, h => (ValueCell(h, "Text"), 8)), 0x12345677); break;
            case "big data segment list": U32(At(bytes, _ => (big, 4)), 0x7FFFFFF8); break;
            case "class offset": U32(At(bytes, _ => (k, 48)), 0x7FFFFFF8); break;
            default: throw new ArgumentOutOfRangeException(nameof(what));
        }

        return bytes;
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void ReadCommands_CorruptKeyStructures_ExitThreeNamingTheFileOrFindings(string corruption)
    {
        using var temp = new TempDirectory();
        var hive = temp.Write("HIVE", Corrupt(corruption));

        CliResult[] runs =
        [
            CliRunner.Run(["hive", "ls", hive, "K"]),
            CliRunner.Run(["hive", "ls", hive, "K", "--format", "json"]),
            CliRunner.Run(["hive", "get", hive, "K", "Text"]),
            CliRunner.Run(["hive", "get", hive, "K", "Big", "--format", "json"]),
            CliRunner.Run(["hive", "export", hive, "K"]),
            CliRunner.Run(["hive", "set", hive, "K\\A", "New", "x"]),
            CliRunner.Run(["hive", "delete", hive, "K"]),
        ];
        var check = CliRunner.Run(["hive", "check", hive]);

        Assert.Contains(runs, r => r.ExitCode == 3);
        foreach (var run in runs.Where(r => r.ExitCode != 0))
        {
            Assert.True(run.ExitCode is 1 or 3, run.Error);
            Assert.Contains(hive, run.Error, StringComparison.Ordinal);
            Assert.Single(run.Error.TrimEnd().Split('\n'));
        }

        Assert.Equal(1, check.ExitCode);
    }

    [Fact]
    public void Edit_DirtyHivesWithoutLogs_ExitThreeWithAdviceAndFileUnchanged()
    {
        using var temp = new TempDirectory();
        // Every real hive that is dirty on disk (no logs are copied beside it), and one made dirty by a generator.
        var generated = Generated();
        BinaryPrimitives.WriteUInt32LittleEndian(generated.AsSpan(4), BinaryPrimitives.ReadUInt32LittleEndian(generated.AsSpan(8)) + 1);
        Rechecksum(generated);
        var hives = new List<string> { temp.Write("generated", generated) };
        foreach (var file in SharedData.RequireFiles("hives", "*.gz"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var bytes = SharedData.ReadBytes(Path.Combine("hives", name + ".gz"));
            if (!name.Contains(".LOG", StringComparison.OrdinalIgnoreCase) && !name.Contains(".log", StringComparison.Ordinal) && IsDirty(bytes))
            {
                hives.Add(temp.Write(name, bytes));
            }
        }

        var reg = temp.Write("change.reg", "Windows Registry Editor Version 5.00\r\n\r\n[\\Reseal]\r\n\"V\"=dword:00000001\r\n");
        Assert.True(hives.Count >= 8, $"expected the generated hive and the seven dirty real hives, found {hives.Count}");
        foreach (var hive in hives)
        {
            var before = File.ReadAllBytes(hive);
            foreach (var run in new[]
            {
                CliRunner.Run(["hive", "set", hive, "Reseal", "V", "x"]),
                CliRunner.Run(["hive", "delete", hive, "Reseal"]),
                CliRunner.Run(["hive", "import", hive, reg]),
                CliRunner.Run(["hive", "set", hive, "Reseal", "V", "x", "--compact"]),
            })
            {
                Assert.Equal(3, run.ExitCode);
                Assert.Contains("is dirty", run.Error, StringComparison.Ordinal);
                Assert.Contains("--accept-stale", run.Error, StringComparison.Ordinal);
            }

            Assert.Equal(before, File.ReadAllBytes(hive));
            var accepted = CliRunner.Run(["hive", "set", hive, "Reseal", "V", "x", "--accept-stale"]);
            Assert.True(accepted.ExitCode == 0, hive + ": " + accepted.Error);
            Assert.Equal(0, CliRunner.Run(["hive", "get", hive, "Reseal", "V"]).ExitCode);
            Assert.False(IsDirty(File.ReadAllBytes(hive)));
        }
    }

    /// <summary>The base block checksum: XOR of the first 127 dwords, 0xFFFFFFFF stored as 0xFFFFFFFE and 0 as 1.</summary>
    private static void Rechecksum(byte[] hive)
    {
        uint sum = 0;
        for (var i = 0; i < 508; i += 4)
        {
            sum ^= BinaryPrimitives.ReadUInt32LittleEndian(hive.AsSpan(i));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(hive.AsSpan(508), sum switch { 0xFFFFFFFF => 0xFFFFFFFE, 0 => 1, _ => sum });
    }

    private static bool IsDirty(byte[] bytes)
    {
        try
        {
            return Hive.Load(bytes).Header.IsDirty;
        }
        catch (HiveFormatException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Set_SequenceNumbersAtMaximum_WrapsAndCheckFindsNothing(bool compact)
    {
        using var temp = new TempDirectory();
        var bytes = Generated();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0xFFFFFFFF);
        Rechecksum(bytes);
        var hive = temp.Write("HIVE", bytes);

        var set = CliRunner.Run(compact ? ["hive", "set", hive, "K", "V", "x", "--compact"] : ["hive", "set", hive, "K", "V", "x"]);
        var check = CliRunner.Run(["hive", "check", hive]);

        Assert.True(set.ExitCode == 0, set.Error);
        Assert.Equal(0, check.ExitCode);
        var header = Hive.Open(hive).Header;
        Assert.Equal((0u, 0u), (header.PrimarySequence, header.SecondarySequence));
    }

    public static TheoryData<string, string, string> BeyondLimits => new()
    {
        { "a deep key path", string.Join('\\', Enumerable.Repeat("k", 513)), "512 levels" },
        { "a long key name", new string('k', 256), "255" },
        { "a long value name", "K", "16383" },
    };

    [Theory]
    [MemberData(nameof(BeyondLimits))]
    public void Commands_BeyondWindowsLimits_ExitTwoNamingTheLimit(string what, string key, string limit)
    {
        using var temp = new TempDirectory();
        var hive = temp.Write("HIVE", Generated());
        var before = File.ReadAllBytes(hive);
        var name = what == "a long value name" ? new string('v', 16384) : "V";

        foreach (var run in new[]
        {
            CliRunner.Run(["hive", "set", hive, key, name, "x"]),
            CliRunner.Run(["hive", "get", hive, key, name]),
            CliRunner.Run(["hive", "delete", hive, key, name]),
        })
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(limit, run.Error, StringComparison.Ordinal);
            Assert.True(run.Error.Length < 400, "the message quotes a shortened name, not all of it");
        }

        Assert.Equal(before, File.ReadAllBytes(hive));
    }

    [Fact]
    public void Import_KeyNameBeyondTheLimit_ExitThreeWithTheLine()
    {
        using var temp = new TempDirectory();
        var hive = temp.Write("HIVE", Generated());
        var before = File.ReadAllBytes(hive);
        var reg = temp.Write("long.reg", $"Windows Registry Editor Version 5.00\r\n\r\n[\\K\\{new string('k', 256)}]\r\n");

        var result = CliRunner.Run(["hive", "import", hive, reg]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("line 3", result.Error, StringComparison.Ordinal);
        Assert.Contains("255", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(hive));
    }
}
