using System.Text;
using Reseal.Sysprep.Inspection;
using Reseal.TestSupport;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Tests;

namespace Reseal.Sysprep.Tests.Inspection;

public class WindowsInspectorTests
{
    [Fact]
    public void Inspect_RealHivesTree_ReportsFactsThatHivexAndChntpwRead()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var report = WindowsInspector.Inspect(root);
        var config = Path.Combine(root, "Windows", "System32", "config");

        var id = report.Facts.Identity!;
        Assert.Equal(Get(config, "SYSTEM", @"\ControlSet001\Control\ComputerName\ComputerName", "ComputerName"), id.ComputerName);
        Assert.Equal(Get(config, "SYSTEM", @"\ControlSet001\Control\TimeZoneInformation", "TimeZoneKeyName"), id.TimeZone);
        Assert.Equal(Get(config, "DEFAULT", @"\Control Panel\International", "LocaleName"), id.LocaleName);
        Assert.Equal("en-US", id.LocaleName);
        Assert.Equal("6f0c3c1e-1d2b-4c55-9a51-2f3f3f6a8b10", id.MachineGuid);
        Assert.False(report.Facts.RdpDenied);
        Assert.Equal("Windows Server 2022 Datacenter", report.Facts.Os!.ProductName);
        Assert.Equal("IMAGE_STATE_COMPLETE", report.Facts.Setup!.ImageStateText);
        Assert.Equal(7u, report.Facts.Setup.GeneralizationState);
        Assert.Equal(["Administrator", "Guest", "Preston"], report.Facts.Accounts.Select(a => a.Name));
        Assert.Equal("WORKGROUP", report.Facts.Domain!.PrimaryDomainName);
        Assert.False(report.Facts.Domain.DomainJoined);
        Assert.True(report.Facts.Activation!.SkipRearm);

        // regipy's SECURITY is dirty and has no logs, and comes from another machine than its SAM.
        Assert.Contains(report.Findings, f => f.Code == "hive-dirty" && f.Message.Contains("SECURITY", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Code == "machine-sid-mismatch");
        Assert.Contains(report.Findings, f => f.Code == "extra-account" && f.Message.Contains("Preston", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Code == "no-agent");
        Assert.Equal(Readiness.Ready, report.Readiness);
    }

    [Fact]
    public void Inspect_WinregkbSamAndSecurity_MachineSidsAgree()
    {
        using var temp = new TempDirectory();
        var report = WindowsInspector.Inspect(WindowsTree.Full(temp, sam: "winregkb-SAM", security: "winregkb-SECURITY"));

        var domain = report.Facts.Domain!;
        Assert.NotNull(domain.MachineSidFromSam);
        Assert.Equal(domain.MachineSidFromSam, domain.MachineSidFromSecurity);
        Assert.StartsWith("S-1-5-21-", domain.MachineSidFromSam.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Code == "machine-sid-mismatch");
        Assert.True(domain.DomainJoined);
        Assert.Contains(report.Findings, f => f.Code == "domain-joined");
    }

    [Fact]
    public void Inspect_SoftwareMergedByHivexregedit_GivesSameFactsAsResealWriter()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var ours = WindowsInspector.Inspect(root);

        var software = Path.Combine(root, "Windows", "System32", "config", "SOFTWARE");
        File.WriteAllBytes(software, SharedData.ReadBytes("hives/hivex-minimal.gz"));
        var reg = temp.Write("software.reg", TestTree.WithAncestors(WindowsTree.SoftwareReg));
        var merge = TestTree.Tool("hivexregedit", "libwin-hivex-perl", "--merge", "--prefix", @"HKEY_LOCAL_MACHINE\SOFTWARE", software, reg);
        Assert.True(merge.ExitCode == 0, merge.StandardError);
        var theirs = WindowsInspector.Inspect(root);

        Assert.Equal(ours.Facts.Os, theirs.Facts.Os);
        Assert.Equal(ours.Facts.Setup, theirs.Facts.Setup);
        Assert.Equal(ours.Facts.Identity, theirs.Facts.Identity);
        Assert.Equal(ours.Facts.Profiles, theirs.Facts.Profiles);
        Assert.Equal(ours.Readiness, theirs.Readiness);
    }

