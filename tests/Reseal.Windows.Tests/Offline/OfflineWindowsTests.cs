using System.Text.RegularExpressions;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Offline;

public class OfflineWindowsTests
{
    [Fact]
    public void ToHostPath_MixedCaseTree_FindsEntriesCaseInsensitively()
    {
        using var temp = new TempDirectory();
        var file = WindowsTree.Write(temp.Path, "windows/PANTHER/Unattend.XML", "<unattend/>");
        var files = new OfflineFiles(temp.Path);

        Assert.Equal(file, files.ToHostPath(@"C:\Windows\Panther\unattend.xml"));
        Assert.True(files.FileExists(@"%WINDIR%\panther\UNATTEND.xml"));
        Assert.Equal([@"C:\Windows\Panther\Unattend.XML"], files.ListFiles(@"C:\Windows\Panther"));
    }

    [Fact]
    public void WriteAllBytes_NewPath_CreatesDirectoriesAndReadsBack()
    {
        using var temp = new TempDirectory();
        var files = new OfflineFiles(temp.Path);
        files.WriteAllBytes(@"C:\ProgramData\Reseal\state\x.json", "{}"u8);

        Assert.Equal("{}"u8.ToArray(), files.ReadAllBytes(@"%ProgramData%\reseal\STATE\x.json"));
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Path, "ProgramData", "Reseal", "state"), "*.reseal-*"));
        Assert.Throws<FileNotFoundException>(() => files.ReadAllBytes(@"C:\nothing.txt"));
    }

    [Fact]
    public void GetComputerName_RegipySystem_MatchesHivexget()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var windows = OfflineWindows.Open(root);

        Assert.Equal("WKS-WIN732BITA", windows.System.GetComputerName());
        var hivex = TestTree.Tool("hivexget", "libhivex-bin", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"),
            @"\ControlSet001\Control\ComputerName\ComputerName", "ComputerName");
        Assert.Equal(hivex.StandardOutput.Trim(), windows.System.GetComputerName());
    }

    [Fact]
    public void GetValue_LowercaseConfigFolder_FindsHives()
    {
        using var temp = new TempDirectory();
        var config = WindowsTree.ConfigDir(temp, "WINDOWS", "system32", "Config");
        WindowsTree.Copy("regipy-SYSTEM", Path.Combine(config, "system"));
        var windows = OfflineWindows.Open(temp.Path);

        Assert.True(windows.LooksLikeWindows);
        Assert.Equal("Eastern Standard Time",
            windows.Registry.GetValue(RegistryHive.System, @"currentcontrolset\control\timezoneinformation", "timezonekeyname")?.AsString());
    }

    [Fact]
    public void GetOsVersion_SoftwareWrittenByReseal_ReadsEdition()
    {
        using var temp = new TempDirectory();
        var windows = OfflineWindows.Open(WindowsTree.Full(temp));
        var os = windows.System.GetOsVersion();

        Assert.Equal("ServerDatacenter", os.EditionId);
        Assert.Equal("10.0.20348.1234", os.VersionText);
        Assert.True(os.IsServer);
        Assert.Equal(ImageState.Complete, windows.System.GetImageState().State);
        Assert.True(windows.System.GetActivation().SkipRearm);
    }

    [Fact]
    public void ListAccounts_RegipySam_MatchesChntpw()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var accounts = OfflineWindows.Open(root).Accounts.ListAccounts();

        Assert.Equal(["Administrator", "Guest", "Preston"], accounts.Select(a => a.Name));
        Assert.Equal([500u, 501u, 1000u], accounts.Select(a => a.Rid));
        Assert.Equal([true, true, false], accounts.Select(a => a.Disabled));
        Assert.Equal([true, false, true], accounts.Select(a => a.IsAdministrator ?? false));

        var chntpw = ChntpwUsers(Path.Combine(root, "Windows", "System32", "config", "SAM"));
        Assert.Equal(chntpw.OrderBy(u => u.Rid), accounts.Select(a => (a.Rid, a.Name, a.IsAdministrator == true, a.Disabled)));
    }

    [Fact]
    public void ListAccounts_WinregkbSam_MatchesChntpw()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp, sam: "winregkb-SAM", security: "winregkb-SECURITY");
        var accounts = OfflineWindows.Open(root).Accounts.ListAccounts();

        var chntpw = ChntpwUsers(Path.Combine(root, "Windows", "System32", "config", "SAM"));
        Assert.Equal(3, accounts.Count);
        Assert.Equal(chntpw.OrderBy(u => u.Rid), accounts.Select(a => (a.Rid, a.Name, a.IsAdministrator == true, a.Disabled)));
    }

    [Fact]
    public void SetEnabled_GuestInCopiedSam_ChntpwSeesItEnabled()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var windows = OfflineWindows.Open(root);

        windows.Accounts.SetEnabled("guest", enabled: true);

        Assert.False(OfflineWindows.Open(root).Accounts.FindAccount("Guest")!.Disabled);
        var chntpw = ChntpwUsers(Path.Combine(root, "Windows", "System32", "config", "SAM"));
        Assert.Contains((501u, "Guest", false, false), chntpw);
        Assert.Contains((500u, "Administrator", true, true), chntpw);
    }

    [Fact]
    public void SetEnabled_SamEdited_LeavesNoBackupWithOldHashesInTheTree()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var windows = OfflineWindows.Open(root);

        windows.Accounts.SetEnabled("guest", enabled: true);

        var inTree = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(inTree, name => name!.EndsWith(".bak", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(inTree, name => name!.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void SetValue_CurrentControlSet_WritesControlSet001ThatHivexReads()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var windows = OfflineWindows.Open(root);

        windows.Registry.SetValue(RegistryHive.System, @"CurrentControlSet\Control\Terminal Server", "fDenyTSConnections", RegistryData.FromDWord(1));
        windows.Services.SetStartMode("BDESVC", ServiceStartMode.Disabled);

        Assert.Equal(1u, windows.Registry.GetDWord(RegistryHive.System, @"CurrentControlSet\Control\Terminal Server", "fDenyTSConnections"));
        var hive = Path.Combine(root, "Windows", "System32", "config", "SYSTEM");
        Assert.Equal("1", TestTree.Tool("hivexget", "libhivex-bin", hive, @"\ControlSet001\Control\Terminal Server", "fDenyTSConnections").StandardOutput.Trim());
        Assert.Equal("4", TestTree.Tool("hivexget", "libhivex-bin", hive, @"\ControlSet001\Services\BDESVC", "Start").StandardOutput.Trim());
        Assert.Equal(ServiceStartMode.Disabled, OfflineWindows.Open(root).Services.Find("bdesvc")!.StartMode);
    }

    [Fact]
    public void SetValue_DirtySecurityWithoutLogs_ThrowsAndLeavesFile()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var path = Path.Combine(root, "Windows", "System32", "config", "SECURITY");
        var before = File.ReadAllBytes(path);
        var windows = OfflineWindows.Open(root);

        Assert.Equal(HiveLoadState.Stale, windows.Registry.GetStatus(RegistryHive.Security).State);
        var error = Assert.Throws<HiveUnavailableException>(() =>
            windows.Registry.SetValue(RegistryHive.Security, "Policy", "x", RegistryData.FromDWord(1)));
        Assert.Contains("dirty", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void GetValue_MissingHive_ThrowsNamingTheHive()
    {
        using var temp = new TempDirectory();
        WindowsTree.ConfigDir(temp);
        var windows = OfflineWindows.Open(temp.Path);

        var error = Assert.Throws<HiveUnavailableException>(() => windows.Registry.GetValue(RegistryHive.Software, "x", "y"));
        Assert.Contains(@"HKLM\SOFTWARE", error.Message, StringComparison.Ordinal);
        Assert.Equal(HiveLoadState.Missing, windows.Registry.GetStatus(RegistryHive.Software).State);
    }

    [Fact]
    public async Task RunningOperations_OfflineTree_ThrowPlatformNotSupportedNamingTheOperation()
    {
        using var temp = new TempDirectory();
        IWindowsMachine windows = OfflineWindows.Open(temp.Path);

        var run = await Assert.ThrowsAsync<PlatformNotSupportedException>(() => windows.Processes.RunAsync(new ProcessRequest("sysprep.exe"), CancellationToken.None));
        Assert.Contains("sysprep.exe", run.Message, StringComparison.Ordinal);
        Assert.Throws<PlatformNotSupportedException>(() => windows.Power.Request(PowerAction.Reboot, TimeSpan.Zero, "test"));
        await Assert.ThrowsAsync<PlatformNotSupportedException>(() => windows.SerialConsole.WriteLineAsync("x", CancellationToken.None));
        await Assert.ThrowsAsync<PlatformNotSupportedException>(() => windows.Services.StartAsync("Reseal", TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Throws<PlatformNotSupportedException>(() => windows.Accounts.SetPassword("Administrator", "x"));
    }

    [Fact]
    public void ListProfiles_SoftwareProfileList_ReadsPaths()
    {
        using var temp = new TempDirectory();
        var profiles = OfflineWindows.Open(WindowsTree.Full(temp)).Accounts.ListProfiles();

        var system = Assert.Single(profiles);
        Assert.Equal("S-1-5-18", system.Sid);
        Assert.Equal(@"%systemroot%\system32\config\systemprofile", system.ProfileImagePath);
    }

    /// <summary>Parses <c>chntpw -l</c>'s table: | RID | name | ADMIN | dis/lock |.</summary>
    internal static List<(uint Rid, string Name, bool Admin, bool Disabled)> ChntpwUsers(string sam)
    {
        var output = TestTree.Tool("chntpw", "chntpw", "-l", sam).StandardOutput;
        var rows = new List<(uint, string, bool, bool)>();
        foreach (Match m in Regex.Matches(output, @"^\| ([0-9a-f]{4}) \| (.+?)\s*\| (ADMIN|     )? *\| (.*?)\s*\|$", RegexOptions.Multiline))
        {
            rows.Add((Convert.ToUInt32(m.Groups[1].Value, 16), m.Groups[2].Value.Trim(), m.Groups[3].Value == "ADMIN", m.Groups[4].Value.Contains("dis", StringComparison.Ordinal)));
        }

        Assert.NotEmpty(rows);
        return rows;
    }
}
