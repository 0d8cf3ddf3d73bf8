using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>How bad a <see cref="HiveDiagnostic"/> is.</summary>
public enum HiveDiagnosticSeverity
{
    /// <summary>Legal but unusual, or something Windows would repair.</summary>
    Warning,

    /// <summary>Windows would reject or misread this.</summary>
    Error,
}

/// <summary>One structural finding, located by file offset and structure name.</summary>
public sealed record HiveDiagnostic(HiveDiagnosticSeverity Severity, long FileOffset, string Structure, string Message)
{
    public override string ToString() => $"{Severity.ToString().ToLowerInvariant()}: {Structure} at file offset 0x{FileOffset:X}: {Message}";
}

/// <summary>
/// Checks what a hive checker checks (ReactOS cmcheck, registry.md §1.11): base block, hbin cell chains, parent
/// pointers, counts, sorted subkey lists with correct lh hashes / lf hints, sk reference counts and ring, and
/// adjacent free cells.
/// </summary>
public static class HiveChecker
{
    /// <summary>Runs every check; an empty result means the hive is consistent.</summary>
    public static IReadOnlyList<HiveDiagnostic> Check(Hive hive)
    {
        ArgumentNullException.ThrowIfNull(hive);
        var found = new List<HiveDiagnostic>();
        var header = hive.Header;
        if (!header.ChecksumValid)
        {
            found.Add(new(HiveDiagnosticSeverity.Error, 508, "base block", $"checksum 0x{header.StoredChecksum:X8}, computed 0x{header.ComputedChecksum:X8}"));
        }

        if (header.PrimarySequence != header.SecondarySequence)
        {
            found.Add(new(HiveDiagnosticSeverity.Warning, 4, "base block", $"dirty: sequence numbers {header.PrimarySequence} and {header.SecondarySequence}"));
        }

        try
        {
            CheckCells(hive, found);
            CheckTree(hive, found);
        }
        catch (HiveFormatException e)
        {
            found.Add(new(HiveDiagnosticSeverity.Error, e.FileOffset ?? 0, e.Structure ?? "hive", e.Message));
        }

        return found;
    }

    internal static void CheckCells(Hive hive, List<HiveDiagnostic> found)
    {
        var image = hive.ImageStore;
        var position = 0;
        while (position < image.HbinsSize)
        {
            var bytes = image.Hbin(position);
            var cell = HiveImage.HbinHeaderSize;
            var previousFree = false;
            while (cell < bytes.Length)
            {
                var raw = BinaryPrimitives.ReadInt32LittleEndian(bytes[cell..]);
                var length = raw < 0 ? -(long)raw : raw;
                if (length < 8 || length % 8 != 0 || cell + length > bytes.Length)
                {
                    found.Add(new(HiveDiagnosticSeverity.Error, Hive.HbinAreaStart + position + cell, "cell", $"size {raw} is not 8-aligned or does not fit its hbin"));
                    break;
                }

                var free = raw > 0;
                if (free && previousFree)
                {
                    found.Add(new(HiveDiagnosticSeverity.Warning, Hive.HbinAreaStart + position + cell, "cell", "free cell follows another free cell (not coalesced)"));
                }

                previousFree = free;
                cell += (int)length;
            }

            position += bytes.Length;
        }
    }

    private static void CheckTree(Hive hive, List<HiveDiagnostic> found)
    {
        var references = new Dictionary<uint, int>();
        var visited = new HashSet<int>();
        var values = new ValueWalkGuard(hive);
        var pending = new Stack<(RegistryKey Key, int Depth)>([(hive.Root, 0)]);
        if ((hive.Root.Flags & KeyNodeAttributes.HiveEntry) == 0)
        {
            found.Add(new(HiveDiagnosticSeverity.Warning, At(hive.Root.CellOffset), "nk", "root key lacks the HIVE_ENTRY flag"));
        }

        while (pending.Count > 0)
        {
            var (key, depth) = pending.Pop();
            if (!visited.Add(key.CellOffset))
            {
                found.Add(new(HiveDiagnosticSeverity.Error, At(key.CellOffset), "nk", "key is reachable twice"));
                continue;
            }

            if (depth > Hive.MaxDepth)
            {
                found.Add(new(HiveDiagnosticSeverity.Error, At(key.CellOffset), "nk", $"deeper than {Hive.MaxDepth} levels"));
                continue;
            }

            var node = key.Node;
            var sk = node.U32(KeyNodeLayout.Security, "sk offset");
            references[sk] = references.GetValueOrDefault(sk) + 1;
            byte[]? scratch = null;
            foreach (var value in key.GetValues())
            {
                values.Visit(value.CellOffset);
                values.Charge(value.CellOffset, value.ReadData(ref scratch).Length);
            }

            _ = key.ClassName;

            var children = key.GetSubkeys();
            if (children.Count != key.SubkeyCount)
            {
                found.Add(new(HiveDiagnosticSeverity.Error, At(key.CellOffset), "nk", $"declares {key.SubkeyCount} subkeys, its lists hold {children.Count}"));
            }

            CheckListOrder(hive, key, children, found);
            foreach (var child in children)
            {
                var parent = child.Node.U32(KeyNodeLayout.Parent, "parent offset");
                if (parent != (uint)key.CellOffset)
                {
                    found.Add(new(HiveDiagnosticSeverity.Error, At(child.CellOffset), "nk", $"parent offset 0x{parent:X}, but it is listed under 0x{key.CellOffset:X}"));
                }

                pending.Push((child, depth + 1));
            }
        }

        CheckSecurity(hive, references, found);
    }

