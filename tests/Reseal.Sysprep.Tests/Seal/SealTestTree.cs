using Reseal.Registry;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>
/// Windows trees for the seal tests: the real hives in ../shared/data/hives (regipy SYSTEM, SAM, SECURITY, NTUSER.DAT as
/// DEFAULT) plus a SOFTWARE hive written with Reseal.Registry, as tests/Reseal.Windows.Tests/TestTree.cs builds them.
/// </summary>
internal static class SealTestTree
{
    public const string ValidAgentConfig = """
        version: "1.0"
        config:
          - stage: boot
            tasks:
              - task: extendRootPartition
        """;

    /// <summary>
    /// A tree that nothing blocks: real hives, sysprep.exe and reseal.exe present. The real SAM's enabled user
    /// 'Preston' stays (a warning), unless <paramref name="disableExtraAccount"/>.
    /// </summary>
    public static string Ready(TempDirectory temp, string? extraSoftwareReg = null, string sam = "regipy-SAM", string security = "regipy-SECURITY",
        bool disableExtraAccount = false)
    {
        var root = WindowsTree.Full(temp, extraSoftwareReg, sam, security);
        WindowsTree.Write(root, @"Windows\System32\Sysprep\sysprep.exe", "MZ sysprep stand-in");
        WindowsTree.Write(root, @"Program Files\Reseal\reseal.exe", "MZ reseal stand-in");
        if (disableExtraAccount)
        {
            OfflineWindows.Open(root).Accounts.SetEnabled("Preston", false);
        }

        return root;
    }

    public static void SetSystemDWord(string root, string key, string name, uint value) =>
        OfflineWindows.Open(root).Registry.SetValue(RegistryHive.System, key, name, RegistryData.FromDWord(value));

    /// <summary>Every file of the tree outside Windows\System32\config (hives are compared by their export), by relative path.</summary>
    public static SortedDictionary<string, string> Files(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var config = Path.Combine(root, "Windows", "System32", "config");
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (!path.StartsWith(config, StringComparison.Ordinal))
            {
                files[Path.GetRelativePath(root, path)] = Convert.ToHexString(File.ReadAllBytes(path));
            }
        }

        return files;
    }

    /// <summary>Every directory of the tree, by relative path.</summary>
    public static List<string> Directories(string root) =>
        [.. Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Select(d => Path.GetRelativePath(root, d)).Order(StringComparer.Ordinal)];

    /// <summary>A hive exported as .reg text by Reseal.Registry.</summary>
    public static string Export(string root, string hive)
    {
        var bytes = RegExporter.ExportToBytes(Hive.Open(Path.Combine(root, "Windows", "System32", "config", hive)));
        return System.Text.Encoding.Unicode.GetString(bytes);
    }
}
