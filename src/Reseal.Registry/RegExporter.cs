using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Options for <see cref="RegExporter"/>.</summary>
public sealed record RegExportOptions
{
    /// <summary>Text put before every key path, e.g. <c>HKEY_LOCAL_MACHINE\SYSTEM</c> (a trailing backslash is dropped).</summary>
    public string? Prefix { get; init; }

    /// <summary>
    /// Walk the whole tree once without writing before anything is written, so that a damaged hive throws its
    /// <see cref="HiveFormatException"/> before the first byte reaches the output (for standard output or a pipe,
    /// where a temporary file is not possible). The hive's bytes must not change in between (a hive loaded into
    /// memory). Costs a second walk, but no memory beyond the first: both walks share one set of buffers.
    /// </summary>
    public bool CheckFirst { get; init; }
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
    /// before the damage and a <see cref="HiveFormatException"/> follows. Set <see cref="RegExportOptions.CheckFirst"/>
    /// (nothing is written to a damaged hive's stream), or write to a temporary file, when that matters.</remarks>
    public static void Export(RegistryKey start, Stream output, RegExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var prefix = options?.Prefix;
        if (prefix is not null && prefix.EndsWith('\\'))
        {
            prefix = prefix[..^1];
        }

        var walker = NewWalker(start, prefix);
        if (options?.CheckFirst == true)
        {
            walker.Check(start);
        }

        walker.Run(start, new ByteSink(output), quick: false);
    }

    /// <summary>
    /// Reads and checks every key, value and data cell <see cref="Export(RegistryKey, Stream, RegExportOptions?)"/>
    /// would, but writes nothing: it throws when, and only when, the export would throw a
    /// <see cref="HiveFormatException"/>, and then the same one (message and offset). A caller that must not send half
    /// an export anywhere (standard output, a pipe) checks first and then streams the export straight out
    /// (<see cref="RegExportOptions.CheckFirst"/> does both); the hive's bytes must not change in between (a hive loaded
    /// into memory).
    /// </summary>
    /// <remarks>
    /// The check walks in list order without decoding, sorting or writing names; only when it finds damage does it
    /// walk again in the export's order, so that a hive damaged in several places reports the place the export meets first.
    /// </remarks>
    public static void Check(RegistryKey start) => NewWalker(start, prefix: null).Check(start);

    private static Walker NewWalker(RegistryKey start, string? prefix) =>
        start.Hive is null
            ? throw new ArgumentException("default(RegistryKey) is not a key of any hive", nameof(start))
            : new Walker(start.Hive, prefix);

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
    /// <remarks>
    /// One walker can make several walks (<see cref="RegExportOptions.CheckFirst"/>'s check, then the export): the
    /// arenas keep the size the first walk grew them to, so the second touches no new memory.
    /// </remarks>
    private sealed class Walker(Hive hive, string? prefix)
    {
        private readonly ulong[] _visited = new ulong[(hive.HiveBinsSize / 8 / 64) + 1];
        private readonly ValueWalkGuard _values = new(hive);
        private readonly List<int> _ints = new(4096);
        private char[] _chars = new char[1 << 14];
        private int _charsUsed;
        private char[] _path = new char[1024];
        private int _pathLength;
        private bool _used;

        /// <summary>
        /// The quick check walk: every cell the export reads is read and checked the same way, but children and
        /// values are taken in list order, and no name is decoded or sorted and no path built.
        /// </summary>
        private bool _quick;

        /// <summary>Where the walk under way writes (<see cref="Run"/> sets it).</summary>
        private ByteSink Sink { get; set; } = null!;

        /// <summary>
        /// Throws the <see cref="HiveFormatException"/> an export from <paramref name="start"/> would, writing nothing.
        /// A quick walk first; only when it finds damage is the export's own walk made, so that the error is the
        /// export's even when a hive is damaged in more than one place (the walks meet them in different orders).
        /// </summary>
        public void Check(RegistryKey start)
        {
            try
            {
                Run(start, ByteSink.Discarding(), quick: true);
            }
            catch (HiveFormatException)
            {
                Run(start, ByteSink.Discarding(), quick: false);
                throw; // not reached: both walks make the same checks
            }
        }

