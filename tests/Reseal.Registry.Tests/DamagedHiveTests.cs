using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

/// <summary>Damaged hives, real and crafted: each must give a HiveFormatException naming the offset and structure.</summary>
public class DamagedHiveTests
{
    private const int NkField = Hive.HbinAreaStart + 4;

    [Fact]
    public void Load_NotAHive_ThrowsNamingBaseBlock()
    {
        var error = Assert.Throws<HiveFormatException>(() => HiveData.Load("ez-NotAHive"));

        Assert.Equal(0, error.FileOffset);
        Assert.Equal("base block", error.Structure);
    }

    [Fact]
    public void Load_SamBadHbinHeader_ThrowsNamingHbinOffset()
    {
        var error = Assert.Throws<HiveFormatException>(() => HiveData.Load("ez-SAMBadHBinHeader"));

        Assert.Equal(0x2000, error.FileOffset);
        Assert.Equal("hbin", error.Structure);
    }

    [Fact]
    public void Load_CorruptedSystemHiveZeroedHbin_ThrowsNamingHbinOffset()
    {
        var error = Assert.Throws<HiveFormatException>(() => HiveData.Load("regipy-corrupted_system_hive"));

        Assert.Equal(0x1A000, error.FileOffset);
        Assert.Contains("expected signature 'hbin'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4095)]
    [InlineData(4096 + 31)]
    [InlineData(8191)]
    public void Load_TruncatedHive_Throws(int length)
    {
        var bytes = HiveData.Bytes("hivex-special")[..length];

        Assert.Throws<HiveFormatException>(() => Hive.Load(bytes));
    }

    [Fact]
    public void Load_MajorVersionTwo_Throws()
    {
        var bytes = HiveData.Bytes("hivex-minimal");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), 2);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes));

        Assert.Contains("major version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_SubkeyListCycleBackToParent_ThrowsInsteadOfHanging()
    {
        var bytes = HiveData.Bytes("hivex-special");
        var hive = Hive.Load(bytes);
        var root = hive.Root;
        var child = root.GetSubkeys()[0];
        var rootList = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(NkField + root.CellOffset + 28));
        var rootCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(NkField + root.CellOffset + 20));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NkField + child.CellOffset + 20), rootCount);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NkField + child.CellOffset + 28), rootList);

        var error = Assert.Throws<HiveFormatException>(() => RegExporter.ExportToBytes(Hive.Load(bytes)));

        Assert.Contains("reached twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(Hive.HbinAreaStart + child.CellOffset, error.FileOffset);
    }

    [Fact]
    public void Path_ParentPointerCycle_Throws()
    {
        var bytes = HiveData.Bytes("hivex-special");
        var hive = Hive.Load(bytes);
        var child = hive.Root.GetSubkeys()[0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NkField + child.CellOffset + 16), (uint)child.CellOffset);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes).Root.GetSubkeys()[0].Path);

        Assert.Contains("parent chain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetValues_ValueCountBeyondListCell_ThrowsNamingValueList()
    {
        var bytes = HiveData.Bytes("hivex-special");
        var child = Hive.Load(bytes).Root.GetSubkeys()[0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NkField + child.CellOffset + 36), 100_000);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes).Root.GetSubkeys()[0].GetValues());

        Assert.Equal("value list", error.Structure);
    }

    [Theory]
    [InlineData(0xFFFFFFF8u, "not 8-aligned inside")]
    [InlineData(0x13u, "not 8-aligned")]
    [InlineData(0x0u, "hbin header")]
    public void GetSubkeys_ListOffsetOutsideHive_ThrowsNamingOffset(uint offset, string expected)
    {
        var bytes = HiveData.Bytes("hivex-special");
        var root = Hive.Load(bytes).Root;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NkField + root.CellOffset + 28), offset);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes).Root.GetSubkeys());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(Hive.HbinAreaStart + (long)offset, error.FileOffset);
    }

    [Fact]
    public void GetSubkeys_ListPointsAtFreeCell_Throws()
    {
        var bytes = HiveData.Bytes("hivex-special");
        var root = Hive.Load(bytes).Root;
        var list = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(NkField + root.CellOffset + 28));
        var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + (int)list));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + (int)list), -size);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes).Root.GetSubkeys());

        Assert.Contains("cell is free", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetSubkeys_CellSizeCrossingHbinEnd_Throws()
    {
        var bytes = HiveData.Bytes("hivex-special");
        var root = Hive.Load(bytes).Root;
        var list = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(NkField + root.CellOffset + 28));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + (int)list), -0x10000);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes).Root.GetSubkeys());

        Assert.Contains("crosses the end of its hbin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HbinSizeNotMultipleOf4096_Throws()
    {
        var bytes = HiveData.Bytes("hivex-minimal");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + 8), 0x1234);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes));

        Assert.Equal(Hive.HbinAreaStart, error.FileOffset);
    }

    [Fact]
    public void Load_HbinsSizePastEndOfFile_ThrowsTruncated()
    {
        var bytes = HiveData.Bytes("hivex-minimal");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(40), 0x100000);

        var error = Assert.Throws<HiveFormatException>(() => Hive.Load(bytes));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }
}
