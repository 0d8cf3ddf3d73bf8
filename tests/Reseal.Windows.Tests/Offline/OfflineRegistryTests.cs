using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Offline;

public class OfflineRegistryTests
{
    [Fact]
    public void GetStatus_DirtySystemWithLogs_ReplaysThem()
    {
        using var temp = new TempDirectory();
        var config = WindowsTree.ConfigDir(temp);
        WindowsTree.Copy("regipy-SYSTEM_B", Path.Combine(config, "SYSTEM"));
        WindowsTree.Copy("regipy-SYSTEM_B.LOG1", Path.Combine(config, "SYSTEM.LOG1"));
        WindowsTree.Copy("regipy-SYSTEM_B.LOG2", Path.Combine(config, "system.log2"));
        var registry = OfflineWindows.Open(temp.Path).Registry;

        var status = registry.GetStatus(RegistryHive.System);

        Assert.Equal(HiveLoadState.Loaded, status.State);
        Assert.Contains(status.Notes, n => n.Contains("repaired", StringComparison.Ordinal));
        Assert.NotEmpty(registry.GetSubkeyNames(RegistryHive.System, @"CurrentControlSet\Services"));
    }

    [Fact]
    public void GetStatus_DirtySystemWithoutLogs_IsStaleButReadable()
    {
        using var temp = new TempDirectory();
        var config = WindowsTree.ConfigDir(temp);
        WindowsTree.Copy("regipy-SYSTEM_B", Path.Combine(config, "SYSTEM"));
        var registry = OfflineWindows.Open(temp.Path).Registry;

        var status = registry.GetStatus(RegistryHive.System);

        Assert.Equal(HiveLoadState.Stale, status.State);
        Assert.True(status.IsReadable);
        Assert.Contains("no transaction logs", status.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void GetStatus_CorruptSystem_IsUnreadableWithOffset()
    {
        using var temp = new TempDirectory();
        WindowsTree.Copy("regipy-corrupted_system_hive", Path.Combine(WindowsTree.ConfigDir(temp), "SYSTEM"));
        var registry = OfflineWindows.Open(temp.Path).Registry;

        var status = registry.GetStatus(RegistryHive.System);

        Assert.Equal(HiveLoadState.Unreadable, status.State);
        Assert.Contains("offset", status.Problem, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<HiveUnavailableException>(() => registry.KeyExists(RegistryHive.System, "Select"));
    }

    [Fact]
    public void CreateKeyDeleteValueDeleteKey_Software_RoundTripsThroughReglookup()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var registry = OfflineWindows.Open(root).Registry;
        const string key = @"Reseal\Agent\State";

        registry.SetValue(RegistryHive.Software, key, "Stage", RegistryData.FromString("preReady"));
        registry.SetValue(RegistryHive.Software, key, "Tries", RegistryData.FromDWord(3));
        Assert.True(registry.DeleteValue(RegistryHive.Software, key, "tries"));
        Assert.False(registry.DeleteValue(RegistryHive.Software, key, "tries"));

        var hive = Path.Combine(root, "Windows", "System32", "config", "SOFTWARE");
        var csv = TestTree.Tool("reglookup", "reglookup", "-p", "/Reseal", hive).StandardOutput;
        Assert.Contains("/Reseal/Agent/State/Stage,SZ,preReady", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("Tries", csv, StringComparison.Ordinal);

        Assert.True(registry.DeleteKey(RegistryHive.Software, "reseal"));
        Assert.False(OfflineWindows.Open(root).Registry.KeyExists(RegistryHive.Software, key));
        Assert.Throws<ArgumentException>(() => registry.DeleteKey(RegistryHive.Software, @"\"));
    }

    [Fact]
    public void GetValues_RegipySystemSelect_MatchesHivexget()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var values = OfflineWindows.Open(root).Registry.GetValues(RegistryHive.System, "Select");

        var hivex = TestTree.Tool("hivexget", "libhivex-bin", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"), @"\Select").StandardOutput;
        foreach (var value in values)
        {
            Assert.Contains($"\"{value.Name}\"=dword:{value.Data.AsDWord():x8}", hivex, StringComparison.Ordinal);
        }

        Assert.Equal(4, values.Count);
    }
}
