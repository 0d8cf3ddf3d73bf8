using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

/// <summary>
/// Replay of dirty hives. How the result is checked: (1) the recovered hive is clean (equal sequence numbers, valid
/// checksum) and passes the structural checker; (2) an independent walk of the logs in this test finds, for every
/// page the applied entries wrote, the last-written bytes in the recovered file; (3) hand-made logs with a known
/// expected result (old DIRT format; broken hashes; gaps) give exactly that result.
/// </summary>
public class LogReplayTests
{
    [Theory]
    [InlineData("regipy-SYSTEM_B", "regipy-SYSTEM_B.LOG1", "regipy-SYSTEM_B.LOG2", 2130u)]
    [InlineData("regipy-UsrClass.dat", "regipy-UsrClass.dat.LOG1", "regipy-UsrClass.dat.LOG2", 300u)]
    [InlineData("regipy-transactions_NTUSER.DAT", "regipy-transactions_ntuser.dat.log1", "regipy-transactions_ntuser.dat.log2", 588u)]
    public void Load_DirtyHiveWithNewFormatLogs_ReplaysToCleanConsistentHive(string primary, string log1, string log2, uint lastSequence)
    {
        var hive = Hive.Load(HiveData.Bytes(primary), [HiveData.Bytes(log1), HiveData.Bytes(log2)]);

        Assert.True(hive.LogsReplayed);
        Assert.False(hive.IsStale);
        Assert.False(hive.Header.IsDirty);
        Assert.Equal(lastSequence, hive.Header.PrimarySequence);
        Assert.Equal(0u, hive.Header.FileType);
        Assert.DoesNotContain(HiveChecker.Check(hive), d => d.Severity == HiveDiagnosticSeverity.Error);
        RegExporter.Export(hive, Stream.Null);
    }

    [Fact]
    public void Replay_SystemB_EveryLoggedPageHoldsItsLastWrite()
    {
        var primary = HiveData.Bytes("regipy-SYSTEM_B");
        byte[][] logs = [HiveData.Bytes("regipy-SYSTEM_B.LOG1"), HiveData.Bytes("regipy-SYSTEM_B.LOG2")];

        var result = LogReplayer.Replay(primary, logs);

        var expected = new Dictionary<uint, byte[]>();
        foreach (var (sequence, pages) in logs.SelectMany(IndependentEntries).OrderBy(e => e.Sequence))
        {
            if (sequence < result.FirstSequence || sequence > result.LastSequence)
            {
                continue;
            }

            foreach (var (offset, data) in pages)
            {
                for (var at = 0; at < data.Length; at += 512)
                {
                    expected[offset + (uint)at] = data[at..(at + 512)];
                }
            }
        }

        Assert.True(result.EntriesApplied > 10, $"only {result.EntriesApplied} entries applied");
        Assert.NotEmpty(expected);
        foreach (var (offset, data) in expected)
        {
            Assert.True(result.Hive.AsSpan(Hive.HbinAreaStart + (int)offset, 512).SequenceEqual(data), $"page at hbin offset 0x{offset:X}");
        }
    }

    [Fact]
    public void Replay_EntryWithBrokenHash_StopsBeforeIt()
    {
        var primary = HiveData.Bytes("regipy-SYSTEM_B");
        var log1 = HiveData.Bytes("regipy-SYSTEM_B.LOG1");
        var log2 = HiveData.Bytes("regipy-SYSTEM_B.LOG2");
        var complete = LogReplayer.Replay(primary, [log1, log2]);
        var second = 512 + (int)BinaryPrimitives.ReadUInt32LittleEndian(log1.AsSpan(512 + 4));
        log1[second + 100] ^= 0xFF;

        var partial = LogReplayer.Replay(primary, [log1, log2]);

        Assert.Equal(1, partial.EntriesApplied);
        Assert.Equal(complete.FirstSequence, partial.LastSequence);
        Assert.Contains(partial.Notes, n => n.Contains("Marvin32", StringComparison.Ordinal));
        Assert.Equal(partial.LastSequence, BinaryPrimitives.ReadUInt32LittleEndian(partial.Hive.AsSpan(4)));
    }

    [Fact]
    public void Replay_LogOlderThanHive_IsSkipped()
    {
        var result = LogReplayer.Replay(HiveData.Bytes("regipy-transactions_NTUSER.DAT"),
            [HiveData.Bytes("regipy-transactions_ntuser.dat.log1"), HiveData.Bytes("regipy-transactions_ntuser.dat.log2")]);

        Assert.Contains(result.Notes, n => n.Contains("older than the hive", StringComparison.Ordinal));
        Assert.Equal(566u, result.FirstSequence);
    }

