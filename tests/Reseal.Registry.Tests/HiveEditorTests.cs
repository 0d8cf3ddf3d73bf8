using System.Buffers.Binary;
using System.Text;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>In-place edits: what changes in the file, what stays, and that every structure reads back right.</summary>
public class HiveEditorTests
{
    private static HiveEditOptions Options => new() { Time = FixedTime.Default };

    /// <summary>Diagnostics of the checker, without offsets (an edit moves nothing, but compare by text).</summary>
    private static string[] Findings(Hive hive) => [.. HiveChecker.Check(hive).Select(d => $"{d.Severity} {d.Structure} {d.Message}")];

    [Fact]
    public void SetValue_ExistingDwordOfSystem_ChangesOnlyTheBaseBlockTheValueAndItsKey()
    {
        using var dir = new TempDirectory();
        var original = HiveData.Bytes("regipy-SYSTEM");
        var path = dir.Write("SYSTEM", original);

        var editor = HiveEditor.Open(path, options: Options);
        editor.SetValue("Select", "Current", 4, TestHives.DWord(2));
        editor.Save(path);

        var written = File.ReadAllBytes(path);
        Assert.Equal(original.Length, written.Length);
        var changedPages = Enumerable.Range(0, written.Length / 4096)
            .Where(p => !written.AsSpan(p * 4096, 4096).SequenceEqual(original.AsSpan(p * 4096, 4096))).ToList();
        Assert.Equal(0, changedPages[0]);
        Assert.InRange(changedPages.Count, 2, 3);
        var hive = Hive.Load(written);
        Assert.Equal(2u, hive.OpenKey("Select")!.Value.GetValue("Current")!.Value.GetDWord());
        Assert.False(hive.Header.IsDirty);
        Assert.Equal(Hive.Load(original).Header.PrimarySequence + 1, hive.Header.PrimarySequence);
        Assert.Equal(Findings(Hive.Load(original)), Findings(hive));
        Assert.Equal(original, File.ReadAllBytes(path + ".bak"));
    }

    public static TheoryData<uint, byte[]> EveryType => new()
    {
        { 0, [] },
        { 1, TestHives.Utf16Z("text") },
        { 2, TestHives.Utf16Z("%SystemRoot%\\x") },
        { 3, [1, 2] },
        { 3, [1, 2, 3, 4, 5] },
        { 4, TestHives.DWord(0xDEADBEEF) },
        { 5, [0, 0, 1, 2] },
        { 6, TestHives.Utf16Z("\\Registry\\Machine\\X") },
        { 7, Encoding.Unicode.GetBytes("a\0bc\0\0") },
        { 11, [1, 2, 3, 4, 5, 6, 7, 8] },
        { 3, TestHives.Pattern(16343) },
        { 3, TestHives.Pattern(16344) },
        { 3, TestHives.Pattern(16345) },
        { 3, TestHives.Pattern(100_000) },
        { 0xFFFF2012, [9, 8, 7] },
    };

    [Theory]
    [MemberData(nameof(EveryType))]
    public void SetValue_NewThenExistingOfEveryTypeAndSize_ReadsBackAndChecksClean(uint type, byte[] data)
    {
        var editor = HiveEditor.FromHive(HiveData.Load("regipy-SAM"), Options);
        var before = Findings(editor.Hive);

        editor.SetValue(@"SAM\Reseal", "New", type, data);
        editor.SetValue(@"SAM\Domains\Account", "F", type, data);
        var hive = Hive.Load(editor.ToBytes());

        Assert.Equal(data, hive.OpenKey(@"SAM\Reseal")!.Value.GetValue("New")!.Value.GetData());
        Assert.Equal(type, hive.OpenKey(@"SAM\Reseal")!.Value.GetValue("New")!.Value.RawType);
        Assert.Equal(data, hive.OpenKey(@"SAM\Domains\Account")!.Value.GetValue("F")!.Value.GetData());
        Assert.Equal(before, Findings(hive));
    }

