using System.Text;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Lifecycle;

/// <summary>
/// <c>reseal agent migrate --apply</c> and <c>--rollback</c> (the win-x64 build) under Wine, from Cloudbase-Init: the old
/// agent's service is registered in the prefix's SYSTEM hive and loaded by Wine's service manager (services.exe) at the
/// next start, then the switch goes through the real Win32 service API (advapi32: ChangeServiceConfig, CreateService,
/// DeleteService) and the real file system, and each result is read back with Wine's reg.exe and from the host.
/// EC2Launch v1's scheduled task cannot be shown here (Wine's schtasks.exe is a stub; docs/agent-migration.md).
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class MigrateApplyWineTests(WineFixture wine)
{
    private const string OldService = @"HKLM\SYSTEM\CurrentControlSet\Services\cloudbase-init";
    private const string ResealService = @"HKLM\SYSTEM\CurrentControlSet\Services\Reseal";
    private const string Conf = @"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf";
    private const string SetupComplete = @"C:\Windows\Setup\Scripts\SetupComplete.cmd";
    private const string Config = @"C:\ProgramData\Reseal\config\agent-config.yml";

    // What a seal that keeps Cloudbase-Init leaves (its installer's hook), between two lines of the user's own.
    private const string SetupCompleteText = "@echo off\r\nsc.exe config cloudbase-init start= auto\r\nsc.exe start cloudbase-init\r\necho user's own line\r\n";

    [Fact]
    public async Task MigrateApplyThenRollback_CloudbaseInit_ServiceDisabledResealInstalled_ThenAllBack()
    {
        using var machine = await wine.NewMachineAsync("migrate-apply");
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "MigrationData", "cloudbase-init")))
        {
            machine.WriteFile(Conf + "\\" + Path.GetFileName(file), File.ReadAllText(file));
        }

        machine.WriteFile(SetupComplete, SetupCompleteText, Encoding.ASCII);
        var setupCompleteBefore = File.ReadAllBytes(machine.HostPath(SetupComplete));
        // The service as Cloudbase-Init's installer registers it (own process, LocalSystem, automatic); services.exe reads
        // the key when the prefix starts again and starts it. Its program is Wine's own spoolsv.exe, a real service
        // process (Wine's dispatcher runs a one-service table under whatever name the SCM gives it), so the switch has
        // a running service to stop and the rollback one to start again.
        machine.SetValue(OldService, "Type", "REG_DWORD", "16");
        machine.SetValue(OldService, "Start", "REG_DWORD", "2");
        machine.SetValue(OldService, "ErrorControl", "REG_DWORD", "1");
        machine.SetValue(OldService, "ImagePath", "REG_EXPAND_SZ", @"C:\windows\system32\spoolsv.exe");
        machine.SetValue(OldService, "ObjectName", "REG_SZ", "LocalSystem");
        machine.SetValue(OldService, "DisplayName", "REG_SZ", "Cloudbase-Init");
        machine.PowerOff();
        Assert.Null(machine.QueryValue(ResealService, "ImagePath"));

        var applied = machine.Reseal("agent", "migrate", "--from", "cloudbase-init", "--apply");

        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("apply: switched from Cloudbase-Init to Reseal", applied.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("stop-old-service:", applied.StandardOutput, StringComparison.Ordinal); // it was running, and stopped
        Assert.Equal(4u, machine.QueryValue(OldService, "Start")?.AsDWord); // SERVICE_DISABLED, through ChangeServiceConfig
        Assert.Contains("reseal.exe", machine.QueryValue(ResealService, "ImagePath")?.Data, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2u, machine.QueryValue(ResealService, "Start")?.AsDWord); // SERVICE_AUTO_START
        Assert.Equal("@echo off\r\necho user's own line\r\n", File.ReadAllText(machine.HostPath(SetupComplete)));
        var config = machine.ReadFile(Config);
        Assert.NotNull(config);
        var validate = machine.Reseal("agent", "validate", "--config", Config);
        Assert.True(validate.ExitCode == 0, validate.ToString());

        var undone = machine.Reseal("agent", "migrate", "--rollback");

        Assert.True(undone.ExitCode == 0, undone.ToString());
        Assert.Equal(2u, machine.QueryValue(OldService, "Start")?.AsDWord);
        Assert.Null(machine.QueryValue(ResealService, "ImagePath"));
        Assert.Equal(setupCompleteBefore, File.ReadAllBytes(machine.HostPath(SetupComplete)));
        Assert.Null(machine.ReadFile(Config));
        Assert.Null(machine.ReadFile(@"C:\ProgramData\Reseal\config\migrate-journal.json"));
    }
}