    internal static void CheckListOrder(Hive hive, RegistryKey key, IReadOnlyList<RegistryKey> children, List<HiveDiagnostic> found)
    {
        string? previous = null;
        foreach (var child in children)
        {
            var name = child.Name;
            if (previous is not null && NameRules.Compare(previous, name) >= 0)
            {
                found.Add(new(HiveDiagnosticSeverity.Error, At(child.CellOffset), "nk", $"subkey \"{name}\" of {key.Path} is out of order after \"{previous}\" (Windows would not find it)"));
            }

            previous = name;
        }

        var listOffset = key.Node.U32(KeyNodeLayout.SubkeyList, "subkey list offset");
        if (children.Count == 0 || listOffset == Hive.None)
        {
            return;
        }

        var list = hive.Cell(listOffset, "subkey list");
        var leaves = new List<uint>();
        if (list.HasSignature('r', 'i'))
        {
            for (var i = 0; i < list.U16(ListLayout.Count, "count"); i++)
            {
                leaves.Add(list.U32(ListLayout.Entries + (4 * i), "ri entry"));
            }
        }
        else
        {
            leaves.Add(listOffset);
        }

        foreach (var leafOffset in leaves)
        {
            var leaf = hive.Cell(leafOffset, "subkey list");
            var hashed = leaf.HasSignature('l', 'h');
            if (!hashed && !leaf.HasSignature('l', 'f'))
            {
                continue;
            }

            for (var i = 0; i < leaf.U16(ListLayout.Count, "count"); i++)
            {
                var name = new RegistryKey(hive, (int)leaf.U32(ListLayout.Entries + (ListLayout.HashedEntry * i), "entry")).Name;
                var stored = leaf.U32(ListLayout.Entries + 4 + (ListLayout.HashedEntry * i), "hash");
                var expected = hashed ? NameRules.LhHash(name) : NameRules.LfHint(name);
                if (stored != expected)
                {
                    found.Add(new(HiveDiagnosticSeverity.Error, leaf.FileOffset, hashed ? "lh" : "lf", $"entry {i} (\"{name}\") has {(hashed ? "hash" : "hint")} 0x{stored:X8}, expected 0x{expected:X8}"));
                }
            }
        }
    }

    private static void CheckSecurity(Hive hive, Dictionary<uint, int> references, List<HiveDiagnostic> found)
    {
        foreach (var (offset, count) in references)
        {
            if (offset == Hive.None)
            {
                found.Add(new(HiveDiagnosticSeverity.Error, 0, "nk", $"{count} keys have no security cell"));
                continue;
            }

            var sk = hive.Cell(offset, "sk");
            sk.RequireSignature('s', 'k');
            var stored = sk.U32(SecurityLayout.ReferenceCount, "reference count");
            if (stored != count)
            {
                found.Add(new(HiveDiagnosticSeverity.Error, sk.FileOffset - 4, "sk", $"reference count {stored}, but {count} keys use it"));
            }

            var next = hive.Cell(sk.U32(SecurityLayout.Flink, "flink"), "sk (flink)");
            next.RequireSignature('s', 'k');
            if (next.U32(SecurityLayout.Blink, "blink") != offset)
            {
                found.Add(new(HiveDiagnosticSeverity.Error, sk.FileOffset - 4, "sk", "flink/blink ring is broken here"));
            }
        }
    }

    private static long At(int cellOffset) => Hive.HbinAreaStart + (long)cellOffset;
}
