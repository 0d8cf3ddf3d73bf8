using System.Security.Cryptography;

namespace Reseal.Registry;

/// <summary>What every edit promised, checked on the written file before it replaces the hive.</summary>
public sealed partial class HiveEditor
{
    private readonly Dictionary<uint, Dictionary<string, ValueExpectation?>> _expectedValues = [];
    private readonly Dictionary<uint, Dictionary<string, bool>> _expectedChildren = [];

    /// <summary>A value as set (its type, length and SHA-256, so a large import does not keep a second copy of its data).</summary>
    private sealed record ValueExpectation(uint Type, int Length, byte[] Hash);

    private void ExpectValue(uint key, string name, uint? type, ReadOnlySpan<byte> data)
    {
        if (!_expectedValues.TryGetValue(key, out var values))
        {
            values = new Dictionary<string, ValueExpectation?>(NameRules.Comparer);
            _expectedValues[key] = values;
        }

        values[name] = type is { } t ? new ValueExpectation(t, data.Length, SHA256.HashData(data)) : null;
    }

    private void ExpectChild(uint parent, string name, bool exists)
    {
        if (!_expectedChildren.TryGetValue(parent, out var children))
        {
            children = new Dictionary<string, bool>(NameRules.Comparer);
            _expectedChildren[parent] = children;
        }

        children[name] = exists;
    }

    /// <summary>Drops what is known about a deleted key (its cell may be reused by a later edit).</summary>
    private void Forget(uint key)
    {
        _expectedValues.Remove(key);
        _expectedChildren.Remove(key);
        _sortedChildren.Remove(key);
        _valueIndexes.Remove(key);
    }

    /// <summary>
    /// Checks the temporary file before it replaces the hive: it holds exactly the bytes meant, loads as a clean hive
    /// whose every hbin's cells walk, every touched key's subkey list is in order with the right hashes and counts,
    /// and every value and key set or deleted reads back as it was left. Throws <see cref="IOException"/> otherwise.
    /// </summary>
    private void Verify(string temp)
    {
        var written = File.ReadAllBytes(temp);
        if (!written.AsSpan().SequenceEqual(_image.Memory.Span))
        {
            throw new IOException($"{temp}: the written hive did not read back byte for byte; the original was left unchanged");
        }

        Hive hive;
        try
        {
            hive = Hive.Load(written);
            var problems = new List<HiveDiagnostic>();
            if (hive.Header.IsDirty)
            {
                problems.Add(new(HiveDiagnosticSeverity.Error, 0, "base block", "the written hive is dirty"));
            }

            HiveChecker.CheckCells(hive, problems);
            foreach (var (parent, children) in _expectedChildren)
            {
                VerifyChildren(new RegistryKey(hive, (int)parent), children, problems);
            }

            foreach (var (key, values) in _expectedValues)
            {
                VerifyValues(new RegistryKey(hive, (int)key), values, problems);
            }

            if (problems.FirstOrDefault(p => p.Severity == HiveDiagnosticSeverity.Error) is { } problem)
            {
                throw new IOException($"the edited hive does not read back as edited ({problem}); the original was left unchanged");
            }
        }
        catch (HiveFormatException e)
        {
            throw new IOException($"the edited hive does not read back ({e.Message}); the original was left unchanged", e);
        }
    }

    private static void VerifyChildren(RegistryKey parent, Dictionary<string, bool> expected, List<HiveDiagnostic> problems)
    {
        var children = parent.GetSubkeys();
        if (children.Count != parent.SubkeyCount)
        {
            problems.Add(new(HiveDiagnosticSeverity.Error, At(parent), "nk", $"declares {parent.SubkeyCount} subkeys, its lists hold {children.Count}"));
        }

        HiveChecker.CheckListOrder(parent.Hive, parent, children, problems);
        var names = new HashSet<string>(NameRules.Comparer);
        foreach (var child in children)
        {
            names.Add(child.Name);
            if (child.Node.U32(KeyNodeLayout.Parent, "parent offset") != (uint)parent.CellOffset)
            {
                problems.Add(new(HiveDiagnosticSeverity.Error, At(child), "nk", $"subkey \"{child.Name}\" does not point back at its parent"));
            }
        }

        foreach (var (name, exists) in expected)
        {
            if (names.Contains(name) != exists)
            {
                problems.Add(new(HiveDiagnosticSeverity.Error, At(parent), "nk", $"subkey \"{name}\" is {(exists ? "missing" : "still there")}"));
            }
        }
    }

    private static void VerifyValues(RegistryKey key, Dictionary<string, ValueExpectation?> expected, List<HiveDiagnostic> problems)
    {
        var values = new Dictionary<string, RegistryValue>(NameRules.Comparer);
        foreach (var value in key.GetValues())
        {
            values.TryAdd(value.Name, value);
        }

        byte[]? scratch = null;
        foreach (var (name, want) in expected)
        {
            var found = values.TryGetValue(name, out var value);
            if (want is null)
            {
                if (found)
                {
                    problems.Add(new(HiveDiagnosticSeverity.Error, At(key), "vk", $"value \"{name}\" is still there"));
                }

                continue;
            }

            if (!found)
            {
                problems.Add(new(HiveDiagnosticSeverity.Error, At(key), "vk", $"value \"{name}\" is missing"));
                continue;
            }

            var data = value.ReadData(ref scratch, out var type);
            if (type != want.Type || data.Length != want.Length || !SHA256.HashData(data).AsSpan().SequenceEqual(want.Hash))
            {
                problems.Add(new(HiveDiagnosticSeverity.Error, At(key), "vk", $"value \"{name}\" does not hold what was set"));
            }
        }
    }

    private static long At(RegistryKey key) => HiveImage.HbinAreaStart + (long)key.CellOffset;
}
