using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Options for <see cref="RegExporter"/>.</summary>
public sealed record RegExportOptions
{
    /// <summary>Text put before every key path, e.g. <c>HKEY_LOCAL_MACHINE\SYSTEM</c> (a trailing backslash is dropped).</summary>
    public string? Prefix { get; init; }
}

/// <summary>
/// Writes a hive as regedit text exactly as <c>hivexregedit --export</c> does: keys depth-first with children and
/// values sorted by code point (stable), every value as <c>hex(N):</c> bytes except a 4-byte DWORD as
/// <c>dword:%08x</c>, LF line ends, no line wrapping. Like Perl printing without an encoding layer, each name is
/// written as Latin-1 when all its characters fit, otherwise as UTF-8.
/// </summary>
public static partial class RegExporter
{
    private const string Header = "Windows Registry Editor Version 5.00\n\n";

    /// <summary>Exports the whole hive.</summary>
    public static void Export(Hive hive, Stream output, RegExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hive);
        Export(hive.Root, output, options);
    }

    /// <summary>Exports a key and everything below it.</summary>
    /// <remarks>Output is streamed: when the hive turns out to be damaged part-way, the stream already holds the keys
    /// before the damage and a <see cref="HiveFormatException"/> follows. Write to a temporary file when that matters.</remarks>
    public static void Export(RegistryKey start, Stream output, RegExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var prefix = options?.Prefix;
        if (prefix is not null && prefix.EndsWith('\\'))
        {
            prefix = prefix[..^1];
        }

        Walk(start, new ByteSink(output), prefix);
    }

    /// <summary>
    /// Makes the whole walk <see cref="Export(RegistryKey, Stream, RegExportOptions?)"/> makes, reading and checking
    /// every key, value and data cell in the same order, but writes nothing: it throws the same
    /// <see cref="HiveFormatException"/> the export would, at the same place. A caller that must not send half an
    /// export anywhere (standard output, a pipe) checks first and then streams the export straight out, instead of
    /// holding it in a temporary file; the hive's bytes must not change in between (a hive loaded into memory).
    /// </summary>
    public static void Check(RegistryKey start) => Walk(start, ByteSink.Discarding(), prefix: null);

    private static void Walk(RegistryKey start, ByteSink sink, string? prefix)
    {
        if (start.Hive is null)
        {
            throw new ArgumentException("default(RegistryKey) is not a key of any hive", nameof(start));
        }

        var writer = new Walker(start.Hive, sink, prefix);
        sink.WriteAscii(Header);
        var path = start.Path;
        writer.SetStartPath(path == "\\" ? string.Empty : path);
        writer.Visit(start, 0);
        sink.Flush();
    }

    /// <summary>Exports to a byte array.</summary>
    public static byte[] ExportToBytes(Hive hive, RegExportOptions? options = null)
    {
        using var stream = new MemoryStream();
        Export(hive, stream, options);
        return stream.ToArray();
    }

    /// <summary>
    /// Depth-first walk that allocates almost nothing per key: child and value offsets, name spans and sort orders
    /// live in one growing int arena and names in one char arena, both used as stacks (each level truncates back to
    /// where it started), so exporting a large hive costs little beyond the file itself.
    /// </summary>
    private sealed class Walker(Hive hive, ByteSink sink, string? prefix)
    {
        private readonly ulong[] _visited = new ulong[(hive.HiveBinsSize / 8 / 64) + 1];
        private readonly ValueWalkGuard _values = new(hive);
        private readonly List<int> _ints = new(4096);
        private char[] _chars = new char[1 << 14];
        private int _charsUsed;
        private char[] _path = new char[1024];
        private int _pathLength;
        private byte[]? _scratch;

        private ByteSink Sink => sink;

        public void SetStartPath(string path)
        {
            _pathLength = 0;
            AppendPath(path.AsSpan());
        }

        public void Visit(RegistryKey key, int depth)
        {
            if (depth > Hive.MaxDepth)
            {
                throw HiveFormatException.At(Hive.HbinAreaStart + (long)key.CellOffset, "nk", $"keys nest deeper than {Hive.MaxDepth} levels");
            }

            var bit = key.CellOffset / 8;
            if ((_visited[bit / 64] & (1UL << (bit % 64))) != 0)
            {
                throw HiveFormatException.At(Hive.HbinAreaStart + (long)key.CellOffset, "nk",
                    "key is reached twice while walking the tree (a subkey list cycle or a shared subtree)");
            }

            _visited[bit / 64] |= 1UL << (bit % 64);

            Sink.WriteByte((byte)'[');
            if (prefix is not null)
            {
                Sink.WritePerlString(prefix);
            }

            Sink.WritePerlString(_pathLength == 0 ? "\\" : _path.AsSpan(0, _pathLength));
            Sink.WriteAscii("]\n");
            WriteValues(key);
            Sink.WriteByte((byte)'\n');

            var intsStart = _ints.Count;
            var charsStart = _charsUsed;
            var node = key.Node;
            var list = node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
            if (node.U32(KeyNodeLayout.SubkeyCount, "subkey count") != 0 && list != Hive.None)
            {
                // The bound is on this key's subkeys: _ints already holds the ancestors' entries from intsStart on.
                hive.CollectSubkeys(list, _ints, checked(intsStart + (hive.HiveBinsSize / 80)));
            }

            var count = _ints.Count - intsStart;
            if (count > 0)
            {
                var order = LoadNamesAndSort(intsStart, count, keys: true);
                var pathLength = _pathLength;
                for (var i = 0; i < count; i++)
                {
                    var index = _ints[order + i];
                    var start = _ints[intsStart + count + index];
                    var length = _ints[intsStart + (2 * count) + index];
                    _pathLength = pathLength;
                    AppendPath("\\".AsSpan());
                    AppendPath(_chars.AsSpan(start, length));
                    Visit(new RegistryKey(hive, _ints[intsStart + index]), depth + 1);
                }

                _pathLength = pathLength;
            }

            _ints.RemoveRange(intsStart, _ints.Count - intsStart);
            _charsUsed = charsStart;
        }

        private void WriteValues(RegistryKey key)
        {
            var intsStart = _ints.Count;
            var charsStart = _charsUsed;
            var count = key.AppendValueOffsets(_ints);
            if (count == 0)
            {
                return;
            }

            for (var i = 0; i < count; i++)
            {
                _values.Visit(_ints[intsStart + i]);
            }

            var order = LoadNamesAndSort(intsStart, count, keys: false);
            for (var i = 0; i < count; i++)
            {
                var index = _ints[order + i];
                var value = new RegistryValue(hive, _ints[intsStart + index]);
                var name = _chars.AsSpan(_ints[intsStart + count + index], _ints[intsStart + (2 * count) + index]);
                var data = value.ReadData(ref _scratch, out var type);
                _values.Charge(value.CellOffset, data.Length);
                if (Sink.Discards)
                {
                    continue;
                }

                if (name.Length == 0)
                {
                    Sink.WriteAscii("@=");
                }
                else
                {
                    Sink.WriteByte((byte)'"');
                    Sink.WritePerlString(Escape(name));
                    Sink.WriteAscii("\"=");
                }

                if (type == 4 && data.Length == 4)
                {
                    Sink.WriteAscii("dword:");
                    Sink.WriteHex32(BinaryPrimitives.ReadUInt32LittleEndian(data), minimumDigits: 8);
                }
                else
                {
                    Sink.WriteAscii("hex(");
                    Sink.WriteHex32(type, minimumDigits: 1);
                    Sink.WriteAscii("):");
                    Sink.WriteHexBytes(data);
                }

                Sink.WriteByte((byte)'\n');
            }

            _ints.RemoveRange(intsStart, _ints.Count - intsStart);
            _charsUsed = charsStart;
        }

        /// <summary>
        /// With <paramref name="count"/> cell offsets at <paramref name="start"/> in the int arena, appends their
        /// names' char starts and lengths, then a stable code-point order of indexes; returns where the order begins.
        /// </summary>
        private int LoadNamesAndSort(int start, int count, bool keys)
        {
            for (var i = 0; i < count; i++)
            {
                _ints.Add(0);
            }

            for (var i = 0; i < count; i++)
            {
                _ints.Add(0);
            }

            for (var i = 0; i < count; i++)
            {
                bool compressed;
                var raw = keys
                    ? new RegistryKey(hive, _ints[start + i]).RawName(out compressed)
                    : new RegistryValue(hive, _ints[start + i]).RawName(out compressed);
                EnsureChars(raw.Length);
                var length = Hive.DecodeNameInto(raw, compressed, _chars.AsSpan(_charsUsed));
                _ints[start + count + i] = _charsUsed;
                _ints[start + (2 * count) + i] = length;
                _charsUsed += length;
            }

            var order = _ints.Count;
            for (var i = 0; i < count; i++)
            {
                _ints.Add(i);
            }

            for (var i = 0; i < count; i++)
            {
                _ints.Add(0);
            }

            var all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ints);
            var names = new NameTable(_chars, all.Slice(start + count, count), all.Slice(start + (2 * count), count));
            SortStable(all.Slice(order, count), all.Slice(order + count, count), names);
            return order;
        }

        private void EnsureChars(int more)
        {
            if (_charsUsed + more > _chars.Length)
            {
                Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _charsUsed + more));
            }
        }

        private void AppendPath(ReadOnlySpan<char> text)
        {
            if (_pathLength + text.Length > _path.Length)
            {
                Array.Resize(ref _path, Math.Max(_path.Length * 2, _pathLength + text.Length));
            }

            text.CopyTo(_path.AsSpan(_pathLength));
            _pathLength += text.Length;
        }

        private static ReadOnlySpan<char> Escape(ReadOnlySpan<char> name) =>
            name.IndexOfAny('\\', '"') < 0 ? name : name.ToString().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

        /// <summary>Stable merge sort of indexes by name in code-point order.</summary>
        private static void SortStable(Span<int> order, Span<int> temp, NameTable names)
        {
            // Lists arrive sorted case-insensitively, so they are often already in code-point order.
            var sorted = true;
            for (var i = 1; i < order.Length && sorted; i++)
            {
                sorted = names.Compare(order[i - 1], order[i]) <= 0;
            }

            if (sorted)
            {
                return;
            }

            MergeSort(order, temp, names);
        }

        private static void MergeSort(Span<int> order, Span<int> temp, NameTable names)
        {
            if (order.Length <= 12)
            {
                for (var i = 1; i < order.Length; i++)
                {
                    var item = order[i];
                    var j = i - 1;
                    while (j >= 0 && names.Compare(order[j], item) > 0)
                    {
                        order[j + 1] = order[j];
                        j--;
                    }

                    order[j + 1] = item;
                }

                return;
            }

            var half = order.Length / 2;
            MergeSort(order[..half], temp[..half], names);
            MergeSort(order[half..], temp[half..], names);
            order.CopyTo(temp);
            int left = 0, right = half, k = 0;
            while (left < half && right < order.Length)
            {
                order[k++] = names.Compare(temp[right], temp[left]) < 0 ? temp[right++] : temp[left++];
            }

            while (left < half)
            {
                order[k++] = temp[left++];
            }

            while (right < order.Length)
            {
                order[k++] = temp[right++];
            }
        }
    }

    private readonly ref struct NameTable(char[] chars, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths)
    {
        private readonly ReadOnlySpan<int> _starts = starts;
        private readonly ReadOnlySpan<int> _lengths = lengths;

        public int Compare(int a, int b) =>
            NameRules.CompareCodePoints(chars.AsSpan(_starts[a], _lengths[a]), chars.AsSpan(_starts[b], _lengths[b]));
    }
}
