namespace Reseal.Registry;

/// <summary>A value in a <see cref="HiveDocument"/>: name, raw type and raw bytes, stored verbatim.</summary>
public sealed record EditableValue(string Name, uint Type, byte[] Data)
{
    /// <summary>The type as the enum (any uint is legal).</summary>
    public RegistryValueType KnownType => (RegistryValueType)Type;
}

/// <summary>
/// A key in a <see cref="HiveDocument"/>. Subkeys are kept sorted the way Windows sorts them (upcased UTF-16 code
/// units); values keep their order.
/// </summary>
public sealed class EditableKey
{
    /// <summary>Longest key name Windows accepts, in characters.</summary>
    public const int MaxNameLength = RegistryLimits.MaxKeyNameLength;

    /// <summary>Longest value name Windows accepts, in characters.</summary>
    public const int MaxValueNameLength = RegistryLimits.MaxValueNameLength;

    /// <summary>Keys with more values than this get a name index, so setting many values in one key stays linear.</summary>
    private const int IndexValuesAbove = 32;

    private readonly List<EditableKey> _subkeys = [];
    private readonly List<EditableValue> _values = [];
    private Dictionary<string, int>? _valueIndex;

    internal EditableKey(HiveDocument document, EditableKey? parent, string name)
    {
        Document = document;
        Parent = parent;
        Name = name;
        Depth = parent is null ? 0 : parent.Depth + 1;
    }

    internal HiveDocument Document { get; }

    internal int Depth { get; }

    /// <summary>The key's name.</summary>
    public string Name { get; }

    /// <summary>The parent, or null for the root.</summary>
    public EditableKey? Parent { get; }

    /// <summary>The class name (the SYSTEM Lsa keys keep the boot key here), or null.</summary>
    public string? ClassName { get; set; }

    /// <summary>Last-written time as a FILETIME; edits through this class update it.</summary>
    public long LastWrittenFileTime { get; set; }

    /// <summary>nk flags other than the name-encoding and root flags, which the writer computes.</summary>
    public KeyNodeAttributes Flags { get; set; }

    /// <summary>nk access bits (@12), kept as read.</summary>
    public uint AccessBits { get; set; }

    /// <summary>Self-relative security descriptor; null means "the parent's" (the root then gets a default one).</summary>
    public byte[]? SecurityDescriptor { get; set; }

    /// <summary>Subkeys in Windows order.</summary>
    public IReadOnlyList<EditableKey> Subkeys => _subkeys;

    /// <summary>Values in stored order.</summary>
    public IReadOnlyList<EditableValue> Values => _values;

    /// <summary>Backslash path from the root ("\" for the root).</summary>
    public string Path => Parent is null ? "\\" : Parent.Parent is null ? "\\" + Name : Parent.Path + "\\" + Name;

    /// <summary>A direct child by name (case-insensitive, binary search in the sorted list).</summary>
    public EditableKey? GetSubkey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = Find(name);
        return index >= 0 ? _subkeys[index] : null;
    }

    /// <summary>Returns the child, creating it (sorted into place, sharing this key's security) when missing.</summary>
    public EditableKey CreateSubkey(string name)
    {
        ValidateKeyName(name);
        var index = Find(name);
        if (index >= 0)
        {
            return _subkeys[index];
        }

        if (Depth + 1 > RegistryLimits.MaxDepth)
        {
            throw new ArgumentException($"keys cannot nest deeper than {RegistryLimits.MaxDepth} levels (Windows' limit)", nameof(name));
        }

        var child = new EditableKey(Document, this, name)
        {
            LastWrittenFileTime = Document.NowFileTime(),
        };
        _subkeys.Insert(~index, child);
        Touch();
        return child;
    }

    /// <summary>Deletes a child and everything below it; false when there was none.</summary>
    public bool DeleteSubkey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = Find(name);
        if (index < 0)
        {
            return false;
        }

        _subkeys.RemoveAt(index);
        Touch();
        return true;
    }

    /// <summary>A value by name (case-insensitive; "" is the default value).</summary>
    public EditableValue? GetValue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = FindValue(name);
        return index >= 0 ? _values[index] : null;
    }

    /// <summary>Sets (adds or replaces) a value; the bytes are stored verbatim (no NUL is added).</summary>
    public void SetValue(string name, uint type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > MaxValueNameLength)
        {
            throw new ArgumentException($"value name longer than {MaxValueNameLength} characters", nameof(name));
        }

        var value = new EditableValue(name, type, data.ToArray());
        var index = FindValue(name);
        if (index >= 0)
        {
            _values[index] = value with { Name = _values[index].Name };
        }
        else
        {
            _values.Add(value);
            _valueIndex?.TryAdd(name, _values.Count - 1);
        }

        Touch();
    }

    /// <summary>Sets a value of a named type.</summary>
    public void SetValue(string name, RegistryValueType type, ReadOnlySpan<byte> data) => SetValue(name, (uint)type, data);

    /// <summary>Deletes a value; false when there was none.</summary>
    public bool DeleteValue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = FindValue(name);
        if (index < 0)
        {
            return false;
        }

        _values.RemoveAt(index);
        _valueIndex = null;
        Touch();
        return true;
    }

    /// <summary>Adds a child read from a hive, keeping duplicates (they exist in damaged real hives) in order.</summary>
    internal EditableKey AddLoadedSubkey(string name)
    {
        var child = new EditableKey(Document, this, name);
        var index = Find(name);
        if (index < 0)
        {
            _subkeys.Insert(~index, child);
        }
        else
        {
            while (index < _subkeys.Count && NameRules.Compare(_subkeys[index].Name, name) == 0)
            {
                index++;
            }

            _subkeys.Insert(index, child);
        }

        return child;
    }

    internal void AddLoadedValue(EditableValue value)
    {
        _values.Add(value);
        _valueIndex?.TryAdd(value.Name, _values.Count - 1);
    }

    internal static void ValidateKeyName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxNameLength || name.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException($"key name must be 1..{MaxNameLength} characters without a backslash: \"{name}\"", nameof(name));
        }
    }

    private void Touch() => LastWrittenFileTime = Document.NowFileTime();

    private int Find(string name)
    {
        int lo = 0, hi = _subkeys.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var c = NameRules.Compare(_subkeys[mid].Name, name);
            if (c == 0)
            {
                // Step back to the first of equal names.
                while (mid > 0 && NameRules.Compare(_subkeys[mid - 1].Name, name) == 0)
                {
                    mid--;
                }

                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    private int FindValue(string name)
    {
        if (_values.Count > IndexValuesAbove)
        {
            if (_valueIndex is null)
            {
                // The first of duplicate names wins, as in the linear search below.
                _valueIndex = new Dictionary<string, int>(_values.Count, NameRules.Comparer);
                for (var i = 0; i < _values.Count; i++)
                {
                    _valueIndex.TryAdd(_values[i].Name, i);
                }
            }

            return _valueIndex.TryGetValue(name, out var found) ? found : -1;
        }

        for (var i = 0; i < _values.Count; i++)
        {
            if (NameRules.EqualsIgnoreCase(_values[i].Name, name))
            {
                return i;
            }
        }

        return -1;
    }

    public override string ToString() => Path;
}
