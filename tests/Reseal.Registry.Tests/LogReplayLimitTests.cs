using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

/// <summary>
/// Replay rules that protect against hostile or inconsistent logs (registry.md §1.10, §1.11): bounded growth, no
/// restarting the sequence in a later log, the old-format hbins size, and a save sequence above every log entry.
/// Hand-made HvLE logs are built here from hives the writer produces.
/// </summary>
public class LogReplayLimitTests
{
    private const int HbinAreaStart = 4096;

    [Fact]
    public void Replay_EntryGrowingHiveTo2GiB_StopsThereWithoutAllocating()
    {
        var (primary, target) = DirtyPair();
        var hbins = (uint)(primary.Length - HbinAreaStart);
        var log = NewLog(primary, 2,
            Entry(2, hbins, (0, target[HbinAreaStart..])),
            Entry(3, 0x7FFFF000, (0, target[HbinAreaStart..(HbinAreaStart + 4096)])));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = LogReplayer.Replay(primary, [log]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated} bytes");
        Assert.Equal(1, result.EntriesApplied);
        Assert.Equal(2u, result.LastSequence);
        Assert.Equal(primary.Length, result.Hive.Length);
        Assert.Contains(result.Notes, n => n.Contains("replay stops there", StringComparison.Ordinal));
        Assert.Equal(2u, Hive.Load(result.Hive).OpenKey("Key")!.Value.GetValue("Value")!.Value.GetDWord());
    }

    [Fact]
    public void Replay_EntryGrowingHiveWithoutWritingNewPage_StopsThere()
    {
        var (primary, target) = DirtyPair();
        var hbins = (uint)(primary.Length - HbinAreaStart);
        var log = NewLog(primary, 2,
            Entry(2, hbins, (0, target[HbinAreaStart..])),
            Entry(3, hbins + 4096, (0, target[HbinAreaStart..])));

        var result = LogReplayer.Replay(primary, [log]);

        Assert.Equal(1, result.EntriesApplied);
        Assert.Equal(primary.Length, result.Hive.Length);
        Assert.Contains(result.Notes, n => n.Contains("does not write the new bytes", StringComparison.Ordinal));
        Assert.False(Hive.Load(result.Hive).Header.IsDirty);
    }

    [Fact]
    public void Replay_EntryGrowingHiveWithNewHbin_Applies()
    {
        var (primary, target) = DirtyPair();
        var hbins = (uint)(primary.Length - HbinAreaStart);
        var hbin = new byte[4096];
        "hbin"u8.CopyTo(hbin);
        BinaryPrimitives.WriteUInt32LittleEndian(hbin.AsSpan(4), hbins);
        BinaryPrimitives.WriteUInt32LittleEndian(hbin.AsSpan(8), 4096);
        BinaryPrimitives.WriteInt32LittleEndian(hbin.AsSpan(32), 4096 - 32);
        var log = NewLog(primary, 2, Entry(2, hbins + 4096, (0, target[HbinAreaStart..]), (hbins, hbin)));

        var hive = Hive.Load(primary, [log]);

        Assert.Equal(primary.Length + 4096, hive.Image.Length);
        Assert.Equal(2u, hive.OpenKey("Key")!.Value.GetValue("Value")!.Value.GetDWord());
        Assert.DoesNotContain(HiveChecker.Check(hive), d => d.Severity == HiveDiagnosticSeverity.Error);
    }

    [Fact]
    public void Replay_FirstEntryOfEarlierLogCorrupt_LaterLogDoesNotRestartTheSequence()
    {
        var primary = HiveData.Bytes("regipy-SYSTEM_B");
        var log1 = HiveData.Bytes("regipy-SYSTEM_B.LOG1");
        var log2 = HiveData.Bytes("regipy-SYSTEM_B.LOG2");
        var earlier = (int)(BinaryPrimitives.ReadUInt32LittleEndian(log1.AsSpan(4)) - BinaryPrimitives.ReadUInt32LittleEndian(log2.AsSpan(4))) < 0 ? log1 : log2;
        earlier[512 + 100] ^= 0xFF;

        // Nothing continues the hive's own sequence, so there is nothing consistent to recover: a clean hive that
        // mixes the primary with entries of the later log only would be wrong.
        Assert.Throws<HiveFormatException>(() => LogReplayer.Replay(primary, [log1, log2]));
        Assert.Throws<HiveFormatException>(() => Hive.Load(primary, [log1, log2]));
    }

    [Fact]
    public void Replay_FirstEntryCorruptButLaterLogContinuesHiveSequence_Applies()
    {
        var (primary, target) = DirtyPair();
        var hbins = (uint)(primary.Length - HbinAreaStart);
        var broken = NewLog(primary, 2, Entry(2, hbins, (0, target[HbinAreaStart..])));
        broken[512 + 100] ^= 0xFF;
        var restart = NewLog(primary, 7, Entry(7, hbins, (0, target[HbinAreaStart..])));
        var continues = NewLog(primary, 2, Entry(2, hbins, (0, target[HbinAreaStart..])));

        Assert.Throws<HiveFormatException>(() => LogReplayer.Replay(primary, [broken, restart]));
        var result = LogReplayer.Replay(primary, [broken, continues]);
        Assert.Equal(2u, result.LastSequence);
    }