    [Fact]
    public void Replay_OnlyEmptyLogs_ThrowsClearError()
    {
        var error = Assert.Throws<HiveFormatException>(() => LogReplayer.Replay(HiveData.Bytes("regipy-SYSTEM_B"), [[], new byte[600]]));

        Assert.Contains("no usable log", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OldFormatDirtLog_AppliesDirtyPages()
    {
        // Two hives identical but for one resident DWORD: A is on disk (marked dirty), B is what the log holds.
        var a = HiveDocument.Create("ROOT", FixedTime.Default);
        a.SetValue("Key", "Value", 4, TestHives.DWord(1));
        var b = HiveDocument.Create("ROOT", FixedTime.Default);
        b.SetValue("Key", "Value", 4, TestHives.DWord(2));
        var primary = a.ToBytes();
        var target = b.ToBytes();
        Assert.Equal(primary.Length, target.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(primary.AsSpan(4), 2);
        HiveHeader.WriteChecksum(primary.AsSpan(0, 4096));

        var (log, dirtyPages) = TestHives.DirtLog(primary, target);

        var hive = Hive.Load(primary, [log]);

        Assert.Equal(1, dirtyPages);
        Assert.True(hive.LogsReplayed);
        Assert.Equal(2u, hive.OpenKey("Key")!.Value.GetValue("Value")!.Value.GetDWord());
        Assert.False(hive.Header.IsDirty);
    }

    [Fact]
    public void FromHive_ReplayedHive_SavesAboveEveryLogSequence()
    {
        var hive = Hive.Load(HiveData.Bytes("regipy-SYSTEM_B"),
            [HiveData.Bytes("regipy-SYSTEM_B.LOG1"), HiveData.Bytes("regipy-SYSTEM_B.LOG2")]);

        var written = Hive.Load(HiveDocument.FromHive(hive, FixedTime.Default).ToBytes());

        Assert.Equal(2131u, written.Header.PrimarySequence);
        Assert.True(RegExporter.ExportToBytes(hive).AsSpan().SequenceEqual(RegExporter.ExportToBytes(written)));
    }

    [Fact]
    public void Replay_PrimaryBaseBlockCorrupt_UsesNewestLogAndItsBaseBlock()
    {
        var primary = HiveData.Bytes("regipy-SYSTEM_B");
        primary[100] ^= 0xFF;

        var result = LogReplayer.Replay(primary, [HiveData.Bytes("regipy-SYSTEM_B.LOG1"), HiveData.Bytes("regipy-SYSTEM_B.LOG2")]);

        Assert.Equal(2111u, result.FirstSequence);
        Assert.Contains(result.Notes, n => n.Contains("newest log", StringComparison.Ordinal));
        Assert.True(Hive.Load(result.Hive).Header.ChecksumValid);
    }

    [Fact]
    public async Task Replay_MutatedLogs_OnlyHiveFormatExceptionEscapes()
    {
        var primary = HiveData.Bytes("regipy-UsrClass.dat");
        var log1 = HiveData.Bytes("regipy-UsrClass.dat.LOG1");
        var log2 = HiveData.Bytes("regipy-UsrClass.dat.LOG2");
        ulong state = 0x9E3779B97F4A7C15;
        int Next(int bound)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return (int)(state % (ulong)bound);
        }

        var work = Task.Run(() =>
        {
            for (var i = 0; i < 150; i++)
            {
                var logs = new[] { (byte[])log1.Clone(), (byte[])log2.Clone() };
                var which = Next(2);
                if (Next(4) == 0)
                {
                    logs[which] = logs[which][..Next(logs[which].Length)];
                }
                else
                {
                    for (var k = 0; k < 1 + Next(6); k++)
                    {
                        // Mostly the first 8 KiB, where the base block and the first entry's header live.
                        var target = logs[which];
                        var at = Next(3) == 0 ? Next(target.Length) : Next(Math.Min(8192, target.Length));
                        var dword = Next(2) == 0 ? 0xFFFFFFFFu : (uint)Next(int.MaxValue);
                        BinaryPrimitives.WriteUInt32LittleEndian(target.AsSpan((at & ~3) % (target.Length - 3)), dword);
                    }
                }

                try
                {
                    var hive = Hive.Load(primary, logs);
                    RegExporter.Export(hive, Stream.Null);
                }
                catch (HiveFormatException)
                {
                }
            }
        }, TestContext.Current.CancellationToken);

        var finished = await Task.WhenAny(work, Task.Delay(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken)) == work;

        Assert.True(finished, "log replay of a mutated log did not finish (hang?)");
        await work;
    }

    [Theory]
    [InlineData(new byte[0], 0x30ED35C100CD3C7DUL)]
    [InlineData(new byte[] { 0xAF }, 0x48E73FC77D75DDC1UL)]
    public void Marvin32_PublishedVectors_Match(byte[] data, ulong expected)
    {
        Assert.Equal(expected, Marvin32.Compute(data, 0x004FB61A001BDBCC));
    }

    /// <summary>The test's own reading of HvLE entries: sequence and (hbin offset, bytes) of each dirty page.</summary>
    private static IEnumerable<(uint Sequence, List<(uint Offset, byte[] Data)> Pages)> IndependentEntries(byte[] log)
    {
        var position = 512;
        while (position + 40 <= log.Length && log.AsSpan(position, 4).SequenceEqual("HvLE"u8))
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 4));
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 12));
            var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 20));
            var data = position + 40 + (8 * count);
            var pages = new List<(uint, byte[])>();
            for (var i = 0; i < count; i++)
            {
                var offset = BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 40 + (8 * i)));
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(position + 44 + (8 * i)));
                pages.Add((offset, log[data..(data + length)]));
                data += length;
            }

            yield return (sequence, pages);
            position += size;
        }
    }
}
