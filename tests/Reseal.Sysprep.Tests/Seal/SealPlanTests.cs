using System.Text;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Profiles;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

public sealed class SealPlanTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0 };

    [Fact]
    public void DryRun_DefaultOptions_StepsInLifecycleOrder()
    {
        using var temp = new TempDirectory();
        var report = SealPlanner.DryRun(SealTestTree.Ready(temp), Options);

        Assert.Equal(
            [SealStepIds.ResetAgentState, SealStepIds.WriteAnswerFile, SealStepIds.DenyRdp, SealStepIds.FirstBootHook, SealStepIds.RunSysprep, SealStepIds.Watch],
            report.Plan!.Steps.Select(s => s.Id));
        Assert.All(report.Plan.Steps, s => Assert.False(string.IsNullOrWhiteSpace(s.Undo)));
        Assert.False(report.Plan.Steps.Single(s => s.Id == SealStepIds.RunSysprep).AppliesOffline);
        Assert.Equal(@"C:\ProgramData\Reseal\sysprep\unattend.xml", report.Plan.AnswerFile!.TargetPath);
        Assert.Equal(0u, report.Plan.RdpDenyBefore);
    }

    [Theory]
    [InlineData(ProfileName.Generic)]
    [InlineData(ProfileName.Ec2Config)]
    [InlineData(ProfileName.Ec2Launch)]
    [InlineData(ProfileName.Ec2LaunchV2)]
    [InlineData(ProfileName.CloudbaseInit)]
    public void DryRun_EachProfile_AnswerFileLintsWithoutErrors(ProfileName profile)
    {
        using var temp = new TempDirectory();
        var report = SealPlanner.DryRun(SealTestTree.Ready(temp, disableExtraAccount: true), Options with { Profile = profile });

        var answer = report.Plan!.AnswerFile!;
        Assert.True(answer.Lint.Readable);
        Assert.Equal(0, answer.Lint.Count(Severity.Error));
        var relinted = new AnswerFileLinter().Lint(AnswerFileReader.Read(answer.Bytes.AsSpan(), answer.TargetPath));
        Assert.Equal(0, relinted.Count(Severity.Error));
        Assert.Equal($"profile {AnswerFileProfiles.CliName(profile)}", answer.Source);
    }

    [Theory]
    [InlineData(ProfileName.Ec2Config, "ScramblePassword.exe")]
    [InlineData(ProfileName.Ec2Launch, "Randomize-LocalAdminPassword.ps1")]
    [InlineData(ProfileName.Ec2LaunchV2, "EC2Launch.exe")]
    public void DryRun_AmazonProfiles_ScrambleWithResealNotTheAgentTheyCameFrom(ProfileName profile, string amazonScrambler)
    {
        using var temp = new TempDirectory();
        var text = SealPlanner.DryRun(SealTestTree.Ready(temp), Options with { Profile = profile }).Plan!.AnswerFile!.Text!;

        Assert.Contains(@"<Path>""C:\Program Files\Reseal\reseal.exe"" internal scramble-password --enable</Path>", text, StringComparison.Ordinal);
        // The account is found by SID at run time: no command names it ("Administrateur" on a French Windows).
        Assert.DoesNotContain("net user Administrator", text, StringComparison.Ordinal);
        Assert.DoesNotContain("--user", text, StringComparison.Ordinal);
        Assert.DoesNotContain(amazonScrambler, text, StringComparison.Ordinal);
        Assert.Contains(amazonScrambler, AnswerFileProfiles.Create(profile).ToXmlString(), StringComparison.Ordinal); // unattend new still reproduces the agent's file
    }

    [Fact]
    public void DryRun_LocaleFromDefaultHive_UsedInAnswerFile()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        OfflineWindows.Open(root).Registry.SetValue(RegistryHive.Default, @"Control Panel\International", "LocaleName", RegistryData.FromString("fr-FR"));

        var answer = SealPlanner.DryRun(root, Options).Plan!.AnswerFile!;

        Assert.Equal("fr-FR", answer.Locale!.Locale);
        Assert.Null(answer.Locale.Note);
        Assert.Contains(@"HKU\.DEFAULT\Control Panel\International!LocaleName", answer.Locale.Source, StringComparison.Ordinal);
        Assert.Contains("<UILanguage>fr-FR</UILanguage>", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_RealDefaultHive_LocaleEnUsFromRegistry()
    {
        using var temp = new TempDirectory();

        var locale = SealPlanner.DryRun(SealTestTree.Ready(temp), Options).Plan!.AnswerFile!.Locale!;

        Assert.Equal("en-US", locale.Locale);
        Assert.Null(locale.Note);
    }

    [Fact]
    public void DryRun_LocaleNameAbsent_FallsBackToEnUsWithNote()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        Assert.True(OfflineWindows.Open(root).Registry.DeleteValue(RegistryHive.Default, @"Control Panel\International", "LocaleName"));

        var report = SealPlanner.DryRun(root, Options);

        var locale = report.Plan!.AnswerFile!.Locale!;
        Assert.Equal("en-US", locale.Locale);
        Assert.Contains("not set", locale.Note, StringComparison.Ordinal);
        Assert.Contains(report.Plan.Steps.Single(s => s.Id == SealStepIds.WriteAnswerFile).Changes, c => c.StartsWith("note:", StringComparison.Ordinal));
        Assert.Contains("<UserLocale>en-US</UserLocale>", report.Plan.AnswerFile!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_LocaleOption_WinsOverRegistry()
    {
        using var temp = new TempDirectory();
        var options = Options with { ProfileOptions = new ProfileOptions { Locale = "de-DE" } };

        var answer = SealPlanner.DryRun(SealTestTree.Ready(temp), options).Plan!.AnswerFile!;

        Assert.Equal("de-DE", answer.Locale!.Locale);
        Assert.Contains("<SystemLocale>de-DE</SystemLocale>", answer.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SysprepCompletion.Shutdown, false, @"C:\Windows\System32\Sysprep\sysprep.exe /oobe /generalize /shutdown /quiet /unattend:C:\ProgramData\Reseal\sysprep\unattend.xml")]
    [InlineData(SysprepCompletion.Reboot, true, @"C:\Windows\System32\Sysprep\sysprep.exe /oobe /generalize /reboot /quiet /mode:vm /unattend:C:\ProgramData\Reseal\sysprep\unattend.xml")]
    [InlineData(SysprepCompletion.Quit, false, @"C:\Windows\System32\Sysprep\sysprep.exe /oobe /generalize /quit /quiet /unattend:C:\ProgramData\Reseal\sysprep\unattend.xml")]
    public void DryRun_CompletionAndModeVm_SysprepCommandLine(SysprepCompletion completion, bool modeVm, string expected)
    {
        using var temp = new TempDirectory();

        var plan = SealPlanner.DryRun(SealTestTree.Ready(temp), Options with { Completion = completion, ModeVm = modeVm }).Plan!;

        Assert.Equal(expected, plan.SysprepCommandLine);
        Assert.Equal(expected, plan.Steps.Single(s => s.Id == SealStepIds.RunSysprep).Content);
    }

    [Fact]
    public void DryRun_StateLogsAndHook_ListedInResetAndHookSteps()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"ProgramData\Reseal\state\state.json", "{}");
        WindowsTree.Write(root, @"ProgramData\Reseal\state\previous-state.json", "{}");
        WindowsTree.Write(root, @"ProgramData\Reseal\log\agent.log", "log");
        WindowsTree.Write(root, @"ProgramData\Reseal\sysprep\BeforeSysprep.cmd", "echo mine");

        var plain = SealPlanner.DryRun(root, Options).Plan!;
        var clean = SealPlanner.DryRun(root, Options with { Clean = true }).Plan!;

        Assert.Equal([@"C:\ProgramData\Reseal\state\state.json", @"C:\ProgramData\Reseal\state\previous-state.json"], plain.StateFiles);
        Assert.Empty(plain.LogFiles);
        Assert.Equal([@"C:\ProgramData\Reseal\log\agent.log"], clean.LogFiles);
        Assert.Equal(@"C:\ProgramData\Reseal\sysprep\BeforeSysprep.cmd", plain.BeforeSysprepHook);
        var ids = plain.Steps.Select(s => s.Id).ToList();
        Assert.True(ids.IndexOf(SealStepIds.DenyRdp) < ids.IndexOf(SealStepIds.BeforeSysprepHook));
        Assert.True(ids.IndexOf(SealStepIds.BeforeSysprepHook) < ids.IndexOf(SealStepIds.FirstBootHook));
    }

    [Fact]
    public void WithFirstBootHook_ExistingLines_KeptAndOurLineAddedOnceWhenRunTwice()
    {
        var existing = Encoding.ASCII.GetBytes("@echo off\r\ncall C:\\Vendor\\post.cmd\r\n");

        var once = SetupCompleteScript.WithFirstBootHook(existing);
        var twice = SetupCompleteScript.WithFirstBootHook(once.AsSpan());

        Assert.Equal(once, twice);
        var text = Encoding.ASCII.GetString(once.AsSpan());
        Assert.StartsWith("@echo off\r\ncall C:\\Vendor\\post.cmd\r\n", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Split("\r\n").Count(l => l == SealPaths.FirstBootHookLine));
        Assert.EndsWith(SealPaths.FirstBootHookLine + "\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WithFirstBootHook_FinalExitAndNoTrailingNewline_InsertedBeforeExit()
    {
        var withExit = SetupCompleteScript.WithFirstBootHook(Encoding.ASCII.GetBytes("echo one\nexit /b 0\n"));
        var noNewline = SetupCompleteScript.WithFirstBootHook(Encoding.ASCII.GetBytes("echo one"));
        var empty = SetupCompleteScript.WithFirstBootHook([]);

        Assert.Equal($"echo one\n{SealPaths.FirstBootHookLine}\nexit /b 0\n", Encoding.ASCII.GetString(withExit.AsSpan()));
        Assert.Equal($"echo one\r\n{SealPaths.FirstBootHookLine}\r\n", Encoding.ASCII.GetString(noNewline.AsSpan()));
        Assert.Equal(SealPaths.FirstBootHookLine + "\r\n", Encoding.ASCII.GetString(empty.AsSpan()));
    }

    [Fact]
    public void DryRun_ExistingSetupComplete_PlanShowsResultingFileWithPriorLines()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        WindowsTree.Write(root, @"Windows\Setup\Scripts\SetupComplete.cmd", "@echo off\r\nnet start vendor\r\n");

        var plan = SealPlanner.DryRun(root, Options).Plan!;

        var step = plan.Steps.Single(s => s.Id == SealStepIds.FirstBootHook);
        Assert.Equal($"@echo off\r\nnet start vendor\r\n{SealPaths.FirstBootHookLine}\r\n", step.Content);
        Assert.Contains(step.Changes, c => c.Contains("keeping its 2 existing lines", StringComparison.Ordinal));
        Assert.False(plan.SetupComplete.Unchanged);
    }

    [Fact]
    public void WithFirstBootHook_LegacyAgentRunLine_ReplacedWhereItStands()
    {
        var legacy = Encoding.ASCII.GetBytes("@echo off\r\n" + SealPaths.LegacyFirstBootHookLine + "\r\nexit /b 0\r\n");

        var after = SetupCompleteScript.WithFirstBootHook(legacy);

        Assert.Equal("@echo off\r\n" + SealPaths.FirstBootHookLine + "\r\nexit /b 0\r\n", Encoding.ASCII.GetString(after.AsSpan()));
        Assert.Equal(after, SetupCompleteScript.WithFirstBootHook(after.AsSpan()));
    }
}
