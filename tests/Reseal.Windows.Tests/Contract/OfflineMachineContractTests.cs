using Reseal.Registry;
using Reseal.TestSupport;
using Reseal.TestSupport.MachineContract;
using Reseal.Windows.Offline;

namespace Reseal.Windows.Tests.Contract;

/// <summary>
/// The machine contract against <see cref="OfflineWindows"/> over a temporary tree whose SOFTWARE and SYSTEM hives are
/// written by Reseal.Registry (every change the contract makes is saved to those files and read back from them) and
/// whose SAM is the real one in ../shared/data (the account fact skips without it).
/// </summary>
public sealed class OfflineMachineContractTests : MachineContractTests
{
    private const string SystemReg = """
        Windows Registry Editor Version 5.00

        [HKEY_LOCAL_MACHINE\SYSTEM\Select]
        "Current"=dword:00000001
        "Default"=dword:00000001
        "LastKnownGood"=dword:00000001

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ComputerName\ComputerName]
        "ComputerName"="WIN-OFFLINE01"

        [HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ComputerName\ActiveComputerName]
        "ComputerName"="WIN-OFFLINE01"

        """;

    protected override void Check(string scenario)
    {
        using var temp = new TempDirectory();
        using var backups = new TempDirectory(); // outside the tree, as the registry requires
        var config = WindowsTree.ConfigDir(temp);
        WindowsTree.WriteSoftware(Path.Combine(config, "SOFTWARE"), WindowsTree.SoftwareReg);
        WriteHive(Path.Combine(config, "SYSTEM"), @"HKEY_LOCAL_MACHINE\SYSTEM", SystemReg);
        if (scenario == nameof(Accounts_BuiltInAdministrator_FoundByRidAndByName))
        {
            Assert.SkipWhen(SharedData.Directory is null, "needs the real SAM hive in ../shared/data/hives (set RESEAL_TEST_DATA)");
            WindowsTree.Copy("regipy-SAM", Path.Combine(config, "SAM"));
        }

        var windows = OfflineWindows.Open(temp.Path, backupDirectory: backups.Path);
        MachineContract.Run(scenario, windows);
        // What the scenario wrote is in the hive files themselves: a second machine over the same tree agrees.
        Assert.Equal(windows.Registry.GetSubkeyNames(Reseal.Windows.Ports.RegistryHive.Software, ""), OfflineWindows.Open(temp.Path).Registry.GetSubkeyNames(Reseal.Windows.Ports.RegistryHive.Software, ""));
    }

    private static void WriteHive(string path, string prefix, string reg)
    {
        var document = HiveDocument.Create("ROOT");
        RegImporter.Import(document, reg, new RegImportOptions { Prefix = prefix });
        document.Save(path, new HiveSaveOptions { KeepBackup = false });
    }
}
