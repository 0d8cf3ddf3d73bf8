using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

public class HiveCheckerTests
{
    private const int Payload = Hive.HbinAreaStart + 4;

    [Theory]
    [InlineData("regipy-SYSTEM")]
    [InlineData("regipy-NTUSER.DAT")]
    [InlineData("regipy-SAM")]
    [InlineData("ez-SAM_DUPENAME")]
    public void Check_CleanRealHive_FindsNoErrors(string name)
    {
        var found = HiveChecker.Check(HiveData.Load(name));

        Assert.DoesNotContain(found, d => d.Severity == HiveDiagnosticSeverity.Error);
    }

    [Fact]
    public void Check_SwappedLhEntries_ReportsOrderNamingTheKey()
    {
        var (bytes, list) = WrittenWithList(@"Software\Reseal\Names");
        var first = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(Payload + (int)list + 4));
        var second = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(Payload + (int)list + 12));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(Payload + (int)list + 4), second);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(Payload + (int)list + 12), first);

        var found = HiveChecker.Check(Hive.Load(bytes));

        Assert.Contains(found, d => d.Message.Contains(@"of \Software\Reseal\Names is out of order", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_WrongLhHash_ReportsExpectedHash()
    {
        var (bytes, list) = WrittenWithList(@"Software\Reseal\Names");
        bytes[Payload + (int)list + 8] ^= 1;

        var found = HiveChecker.Check(Hive.Load(bytes));

        Assert.Contains(found, d => d.Structure == "lh" && d.Message.Contains("expected 0x", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_WrongSkReferenceCount_Reported()
    {
        var bytes = TestHives.Everything().ToBytes();
        var hive = Hive.Load(bytes);
        var sk = hive.Root.Node.U32(44, "sk");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Payload + (int)sk + 12), 1);

        var found = HiveChecker.Check(Hive.Load(bytes));

        Assert.Contains(found, d => d.Structure == "sk" && d.Message.StartsWith("reference count 1,", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AdjacentFreeCells_Warned()
    {
        var bytes = HiveDocument.Create("ROOT", FixedTime.Default).ToBytes();
        var hive = Hive.Load(bytes);
        var sk = (int)hive.Root.Node.U32(44, "sk");
        // Free the sk cell: it sits right before the hbin's free tail, so two free cells become adjacent.
        var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + sk));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Hive.HbinAreaStart + sk), -size);

        var found = HiveChecker.Check(Hive.Load(bytes));

        Assert.Contains(found, d => d.Severity == HiveDiagnosticSeverity.Warning && d.Message.Contains("not coalesced", StringComparison.Ordinal));
        Assert.Contains(found, d => d.Severity == HiveDiagnosticSeverity.Error && d.Message.Contains("cell is free", StringComparison.Ordinal));
    }

    private static (byte[] Bytes, uint List) WrittenWithList(string path)
    {
        var bytes = TestHives.Everything().ToBytes();
        return (bytes, Hive.Load(bytes).OpenKey(path)!.Value.Node.U32(28, "list"));
    }
}
