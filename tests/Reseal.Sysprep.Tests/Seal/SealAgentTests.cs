using System.Text;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>
/// <c>reseal seal --agent</c> keeping each installed agent: its answer-file commands, its state reset, its first-boot
/// hook, and every change undone byte for byte — on offline trees of real hives and on the in-memory machine with a
/// scripted Sysprep.
/// </summary>
public sealed class SealAgentTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0 };
    private static readonly TimeProvider Time = new ManualClock(new DateTimeOffset(2026, 11, 21, 7, 0, 0, TimeSpan.Zero));
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string Ec2ConfigXml = "<?xml version=\"1.0\" standalone=\"yes\"?>\r\n<Ec2ConfigurationSettings>\r\n  <Plugins>\r\n    <Plugin>\r\n      <Name>Ec2SetPassword</Name>\r\n      <State>Disabled</State>\r\n    </Plugin>\r\n    <Plugin>\r\n      <Name>Ec2HandleUserData</Name>\r\n      <State>Disabled</State>\r\n    </Plugin>\r\n    <Plugin>\r\n      <Name>Ec2EventLog</Name>\r\n      <State>Disabled</State>\r\n    </Plugin>\r\n  </Plugins>\r\n</Ec2ConfigurationSettings>\r\n";

    /// <summary>Installs an agent on any machine through its ports: files, service, state (as agents.md describes each).</summary>
    private static void Install(IWindowsMachine machine, SealAgent agent)
    {
        var files = machine.Files;
        void File(string path, string text = "MZ stand-in") => files.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        void Service(string name)
        {
            machine.Registry.SetValue(RegistryHive.System, @"CurrentControlSet\Services\" + name, "Start", RegistryData.FromDWord(2));
            (machine as FakeWindows)?.Services.Add(new ServiceInfo(name, name, null, ServiceStartMode.Automatic, false, ServiceRunState.Stopped));
        }

        switch (agent)
        {
            case SealAgent.Ec2LaunchV2:
                File(@"C:\Program Files\Amazon\EC2Launch\EC2Launch.exe");
                File(@"C:\ProgramData\Amazon\EC2Launch\state\.run-once", "");
                File(@"C:\ProgramData\Amazon\EC2Launch\state\state.json", "{\"stages\":[\"boot\",\"network\",\"preReady\"]}");
                Service("EC2Launch");
                break;
            case SealAgent.Ec2Launch:
                File(@"C:\ProgramData\Amazon\EC2-Windows\Launch\Scripts\InitializeInstance.ps1");
                File(@"C:\ProgramData\Amazon\EC2-Windows\Launch\Sysprep\Randomize-LocalAdminPassword.ps1");
                File(@"C:\ProgramData\Amazon\EC2-Windows\Launch\Sysprep\SysprepSpecialize.cmd");
                File(@"C:\Windows\System32\Tasks\Amazon Ec2 Launch - Instance Initialization", "<Task/>");
                break;
            case SealAgent.Ec2Config:
                File(@"C:\Program Files\Amazon\Ec2ConfigService\Ec2Config.exe");
                File(@"C:\Program Files\Amazon\Ec2ConfigService\ScramblePassword.exe");
                File(@"C:\Program Files\Amazon\Ec2ConfigService\Scripts\SysprepSpecializePhase.cmd");
                File(@"C:\Program Files\Amazon\Ec2ConfigService\Settings\config.xml", Ec2ConfigXml);
                Service("Ec2Config");
                break;
            case SealAgent.CloudbaseInit:
                File(@"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\Python\Scripts\cloudbase-init.exe");
                File(@"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf\cloudbase-init-unattend.conf", "[DEFAULT]\r\n");
                Service("cloudbase-init");
                machine.Registry.SetValue(RegistryHive.Software, @"Cloudbase Solutions\Cloudbase-Init\i-0abc\Plugins", "SetUserPasswordPlugin", RegistryData.FromDWord(1));
                machine.Registry.SetValue(RegistryHive.Software, @"Cloudbase Solutions\Cloudbase-Init\i-0abc\Plugins", "UserDataPlugin", RegistryData.FromDWord(1));
                break;
        }
    }

    /// <summary>What the kept agent's seal must have changed (or not), checked on the machine after apply.</summary>
    private static void AssertSealedFor(IWindowsMachine machine, SealAgent agent)
    {
        var files = machine.Files;
        var answer = Encoding.UTF8.GetString(files.ReadAllBytes(SealPaths.AnswerFile));
        Assert.DoesNotContain("reseal.exe", answer, StringComparison.OrdinalIgnoreCase); // the image has no Reseal
        var setupComplete = files.FileExists(SealPaths.SetupComplete) ? Encoding.Latin1.GetString(files.ReadAllBytes(SealPaths.SetupComplete)) : "";
        Assert.DoesNotContain("reseal.exe", setupComplete, StringComparison.OrdinalIgnoreCase);
        switch (agent)
        {
            case SealAgent.Ec2LaunchV2:
                Assert.Contains(@"EC2Launch\EC2Launch.exe"" internal randomize-password", answer, StringComparison.Ordinal);
                Assert.False(files.FileExists(@"C:\ProgramData\Amazon\EC2Launch\state\.run-once"));
                Assert.False(files.FileExists(@"C:\ProgramData\Amazon\EC2Launch\state\state.json"));
                break;
            case SealAgent.Ec2Launch:
                Assert.Contains("Randomize-LocalAdminPassword.ps1", answer, StringComparison.Ordinal);
                break;
            case SealAgent.Ec2Config:
                Assert.Contains("ScramblePassword.exe", answer, StringComparison.Ordinal);
                var config = Encoding.UTF8.GetString(files.ReadAllBytes(@"C:\Program Files\Amazon\Ec2ConfigService\Settings\config.xml"));
                Assert.Contains("<Name>Ec2SetPassword</Name>\r\n      <State>Enabled</State>", config, StringComparison.Ordinal);
                Assert.Contains("<Name>Ec2HandleUserData</Name>\r\n      <State>Enabled</State>", config, StringComparison.Ordinal);
                Assert.Contains("<Name>Ec2EventLog</Name>\r\n      <State>Disabled</State>", config, StringComparison.Ordinal); // not a once-plugin
                Assert.Contains("PostSysprep.cmd", setupComplete, StringComparison.Ordinal);
                break;
            case SealAgent.CloudbaseInit:
                Assert.Contains("cloudbase-init.exe", answer, StringComparison.Ordinal);
                Assert.Empty(machine.Registry.GetValues(RegistryHive.Software, @"Cloudbase Solutions\Cloudbase-Init\i-0abc\Plugins"));
                // Through the service manager (the offline image's Start value; the SCM on a running Windows).
                Assert.Equal(ServiceStartMode.Manual, machine.Services.Find("cloudbase-init")?.StartMode);
                Assert.Contains("sc.exe config cloudbase-init start= auto", setupComplete, StringComparison.Ordinal);
                break;
        }
    }

    private static string OfflineTree(TempDirectory temp, SealAgent agent)
    {
        var root = SealTestTree.Ready(temp, disableExtraAccount: true);
        File.Delete(Path.Combine(root, "Program Files", "Reseal", "reseal.exe"));
        Directory.Delete(Path.Combine(root, "Program Files", "Reseal"));
        Install(OfflineWindows.Open(root), agent);
        return root;
    }

    [Theory]
    [InlineData(SealAgent.Ec2LaunchV2)]
    [InlineData(SealAgent.Ec2Launch)]
    [InlineData(SealAgent.Ec2Config)]
    [InlineData(SealAgent.CloudbaseInit)]
    public void Offline_KeepInstalledAgent_ThenRollback_ByteIdentical(SealAgent agent)
    {
        using var temp = new TempDirectory();
        var root = OfflineTree(temp, agent);
        var filesBefore = SealTestTree.Files(root);
        var directoriesBefore = SealTestTree.Directories(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");
        var softwareBefore = SealTestTree.Export(root, "SOFTWARE");

        var report = SealPlanner.DryRun(root, Options with { Agent = SealAgent.Auto }, Time);
        Assert.Equal(agent, report.Plan!.Agent);
        Assert.DoesNotContain(report.Checks, c => c.IsError);
        var applied = OfflineSealer.Apply(root, Options with { Agent = agent }, Time);

        Assert.True(applied.Succeeded, applied.Message);
        AssertSealedFor(OfflineWindows.Open(root), agent);

        var rolledBack = OfflineSealer.Rollback(root);

        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(directoriesBefore, SealTestTree.Directories(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
        Assert.Equal(softwareBefore, SealTestTree.Export(root, "SOFTWARE"));
    }

    [Fact]
    public void Offline_ProfileEc2LaunchV2OnAnEc2LaunchV2Machine_DefaultKeepsEc2LaunchV2_ResealOnlyWhenAskedAndThenRefused()
    {
        using var temp = new TempDirectory();
        var root = OfflineTree(temp, SealAgent.Ec2LaunchV2);

        // What a user types: no --agent, so auto (the default) finds EC2Launch v2, the one active agent.
        var byDefault = SealPlanner.DryRun(root, Options with { Profile = Unattend.Profiles.ProfileName.Ec2LaunchV2 }, Time);
        var reseal = SealPlanner.DryRun(root, Options with { Agent = SealAgent.Reseal, Profile = Unattend.Profiles.ProfileName.Ec2LaunchV2 }, Time);

        Assert.Equal(SealAgent.Ec2LaunchV2, byDefault.Plan!.Agent);
        Assert.False(Assert.Single(byDefault.Checks, c => c.Code == PreflightCodes.Agent).IsError);
        Assert.Empty(byDefault.Plan.HookLines); // EC2Launch v2 needs no SetupComplete line, so no reseal.exe is called
        Assert.DoesNotContain("reseal.exe", System.Text.Encoding.UTF8.GetString([.. byDefault.Plan.AnswerFile!.Bytes]), StringComparison.OrdinalIgnoreCase);
        var refused = Assert.Single(reseal.Checks, c => c.Code == PreflightCodes.Agent);
        Assert.True(refused.IsError); // asked for Reseal's agent, which is not there: a precise refusal
        Assert.Contains("--agent", refused.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SealAgent.Ec2LaunchV2, @"file C:\Program Files\Amazon\EC2Launch\EC2Launch.exe")]
    [InlineData(SealAgent.Ec2Config, @"file C:\Program Files\Amazon\Ec2ConfigService\ScramblePassword.exe")]
    [InlineData(SealAgent.Ec2Launch, "scheduled task")]
    [InlineData(SealAgent.CloudbaseInit, "service cloudbase-init")]
    public void Offline_AgentNotInstalled_PreflightErrorNamesWhatIsMissing(SealAgent agent, string missing)
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp, disableExtraAccount: true);

        var report = SealPlanner.DryRun(root, Options with { Agent = agent }, Time);
        var applied = OfflineSealer.Apply(root, Options with { Agent = agent }, Time);

        var check = Assert.Single(report.Checks, c => c.Code == PreflightCodes.Agent);
        Assert.True(check.IsError);
        Assert.Contains(missing, check.Message, StringComparison.Ordinal);
        Assert.False(applied.Succeeded);
        Assert.False(File.Exists(Path.Combine(root, "ProgramData", "Reseal", "sysprep", "seal-journal.json")));
    }

    [Fact]
    public void Offline_AutoWithTwoAgents_RefusedNamingBoth_EvenWithForce()
    {
        using var temp = new TempDirectory();
        var root = OfflineTree(temp, SealAgent.Ec2LaunchV2);
        Install(OfflineWindows.Open(root), SealAgent.CloudbaseInit);

        var report = SealPlanner.DryRun(root, Options with { Agent = SealAgent.Auto }, Time);
        var applied = OfflineSealer.Apply(root, Options with { Agent = SealAgent.Auto, Force = true }, Time);

        Assert.Null(report.Plan!.Agent);
        var check = Assert.Single(report.Checks, c => c.Code == PreflightCodes.Agent);
        Assert.Contains("EC2Launch v2", check.Message, StringComparison.Ordinal);
        Assert.Contains("Cloudbase-Init", check.Message, StringComparison.Ordinal);
        Assert.False(applied.Succeeded);
        Assert.Contains("would race", applied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_AutoWithNoAgent_Refused()
    {
        using var temp = new TempDirectory();
        var root = OfflineTree(temp, SealAgent.Ec2Launch);
        File.Delete(Path.Combine(root, "ProgramData", "Amazon", "EC2-Windows", "Launch", "Scripts", "InitializeInstance.ps1"));

        var report = SealPlanner.DryRun(root, Options with { Agent = SealAgent.Auto }, Time);

        Assert.Contains("no launch agent is installed", Assert.Single(report.Checks, c => c.Code == PreflightCodes.Agent).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SealAgent.Ec2LaunchV2)]
    [InlineData(SealAgent.Ec2Launch)]
    [InlineData(SealAgent.Ec2Config)]
    [InlineData(SealAgent.CloudbaseInit)]
    public async Task Live_KeepAgent_SysprepFails_EveryChangeUndone_SysprepSucceeds_Sealed(SealAgent agent)
    {
        var failing = SealableMachine.Create();
        failing.Files.DeleteFile(@"C:\Program Files\Reseal\reseal.exe");
        Install(failing, agent);
        var before = SealableMachine.Snapshot(failing);
        new FakeSysprep { FinalState = FakeSysprep.Complete }.Install(failing);

        var failed = await new SealRunner(failing, Time, new SealRunSettings { PollInterval = TimeSpan.FromMilliseconds(5) })
            .RunAsync(Options with { Agent = agent }, null, Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

        Assert.Equal(SealRunOutcome.Failed, failed.Outcome);
        Assert.True(failed.UndoProblems.IsEmpty, string.Join("; ", failed.UndoProblems));
        Assert.Equal(before, SealableMachine.Snapshot(failing));

        var machine = SealableMachine.Create();
        machine.Files.DeleteFile(@"C:\Program Files\Reseal\reseal.exe");
        Install(machine, agent);
        new FakeSysprep().Install(machine);

        var sealedResult = await new SealRunner(machine, Time, new SealRunSettings { PollInterval = TimeSpan.FromMilliseconds(5) })
            .RunAsync(Options with { Agent = agent }, null, Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

        Assert.True(sealedResult.Outcome == SealRunOutcome.Sealed, sealedResult.Message);
        AssertSealedFor(machine, agent);
    }
}
