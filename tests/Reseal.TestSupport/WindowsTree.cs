using Reseal.Registry;

namespace Reseal.TestSupport;

/// <summary>
/// Windows trees in a temp folder built from the real hives in ../shared/data/hives (regipy SYSTEM, SAM, SECURITY, and
/// NTUSER.DAT as DEFAULT) plus a SOFTWARE hive written with Reseal.Registry: shared by the Windows, seal and CLI tests.
/// </summary>
public static class WindowsTree
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

    public static string Write(string root, string relative, string contents) => Write(root, relative, System.Text.Encoding.UTF8.GetBytes(contents));

    public static string Write(string root, string relative, byte[] contents)
    {
        var path = HostPath(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, contents);
        return path;
    }

    /// <summary>The host path of a Windows-style path relative to the tree's root.</summary>
    public static string HostPath(string root, string relative) => Path.Combine(root, relative.Replace('\\', Path.DirectorySeparatorChar));
}