    [Fact]
    public void Replay_OldFormatLogOnHiveWithTrailingBytes_ReopensWithLogHbinsSize()
    {
        var (primary, target) = DirtyPair();
        var log = TestHives.DirtLog(primary, target).Log;
        var withTail = new byte[primary.Length + 100];
        primary.CopyTo(withTail, 0);
        withTail.AsSpan(primary.Length).Fill(0xCC);

        var hive = Hive.Load(withTail, [log]);

        Assert.True(hive.LogsReplayed);
        Assert.False(hive.Header.IsDirty);
        Assert.Equal((uint)(primary.Length - HbinAreaStart), hive.Header.HiveBinsDataSize);
        Assert.Equal(primary.Length, hive.Image.Length);
        Assert.Equal(2u, hive.OpenKey("Key")!.Value.GetValue("Value")!.Value.GetDWord());
        Assert.Equal(primary.Length - HbinAreaStart, Hive.Load(hive.Image.ToArray()).HiveBinsSize);
    }

    [Fact]
    public void FromHive_EntriesPastAGap_SaveSequenceAboveThem()
    {
        var (primary, target) = DirtyPair();
        var hbins = (uint)(primary.Length - HbinAreaStart);
        var log = NewLog(primary, 2,
            Entry(2, hbins, (0, target[HbinAreaStart..])),
            Entry(9, hbins, (0, target[HbinAreaStart..])));

        var hive = Hive.Load(primary, [log]);
        var document = HiveDocument.FromHive(hive, FixedTime.Default);

        Assert.Equal(2u, hive.Header.PrimarySequence);
        Assert.True(document.LastSequence >= 9, $"last sequence {document.LastSequence}");
        Assert.True(Hive.Load(document.ToBytes()).Header.PrimarySequence > 9);
    }

    [Fact]
    public void FromHive_CleanHiveWithLogsBeside_SaveSequenceAboveEveryLogEntry()
    {
        var clean = HiveDocument.Create("ROOT", FixedTime.Default).ToBytes();
        byte[][] logs = [HiveData.Bytes("regipy-SYSTEM_B.LOG1"), HiveData.Bytes("regipy-SYSTEM_B.LOG2")];
        var highest = logs.SelectMany(EntrySequences).Max();

        var hive = Hive.Load(clean, logs);
        var document = HiveDocument.FromHive(hive, FixedTime.Default);

        Assert.False(hive.LogsReplayed);
        Assert.True(highest >= 2130u);
        Assert.True(document.LastSequence >= highest, $"last sequence {document.LastSequence}, log entries up to {highest}");
    }

    [Fact]
    public void FromHive_ReplayedHive_SaveSequenceAboveEntriesNotApplied()
    {
        var primary = HiveData.Bytes("regipy-SYSTEM_B");
        byte[][] logs = [HiveData.Bytes("regipy-SYSTEM_B.LOG1"), HiveData.Bytes("regipy-SYSTEM_B.LOG2")];
        var highest = logs.SelectMany(EntrySequences).Max();

        var document = HiveDocument.FromHive(Hive.Load(primary, logs), FixedTime.Default);

        Assert.True(document.LastSequence >= highest, $"last sequence {document.LastSequence}, log entries up to {highest}");
    }

    /// <summary>A written hive made dirty (seq 2/1) and the image the logs should turn it into (one DWORD differs).</summary>
    private static (byte[] Primary, byte[] Target) DirtyPair()
    {
        var a = HiveDocument.Create("ROOT", FixedTime.Default);
        a.SetValue("Key", "Value", 4, TestHives.DWord(1));
        var b = HiveDocument.Create("ROOT", FixedTime.Default);
        b.SetValue("Key", "Value", 4, TestHives.DWord(2));
        var primary = a.ToBytes();
        var target = b.ToBytes();
        Assert.Equal(primary.Length, target.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(primary.AsSpan(4), 2);
        HiveHeader.WriteChecksum(primary.AsSpan(0, 4096));
        return (primary, target);
    }

    private static byte[] NewLog(byte[] primary, uint baseSequence, params byte[][] entries)
    {
        var header = primary[..512];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), baseSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), baseSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), 6);
        HiveHeader.WriteChecksum(header);
        return [.. header, .. entries.SelectMany(e => e)];
    }

    private static byte[] Entry(uint sequence, uint hbinsSize, params (uint Offset, byte[] Data)[] pages)
    {
        var length = 40 + (8 * pages.Length) + pages.Sum(p => p.Data.Length);
        var entry = new byte[(length + 511) / 512 * 512];
        "HvLE"u8.CopyTo(entry);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4), (uint)entry.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(12), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(16), hbinsSize);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(20), (uint)pages.Length);
        var data = 40 + (8 * pages.Length);
        for (var i = 0; i < pages.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(40 + (8 * i)), pages[i].Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(44 + (8 * i)), (uint)pages[i].Data.Length);
            pages[i].Data.CopyTo(entry, data);
            data += pages[i].Data.Length;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(24), Marvin32.Compute(entry.AsSpan(40)));
        BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(32), Marvin32.Compute(entry.AsSpan(0, 32)));
        return entry;
    }

    /// <summary>The sequence numbers of a new-format log's entries, read independently of the replayer.</summary>
    private static IEnumerable<uint> EntrySequences(byte[] log)
    {
        var position = 512;
        while (position + 40 <= log.Length && log.AsSpan(position, 4).SequenceEqual("HvLE"u8))
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 4));
            if (size < 512 || position + size > log.Length)
            {
                yield break;
            }

            yield return BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 12));
            position += size;
        }
    }
}