    [Fact]
    public void SetValue_BigThenSmall_DbSegmentsFreedAndCoalesced()
    {
        var editor = HiveEditor.FromHive(HiveData.Load("regipy-SAM"), Options);
        var before = Findings(editor.Hive);
        var size = editor.Hive.HiveBinsSize;

        editor.SetValue(@"SAM\Reseal", "Big", 3, TestHives.Pattern(200_000));
        var grown = editor.Hive.HiveBinsSize;
        editor.SetValue(@"SAM\Reseal", "Big", 4, TestHives.DWord(1));
        editor.SetValue(@"SAM\Reseal", "Again", 3, TestHives.Pattern(200_000));
        var hive = Hive.Load(editor.ToBytes());

        Assert.True(grown > size, "the big value needed new hbins");
        Assert.Equal(grown, hive.HiveBinsSize);
        Assert.Equal(TestHives.Pattern(200_000), hive.OpenKey(@"SAM\Reseal")!.Value.GetValue("Again")!.Value.GetData());
        Assert.Equal(before, Findings(hive));
    }

    [Fact]
    public void CreateKeys_ManyUnderOneParent_SplitIntoSortedLeavesUnderRi()
    {
        var editor = HiveEditor.FromHive(HiveData.Load("regipy-SAM"), Options);
        var before = Findings(editor.Hive);
        var names = Enumerable.Range(0, 2500).Select(i => $"K{(i * 7919) % 2500:D5}").ToList();

        foreach (var name in names)
        {
            editor.CreateKey($@"SAM\Many\{name}");
        }

        var hive = Hive.Load(editor.ToBytes());
        var many = hive.OpenKey(@"SAM\Many")!.Value;
        Assert.Equal(names.Order(StringComparer.Ordinal), many.GetSubkeys().Select(k => k.Name));
        Assert.True(hive.Cell(many.Node.U32(KeyNodeLayout.SubkeyList, "list"), "list").HasSignature('r', 'i'));
        Assert.All(names, n => Assert.NotNull(many.GetSubkey(n.ToLowerInvariant())));
        Assert.Equal(before, Findings(hive));
    }

    [Fact]
    public void DeleteKey_WithSubkeysAndValues_GoneSiblingsKeptAndSpaceFreed()
    {
        var editor = HiveEditor.FromHive(HiveData.Load("regipy-SAM"), Options);
        var before = Findings(editor.Hive);
        for (var i = 0; i < 1200; i++)
        {
            editor.SetValue($@"SAM\Tree\K{i:D4}\Leaf", "V", 3, TestHives.Pattern(100 + i));
        }

        editor.SetValue(@"SAM\Tree", "Big", 3, TestHives.Pattern(50_000));
        var size = editor.Hive.HiveBinsSize;

        Assert.True(editor.DeleteKey(@"sam\TREE"));
        Assert.False(editor.DeleteKey(@"SAM\Tree"));
        Assert.False(editor.DeleteKey(string.Empty));
        for (var i = 0; i < 1200; i++)
        {
            editor.SetValue($@"SAM\Tree2\K{i:D4}\Leaf", "V", 3, TestHives.Pattern(100 + i));
        }

        var hive = Hive.Load(editor.ToBytes());
        Assert.Null(hive.OpenKey(@"SAM\Tree"));
        Assert.NotNull(hive.OpenKey(@"SAM\Domains\Account\Users"));
        Assert.Equal(size, hive.HiveBinsSize);
        Assert.Equal(before, Findings(hive));
    }

