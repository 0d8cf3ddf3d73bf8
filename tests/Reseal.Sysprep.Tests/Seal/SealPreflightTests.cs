using System.Collections.Immutable;
using Reseal.Agent.Boot.Config;
using Reseal.Sysprep.Inspection;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Unattend.Profiles;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

public sealed class SealPreflightTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0, AgentConfigValidator = AgentConfigCheck.Instance };

    private static PreflightCheck CheckOf(SealReport report, string code) => Assert.Single(report.Checks, c => c.Code == code);

    [Fact]
    public void DryRun_ReadyTree_EveryCheckReportedInOrderAndReady()
    {
        using var temp = new TempDirectory();
        var report = SealPlanner.DryRun(SealTestTree.Ready(temp), Options);

        Assert.Equal(PreflightCodes.All, report.Checks.Select(c => c.Code));
        Assert.Equal(SealReadiness.Ready, report.Readiness);
        Assert.DoesNotContain(report.Checks, c => c.IsError);
        Assert.Equal(CheckSeverity.NotApplicable, CheckOf(report, PreflightCodes.NotAdmin).Severity);
        Assert.Equal(CheckSeverity.NotApplicable, CheckOf(report, PreflightCodes.SysprepRunning).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.SysprepMissing).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.ImageState).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.PendingReboot).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.BitLocker).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.Rearm).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.StoreApps).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.DomainMember).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.AnswerFileLint).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.DiskSpace).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.Agent).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.StalePantherAnswerFile).Severity);
    }

    [Fact]
    public void DryRun_SysprepExeMissing_ErrorBlocks()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        File.Delete(WindowsTree.HostPath(root, @"Windows\System32\Sysprep\sysprep.exe"));

        var report = SealPlanner.DryRun(root, Options);

        var check = CheckOf(report, PreflightCodes.SysprepMissing);
        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(@"C:\Windows\System32\Sysprep\sysprep.exe", check.Message, StringComparison.Ordinal);
        Assert.NotNull(check.Fix);
        Assert.Equal(SealReadiness.Blocked, report.Readiness);
    }

    [Fact]
    public void DryRun_ErrorsWithForce_Forced()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        File.Delete(WindowsTree.HostPath(root, @"Windows\System32\Sysprep\sysprep.exe"));

        var report = SealPlanner.DryRun(root, Options with { Force = true });

        Assert.Equal(SealReadiness.Forced, report.Readiness);
        Assert.Single(report.Errors);
    }

    [Theory]
    [InlineData("IMAGE_STATE_UNDEPLOYABLE", CheckSeverity.Error)]
    [InlineData("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", CheckSeverity.Error)]
    [InlineData("IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE", CheckSeverity.Error)]
    [InlineData("IMAGE_STATE_COMPLETE", CheckSeverity.Ok)]
    public void DryRun_ImageState_ErrorUnlessComplete(string state, CheckSeverity expected)
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, $"""

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State]
            "ImageState"="{state}"

            """);

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.ImageState);

        Assert.Equal(expected, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains(state, StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_SystemSetupInProgress_MidSetupError()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        SealTestTree.SetSystemDWord(root, "Setup", "SystemSetupInProgress", 1);

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.ImageState);

        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains("mid-Setup", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_PendingReboot_ErrorWithMarkerAsEvidence()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, """

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending]

            """);

        var report = SealPlanner.DryRun(root, Options);

        var check = CheckOf(report, PreflightCodes.PendingReboot);
        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("RebootPending", StringComparison.Ordinal));
        Assert.Equal(SealReadiness.Blocked, report.Readiness);
    }

    [Fact]
    public void DryRun_BitLockerPolicy_WarnsOffline()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, """

            [HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\FVE]
            "EncryptionMethodWithXtsOs"=dword:00000007

            """);

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.BitLocker);

        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("FVE", StringComparison.Ordinal));
    }

    [Fact]
    public void BitLocker_LiveMachineWithSigns_Error()
    {
        var facts = new InspectionFacts { BitLocker = ["BDESVC starts automatically"] };

        var check = SealPreflight.BitLocker(facts, new PreflightEnvironment(false, true, []));

        Assert.Equal(CheckSeverity.Error, check.Severity);
    }

    [Fact]
    public void DryRun_SkipRearmZero_InfoBecauseCountUnknownOffline()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, """

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform]
            "SkipRearm"=dword:00000000

            """);

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.Rearm);

        Assert.Equal(CheckSeverity.Info, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("unknown", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, 0, CheckSeverity.Error)]
    [InlineData(false, 2, CheckSeverity.Ok)]
    [InlineData(true, 0, CheckSeverity.Ok)]
    public void Rearm_CountAndSkipRearm_ErrorOnlyWhenNoneLeftAndNotSkipped(bool skipRearm, int count, CheckSeverity expected)
    {
        using var temp = new TempDirectory();
        var report = SealPlanner.DryRun(SealTestTree.Ready(temp), Options);
        var facts = new InspectionFacts { Activation = new ActivationInfo(skipRearm, count, null) };

        Assert.Equal(expected, SealPreflight.Rearm(facts, report.Plan!).Severity);
    }

    [Fact]
    public void DryRun_ExtraEnabledAccount_WarningWithoutCopyProfile()
    {
        using var temp = new TempDirectory();

        var check = CheckOf(SealPlanner.DryRun(SealTestTree.Ready(temp), Options), PreflightCodes.ExtraAccounts);

        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("Preston", StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_ExtraAccountWithCopyProfile_Error()
    {
        using var temp = new TempDirectory();
        var options = Options with { Profile = ProfileName.Ec2LaunchV2 }; // EC2Launch v2 sets CopyProfile=true

        var report = SealPlanner.DryRun(SealTestTree.Ready(temp), options);

        Assert.True(report.Plan!.AnswerFile!.CopyProfile);
        Assert.Equal(CheckSeverity.Error, CheckOf(report, PreflightCodes.ExtraAccounts).Severity);
        Assert.Equal(SealReadiness.Blocked, report.Readiness);
    }

    [Fact]
    public void DryRun_ExtraAccountDisabled_Ok()
    {
        using var temp = new TempDirectory();

        var check = CheckOf(SealPlanner.DryRun(SealTestTree.Ready(temp, disableExtraAccount: true), Options), PreflightCodes.ExtraAccounts);

        Assert.Equal(CheckSeverity.Ok, check.Severity);
    }

    [Fact]
    public void DryRun_ExtraProfile_ReportedAsEvidence()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, """

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-21-1-2-3-1001]
            "ProfileImagePath"="C:\\Users\\builder"

            """, disableExtraAccount: true);
        Directory.CreateDirectory(WindowsTree.HostPath(root, @"Users\builder"));

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.ExtraAccounts);

        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("S-1-5-21-1-2-3-1001", StringComparison.Ordinal));
    }

    private const string Store = @"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
    private const string Package = "Contoso.App_1.0.0.0_x64__8wekyb3d8bbwe";

    [Fact]
    public void DryRun_PerUserStorePackageNotProvisioned_Error()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, $"""

            [{Store}\S-1-5-21-1-2-3-1001\{Package}]

            """);

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.StoreApps);

        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains(Package, StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_PerUserStorePackageProvisioned_Ok()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, $"""

            [{Store}\S-1-5-21-1-2-3-1001\{Package}]

            [{Store}\Applications\{Package}]

            """);

        Assert.Equal(CheckSeverity.Ok, CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.StoreApps).Severity);
    }

    [Fact]
    public void DryRun_DomainJoinedSecurityHive_WarnsItWillLeave()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, sam: "winregkb-SAM", security: "winregkb-SECURITY");

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.DomainMember);

        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.Contains("removes it from the domain", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_AnswerFileOverrideWithLintErrors_Error()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var answer = temp.Write("given/unattend.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <unattend xmlns="urn:schemas-microsoft-com:unattend">
              <settings pass="specialize">
                <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
                  <ComputerName>THIS-NAME-IS-FAR-TOO-LONG-FOR-NETBIOS</ComputerName>
                </component>
              </settings>
            </unattend>
            """);

        var report = SealPlanner.DryRun(root, Options with { AnswerFileOverride = answer });

        var check = CheckOf(report, PreflightCodes.AnswerFileLint);
        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("RU040", StringComparison.Ordinal));
        Assert.Equal(answer, report.Plan!.AnswerFile!.Source);
    }

    [Fact]
    public void DryRun_AnswerFileOverrideMissing_ErrorNoCrash()
    {
        using var temp = new TempDirectory();

        var report = SealPlanner.DryRun(SealTestTree.Ready(temp), Options with { AnswerFileOverride = temp.File("nope.xml") });

        Assert.Equal(CheckSeverity.Error, CheckOf(report, PreflightCodes.AnswerFileLint).Severity);
        Assert.True(report.Plan!.AnswerFile!.Bytes.IsDefault);
    }

    [Fact]
    public void DryRun_FreeSpaceBelowThreshold_Warning()
    {
        using var temp = new TempDirectory();

        var check = CheckOf(SealPlanner.DryRun(SealTestTree.Ready(temp), Options with { LowDiskSpaceBytes = long.MaxValue }), PreflightCodes.DiskSpace);

        Assert.True(check.Severity is CheckSeverity.Warning or CheckSeverity.Info, check.Message);
        Assert.NotEqual(CheckSeverity.Ok, check.Severity);
    }

    [Fact]
    public void DryRun_AgentMissing_Error()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        File.Delete(WindowsTree.HostPath(root, @"Program Files\Reseal\reseal.exe"));

        // Reseal named: its own check says the executable is missing.
        var check = CheckOf(SealPlanner.DryRun(root, Options with { Agent = SealAgent.Reseal }), PreflightCodes.Agent);

        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("reseal.exe: no such file", StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_AutoAgentNothingActive_ErrorNamesHowToChoose()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        File.Delete(WindowsTree.HostPath(root, @"Program Files\Reseal\reseal.exe"));

        // The default (--agent auto) with no agent left: refused, saying how to choose one.
        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.Agent);

        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains("--agent auto", check.Message, StringComparison.Ordinal);
        Assert.Contains("--agent reseal|", check.Fix ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_AgentConfigInvalid_ErrorWithDiagnostics()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\config\agent-config.yml", "version: \"1.0\"\nconfig:\n  - stage: boot\n    tasks:\n      - task: noSuchTask\n");

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.Agent);

        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("RA120", StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_AgentConfigValid_Ok()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\config\agent-config.yml", SealTestTree.ValidAgentConfig);

        var check = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.Agent);

        Assert.Equal(CheckSeverity.Ok, check.Severity);
    }

    [Fact]
    public void DryRun_AgentConfigWithoutValidator_WarnsNotValidated()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\config\agent-config.yml", "version: \"1.0\"\nconfig:\n  - stage: boot\n    tasks:\n      - task: noSuchTask\n");

        var check = CheckOf(SealPlanner.DryRun(root, Options with { AgentConfigValidator = null }), PreflightCodes.Agent);

        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.Contains(check.Evidence, e => e.Contains("not validated", StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_CachedPantherAnswerFile_WarnsItWillBeMovedAside()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"/>");

        var report = SealPlanner.DryRun(root, Options);

        var check = CheckOf(report, PreflightCodes.StalePantherAnswerFile);
        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.Contains("moved aside", check.Message, StringComparison.Ordinal);
        var move = Assert.Single(report.Plan!.StaleAnswerFiles);
        Assert.Equal(move.From + ".reseal-moved", move.To);
        Assert.Contains(report.Plan.Steps, s => s.Id == SealStepIds.MoveStaleAnswerFile);
    }

    [Fact]
    public void NotAdminAndSysprepRunning_LiveEnvironment_ErrorsWhenTripped()
    {
        var live = new PreflightEnvironment(false, false, ImmutableArray.Create(4242));

        Assert.Equal(CheckSeverity.Error, SealPreflight.NotAdmin(live).Severity);
        var running = SealPreflight.SysprepRunning(live);
        Assert.Equal(CheckSeverity.Error, running.Severity);
        Assert.Contains("sysprep.exe process 4242", running.Evidence);
        var fine = new PreflightEnvironment(false, true, []);
        Assert.Equal(CheckSeverity.Ok, SealPreflight.NotAdmin(fine).Severity);
        Assert.Equal(CheckSeverity.Ok, SealPreflight.SysprepRunning(fine).Severity);
    }

    [Fact]
    public void DryRun_NotWindows_NotWindowsWithClearCheck()
    {
        using var temp = new TempDirectory();
        temp.Write("home/user/notes.txt", "hello");

        var report = SealPlanner.DryRun(temp.Path, Options);

        Assert.Equal(SealReadiness.NotWindows, report.Readiness);
        Assert.Null(report.Plan);
        var check = Assert.Single(report.Checks);
        Assert.Equal(PreflightCodes.WindowsTree, check.Code);
        Assert.Contains(check.Evidence, e => e.Contains("not-windows", StringComparison.Ordinal));
        Assert.Equal(SealReadiness.NotWindows, SealPlanner.DryRun(temp.File("missing"), Options).Readiness);
    }

    [Fact]
    public void DryRun_GarbageSystemAndMissingSoftware_NotWindowsNoCrash()
    {
        using var temp = new TempDirectory();
        var config = Path.Combine(temp.Path, "Windows", "System32", "config");
        Directory.CreateDirectory(config);
        File.WriteAllBytes(Path.Combine(config, "SYSTEM"), SharedData.ReadBytes("hives/ez-NotAHive.gz"));

        var report = SealPlanner.DryRun(temp.Path, Options);

        Assert.Equal(SealReadiness.NotWindows, report.Readiness);
        Assert.Contains(report.Checks.Single().Evidence, e => e.Contains("hive-unreadable", StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_CorruptSystemHive_ClearFindingsNoCrash()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Copy("regipy-corrupted_system_hive", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"));

        var report = SealPlanner.DryRun(root, Options);

        Assert.Equal(PreflightCodes.All, report.Checks.Select(c => c.Code));
        var tree = CheckOf(report, PreflightCodes.WindowsTree);
        Assert.Equal(CheckSeverity.Error, tree.Severity);
        Assert.Equal(SealReadiness.Blocked, report.Readiness);
        Assert.Contains(tree.Evidence, e => e.Contains("SYSTEM", StringComparison.Ordinal));
    }

    [Fact]
    public void DryRun_MissingDefaultSamSecurity_StillPlansWithInfoChecks()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        foreach (var hive in new[] { "DEFAULT", "SAM", "SECURITY" })
        {
            File.Delete(Path.Combine(root, "Windows", "System32", "config", hive));
        }

        var report = SealPlanner.DryRun(root, Options);

        Assert.Equal(CheckSeverity.Warning, CheckOf(report, PreflightCodes.WindowsTree).Severity);
        Assert.Equal(CheckSeverity.Info, CheckOf(report, PreflightCodes.ExtraAccounts).Severity);
        Assert.Equal(CheckSeverity.Info, CheckOf(report, PreflightCodes.DomainMember).Severity);
        Assert.Equal("en-US", report.Plan!.AnswerFile!.Locale!.Locale);
        Assert.NotNull(report.Plan.AnswerFile!.Locale.Note);
        Assert.Equal(SealReadiness.Ready, report.Readiness);
    }
}

/// <summary>The preflight checks issue 19 adds: first-boot commands that need WMIC, and an Azure image given an answer file.</summary>
public sealed class SealPreflightToolsAndAzureTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0, AgentConfigValidator = AgentConfigCheck.Instance };

    private const string WmicConfig = "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: executeScript\n    inputs:\n"
        + "    - frequency: always\n      type: powershell\n      runAs: localSystem\n      content: |-\n        $os = WMIC.exe os get caption\n        Write-Output $os\n";

    private static PreflightCheck CheckOf(SealReport report, string code) => Assert.Single(report.Checks, c => c.Code == code);

    [Fact]
    public void DryRun_ReadyTree_NoWmicCallNoAzure_BothOk()
    {
        using var temp = new TempDirectory();
        var report = SealPlanner.DryRun(SealTestTree.Ready(temp), Options);

        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.MissingTools).Severity);
        Assert.Equal(CheckSeverity.Ok, CheckOf(report, PreflightCodes.AzureAnswerFile).Severity);
    }

    [Fact]
    public void DryRun_ConfigCallsWmicAndWindowsHasNone_WarningNamesFileAndLine_OkOnceWmicIsThere()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\config\agent-config.yml", WmicConfig);
        WindowsTree.Write(root, @"Windows\Setup\Scripts\SetupComplete.cmd", "@echo off\r\nrem mywmicTool.exe and wmic-free are other tools\r\nwmic qfe list\r\n");

        var missing = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.MissingTools);
        WindowsTree.Write(root, @"Windows\System32\wbem\WMIC.exe", "MZ wmic stand-in");
        var present = CheckOf(SealPlanner.DryRun(root, Options), PreflightCodes.MissingTools);

        Assert.Equal(CheckSeverity.Warning, missing.Severity);
        Assert.Contains("2 first-boot command(s) call wmic, which this Windows does not have", missing.Message, StringComparison.Ordinal);
        Assert.Contains(missing.Evidence, e => e.EndsWith(@"agent-config.yml:11: $os = WMIC.exe os get caption", StringComparison.Ordinal));
        Assert.Contains(missing.Evidence, e => e.EndsWith(@"SetupComplete.cmd:3: wmic qfe list", StringComparison.Ordinal));
        Assert.DoesNotContain(missing.Evidence, e => e.Contains("mywmicTool", StringComparison.Ordinal));
        Assert.Contains("Get-CimInstance", missing.Fix, StringComparison.Ordinal);
        Assert.Equal(CheckSeverity.Ok, present.Severity);
    }

    [Fact]
    public void DryRun_AzureVmAgentInstalled_ErrorBlocks_NotApplicableWithoutSysprep()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        SealTestTree.SetSystemDWord(root, @"ControlSet001\Services\WindowsAzureGuestAgent", "Start", 2);
        SealTestTree.SetSystemDWord(root, @"ControlSet001\Services\WindowsAzureGuestAgent", "Type", 16);

        var report = SealPlanner.DryRun(root, Options);
        var noSysprep = SealPlanner.DryRun(root, Options with { NoSysprep = true });

        var check = CheckOf(report, PreflightCodes.AzureAnswerFile);
        Assert.Equal(CheckSeverity.Error, check.Severity);
        Assert.Contains("service WindowsAzureGuestAgent is installed", check.Evidence);
        Assert.Contains("/mode:vm", check.Fix, StringComparison.Ordinal);
        Assert.Equal(SealReadiness.Blocked, report.Readiness);
        Assert.Equal(CheckSeverity.NotApplicable, CheckOf(noSysprep, PreflightCodes.AzureAnswerFile).Severity);
    }
}
