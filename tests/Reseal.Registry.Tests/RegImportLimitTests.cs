using System.Text;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>Hostile .reg input (issue 16): sizes are limited with a clear error, and time grows linearly with input.</summary>
[Collection(TimingMeasurements.Name)]
public class RegImportLimitTests
{
    private static HiveEditor EmptyEditor() =>
        HiveEditor.FromHive(Hive.Load(HiveDocument.Create("ROOT", FixedTime.Default).ToBytes()), new HiveEditOptions { Time = FixedTime.Default });

    /// <summary>One value whose hex data runs over <paramref name="lines"/> continuation lines, as regedit wraps it.</summary>
    private static string ContinuationLines(int lines)
    {
        var text = new StringBuilder("Windows Registry Editor Version 5.00\r\n\r\n[\\K]\r\n\"V\"=hex:00,\\\r\n");
        for (var i = 1; i < lines; i++)
        {
            text.Append("  01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17,18,19,1a,1b,1c,\\\r\n");
        }

        return text.Append("  ff\r\n").ToString();
    }

    /// <summary><paramref name="count"/> values in one key.</summary>
    private static string ManyValues(int count)
    {
        var text = new StringBuilder("Windows Registry Editor Version 5.00\r\n\r\n[\\K]\r\n");
        for (var i = 0; i < count; i++)
        {
            text.Append("\"Value").Append(i).Append("\"=dword:").Append(i.ToString("x8")).Append("\r\n");
        }

        return text.ToString();
    }

    [Fact]
    public void Import_ContinuationLines_TimeGrowsLinearly()
    {
        // Joining continuation lines used to rescan the whole value at each line: 40,000 lines took 21 s. Sixteen times the
        // lines must take about sixteen times as long (256 if quadratic); 64 leaves room for a busy machine.
        var small = ContinuationLines(2_500);
        var large = ContinuationLines(40_000);

        var ratio = GrowthRatio.Measure(() => RegImporter.Import(EmptyEditor(), small), () => RegImporter.Import(EmptyEditor(), large));

        Assert.InRange(ratio, 0, 64);
        var editor = EmptyEditor();
        RegImporter.Import(editor, large);
        Assert.Equal(1 + (28 * 39_999) + 1, editor.Hive.OpenKey("K")!.Value.GetValue("V")!.Value.DataLength);
    }

    [Fact]
    public void Import_ManyValuesInOneKey_TimeGrowsLinearlyInBothEditors()
    {
        // Each value was looked up by a scan of the key's values: 100,000 values took 28 s. Sixteen times the values: about
        // sixteen times the time when linear, 256 when quadratic; 64 leaves room for a busy machine.
        var small = ManyValues(6_250);
        var large = ManyValues(100_000);

        var inPlace = GrowthRatio.Measure(() => RegImporter.Import(EmptyEditor(), small), () => RegImporter.Import(EmptyEditor(), large));
        var compact = GrowthRatio.Measure(
            () => RegImporter.Import(HiveDocument.Create("ROOT", FixedTime.Default), small),
            () => RegImporter.Import(HiveDocument.Create("ROOT", FixedTime.Default), large));

        Assert.InRange(inPlace, 0, 64);
        Assert.InRange(compact, 0, 64);
        var editor = EmptyEditor();
        RegImporter.Import(editor, large);
        Assert.Equal(100_000, editor.Hive.OpenKey("K")!.Value.ValueCount);
        Assert.Equal(99_999u, Hive.Load(editor.ToBytes()).OpenKey("K")!.Value.GetValue("value99999")!.Value.GetDWord());
    }

    [Fact]
    public void ImportFile_LargerThanTheLimit_RefusedBeforeReading()
    {
        using var dir = new TempDirectory();
        var path = dir.File("huge.reg");
        using (var file = File.Create(path))
        {
            file.SetLength(RegImporter.MaxFileBytes + 1); // sparse: no disk space used
        }

        var error = Assert.Throws<RegFileFormatException>(() => RegImporter.ImportFile(EmptyEditor(), path));

        Assert.Contains("larger than the 1 GiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_LineLongerThanTheLimit_RefusedWithItsLineNumber()
    {
        // A generated stream: one value whose hex data never ends, read until the limit stops it.
        var header = "Windows Registry Editor Version 5.00\r\n\r\n[\\K]\r\n\"V\"=hex:"u8.ToArray();
        using var stream = new GeneratedStream(header, "00,"u8.ToArray(), RegFileLines.MaxLogicalLineChars + 1000L);

        var error = Assert.Throws<RegFileFormatException>(() => RegImporter.Import(EmptyEditor(), stream));

        Assert.Equal(4, error.Line);
        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A header, then a pattern repeated up to a length: large input without a large array.</summary>
    private sealed class GeneratedStream(byte[] header, byte[] pattern, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var written = 0;
            while (written < count && _position < length)
            {
                buffer[offset + written++] = _position < header.Length ? header[_position] : pattern[(_position - header.Length) % pattern.Length];
                _position++;
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Tests that compare run times run alone: other test classes working in parallel would skew the ratios.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingMeasurements
{
    public const string Name = "Timing measurements (not parallel)";
}