    [Fact]
    public void DeleteValue_FromManyValues_OrderKeptAndListShrinks()
    {
        var editor = HiveEditor.FromHive(HiveData.Load("hivex-minimal"), Options);
        for (var i = 0; i < 100; i++)
        {
            editor.SetValue("Key", $"V{i}", 4, TestHives.DWord((uint)i));
        }

        Assert.True(editor.DeleteValue("Key", "v50"));
        Assert.False(editor.DeleteValue("Key", "V50"));
        Assert.False(editor.DeleteValue("NoKey", "V1"));
        var hive = Hive.Load(editor.ToBytes());

        var names = hive.OpenKey("Key")!.Value.GetValues().Select(v => v.Name).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i != 50).Select(i => $"V{i}"), names);
        Assert.Empty(HiveChecker.Check(hive));
    }

    [Fact]
    public void Import_RegTextIntoRealHive_SameExportAsTheCompactRewrite()
    {
        const string text = """
            Windows Registry Editor Version 5.00

            [\SAM\Reseal\Imported]
            @="default"
            "Num"=dword:0000002a
            "Bin"=hex:01,02,\
              03,04

            [-\SAM\Domains\Builtin]

            [\SAM\Domains\Account]
            "V"=-
            """;
        var editor = HiveEditor.FromHive(HiveData.Load("regipy-SAM"), Options);
        var document = HiveDocument.FromHive(HiveData.Load("regipy-SAM"), FixedTime.Default);

        var inPlace = RegImporter.Import(editor, text);
        var compact = RegImporter.Import(document, text);

        Assert.Equal(compact, inPlace);
        Assert.Equal(RegExporter.ExportToBytes(Hive.Load(document.ToBytes())), RegExporter.ExportToBytes(Hive.Load(editor.ToBytes())));
    }

    [Fact]
    public void Save_SequenceAtMaximum_WrapsToZeroAndStaysClean()
    {
        using var dir = new TempDirectory();
        var bytes = HiveData.Bytes("hivex-minimal");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0xFFFFFFFF);
        HiveHeader.WriteChecksum(bytes.AsSpan(0, 4096));
        var path = dir.Write("HIVE", bytes);

        var editor = HiveEditor.Open(path, options: Options);
        editor.SetValue("Key", "V", 4, TestHives.DWord(1));
        editor.Save(path);
        var document = HiveDocument.Open(path, time: FixedTime.Default);
        document.SetValue("Key", "W", 4, TestHives.DWord(2));
        var compact = Hive.Load(document.ToBytes());

        var written = Hive.Open(path);
        Assert.Equal((0u, 0u), (written.Header.PrimarySequence, written.Header.SecondarySequence));
        Assert.False(written.Header.IsDirty);
        Assert.Equal(1u, compact.Header.PrimarySequence);
    }

    [Fact]
    public void Open_DirtyHiveWithoutLogs_RefusedUnlessAllowed()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("SYSTEM", HiveData.Bytes("regipy-SYSTEM_B"));

        var error = Assert.Throws<InvalidOperationException>(() => HiveEditor.Open(path, options: Options));
        var editor = HiveEditor.Open(path, options: Options with { AllowStale = true });
        editor.SetValue("Select", "Reseal", 4, TestHives.DWord(1));
        editor.Save(path);

        Assert.Contains("logs were not replayed", error.Message, StringComparison.Ordinal);
        Assert.False(Hive.Open(path).Header.IsDirty);
    }

    [Fact]
    public void Open_DirtyHiveWithLogs_EditsTheReplayedHiveAboveEveryLogSequence()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("SYSTEM", HiveData.Bytes("regipy-SYSTEM_B"));
        string[] logs = [dir.Write("SYSTEM.LOG1", HiveData.Bytes("regipy-SYSTEM_B.LOG1")), dir.Write("SYSTEM.LOG2", HiveData.Bytes("regipy-SYSTEM_B.LOG2"))];
        var replayed = Hive.Open(path, logs);

        var editor = HiveEditor.Open(path, logs, Options);
        editor.SetValue("Select", "Reseal", 4, TestHives.DWord(1));
        editor.Save(path);

        var written = Hive.Open(path, logs);
        Assert.False(written.LogsReplayed);
        Assert.Equal(replayed.HighestLogSequence + 1, written.Header.PrimarySequence);
        Assert.Equal(1u, written.OpenKey("Select")!.Value.GetValue("Reseal")!.Value.GetDWord());
    }

    [Fact]
    public void Open_StaleTemporaryOfAKilledSet_Removed()
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract("hivex-minimal", dir);
        var leftover = AtomicFile.NewTempPath(Path.GetFullPath(path));
        File.WriteAllBytes(leftover, new byte[64 * 1024]);

        _ = HiveEditor.Open(path, options: Options);

        Assert.False(File.Exists(leftover));
    }

    [Theory]
    [InlineData(513, 3, 0)]
    [InlineData(1, 256, 0)]
    [InlineData(1, 3, 16384)]
    public void SetValue_BeyondWindowsLimits_ArgumentExceptionAndNothingChanged(int depth, int keyNameLength, int valueNameLength)
    {
        var editor = HiveEditor.FromHive(HiveData.Load("hivex-minimal"), Options);
        var path = string.Join('\\', Enumerable.Repeat(new string('k', keyNameLength), depth));

        Assert.Throws<ArgumentException>(() => editor.SetValue(path, new string('v', valueNameLength), 4, TestHives.DWord(1)));

        Assert.False(editor.HasChanges);
    }
}
