using Reseal.Registry;
using Reseal.TestSupport;

namespace Reseal.Windows.Tests;

/// <summary>Builds Windows trees in a temp folder from the real hives in ../shared/data/hives plus a SOFTWARE hive written here.</summary>
internal static class TestTree
{
    public const string SoftwareReg = """
        Windows Registry Editor Version 5.00

        [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
        "ProductName"="Windows Server 2022 Datacenter"
        "EditionID"="ServerDatacenter"
        "InstallationType"="Server"
        "CurrentBuildNumber"="20348"
        "CurrentMajorVersionNumber"=dword:0000000a
        "CurrentMinorVersionNumber"=dword:00000000
        "UBR"=dword:000004d2
        "DisplayVersion"="21H2"

        [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State]
        "ImageState"="IMAGE_STATE_COMPLETE"

        [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Cryptography]
        "MachineGuid"="6f0c3c1e-1d2b-4c55-9a51-2f3f3f6a8b10"

        [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform]
        "SkipRearm"=dword:00000001

        [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-18]
        "ProfileImagePath"="%systemroot%\\system32\\config\\systemprofile"
        "State"=dword:00000000

        """;

    /// <summary>Writes hives into <c>root/Windows/System32/config</c> (directory names as given, to test case-insensitivity).</summary>
    public static string ConfigDir(TempDirectory temp, string windows = "Windows", string system32 = "System32", string config = "config")
    {
        var dir = Path.Combine(temp.Path, windows, system32, config);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A full tree: regipy SYSTEM, SAM, SECURITY, NTUSER.DAT as DEFAULT, and a SOFTWARE written with Reseal.</summary>
    public static string Full(TempDirectory temp, string? extraSoftwareReg = null, string sam = "regipy-SAM", string security = "regipy-SECURITY")
    {
        var config = ConfigDir(temp);
        Copy("regipy-SYSTEM", Path.Combine(config, "SYSTEM"));
        Copy(sam, Path.Combine(config, "SAM"));
        Copy(security, Path.Combine(config, "SECURITY"));
        Copy("regipy-NTUSER.DAT", Path.Combine(config, "DEFAULT"));
        WriteSoftware(Path.Combine(config, "SOFTWARE"), SoftwareReg + (extraSoftwareReg ?? ""));
        return temp.Path;
    }

    public static void Copy(string hiveName, string target) =>
        File.WriteAllBytes(target, SharedData.ReadBytes($"hives/{hiveName}.gz"));

    public static void WriteSoftware(string path, string reg)
    {
        var document = HiveDocument.Create("ROOT");
        RegImporter.Import(document, reg, new RegImportOptions { Prefix = @"HKEY_LOCAL_MACHINE\SOFTWARE" });
        document.Save(path, new HiveSaveOptions { KeepBackup = false });
    }

    public static string Write(string root, string relative, string contents)
    {
        var path = Path.Combine(root, relative.Replace('\\', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, contents);
        return path;
    }

    /// <summary>hivexregedit --merge cannot create a key whose parent is missing: add an empty section for every ancestor first.</summary>
    public static string WithAncestors(string reg)
    {
        var lines = reg.Split('\n');
        var keys = lines.Where(l => l.StartsWith('[')).Select(l => l.Trim().Trim('[', ']')).ToList();
        var ancestors = new List<string>();
        foreach (var key in keys)
        {
            var parts = key.Split('\\');
            for (var i = 3; i < parts.Length; i++)
            {
                var ancestor = string.Join('\\', parts[..i]);
                if (!ancestors.Contains(ancestor))
                {
                    ancestors.Add(ancestor);
                }
            }
        }

        return lines[0] + "\n\n" + string.Join("", ancestors.Select(a => $"[{a}]\n\n")) + string.Join('\n', lines.Skip(1));
    }

    /// <summary>Runs a Debian tool with LC_ALL=C.UTF-8, skipping the test when it is not installed.</summary>
    public static ProcessResult Tool(string name, string package, params string[] arguments)
    {
        var path = ExternalTool.Require(name, package);
        return ExternalTool.Run(path, arguments);
    }
}