    [Fact]
    public void Inspect_NotWindows_IsUnreadable()
    {
        using var temp = new TempDirectory();
        temp.Write("home/user/notes.txt", "hello");

        var report = WindowsInspector.Inspect(temp.Path);

        Assert.Equal(Readiness.Unreadable, report.Readiness);
        Assert.Contains(report.Findings, f => f.Code == "not-windows");
        Assert.Equal(Readiness.Unreadable, WindowsInspector.Inspect(Path.Combine(temp.Path, "missing")).Readiness);
    }

    [Fact]
    public void Inspect_CorruptSystemHive_ReportsUnreadableHiveAndStillReadsSoftware()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        WindowsTree.Copy("regipy-corrupted_system_hive", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"));

        var report = WindowsInspector.Inspect(root);

        Assert.Contains(report.Findings, f => f.Code is "hive-unreadable" or "hive-dirty" or "identity-unreadable" or "identity-unavailable");
        Assert.Equal("ServerDatacenter", report.Facts.Os!.EditionId);
        Assert.NotEqual(Readiness.Unreadable, report.Readiness);
    }

    [Fact]
    public void Inspect_GarbageSystemAndMissingSoftware_IsUnreadable()
    {
        using var temp = new TempDirectory();
        var config = WindowsTree.ConfigDir(temp);
        File.WriteAllBytes(Path.Combine(config, "SYSTEM"), SharedData.ReadBytes("hives/ez-NotAHive.gz"));

        var report = WindowsInspector.Inspect(temp.Path);

        Assert.Equal(Readiness.Unreadable, report.Readiness);
        Assert.Contains(report.Findings, f => f.Code == "hive-unreadable" && f.Message.Contains("SYSTEM", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Code == "hive-missing" && f.Message.Contains("SOFTWARE", StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_MissingSamSecurityDefault_WarnsAndStaysReady()
    {
        using var temp = new TempDirectory();
        var config = WindowsTree.ConfigDir(temp);
        WindowsTree.Copy("regipy-SYSTEM", Path.Combine(config, "SYSTEM"));
        WindowsTree.WriteSoftware(Path.Combine(config, "SOFTWARE"), WindowsTree.SoftwareReg);

        var report = WindowsInspector.Inspect(temp.Path);

        Assert.Equal(3, report.Findings.Count(f => f.Code == "hive-missing" && f.Severity == FindingSeverity.Warning));
        Assert.Empty(report.Facts.Accounts);
        Assert.Equal("WKS-WIN732BITA", report.Facts.Identity!.ComputerName);
        Assert.Equal(Readiness.Ready, report.Readiness);
    }

    [Fact]
    public void Inspect_PendingRebootAndGeneralizedState_BlocksSealing()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp, """

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending]

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State]
            "ImageState"="IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"

            """);

        var report = WindowsInspector.Inspect(root);

        Assert.Contains(report.Findings, f => f.Code == "pending-reboot" && f.Severity == FindingSeverity.Error);
        Assert.Contains(report.Findings, f => f.Code == "image-state" && f.Severity == FindingSeverity.Error);
        Assert.Equal(Readiness.NotReady, report.Readiness);
    }

    [Fact]
    public void Inspect_CachedAnswerFiles_TellsClearTextFromObfuscated()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml", Unattend("<Value>P@ssw0rd</Value><PlainText>true</PlainText>", "oobeSystem"));
        var obfuscated = Convert.ToBase64String(Encoding.Unicode.GetBytes("P@ssw0rdAdministratorPassword"));
        WindowsTree.Write(root, @"Windows\System32\sysprep\unattend.XML", Unattend($"<Value>{obfuscated}</Value><PlainText>false</PlainText>", "oobeSystem"));

        var report = WindowsInspector.Inspect(root);

        var files = report.Facts.AnswerFiles;
        Assert.Equal(2, files.Length);
        Assert.Equal(PasswordStorage.ClearText, files.Single(f => f.Role.StartsWith("Panther", StringComparison.Ordinal)).Passwords.Single().Storage);
        Assert.Equal(PasswordStorage.Obfuscated, files.Single(f => f.Role.StartsWith("Sysprep folder", StringComparison.Ordinal)).Passwords.Single().Storage);
        Assert.Contains(report.Findings, f => f.Code == "cached-answer-file");
        Assert.Equal(Readiness.NotReady, report.Readiness);
    }

    [Fact]
    public void Inspect_CopiesASealMovedAside_AreReadAndTheirSecretsReported()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        const string clear = """
            <unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem"><component name="Microsoft-Windows-Shell-Setup">
            <UserAccounts><AdministratorPassword><Value>Left!Behind1</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>
            </component></settings></unattend>
            """;
        // What a seal from before the scrub left: the cached file moved aside twice (two runs), never deleted.
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml.reseal-moved", clear);
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml.reseal-moved-2", clear);
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml.reseal-moved-4", clear); // after a gap: not a seal's copy

        var report = WindowsInspector.Inspect(root);

        var moved = report.Facts.AnswerFiles.Where(f => f.Path.Contains(".reseal-moved", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, moved.Count);
        Assert.All(moved, f => Assert.Contains("moved aside by a seal", f.Role, StringComparison.Ordinal));
        Assert.All(moved, f => Assert.False(f.WinsOverSysprepFolder));
        Assert.All(moved, f => Assert.Equal(PasswordStorage.ClearText, Assert.Single(f.Passwords).Storage));
        Assert.Equal(2, report.Findings.Count(f => f.Code == "answer-file-password" && f.Severity == FindingSeverity.Error && f.Message.Contains(".reseal-moved", StringComparison.Ordinal)));
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains("Left!Behind1", StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_DomainJoinSecretsAndTheBtCache_AreSeenAndNeverShown()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        const string join = """
            <unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize"><component name="Microsoft-Windows-UnattendedJoin">
            <Identification><Credentials><Domain>corp</Domain><Password>J0in!Secret</Password><Username>joiner</Username></Credentials>
            <MachinePassword>Mach!neSecret</MachinePassword></Identification></component></settings></unattend>
            """;
        WindowsTree.Write(root, @"Windows\Panther\Unattend\Unattend.xml", join);
        WindowsTree.Write(root, @"$Windows.~BT\Sources\Panther\unattend.xml", join);

        var report = WindowsInspector.Inspect(root);

        Assert.Equal(2, report.Facts.AnswerFiles.Length);
        foreach (var file in report.Facts.AnswerFiles)
        {
            Assert.Equal(
                ["Microsoft-Windows-UnattendedJoin/Identification/Credentials/Password", "Microsoft-Windows-UnattendedJoin/Identification/MachinePassword"],
                file.Passwords.Select(p => p.Element));
            Assert.All(file.Passwords, p => Assert.Equal(PasswordStorage.ClearText, p.Storage));
            Assert.All(file.Passwords, p => Assert.False(p.CanBeObfuscated));
        }

        Assert.Equal(4, report.Findings.Count(f => f.Code == "answer-file-password" && f.Severity == FindingSeverity.Error));
        Assert.Equal(Readiness.NotReady, report.Readiness);
    }

    [Fact]
    public void Inspect_Ec2LaunchAgents_DetectsThemAndTheirConfig()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        WindowsTree.Write(root, @"ProgramData\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json",
            """{"setComputerName": false, "adminPasswordType": "Specify", "adminPassword": "Hunter2!", "handleUserData": true}""");
        WindowsTree.Write(root, @"ProgramData\Amazon\EC2Launch\config\agent-config.yml",
            "version: 1.0\nconfig:\n- stage: boot\n  tasks:\n  - task: extendRootPartition\n");
        WindowsTree.Write(root, @"Windows\Setup\Scripts\SetupComplete.cmd", "@echo off\r\ncall PostSysprep.cmd\r\n");

        var report = WindowsInspector.Inspect(root);

        Assert.Equal(["EC2Launch v1", "EC2Launch v2"], report.Facts.Agents.Select(a => a.Name));
        Assert.Contains("adminPasswordType = Specify", report.Facts.Agents[0].Config);
        Assert.Contains("task = extendRootPartition", report.Facts.Agents[1].Config);
        Assert.Contains(report.Findings, f => f.Code == "agent-clear-password" && f.Severity == FindingSeverity.Error);
        Assert.Contains(report.Findings, f => f.Code == "several-agents");
        Assert.Contains("PostSysprep.cmd", report.Facts.SetupComplete, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_Ec2LaunchV2RunOnceLeftInTheImage_Warns()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        WindowsTree.Write(root, @"ProgramData\Amazon\EC2Launch\config\agent-config.yml", "version: 1.0\nconfig: []\n");

        var clean = WindowsInspector.Inspect(root);
        WindowsTree.Write(root, @"ProgramData\Amazon\EC2Launch\state\.run-once", "");
        var left = WindowsInspector.Inspect(root);

        Assert.DoesNotContain(clean.Findings, f => f.Code == "ec2launch-run-once");
        var finding = Assert.Single(left.Findings, f => f.Code == "ec2launch-run-once");
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("reseal seal --agent ec2launch-v2", finding.Fix, StringComparison.Ordinal);
    }

    private static string Get(string config, string hive, string key, string value) =>
        TestTree.Tool("hivexget", "libhivex-bin", Path.Combine(config, hive), key, value).StandardOutput.Trim();

    private static string Unattend(string password, string pass) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend">
          <settings pass="{pass}">
            <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
              <UserAccounts><AdministratorPassword>{password}</AdministratorPassword></UserAccounts>
            </component>
          </settings>
        </unattend>
        """;
}

public class WindowsInspectorProfileAndStoreTests
{
    [Fact]
    public void Inspect_StaleProfileAndPerUserStoreApp_WarnsAndBlocks()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp, """

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-21-1-2-3-1001]
            "ProfileImagePath"="C:\\Users\\gone"

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-21-1-2-3-500]
            "ProfileImagePath"="C:\\Users\\Administrator"

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore\Deprovisioned\Microsoft.BingNews_8wekyb3d8bbwe]

            [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore\S-1-5-21-1-2-3-500\Microsoft.BingNews_4.1.0.0_x64__8wekyb3d8bbwe]

            """);
        Directory.CreateDirectory(Path.Combine(root, "Users", "Administrator"));

        var report = WindowsInspector.Inspect(root);

        Assert.Contains(report.Findings, f => f.Code == "stale-profile" && f.Message.Contains("S-1-5-21-1-2-3-1001", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains("S-1-5-21-1-2-3-500 at", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Code == "store-app-deprovisioned" && f.Severity == FindingSeverity.Error);
        Assert.Equal(["Microsoft.BingNews_4.1.0.0_x64__8wekyb3d8bbwe"], report.Facts.StoreApps!.PerUserPackages["S-1-5-21-1-2-3-500"]);
        Assert.Equal(Readiness.NotReady, report.Readiness);
    }

    [Fact]
    public void Inspect_CorruptSystemWithGoodDefault_StillReportsLocaleAndSoftwareFacts()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        WindowsTree.Copy("regipy-corrupted_system_hive", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"));

        var report = WindowsInspector.Inspect(root);

        Assert.Equal("en-US", report.Facts.Identity!.LocaleName);
        Assert.Null(report.Facts.Identity.ComputerName);
        Assert.Equal("IMAGE_STATE_COMPLETE", ImageStateName(report));
        Assert.Contains(report.Findings, f => f.Code == "facts-not-read" && f.Message.Contains("computer name", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Code == "hive-unreadable" && f.Severity == FindingSeverity.Error);
        Assert.Equal(Readiness.NotReady, report.Readiness);
    }

    private static string? ImageStateName(InspectionReport report) => report.Facts.Setup?.ImageStateText;
}

public class WindowsInspectorUnattendFileTests
{
    [Fact]
    public void Inspect_UnattendFileRegistryValue_ScansThatFileFirst()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        Reseal.Windows.Offline.OfflineWindows.Open(root).Registry.SetValue(Reseal.Windows.Ports.RegistryHive.System, "Setup", "UnattendFile",
            Reseal.Windows.Ports.RegistryData.FromString(@"C:\Windows\Temp\custom.xml"));
        WindowsTree.Write(root, @"Windows\Temp\custom.xml", """
            <unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem"><component name="Microsoft-Windows-Shell-Setup">
            <AutoLogon><Password><Value>UABAAHMAcwB3ADAAcgBkAFAAYQBzAHMAdwBvAHIAZAA=</Value><PlainText>false</PlainText></Password></AutoLogon>
            </component></settings></unattend>
            """);

        var report = WindowsInspector.Inspect(root);

        var first = report.Facts.AnswerFiles[0];
        Assert.Equal("registry UnattendFile", first.Role);
        Assert.Equal(PasswordStorage.Obfuscated, first.Passwords.Single().Storage);
        Assert.Equal(@"C:\Windows\Temp\custom.xml", report.Facts.Setup!.UnattendFile);
        Assert.Contains(report.Findings, f => f.Code == "unattendfile-registry");
    }
}
