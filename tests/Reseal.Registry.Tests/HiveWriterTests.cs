using System.Buffers.Binary;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

public class HiveWriterTests
{
    [Fact]
    public void ToBytes_EmptyHive_HasCleanBaseBlockAndRootAt0x20()
    {
        var bytes = HiveDocument.Create("ROOT", FixedTime.Default).ToBytes();
        var hive = Hive.Load(bytes);

        Assert.Equal(8192, bytes.Length);
        Assert.Equal(1u, hive.Header.PrimarySequence);
        Assert.Equal(hive.Header.PrimarySequence, hive.Header.SecondarySequence);
        Assert.True(hive.Header.ChecksumValid);
        Assert.Equal(0x20u, hive.Header.RootCellOffset);
        Assert.Equal(1u, hive.Header.ClusteringFactor);
        Assert.Equal(KeyNodeAttributes.CompressedName | KeyNodeAttributes.HiveEntry | KeyNodeAttributes.NoDelete, hive.Root.Flags);
        Assert.Empty(HiveChecker.Check(hive));
    }

    [Fact]
    public void ToBytes_EverythingHive_ReadsBackAndPassesChecker()
    {
        var document = TestHives.Everything();

        var hive = Hive.Load(document.ToBytes());

        Assert.Empty(HiveChecker.Check(hive));
        var values = hive.OpenKey(@"software\reseal\values")!.Value;
        Assert.Equal(TestHives.Pattern(100_000), values.GetValue("Big100000")!.Value.GetData());
        Assert.Equal("hello", values.GetValue("string")!.Value.GetString());
        Assert.Equal(0xDEADBEEFu, values.GetValue("DWord")!.Value.GetDWord());
        Assert.Equal(0x102u, values.GetValue("BigEndian")!.Value.GetDWord());
        Assert.Equal(0xFFFF2012u, values.GetValue("Devprop")!.Value.RawType);
        Assert.Equal(["a", "bc"], values.GetValue("Multi")!.Value.GetMultiString());
        Assert.Empty(values.GetValue("Empty")!.Value.GetData());
        Assert.Equal("1a2b3c4d", hive.OpenKey(@"System\Lsa\JD")!.Value.ClassName);
        Assert.Equal(1200, hive.OpenKey(@"Software\Reseal\Many")!.Value.GetSubkeys().Count);
        Assert.NotNull(hive.OpenKey(@"Software\Reseal\Names\WEIRD™"));
    }

    [Theory]
    [InlineData(16343, false)]
    [InlineData(16344, false)]
    [InlineData(16345, true)]
    public void ToBytes_ValueAtBigDataThreshold_UsesDbOnlyAbove16344(int length, bool expectDb)
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        document.SetValue("K", "V", 3, TestHives.Pattern(length));

        var hive = Hive.Load(document.ToBytes());
        var value = hive.OpenKey("K")!.Value.GetValue("V")!.Value;
        var dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(hive.FileBytes[(Hive.HbinAreaStart + value.CellOffset + 4 + 8)..]);
        var isDb = hive.Cell(dataOffset, "data").HasSignature('d', 'b');