        /// <summary>Walks from <paramref name="start"/>, writing to <paramref name="sink"/>, then flushes it.</summary>
        public void Run(RegistryKey start, ByteSink sink, bool quick)
        {
            _quick = quick;
            if (_used)
            {
                Array.Clear(_visited);
                _values.Reset();
            }

            _used = true;
            Sink = sink;
            _ints.Clear();
            _charsUsed = 0;
            _pathLength = 0;
            sink.WriteAscii(Header);
            var path = start.Path;
            AppendPath(path == "\\" ? [] : path.AsSpan());
            Visit(start, 0);
            sink.Flush();
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
            if (_quick)
            {
                CheckSubtree(key, depth);
                return;
            }

            Sink.WriteByte((byte)'[');
            if (prefix is not null)
            {
                Sink.WritePerlString(prefix);
            }

            Sink.WritePerlString(_pathLength == 0 ? "\\" : _path.AsSpan(0, _pathLength));
            Sink.WriteAscii("]\n");
            var node = key.Node;
            WriteValues(key.AppendValueOffsets(node, _ints));
            Sink.WriteByte((byte)'\n');

            var intsStart = _ints.Count;
            var charsStart = _charsUsed;
            var count = CollectSubkeys(node);
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

        /// <summary>Appends the offsets of the subkeys of the key whose nk cell is <paramref name="node"/> to the int arena; returns how many.</summary>
        private int CollectSubkeys(CellReader node)
        {
            var intsStart = _ints.Count;
            var list = node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
            if (node.U32(KeyNodeLayout.SubkeyCount, "subkey count") != 0 && list != Hive.None)
            {
                // The bound is on this key's subkeys: _ints already holds the ancestors' entries from intsStart on.
                hive.CollectSubkeys(list, _ints, checked(intsStart + (hive.HiveBinsSize / 80)));
            }

            return _ints.Count - intsStart;
        }

        /// <summary>
        /// The quick walk's part of <see cref="Visit"/> for a key already marked visited: the reads and checks of
        /// <see cref="WriteValues"/>, <see cref="LoadNamesAndSort"/> and the descent, in list order.
        /// </summary>
        private void CheckSubtree(RegistryKey key, int depth)
        {
            var intsStart = _ints.Count;
            var node = key.Node;
            var count = key.AppendValueOffsets(node, _ints);
            for (var i = 0; i < count; i++)
            {
                _values.Visit(_ints[intsStart + i]);
            }

            for (var i = 0; i < count; i++)
            {
                var value = new RegistryValue(hive, _ints[intsStart + i]);
                var valueNode = value.Node;
                _ = RegistryValue.RawName(valueNode, out _);
                _values.Charge(value.CellOffset, value.CheckData(valueNode));
            }

            _ints.RemoveRange(intsStart, count);
            count = CollectSubkeys(node);
            for (var i = 0; i < count; i++)
            {
                _ = new RegistryKey(hive, _ints[intsStart + i]).RawName(out _);
            }

            for (var i = 0; i < count; i++)
            {
                Visit(new RegistryKey(hive, _ints[intsStart + i]), depth + 1);
            }

            _ints.RemoveRange(intsStart, count);
        }

        /// <summary>Writes the values whose <paramref name="count"/> vk offsets were just appended to the int arena.</summary>
        private void WriteValues(int count)
        {
            var intsStart = _ints.Count - count;
            var charsStart = _charsUsed;
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
                // Checked whole, big data not assembled (written below a segment at a time, when written at all).
                var data = value.ReadDataUnassembled(out var type, out var length);
                _values.Charge(value.CellOffset, length);
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
                    if (data.Length == length)
                    {
                        Sink.WriteHexBytes(data);
                    }
                    else
                    {
                        // Big data: a segment at a time.
                        for (var piece = 0; value.BigDataPiece(piece, length) is { IsEmpty: false } bytes; piece++)
                        {
                            Sink.WriteHexBytes(bytes, continued: piece > 0);
                        }
                    }
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
