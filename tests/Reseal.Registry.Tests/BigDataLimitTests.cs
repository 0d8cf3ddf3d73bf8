using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

/// <summary>
/// db (big data) values whose vk length or segment list claims far more data than the file holds must be rejected
/// before any buffer is allocated: a 2 GiB length or a list that repeats one segment is a memory bomb.
/// </summary>
public class BigDataLimitTests
{
    private const long AllocationLimit = 32L * 1024 * 1024;

    [Fact]
    public void BigValue_DataLengthPatchedTo2GiB_RejectedWithoutAllocating()
    {
        var (bytes, vk) = WrittenBigValue();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + vk + 4 + 4), 0x7FFFFFF0);

        AssertRejectedEverywhere(bytes);
    }

    [Fact]
    public void BigValue_SegmentListRepeatsOneSegment_Rejected()
    {
        var (bytes, vk) = WrittenBigValue();
        var db = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + vk + 4 + 8));
        var list = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + db + 4 + 4));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + db + 4 + 2));
        var first = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + list + 4));
        for (var i = 1; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + list + 4 + (4 * i)), first);
        }

        AssertRejectedEverywhere(bytes);
    }

    [Fact]
    public void BigValue_SegmentCountLargerThanLengthNeeds_Rejected()
    {
        var (bytes, vk) = WrittenBigValue();
        var db = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + vk + 4 + 8));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + db + 4 + 2), 0xFFFF);

        AssertRejectedEverywhere(bytes);
    }

    [Fact]
    public void BigValue_Unchanged_ReadsBack()
    {
        var (bytes, _) = WrittenBigValue();

        var value = Hive.Load(bytes).OpenKey("Key")!.Value.GetValue("Big")!.Value;

        Assert.Equal(TestHives.Pattern(100_000), value.GetData());
    }

    /// <summary>A written hive with one 100,000-byte value (7 db segments) and the vk cell's offset.</summary>
    private static (byte[] Bytes, int VkOffset) WrittenBigValue()
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        document.SetValue("Key", "Big", 3, TestHives.Pattern(100_000));
        var bytes = document.ToBytes();
        var vk = Hive.Load(bytes).OpenKey("Key")!.Value.GetValue("Big")!.Value.CellOffset;
        return (bytes, vk);
    }

    private static void AssertRejectedEverywhere(byte[] bytes)
    {
        var hive = Hive.Load(bytes);
        var value = hive.OpenKey("Key")!.Value.GetValue("Big")!.Value;

        AssertCheap(() => Assert.Throws<HiveFormatException>(() => value.GetData()));
        AssertCheap(() => Assert.Throws<HiveFormatException>(() => RegExporter.Export(hive, Stream.Null)));
        AssertCheap(() => Assert.Throws<HiveFormatException>(() => HiveDocument.FromHive(hive, FixedTime.Default)));
        AssertCheap(() => Assert.Contains(HiveChecker.Check(hive), d => d.Severity == HiveDiagnosticSeverity.Error));
    }

    private static void AssertCheap(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        action();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < AllocationLimit, $"allocated {allocated} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
