using System.Buffers.Binary;
using System.Text;

using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>A clock that never moves, so written hives are reproducible.</summary>
internal static class FixedTime
{
    public static readonly ManualClock Default = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
}

/// <summary>Hives built by the writer for tests.</summary>
internal static class TestHives
{
    public static byte[] Utf16Z(string text) => Encoding.Unicode.GetBytes(text + "\0");

    public static byte[] DWord(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 7) + (i >> 8));
        }

        return bytes;
    }

    /// <summary>Every shape the writer must get right: all types, sizes around the inline and big-data limits,
    /// Latin-1 and UTF-16 names, a list long enough for ri, a class name.</summary>
    public static HiveDocument Everything()
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        var software = document.CreateKey(@"Software\Reseal\Values");
        software.SetValue(string.Empty, RegistryValueType.Sz, Utf16Z("default"));
        software.SetValue("String", RegistryValueType.Sz, Utf16Z("hello"));
        software.SetValue("Expand", RegistryValueType.ExpandSz, Utf16Z("%SystemRoot%\\x"));
        software.SetValue("Multi", RegistryValueType.MultiSz, Encoding.Unicode.GetBytes("a\0bc\0\0"));
        software.SetValue("DWord", RegistryValueType.DWord, DWord(0xDEADBEEF));
        software.SetValue("BigEndian", RegistryValueType.DWordBigEndian, [0, 0, 1, 2]);
        software.SetValue("QWord", RegistryValueType.QWord, [1, 2, 3, 4, 5, 6, 7, 8]);
        software.SetValue("Empty", RegistryValueType.Binary, []);
        software.SetValue("None", RegistryValueType.None, [9]);
        software.SetValue("TwoBytes", RegistryValueType.Binary, [0, 1]);
        software.SetValue("ThreeBytes", RegistryValueType.Binary, [1, 2, 3]);
        software.SetValue("Devprop", 0xFFFF2012, [1, 2, 3, 4, 5]);
        software.SetValue("Quote\"And\\Backslash", RegistryValueType.Sz, Utf16Z("q"));
        software.SetValue("Just16343", RegistryValueType.Binary, Pattern(16343));
        software.SetValue("Just16344", RegistryValueType.Binary, Pattern(16344));
        software.SetValue("Big16345", RegistryValueType.Binary, Pattern(16345));
        software.SetValue("Big100000", RegistryValueType.Binary, Pattern(100_000));
        software.SetValue("ShortDWord", RegistryValueType.DWord, [1, 2]);
        var names = document.CreateKey(@"Software\Reseal\Names");
        names.CreateSubkey("abcd_äöüß").SetValue("äöü", RegistryValueType.DWord, DWord(1));
        names.CreateSubkey("weird™").SetValue("™", RegistryValueType.DWord, DWord(2));
        names.CreateSubkey("Zeta");
        names.CreateSubkey("_underscore");
        names.CreateSubkey("alpha");
        var many = document.CreateKey(@"Software\Reseal\Many");
        for (var i = 0; i < 1200; i++)
        {
            many.CreateSubkey($"Key{i:D5}");
        }

        document.CreateKey(@"System\Lsa\JD").ClassName = "1a2b3c4d";
        return document;
    }

    /// <summary>An old-format (DIRT) log holding the 512-byte pages where <paramref name="target"/> differs.</summary>
    public static (byte[] Log, int DirtyPages) DirtLog(byte[] primary, byte[] target)
    {
        var hbins = primary.Length - Hive.HbinAreaStart;
        var bitmap = new byte[((hbins / 512) + 7) / 8];
        var pages = new List<byte[]>();
        for (var page = 0; page < hbins / 512; page++)
        {
            var at = Hive.HbinAreaStart + (page * 512);
            if (!primary.AsSpan(at, 512).SequenceEqual(target.AsSpan(at, 512)))
            {
                bitmap[page / 8] |= (byte)(1 << (page % 8));
                pages.Add(target[at..(at + 512)]);
            }
        }

        var log = new List<byte>();
        var header = target[..512];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), 1);
        HiveHeader.WriteChecksum(header);
        log.AddRange(header);
        log.AddRange("DIRT"u8.ToArray());
        log.AddRange(bitmap);
        while (log.Count % 512 != 0)
        {
            log.Add(0);
        }

        pages.ForEach(log.AddRange);
        return ([.. log], pages.Count);
    }
}
