using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

/// <summary>
/// Feeds 10,000 corrupted variants of real hives through every reading path: only HiveFormatException may escape,
/// and nothing may hang.
/// </summary>
public class MutationTests
{
    private static readonly uint[] InterestingDwords = [0, 1, 0x20, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x80000004, 0xFFFF, 0x1000, 0xFFFFFFF8];

    [Theory]
    [InlineData("hivex-special", 2000, 0x5EC1A1UL)]
    [InlineData("regipy-SAM", 3000, 0x5A3UL)]
    [InlineData("regipy-BCD", 3000, 0xBCDUL)]
    [InlineData("ez-NTUSER1.DAT", 2000, 0x1DA7UL)]
    [InlineData(WrittenBigData, 3000, 0xDB0DB0UL)]
    public async Task ReadEverything_MutatedRealHive_OnlyHiveFormatExceptionEscapes(string name, int variants, ulong seed)
    {
        var original = name == WrittenBigData ? SmallWrittenHiveWithBigData() : HiveData.Bytes(name);
        var random = new XorShift(seed);
        var current = -1;
        var rejected = 0;
        Exception? escaped = null;
        var escapedAt = -1;
        var work = Task.Run(() =>
        {
            for (var i = 0; i < variants && escaped is null; i++)
            {
                Volatile.Write(ref current, i);
                var bytes = Mutate(original, random);
                try
                {
                    ReadEverything(Hive.Load(bytes));
                }
                catch (HiveFormatException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    escaped = e;
                    escapedAt = i;
                }
            }
        }, TestContext.Current.CancellationToken);

        var finished = await Task.WhenAny(work, Task.Delay(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken)) == work;

        Assert.True(finished, $"variant {Volatile.Read(ref current)} of {name} (seed 0x{seed:X}) did not finish (hang?)");
        await work;
        Assert.True(escaped is null, $"variant {escapedAt} of {name} (seed 0x{seed:X}) threw {escaped}");
        Assert.True(rejected > 0, $"no variant of {name} (seed 0x{seed:X}) was rejected: the mutations did not reach the parser");
    }

    private const string WrittenBigData = "written-small-with-db";

    /// <summary>A small hive from the writer with a db (big data) value, so mutations reach the segment code.</summary>
    private static byte[] SmallWrittenHiveWithBigData()
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        document.SetValue(@"Software\Big", "Data", 3, TestHives.Pattern(40_000));
        document.SetValue(@"Software\Big", "Text", 1, TestHives.Utf16Z("hello"));
        document.SetValue(@"Software\Small", "DWord", 4, TestHives.DWord(7));
        document.SetValue(@"Software\Small", "Cell", 3, TestHives.Pattern(100));
        document.CreateKey(@"System\Empty");
        return document.ToBytes();
    }

    private static void ReadEverything(Hive hive)
    {
        RegExporter.Export(hive, Stream.Null);
        _ = HiveChecker.Check(hive);
        if (!hive.IsStale)
        {
            _ = HiveDocument.FromHive(hive, FixedTime.Default);
        }

        var pending = new Stack<(RegistryKey Key, int Depth)>([(hive.Root, 0)]);
        var seen = new HashSet<int>();
        while (pending.Count > 0)
        {
            var (key, depth) = pending.Pop();
            if (!seen.Add(key.CellOffset) || depth > Hive.MaxDepth)
            {
                continue;
            }

            _ = key.ClassName;
            _ = key.GetSecurityDescriptor();
            _ = key.LastWritten;
            _ = key.Path;
            foreach (var value in key.GetValues())
            {
                _ = value.GetString();
                _ = value.GetMultiString();
                _ = value.GetDWord();
                _ = value.GetQWord();
                _ = key.GetValue(value.Name);
            }

            foreach (var child in key.GetSubkeys())
            {
                _ = key.GetSubkey(child.Name);
                pending.Push((child, depth + 1));
            }
        }
    }

    private static byte[] Mutate(byte[] original, XorShift random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(10))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                for (var i = 0; i < 4; i++)
                {
                    var at = random.Next(bytes.Length - 4) & ~3;
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), InterestingDwords[random.Next(InterestingDwords.Length)]);
                }

                break;
            default:
                var flips = 1 + random.Next(16);
                for (var i = 0; i < flips; i++)
                {
                    // Most flips land in the first 64 KiB, where the root and its lists live.
                    var limit = random.Next(4) == 0 ? bytes.Length : Math.Min(bytes.Length, 65536);
                    bytes[random.Next(limit)] ^= (byte)(1 << random.Next(8));
                }

                break;
        }

        return bytes;
    }

    /// <summary>A small deterministic generator so failures reproduce (System.Random is banned in this repository).</summary>
    private sealed class XorShift(ulong state)
    {
        private ulong _state = state;

        public int Next(int bound)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            return bound <= 0 ? 0 : (int)(_state % (ulong)bound);
        }
    }
}
