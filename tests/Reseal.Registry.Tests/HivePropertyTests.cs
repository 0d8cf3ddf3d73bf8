using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Reseal.Registry.Tests;

/// <summary>
/// Property-based checks (FsCheck) of the hive engine's invariants over generated trees: a hive written then read
/// gives the same tree, and .reg export → import → export is stable. Trees mix names that differ only in case,
/// the default value, every value type, empty, small and big-data (over 16,344 bytes) values.
/// </summary>
public sealed class HivePropertyTests
{
    /// <summary>A generated tree: key paths and the values set under them.</summary>
    public sealed record Tree(IReadOnlyList<string> Keys, IReadOnlyList<(string Key, string Name, uint Type, byte[] Data)> Values)
    {
        public override string ToString() => $"{Keys.Count} keys, {Values.Count} values: {string.Join(", ", Keys.Take(5))}";
    }

    private static readonly Gen<string> Name =
        from length in Gen.Choose(1, 12)
        from chars in Gen.Elements("abcXYZ019 -_.{}()@#".ToCharArray()).ArrayOf(length)
        let name = new string(chars).Trim()
        where name.Length > 0
        select name;

    private static readonly Gen<string> KeyPath =
        from depth in Gen.Choose(1, 4)
        from parts in Name.ArrayOf(depth)
        select string.Join('\\', parts);

    private static readonly Gen<byte[]> Data = Gen.Frequency(
        (6, Gen.Choose(0, 64).SelectMany(n => Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(n))),
        (1, Gen.Choose(16_345, 40_000).Select(n => Enumerable.Range(0, n).Select(i => (byte)(i * 31)).ToArray())));

    private static readonly Gen<(string, string, uint, byte[])> Value =
        from key in KeyPath
        from name in Gen.Frequency((1, Gen.Constant(string.Empty)), (5, Name))
        from type in Gen.Elements(0u, 1u, 2u, 3u, 4u, 5u, 7u, 11u, 0x20000u)
        from data in Data
        select (key, name, type, data);

    private static readonly Arbitrary<Tree> Trees =
        (from keys in KeyPath.ListOf()
         from values in Value.ListOf()
         select new Tree([.. keys], [.. values])).ToArbitrary();

    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(150);

    private static HiveDocument Build(Tree tree)
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        foreach (var key in tree.Keys)
        {
            document.CreateKey(key);
        }

        foreach (var (key, name, type, data) in tree.Values)
        {
            document.SetValue(key, name, type, data);
        }

        return document;
    }

    private static void AssertSame(EditableKey expected, RegistryKey actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        var values = actual.GetValues().ToDictionary(v => v.Name, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected.Values.Count, values.Count);
        foreach (var value in expected.Values)
        {
            var read = values[value.Name];
            Assert.Equal(value.Name, read.Name);
            Assert.Equal(value.Type, read.RawType);
            Assert.Equal(value.Data, read.GetData());
        }

        var subkeys = actual.GetSubkeys().ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected.Subkeys.Count, subkeys.Count);
        foreach (var child in expected.Subkeys)
        {
            AssertSame(child, subkeys[child.Name]);
        }
    }

    [Fact]
    public void Write_ThenRead_SameTree() =>
        Check.One(Runs, Prop.ForAll(Trees, tree =>
        {
            var document = Build(tree);

            var hive = Hive.Load(document.ToBytes());

            AssertSame(document.Root, hive.Root);
            Assert.Empty(HiveChecker.Check(hive));
        }));

    [Fact]
    public void Export_Import_Export_Stable() =>
        Check.One(Runs, Prop.ForAll(Trees, tree =>
        {
            var first = RegExporter.ExportToBytes(Hive.Load(Build(tree).ToBytes()));

            var again = HiveDocument.Create("ROOT", FixedTime.Default);
            RegImporter.Import(again, Encoding.UTF8.GetString(first));
            var second = RegExporter.ExportToBytes(Hive.Load(again.ToBytes()));

            Assert.Equal(Encoding.UTF8.GetString(first), Encoding.UTF8.GetString(second));
        }));

    /// <summary>
    /// Found by <see cref="Export_Import_Export_Stable"/>: export counted the subkeys of every ancestor against one
    /// key's bound (hbin area / 80 bytes), so a small hive a few levels deep with some width was called corrupt.
    /// </summary>
    [Theory]
    [InlineData(20, 3)]
    [InlineData(30, 4)]
    public void Export_WrittenHiveWideAndDeep_Exports(int width, int depth)
    {
        var document = HiveDocument.Create("ROOT", FixedTime.Default);
        var path = string.Empty;
        for (var level = 0; level < depth; level++)
        {
            for (var i = 0; i < width; i++)
            {
                document.CreateKey(path + "k" + i);
            }

            path += "k0\\";
        }

        var text = Encoding.UTF8.GetString(RegExporter.ExportToBytes(Hive.Load(document.ToBytes())));

        Assert.Equal((width * depth) + 1, text.Split('\n').Count(l => l.StartsWith('[')));
    }
}
