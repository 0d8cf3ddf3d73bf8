using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Install;

/// <summary>
/// The MSI <c>scripts/publish.sh win-x64</c> builds with wixl, installed and removed by Wine's own <c>msiexec</c> (Wine's
/// Windows Installer: the InstallFiles, InstallServices, WriteRegistryValues, WriteEnvironmentStrings actions and their
/// uninstall counterparts). docs/wine-e2e.md says what Wine cannot show.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class MsiInstallTests(WineFixture wine)
{
    private const string ServiceKey = @"HKLM\SYSTEM\CurrentControlSet\Services\Reseal";
    private const string SourceKey = @"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\Reseal";
    private const string EnvironmentKey = @"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment";
    private const string InstallFolder = @"C:\Program Files\Reseal\";

    [Fact]
    public async Task Msiexec_InstallThenUninstall_RegistersLikeAgentInstallAndLeavesOnlyProgramData()
    {
        using var machine = await wine.NewMachineAsync();
        Assert.SkipUnless(File.Exists(machine.Build.MsiPath), $"{machine.Build.MsiPath} was not built (RESEAL_WINE_PUBLISHED without an MSI?)");
        // The MSI carries the shipped reseal.exe (Native AOT), and its custom action runs it: it must start here.
        var shippedExe = Path.Combine(Path.GetDirectoryName(machine.Build.MsiPath)!, "reseal.exe");
        var probe = machine.Run(WineMachine.WindowsPath(shippedExe), ["--version"], TimeSpan.FromMinutes(2));
        Assert.True(probe.Succeeded, probe.ToString());
        // The template has reseal.exe copied in; this machine starts without it, as a new Windows would.
        Directory.Delete(machine.HostPath(@"C:\Program Files\Reseal"), recursive: true);
        var pathBefore = machine.QueryValue(EnvironmentKey, "PATH")?.Data;
        machine.WriteFile(@"C:\ProgramData\Reseal\state\agent-state.json", "{}");
        var msi = WineMachine.WindowsPath(machine.Build.MsiPath);

        var install = machine.Run("msiexec", ["/i", msi, "/qn"], TimeSpan.FromMinutes(3));

        Assert.True(install.ExitCode == 0 && !install.TimedOut, install.ToString());
        Assert.True(File.Exists(machine.HostPath(InstallFolder + "reseal.exe")));
        // The service as 'reseal agent install' registers it (ServiceInstallSpec.ForReseal): the MSI's ServiceInstall
        // creates it, then its custom action runs 'reseal.exe agent install', which quotes the path and adds the rest.
        Assert.Equal($"\"{InstallFolder}reseal.exe\" agent service", machine.QueryValue(ServiceKey, "ImagePath")?.Data);
        Assert.Equal("Reseal agent", machine.QueryValue(ServiceKey, "DisplayName")?.Data);
        Assert.Equal("LocalSystem", machine.QueryValue(ServiceKey, "ObjectName")?.Data);
        Assert.Equal(2u, machine.QueryValue(ServiceKey, "Start")?.AsDWord); // SERVICE_AUTO_START
        Assert.Equal(0x10u, machine.QueryValue(ServiceKey, "Type")?.AsDWord); // SERVICE_WIN32_OWN_PROCESS
        Assert.Equal(1u, machine.QueryValue(ServiceKey, "ErrorControl")?.AsDWord); // SERVICE_ERROR_NORMAL
        Assert.StartsWith("Brings each instance", machine.QueryValue(ServiceKey, "Description")?.Data, StringComparison.Ordinal);
        Assert.Equal(60_000u, machine.QueryValue(ServiceKey, "PreshutdownTimeout")?.AsDWord);
        var messageFile = machine.QueryValue(SourceKey, "EventMessageFile");
        Assert.Equal("REG_EXPAND_SZ", messageFile?.Type);
        Assert.Equal(@"%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll", messageFile?.Data);
        Assert.Equal(7u, machine.QueryValue(SourceKey, "TypesSupported")?.AsDWord);
        var pathInstalled = machine.QueryValue(EnvironmentKey, "PATH")?.Data ?? "";
        Assert.Equal($"{pathBefore};{InstallFolder}", pathInstalled);
        // PATH reaches new processes: 'reseal' is found by name.
        var byName = machine.Run("cmd", ["/c", "reseal --version"]);
        Assert.True(byName.ExitCode == 0, byName.ToString());
        Assert.Equal(Reseal.TestSupport.PublishedBuild.Version, byName.StandardOutput.Trim());

        var uninstall = machine.Run("msiexec", ["/x", msi, "/qn"], TimeSpan.FromMinutes(3));

        Assert.True(uninstall.ExitCode == 0 && !uninstall.TimedOut, uninstall.ToString());
        Assert.Empty(machine.QueryKey(ServiceKey));
        Assert.Null(machine.QueryValue(ServiceKey, "ImagePath"));
        Assert.Null(machine.QueryValue(SourceKey, "EventMessageFile"));
        // Our entry is gone. Wine's RemoveEnvironmentStrings (dlls/msi/action.c) cuts a matched last entry without the
        // separator before it, so Wine leaves PATH ending in ';' (an empty entry, which PATH searches skip); what the
        // Windows Installer does with that separator is not documented (docs/wine-e2e.md, "MSI").
        var pathAfter = machine.QueryValue(EnvironmentKey, "PATH")?.Data;
        Assert.True(pathAfter == pathBefore || pathAfter == pathBefore + ";", $"PATH after uninstall: {pathAfter}");
        Assert.DoesNotContain("Reseal", pathAfter ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(machine.HostPath(InstallFolder + "reseal.exe")));
        // Data is the user's: configuration, state and logs stay.
        Assert.Equal("{}", machine.ReadFile(@"C:\ProgramData\Reseal\state\agent-state.json"));
    }
}
