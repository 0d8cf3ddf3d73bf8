using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>
/// What the fast export path changed (issue 15): <see cref="Hive.Open"/> reads large files into a huge-page-aligned
/// buffer (<see cref="LargeFileBuffer"/>), and <see cref="RegExporter.Check"/> walks without writing so the CLI can
/// stream to standard output without a temporary file. Each must read, export and fail exactly as before.
/// </summary>
public class ExportSpeedPathTests
{
    private const int HugePage = 2 << 20;

    public static TheoryData<string> Readable => [.. HiveData.Readable];

    [Theory]
    [MemberData(nameof(Readable))]
    public void Open_EveryRealHive_SameImageAndExportAsLoadAndCheckPasses(string name)
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract(name, dir);
        var file = File.ReadAllBytes(path);

        var opened = Hive.Open(path);

        Assert.True(opened.Image.Span.SequenceEqual(file), $"{name}: the image read by Open differs from the file");
        Assert.Equal(RegExporter.ExportToBytes(Hive.Load(file)), RegExporter.ExportToBytes(opened));
        RegExporter.Check(opened.Root);
    }

    [Fact]
    public void Allocate_LargeFileOnLinux_ImageStartsOnAHugePageAdvisedForHugePages()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("madvise and /proc/self/smaps are Linux's");
        }

        var length = 11_771_904;
        var bytes = LargeFileBuffer.Allocate(length, out var origin);
        var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            var start = pin.AddrOfPinnedObject() + origin;

            Assert.True(bytes.Length - origin >= length, "the image does not fit after the origin");
            Assert.Equal(0, start % HugePage);
            var flags = VmFlagsAt(start);
            if (flags is null)
            {
                Assert.Skip("/proc/self/smaps has no VmFlags line for the buffer");
            }

            // "hg": the kernel recorded MADV_HUGEPAGE for the mapping holding the image (proc(5)).
            Assert.Contains("hg", flags.Split(' '));
        }
        finally
        {
            pin.Free();
        }
    }

    [Fact]
    public void Allocate_SmallFile_PlainArrayFromZero()
    {
        var bytes = LargeFileBuffer.Allocate(1 << 20, out var origin);

        Assert.Equal(0, origin);
        Assert.Equal(1 << 20, bytes.Length);
    }

    [Fact]
    public void HiveEditorOpen_LargeHiveGrownInPlace_HivexgetReadsTheNewValue()
    {
        // regipy-SYSTEM (11.7 MB) is read into the huge-page buffer, so its image does not start at index 0: growing it
        // by new hbins (a 200 KB value) must still write every byte where the file has it.
        var hivexget = ExternalTool.Require("hivexget", "libhivex-bin");
        using var dir = new TempDirectory();
        var path = HiveData.Extract("regipy-SYSTEM", dir);
        // Printable bytes: hivexget prints REG_BINARY data raw.
        var data = Enumerable.Range(0, 200_000).Select(i => (byte)('a' + (i % 26))).ToArray();
        var editor = HiveEditor.Open(path, options: new HiveEditOptions { Time = FixedTime.Default });
        var size = editor.Hive.HiveBinsSize;

        editor.SetValue(@"Select\Reseal", "Big", 3, data);
        editor.SetValue(@"Select", "Current", 4, TestHives.DWord(7));
        editor.Save(path, new HiveSaveOptions { KeepBackup = false });

        var reread = Hive.Open(path);
        Assert.True(reread.HiveBinsSize > size, "the value needed new hbins");
        Assert.Equal(data, reread.OpenKey(@"Select\Reseal")!.Value.GetValue("Big")!.Value.GetData());
        var big = ExternalTool.Run(hivexget, [path, @"\Select\Reseal", "Big"]);
        Assert.True(big.ExitCode == 0, big.StandardError);
        Assert.Equal(System.Text.Encoding.ASCII.GetString(data), big.StandardOutput.TrimEnd('\n'));
        var current = ExternalTool.Run(hivexget, [path, @"\Select", "Current"]);
        Assert.Equal("7", current.StandardOutput.Trim());
    }

    public static TheoryData<string> Damages =>
        [
            "subkey list cycle", "value data offset", "big data segment list", "deep child signature", "two damages met in other orders",
            "value list shared", "data shared beyond the hbin area", "child name past its cell", "value name past its cell",
        ];

    [Theory]
    [MemberData(nameof(Damages))]
    public void Check_DamagedTree_ThrowsWhatExportThrows(string damage)
    {
        var hive = Hive.Load(Damaged(damage));

        var export = Assert.Throws<HiveFormatException>(() => RegExporter.Export(hive, Stream.Null));
        var check = Assert.Throws<HiveFormatException>(() => RegExporter.Check(hive.Root));

        Assert.Equal(export.Message, check.Message);
        Assert.Equal(export.FileOffset, check.FileOffset);
        Assert.Equal(export.Structure, check.Structure);
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void ExportCheckFirst_DamagedTree_NothingWrittenAndTheExportsError(string damage)
    {
        var hive = Hive.Load(Damaged(damage));
        using var written = new MemoryStream();
        var export = Assert.Throws<HiveFormatException>(() => RegExporter.Export(hive, written));
        // Without the check the export has written (more than its 256 KiB buffer) before it meets the damage.
        Assert.True(written.Length > 0, $"{damage}: the damage is met before the export writes anything, so this case proves nothing");
        using var output = new MemoryStream();

        var checkedFirst = Assert.Throws<HiveFormatException>(() => RegExporter.Export(hive.Root, output, new RegExportOptions { CheckFirst = true }));

        Assert.Equal(0, output.Length);
        Assert.Equal(export.Message, checkedFirst.Message);
        Assert.Equal(export.FileOffset, checkedFirst.FileOffset);
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void ExportCheckFirst_EveryRealHive_SameBytesAsWithoutTheCheck(string name)
    {
        using var dir = new TempDirectory();
        var hive = Hive.Open(HiveData.Extract(name, dir));
        using var plain = new MemoryStream();
        using var checkedFirst = new MemoryStream();

        RegExporter.Export(hive.Root, plain, new RegExportOptions { Prefix = @"HKEY_LOCAL_MACHINE\X" });
        RegExporter.Export(hive.Root, checkedFirst, new RegExportOptions { Prefix = @"HKEY_LOCAL_MACHINE\X", CheckFirst = true });

        Assert.True(plain.ToArray().AsSpan().SequenceEqual(checkedFirst.ToArray()), $"{name}: the export after the check differs");
    }

    [Fact]
    public void Check_DefaultKey_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => RegExporter.Check(default));

    /// <summary>A hive with keys A..C under K and values of every storage kind, damaged after the first keys are exported.</summary>
    private static byte[] Damaged(string damage)
    {
        var document = HiveDocument.Create("ROOT");
        var first = document.CreateKey("A first key");
        first.SetValue("V", RegistryValueType.Sz, "before the damage\0"u8.ToArray());
        // About 300 KB of hex before every damage: more than the export's 256 KiB buffer, so an export that did not check
        // first has written part of itself when it fails.
        first.SetValue("Padding", RegistryValueType.Binary, new byte[100_000]);
        var key = document.CreateKey("K");
        foreach (var child in new[] { "A", "B", "C" })
        {
            key.CreateSubkey(child).CreateSubkey("Deep");
        }

        var many = document.CreateKey(@"K\C\Many");
        for (var i = 0; i < 40; i++)
        {
            many.SetValue($"S{i:D2}", RegistryValueType.Binary, [(byte)i, 0, 0, 0, 0]);
        }

        // Listed case-insensitively (b, C) but exported by code point (C, b): the quick check meets b's damage first.
        var orders = document.CreateKey("Orders");
        orders.CreateSubkey("b").CreateSubkey("Deep");
        orders.CreateSubkey("C").CreateSubkey("Deep");
        key.SetValue("Text", RegistryValueType.Sz, "hello world\0"u8.ToArray());
        key.SetValue("Big", RegistryValueType.Binary, new byte[40_000]);
        var bytes = document.ToBytes();
        var hive = Hive.Load(bytes);
        var k = hive.OpenKey("K")!.Value;
        int Field(int cell, int at) => Hive.HbinAreaStart + cell + 4 + at;
        uint Read(int cell, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Field(cell, at)));
        switch (damage)
        {
            case "subkey list cycle":
                // K\B's subkey list becomes K's own, so K\B\B is K\B again.
                var b = hive.OpenKey(@"K\B")!.Value.CellOffset;
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(b, 20)), Read(k.CellOffset, 20));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(b, 28)), Read(k.CellOffset, 28));
                break;
            case "value data offset":
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(k.GetValue("Text")!.Value.CellOffset, 8)), 0x12345677);
                break;
            case "big data segment list":
                var big = (int)Read(k.GetValue("Big")!.Value.CellOffset, 8);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(big, 4)), 0x7FFFFFF8);
                break;
            case "deep child signature":
                "zz"u8.CopyTo(bytes.AsSpan(Field(hive.OpenKey(@"K\C\Deep")!.Value.CellOffset, 0)));
                break;
            case "value list shared":
                // K\B\Deep's value list becomes K\C\Many's (small values, so only ValueWalkGuard.Visit can tell): those
                // values are reached a second time.
                var deep = hive.OpenKey(@"K\B\Deep")!.Value.CellOffset;
                var manyKey = hive.OpenKey(@"K\C\Many")!.Value.CellOffset;
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(deep, 36)), Read(manyKey, 36));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(deep, 40)), Read(manyKey, 40));
                break;
            case "data shared beyond the hbin area":
                // Forty small values all made to point at Big's 40,000 bytes: 1.6 MB of data from a smaller hive (ValueWalkGuard.Charge).
                var bigVk = k.GetValue("Big")!.Value.CellOffset;
                foreach (var value in hive.OpenKey(@"K\C\Many")!.Value.GetValues())
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(value.CellOffset, 4)), Read(bigVk, 4));
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Field(value.CellOffset, 8)), Read(bigVk, 8));
                }

                break;
            case "child name past its cell":
                // Read when K's children are listed (their names), not when K\B itself is visited.
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(Field(hive.OpenKey(@"K\B")!.Value.CellOffset, 72)), 0xFFF0);
                break;
            case "value name past its cell":
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(Field(k.GetValue("Text")!.Value.CellOffset, 2)), 0xFFF0);
                break;
            case "two damages met in other orders":
                "zz"u8.CopyTo(bytes.AsSpan(Field(hive.OpenKey(@"Orders\b\Deep")!.Value.CellOffset, 0)));
                "zz"u8.CopyTo(bytes.AsSpan(Field(hive.OpenKey(@"Orders\C\Deep")!.Value.CellOffset, 0)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage));
        }

        return bytes;
    }

    /// <summary>The VmFlags of the mapping in /proc/self/smaps that holds <paramref name="address"/>.</summary>
    private static string? VmFlagsAt(nint address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var low)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var high))
            {
                inside = address >= low && address < high;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Trim();
            }
        }

        return null;
    }
}
