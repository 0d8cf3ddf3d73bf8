using System.Buffers.Binary;
using System.Text;

namespace Reseal.Registry.Tests;

/// <summary>A clock that never moves, so written hives are reproducible.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public static readonly FixedTime Default = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => now;
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
}
