using System.Runtime.Versioning;
using Microsoft.Win32;
using Reseal.Windows.Ports;
using WinRegistryKey = Microsoft.Win32.RegistryKey;
using RegistryHive = Reseal.Windows.Ports.RegistryHive;

namespace Reseal.Windows.Live;

/// <summary>The registry through Microsoft.Win32.Registry, 64-bit view.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveRegistry : IRegistry
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveRegistry() => LiveWindows.Guard("LiveRegistry");

    /// <inheritdoc/>
    public bool KeyExists(RegistryHive hive, string keyPath)
    {
        using var key = Open(hive, keyPath, writable: false);
        return key is not null;
    }

    /// <inheritdoc/>
    public RegistryData? GetValue(RegistryHive hive, string keyPath, string name)
    {
        using var key = Open(hive, keyPath, writable: false);
        return key is null ? null : Read(key, name);
    }

    /// <inheritdoc/>
    public IReadOnlyList<NamedRegistryData> GetValues(RegistryHive hive, string keyPath)
    {
        using var key = Open(hive, keyPath, writable: false);
        if (key is null)
        {
            return [];
        }

        return key.GetValueNames().Select(n => Read(key, n) is { } data ? new NamedRegistryData(n, data) : null).OfType<NamedRegistryData>().ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetSubkeyNames(RegistryHive hive, string keyPath)
    {
        using var key = Open(hive, keyPath, writable: false);
        return key is null ? [] : key.GetSubKeyNames();
    }

    /// <inheritdoc/>
    public void SetValue(RegistryHive hive, string keyPath, string name, RegistryData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var root = Root(hive);
        using var key = root.CreateSubKey(keyPath, writable: true);
        var bytes = data.Bytes.ToArray();
        switch (data.Type)
        {
            case RegistryData.TypeString:
                key.SetValue(name, data.AsText(), RegistryValueKind.String);
                break;
            case RegistryData.TypeExpandString:
                key.SetValue(name, data.AsText(), RegistryValueKind.ExpandString);
                break;
            case RegistryData.TypeDWord when bytes.Length == 4:
                key.SetValue(name, unchecked((int)data.AsDWord()!.Value), RegistryValueKind.DWord);
                break;
            case RegistryData.TypeQWord when bytes.Length == 8:
                key.SetValue(name, unchecked((long)data.AsQWord()!.Value), RegistryValueKind.QWord);
                break;
            case RegistryData.TypeMultiString:
                key.SetValue(name, data.AsMultiString().ToArray(), RegistryValueKind.MultiString);
                break;
            case RegistryData.TypeBinary:
                key.SetValue(name, bytes, RegistryValueKind.Binary);
                break;
            default:
                key.SetValue(name, bytes, RegistryValueKind.None);
                break;
        }
    }

    /// <inheritdoc/>
    public bool DeleteValue(RegistryHive hive, string keyPath, string name)
    {
        using var key = Open(hive, keyPath, writable: true);
        if (key?.GetValueNames().Contains(name, StringComparer.OrdinalIgnoreCase) != true)
        {
            return false;
        }

        key.DeleteValue(name);
        return true;
    }

    /// <inheritdoc/>
    public void CreateKey(RegistryHive hive, string keyPath)
    {
        using var root = Root(hive);
        root.CreateSubKey(keyPath, writable: false).Dispose();
    }

    /// <inheritdoc/>
    public bool DeleteKey(RegistryHive hive, string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        using var root = Root(hive);
        using (var existing = root.OpenSubKey(keyPath))
        {
            if (existing is null)
            {
                return false;
            }
        }

        root.DeleteSubKeyTree(keyPath, throwOnMissingSubKey: false);
        return true;
    }

    /// <summary>
    /// The hive's root, opened for writing only when a write follows: a process that is not elevated can still read
    /// SOFTWARE and SYSTEM (the preflight reports it is not elevated rather than that nothing could be read).
    /// </summary>
    private static WinRegistryKey Root(RegistryHive hive, bool writable = true)
    {
        var (baseKey, sub) = hive switch
        {
            RegistryHive.Default => (Microsoft.Win32.RegistryHive.Users, ".DEFAULT"),
            _ => (Microsoft.Win32.RegistryHive.LocalMachine, RegistryHives.FileName(hive)),
        };
        using var top = WinRegistryKey.OpenBaseKey(baseKey, RegistryView.Registry64);
        try
        {
            return top.OpenSubKey(sub, writable)
                ?? throw new HiveUnavailableException(hive, "cannot be opened (SAM and SECURITY need the SYSTEM account)");
        }
        catch (System.Security.SecurityException e)
        {
            throw new HiveUnavailableException(hive, $"access denied ({e.Message}); SAM and SECURITY need the SYSTEM account, writes an elevated process", e);
        }
    }

    private static WinRegistryKey? Open(RegistryHive hive, string keyPath, bool writable)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        using var root = Root(hive, writable);
        return keyPath.Trim('\\').Length == 0 ? root.OpenSubKey("", writable) : root.OpenSubKey(keyPath.Trim('\\'), writable);
    }

    private static RegistryData? Read(WinRegistryKey key, string name)
    {
        var raw = key.GetValue(name, null, RegistryValueOptions.DoNotExpandEnvironmentNames);
        if (raw is null)
        {
            return null;
        }

        return key.GetValueKind(name) switch
        {
            RegistryValueKind.String => RegistryData.FromString((string)raw),
            RegistryValueKind.ExpandString => RegistryData.FromString((string)raw, expandable: true),
            RegistryValueKind.DWord => RegistryData.FromDWord(unchecked((uint)(int)raw)),
            RegistryValueKind.QWord => RegistryData.FromQWord(unchecked((ulong)(long)raw)),
            RegistryValueKind.MultiString => RegistryData.FromMultiString((string[])raw),
            RegistryValueKind.Binary => RegistryData.FromBinary((byte[])raw),
            _ => raw is byte[] bytes ? new RegistryData(RegistryData.TypeBinary, bytes) : RegistryData.FromString(raw.ToString() ?? ""),
        };
    }
}
