using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

/// <summary>
/// Keys that share a value list, or vk cells that share one large data cell, would multiply export size and
/// memory without bound; every full walk must reject them with a HiveFormatException.
/// </summary>
public class SharedValueTests
{
    private const int Keys = 200;

    [Fact]
    public void EveryKeySharesOneValueList_WalksReject()
    {
        var (bytes, hive) = Written(withBig: false);
        var first = hive.OpenKey("K000")!.Value;
        var listField = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + first.CellOffset + 4 + 40));
        for (var i = 1; i < Keys; i++)
        {
            var nk = hive.OpenKey($"K{i:D3}")!.Value.CellOffset;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + nk + 4 + 40), listField);
        }

        AssertWalksReject(Hive.Load(bytes));
    }

    [Fact]
    public void EveryValueSharesOneLargeDataCell_WalksReject()
    {
        var (bytes, hive) = Written(withBig: true);
        var big = hive.OpenKey("Big")!.Value.GetValue("Data")!.Value.CellOffset;
        var bigData = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + big + 4 + 8));
        for (var i = 0; i < Keys; i++)
        {
            var vk = hive.OpenKey($"K{i:D3}")!.Value.GetValue("V")!.Value.CellOffset;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + vk + 4 + 4), 16000);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + vk + 4 + 8), bigData);
        }

        AssertWalksReject(Hive.Load(bytes));
    }

    [Fact]
    public void Unpatched_WalksSucceed()
    {
        var (_, hive) = Written(withBig: true);

        RegExporter.Export(hive, Stream.Null);
        _ = HiveDocument.FromHive(hive, FixedTime.Default);
        Assert.DoesNotContain(HiveChecker.Check(hive), d => d.Severity == HiveDiagnosticSeverity.Error);
    }

    private static (byte[] Bytes, Hive Hive) Written(bool withBig)
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        for (var i = 0; i < Keys; i++)
        {
            document.SetValue($"K{i:D3}", "V", 3, TestHives.Pattern(64));
        }

        if (withBig)
        {
            document.SetValue("Big", "Data", 3, TestHives.Pattern(16000));
        }

        var bytes = document.ToBytes();
        return (bytes, Hive.Load(bytes));
    }

    private static void AssertWalksReject(Hive hive)
    {
        var error = Assert.Throws<HiveFormatException>(() => RegExporter.Export(hive, Stream.Null));
        Assert.Equal("vk", error.Structure);
        Assert.Throws<HiveFormatException>(() => HiveDocument.FromHive(hive, FixedTime.Default));
        Assert.Contains(HiveChecker.Check(hive), d => d.Severity == HiveDiagnosticSeverity.Error && d.Structure == "vk");
    }
}
