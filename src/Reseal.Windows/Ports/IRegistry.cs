namespace Reseal.Windows.Ports;

/// <summary>
/// The machine's registry, by hive. Key paths are backslash-separated and relative to the hive's root, matched
/// case-insensitively; in <see cref="RegistryHive.System"/> a leading <c>CurrentControlSet</c> means the control set
/// Windows boots with. Every change is durable when the call returns.
/// </summary>
public interface IRegistry
{
    /// <summary>True when the key exists.</summary>
    bool KeyExists(RegistryHive hive, string keyPath);

    /// <summary>A value, or null when the key or the value does not exist. <c>""</c> names the default value.</summary>
    RegistryData? GetValue(RegistryHive hive, string keyPath, string name);

    /// <summary>All values of a key; empty when the key does not exist.</summary>
    IReadOnlyList<NamedRegistryData> GetValues(RegistryHive hive, string keyPath);

    /// <summary>Names of the subkeys; empty when the key does not exist.</summary>
    IReadOnlyList<string> GetSubkeyNames(RegistryHive hive, string keyPath);

    /// <summary>Sets a value, creating the key and its parents when missing.</summary>
    void SetValue(RegistryHive hive, string keyPath, string name, RegistryData data);

    /// <summary>Deletes a value; false when it did not exist.</summary>
    bool DeleteValue(RegistryHive hive, string keyPath, string name);

    /// <summary>Creates a key and its parents (no change when it exists).</summary>
    void CreateKey(RegistryHive hive, string keyPath);

    /// <summary>Deletes a key and everything below it; false when it did not exist.</summary>
    bool DeleteKey(RegistryHive hive, string keyPath);
}

/// <summary>Typed reads on top of <see cref="IRegistry"/>.</summary>
public static class RegistryExtensions
{
    /// <summary>A string value's text (any string type), or null.</summary>
    public static string? GetString(this IRegistry registry, RegistryHive hive, string keyPath, string name)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.GetValue(hive, keyPath, name)?.AsString();
    }

    /// <summary>A DWORD value, or null when missing or not 4 bytes.</summary>
    public static uint? GetDWord(this IRegistry registry, RegistryHive hive, string keyPath, string name)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.GetValue(hive, keyPath, name)?.AsDWord();
    }
}
