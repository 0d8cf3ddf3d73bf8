using System.Collections.Concurrent;
using System.Text;

namespace Reseal.Registry.Tests;

/// <summary>
/// One script of edits (new values of every type and size, an existing value grown past its cell and another
/// changed, a value deleted, 1,100 new keys under one parent, a key with subkeys deleted, a .reg imported) applied
/// to a real hive twice: in place by <see cref="HiveEditor"/>, and by the compact rewrite of <see cref="HiveDocument"/>.
/// Outside tools must read the two results the same.
/// </summary>
internal static class InPlaceEdits
{
    private static readonly ConcurrentDictionary<string, Lazy<Result>> Cache = new();
    private static readonly string Root = Directory.CreateTempSubdirectory("reseal-inplace-").FullName;

    /// <summary>The original, the in-place result, the compact result and the compact rewrite of the unedited original, as files.</summary>
    public sealed record Result(string Original, string InPlace, string Compact, string CompactOriginal);

    public static Result For(string name) => Cache.GetOrAdd(name, n => new Lazy<Result>(() => Make(n))).Value;

    private static Result Make(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        var original = Path.Combine(folder, "original");
        File.WriteAllBytes(original, HiveData.Bytes(name));
        var source = Hive.Open(original);
        var script = Script.From(source);

        var editor = HiveEditor.FromHive(source, new HiveEditOptions { Time = FixedTime.Default, AllowStale = true });
        Assert.Null(editor.InPlaceUnavailableReason);
        script.Apply(editor);
        var inPlace = Path.Combine(folder, "inplace");
        editor.Save(inPlace, new HiveSaveOptions { KeepBackup = false });

        var compactOriginal = Path.Combine(folder, "compact-original");
        File.WriteAllBytes(compactOriginal, HiveDocument.FromHive(source, FixedTime.Default, allowStale: true).ToBytes());
        var document = HiveDocument.FromHive(source, FixedTime.Default, allowStale: true);
        script.Apply(document);
        var compact = Path.Combine(folder, "compact");
        File.WriteAllBytes(compact, document.ToBytes());
        return new Result(original, inPlace, compact, compactOriginal);
    }

    private sealed record Script(string? ValueKey, string? GrownValue, string? ChangedValue, string? DeletedValue, string? DeletedKey)
    {
        public static Script From(Hive hive)
        {
            string? valueKey = null, deletedKey = null;
            string[] values = [];
            var queue = new Queue<RegistryKey>([hive.Root]);
            while (queue.Count > 0 && (valueKey is null || deletedKey is null))
            {
                var key = queue.Dequeue();
                var path = key.Path.TrimStart('\\');
                var simple = path.Length > 0 && path.All(c => c is >= ' ' and < (char)0x7F);
                var names = key.GetValues().Select(v => v.Name).Where(n => n.Length > 0 && n.All(c => c is >= ' ' and < (char)0x7F)).Distinct(NameRules.Comparer).ToArray();
                if (valueKey is null && simple && names.Length >= 3)
                {
                    valueKey = path;
                    values = names;
                }
                else if (deletedKey is null && simple && valueKey is not null && !valueKey.StartsWith(path, StringComparison.OrdinalIgnoreCase)
                    && key.GetSubkeys().Count is > 0 and < 20 && key.GetSubkeys().All(k => k.GetSubkeys().Count < 20))
                {
                    deletedKey = path;
                }

                foreach (var child in key.GetSubkeys())
                {
                    queue.Enqueue(child);
                }
            }

            return values.Length >= 3
                ? new Script(valueKey, values[0], values[1], values[2], deletedKey)
                : new Script(null, null, null, null, deletedKey);
        }

        public void Apply<TKey>(IRegistryEditTarget<TKey> target)
        {
            var types = target.CreateKey(@"ResealInPlace\Types");
            var i = 0;
            foreach (var (type, data) in Values)
            {
                target.SetValue(types, $"T{i++:D2}", type, data);
            }

            if (ValueKey is not null)
            {
                var key = target.CreateKey(ValueKey);
                target.SetValue(key, GrownValue!, 3, TestHives.Pattern(5000));
                target.SetValue(key, ChangedValue!, 4, TestHives.DWord(0x12345678));
                Assert.True(target.DeleteValue(key, DeletedValue!));
            }

            for (var k = 0; k < 1100; k++)
            {
                target.CreateKey($@"ResealInPlace\Many\K{(k * 7) % 1100:D4}");
            }

            if (DeletedKey is not null)
            {
                Assert.True(target.DeleteKey(DeletedKey));
            }

            var reg = new StringBuilder("Windows Registry Editor Version 5.00\r\n\r\n")
                .Append("[\\ResealInPlace\\Imported]\r\n@=\"default\"\r\n\"Num\"=dword:0000002a\r\n\"Bin\"=hex:01,02,\\\r\n  03,04\r\n\r\n")
                .Append("[-\\ResealInPlace\\Many\\K0500]\r\n\r\n")
                .Append("[\\ResealInPlace\\Types]\r\n\"T03\"=-\r\n")
                .ToString();
            switch (target)
            {
                case HiveEditor editor:
                    RegImporter.Import(editor, reg);
                    break;
                case HiveDocument document:
                    RegImporter.Import(document, reg);
                    break;
            }
        }

        private static IEnumerable<(uint Type, byte[] Data)> Values =>
        [
            (0, []), (1, TestHives.Utf16Z("text")), (2, TestHives.Utf16Z("%SystemRoot%\\x")), (3, [1, 2]), (3, [1, 2, 3, 4, 5]),
            (4, TestHives.DWord(0xDEADBEEF)), (5, [0, 0, 1, 2]), (6, TestHives.Utf16Z("\\Registry\\Machine\\X")),
            (7, Encoding.Unicode.GetBytes("a\0bc\0\0")), (11, [1, 2, 3, 4, 5, 6, 7, 8]), (3, TestHives.Pattern(16343)),
            (3, TestHives.Pattern(16344)), (3, TestHives.Pattern(16345)), (3, TestHives.Pattern(100_000)), (0xFFFF2012, [9, 8, 7]),
        ];
    }
}