        Assert.Equal(expectDb, isDb);
        Assert.Equal(TestHives.Pattern(length), value.GetData());
    }

    [Fact]
    public void ToBytes_ShortData_IsResidentAtStartOfField()
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        document.SetValue("K", "V", 3, [0xAA, 0xBB]);

        var hive = Hive.Load(document.ToBytes());
        var vk = Hive.HbinAreaStart + hive.OpenKey("K")!.Value.GetValue("V")!.Value.CellOffset + 4;

        Assert.Equal(0x80000002u, BinaryPrimitives.ReadUInt32LittleEndian(hive.FileBytes[(vk + 4)..]));
        Assert.Equal(0xAA, hive.FileBytes[vk + 8]);
        Assert.Equal(0xBB, hive.FileBytes[vk + 9]);
    }

    [Fact]
    public void ToBytes_1200Subkeys_SplitsIntoRiOf507EntryLhLeaves()
    {
        var hive = Hive.Load(TestHives.Everything().ToBytes());
        var many = hive.OpenKey(@"Software\Reseal\Many")!.Value;

        var ri = hive.Cell(many.Node.U32(28, "list"), "list");

        Assert.True(ri.HasSignature('r', 'i'));
        Assert.Equal(3, ri.U16(2, "count"));
        Assert.Equal(507, hive.Cell(ri.U32(4, "leaf"), "leaf").U16(2, "count"));
        Assert.True(hive.Cell(ri.U32(4, "leaf"), "leaf").HasSignature('l', 'h'));
    }

    [Fact]
    public void Subkeys_NamesAroundUnderscore_SortedByUpcaseNotLowercase()
    {
        var names = TestHives.Everything().GetKey(@"Software\Reseal\Names")!.Subkeys.Select(k => k.Name);

        // Upcased, '_' (0x5F) sorts after 'Z' (0x5A) and before nothing lowercase.
        Assert.Equal(["abcd_äöüß", "alpha", "weird™", "Zeta", "_underscore"], names);
    }

    [Fact]
    public void ToBytes_KeysSharingDescriptor_OneSkWithExactReferenceCount()
    {
        var hive = Hive.Load(TestHives.Everything().ToBytes());

        var sk = hive.Cell(hive.Root.Node.U32(44, "sk"), "sk");
        var keys = CountKeys(hive.Root);

        Assert.Equal((uint)keys, sk.U32(12, "refcount"));
        Assert.Equal(sk.U32(4, "flink"), hive.Root.Node.U32(44, "sk"));
    }

    [Fact]
    public void FromHive_EveryCleanRealHive_RewritesToIdenticalExport()
    {
        foreach (var name in HiveData.Readable)
        {
            var original = HiveData.Load(name);
            if (original.IsStale)
            {
                continue;
            }

            var rewritten = Hive.Load(HiveDocument.FromHive(original, FixedTime.Default).ToBytes());

            Assert.True(RegExporter.ExportToBytes(original).AsSpan().SequenceEqual(RegExporter.ExportToBytes(rewritten)), name);
            Assert.Empty(HiveChecker.Check(rewritten));
        }
    }

    [Fact]
    public void FromHive_DirtyHiveWithoutLogs_RefusesToEdit()
    {
        var hive = HiveData.Load("regipy-SYSTEM_B");

        var error = Assert.Throws<InvalidOperationException>(() => HiveDocument.FromHive(hive));

        Assert.Contains("logs were not replayed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_ExistingFile_ReplacesAtomicallyKeepsBackupAndBumpsSequence()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("SAM", HiveData.Bytes("regipy-SAM"));
        var before = Hive.Open(path).Header.PrimarySequence;
        var document = HiveDocument.Open(path, time: FixedTime.Default);
        document.SetValue(@"SAM\Reseal", "Marker", 4, TestHives.DWord(7));

        document.Save(path);

        var after = Hive.Open(path);
        Assert.Equal(before + 1, after.Header.PrimarySequence);
        Assert.Equal(after.Header.PrimarySequence, after.Header.SecondarySequence);
        Assert.Equal(7u, after.OpenKey(@"SAM\Reseal")!.Value.GetValue("Marker")!.Value.GetDWord());
        Assert.Equal(HiveData.Bytes("regipy-SAM"), File.ReadAllBytes(path + ".bak"));
        Assert.Empty(AtomicFile.FindStaleTemps(path));
    }

    [Fact]
    public void Save_NoBackupOption_LeavesNoBackup()
    {
        using var dir = new TempDirectory();
        var path = dir.File("NEW");

        HiveDocument.Create("ROOT", FixedTime.Default).Save(path, new HiveSaveOptions { KeepBackup = false });
        HiveDocument.Open(path).Save(path, new HiveSaveOptions { KeepBackup = false });

        Assert.True(File.Exists(path));
        Assert.False(File.Exists(path + ".bak"));
        Assert.Equal(2u, Hive.Open(path).Header.PrimarySequence);
    }

    [Fact]
    public void DeleteKey_Subtree_RemovesItAndKeepsSiblingsSorted()
    {
        var document = TestHives.Everything();

        Assert.True(document.DeleteKey(@"software\reseal\many"));
        Assert.False(document.DeleteKey(@"Software\Reseal\Many"));
        Assert.True(document.DeleteValue(@"Software\Reseal\Values", "big100000"));

        var hive = Hive.Load(document.ToBytes());
        Assert.Null(hive.OpenKey(@"Software\Reseal\Many"));
        Assert.Null(hive.OpenKey(@"Software\Reseal\Values")!.Value.GetValue("Big100000"));
        Assert.Equal(["Names", "Values"], hive.OpenKey(@"Software\Reseal")!.Value.GetSubkeys().Select(k => k.Name));
        Assert.Empty(HiveChecker.Check(hive));
    }

    [Fact]
    public void CreateSubkey_ExistingNameOtherCase_ReturnsExistingKey()
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        var first = document.CreateKey("Alpha");

        Assert.Same(first, document.CreateKey("ALPHA"));
        Assert.Single(document.Root.Subkeys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\\b")]
    public void CreateSubkey_InvalidName_Throws(string name)
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);

        Assert.Throws<ArgumentException>(() => document.Root.CreateSubkey(name));
    }

    [Fact]
    public void ToBytes_VersionOneThreeHive_KeepsLfListsAndSingleCellBigValues()
    {
        var document = HiveDocument.FromHive(HiveData.Load("regipy-NTUSER.DAT"), FixedTime.Default);
        document.SetValue("Reseal", "Big", 3, TestHives.Pattern(40_000));

        var hive = Hive.Load(document.ToBytes());
        var root = hive.Cell(hive.Root.Node.U32(28, "list"), "list");
        var value = hive.OpenKey("Reseal")!.Value.GetValue("Big")!.Value;
        var data = hive.Cell(BinaryPrimitives.ReadUInt32LittleEndian(hive.FileBytes[(Hive.HbinAreaStart + value.CellOffset + 12)..]), "data");

        Assert.Equal(3u, hive.Header.MinorVersion);
        Assert.True(root.HasSignature('l', 'f'));
        Assert.False(data.HasSignature('d', 'b'));
        Assert.Equal(TestHives.Pattern(40_000), value.GetData());
        Assert.Empty(HiveChecker.Check(hive));
    }

    private static int CountKeys(RegistryKey key) => 1 + key.GetSubkeys().Sum(CountKeys);
}
