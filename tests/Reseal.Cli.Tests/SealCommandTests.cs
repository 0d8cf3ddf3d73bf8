using System.Text.Json;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Unattend.Passwords;

namespace Reseal.Cli.Tests;

public class SealCommandTests
{
    internal static string ReadyTree(TempDirectory temp)
    {
        var root = InspectCommandTests.BuildTree(temp);
        var sysprep = Path.Combine(root, "Windows", "System32", "Sysprep");
        Directory.CreateDirectory(sysprep);
        File.WriteAllBytes(Path.Combine(sysprep, "sysprep.exe"), [0x4D, 0x5A]);
        return root;
    }

    /// <summary>
    /// The tree as a rollback leaves it: every file as before, except that a cached Panther answer file the seal moved
    /// aside comes back with its passwords scrubbed (the moved copy keeps no clear text, so neither can the rollback).
    /// </summary>
    internal static string SnapshotAsRolledBack(string root) => Snapshot(root, scrubMovedAnswerFile: true);

    internal static string Snapshot(string root, bool scrubMovedAnswerFile = false)
    {
        var config = Path.Combine(root, "Windows", "System32", "config");
        var system = CliRunner.Run(["hive", "export", Path.Combine(config, "SYSTEM")]).Out;
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.Combine("System32", "config"), StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(root, f)}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
                scrubMovedAnswerFile && Path.GetRelativePath(root, f).Replace('\\', '/').Equals("Windows/Panther/unattend.xml", StringComparison.OrdinalIgnoreCase)
                    ? AnswerFileScrubber.Scrub(File.ReadAllBytes(f)).Bytes
                    : File.ReadAllBytes(f)))}");
        return system + string.Join("\n", files);
    }

    [Fact]
    public void DryRun_TreeWithoutSysprep_IsBlockedAndChangesNothing()
    {
        using var temp = new TempDirectory();
        var root = InspectCommandTests.BuildTree(temp);
        var before = Snapshot(root);

        var result = CliRunner.Run(["seal", "--root", root, "--dry-run", "--format", "json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sysprep-missing", result.Out, StringComparison.Ordinal);
        using var _ = JsonDocument.Parse(result.Out);
        Assert.Equal(before, Snapshot(root));
    }

    [Fact]
    public void ApplyThenRollback_RestoresTheTreeExactly()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);
        var before = SnapshotAsRolledBack(root);

        var apply = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--agent", "reseal", "--profile", "ec2launch-v2"]);
        var denied = CliRunner.Run(["hive", "get", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"), "ControlSet001\\Control\\Terminal Server", "fDenyTSConnections"]);
        var setupComplete = Directory.GetFiles(root, "SetupComplete.cmd", SearchOption.AllDirectories);
        var rollback = CliRunner.Run(["seal", "--root", root, "--rollback"]);

        Assert.True(apply.ExitCode == 0, apply.Out + apply.Error);
        Assert.Equal("1", denied.Out.Trim());
        Assert.Single(setupComplete);
        Assert.True(rollback.ExitCode == 0, rollback.Out + rollback.Error);
        Assert.Equal(before, Snapshot(root));
        Assert.DoesNotContain("Hunter2!Secret", File.ReadAllText(Path.Combine(root, "Windows", "Panther", "unattend.xml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Rollback_SetupCompleteEditedAfterApply_RefusedUntilForced()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);
        var before = SnapshotAsRolledBack(root);
        var apply = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--agent", "reseal", "--profile", "ec2launch-v2"]);
        Assert.True(apply.ExitCode == 0, apply.Out + apply.Error);
        var setupComplete = Assert.Single(Directory.GetFiles(root, "SetupComplete.cmd", SearchOption.AllDirectories));
        File.AppendAllText(setupComplete, "call packer-step.cmd\r\n");
        var edited = Snapshot(root);

        var refused = CliRunner.Run(["seal", "--root", root, "--rollback", "--format", "json"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("SetupComplete.cmd", refused.Out, StringComparison.Ordinal);
        JsonDocument.Parse(refused.Out).Dispose();
        Assert.Equal(edited, Snapshot(root));

        var forced = CliRunner.Run(["seal", "--root", root, "--rollback", "--force"]);

        Assert.True(forced.ExitCode == 0, forced.Out + forced.Error);
        Assert.Equal(before, Snapshot(root));
    }

    [Theory]
    [InlineData("seal|--dry-run")]
    [InlineData("seal|--root|ROOT|--dry-run|--yes")]
    [InlineData("seal|--root|ROOT")]
    [InlineData("seal|--root|ROOT|--dry-run|--reboot|--quit")]
    public void Seal_BadCombinations_AreRefused(string args)
    {
        using var temp = new TempDirectory();
        var result = CliRunner.Run([.. args.Split('|').Select(a => a == "ROOT" ? temp.Path : a)]);

        Assert.True(result.ExitCode is 2 or 4, $"exit {result.ExitCode}: {result.Error}");
        Assert.StartsWith("reseal: error:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Seal_NotAWindowsTree_ExitsThree()
    {
        using var temp = new TempDirectory();

        Assert.Equal(3, CliRunner.Run(["seal", "--root", temp.Path, "--dry-run"]).ExitCode);
    }

    [Fact]
    public void Seal_NoRootOffWindows_ExitsFourAndPointsAtRoot()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("on Windows reseal seal without --root seals this machine");
        }

        foreach (var args in new[] { new[] { "seal", "--yes" }, ["seal", "--dry-run"], ["seal", "--rollback"], ["seal"] })
        {
            var result = CliRunner.Run(args);

            Assert.Equal(4, result.ExitCode);
            Assert.Contains("needs Windows", result.Error, StringComparison.Ordinal);
            Assert.Contains("--root DIR", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Seal_LiveWithoutYesFromAPipeline_RefusedWithExit2AndNothingRuns()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var result = CliRunner.Run(["seal"], machine: machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("a pipeline must say --yes", result.Error, StringComparison.Ordinal);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Theory]
    [InlineData("no\n")]
    [InlineData("")]
    public void Seal_LiveAtATerminalNotConfirmed_NothingChanged(string answer)
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var result = CliRunner.Run(["seal"], stdin: answer, machine: machine, stdinTerminal: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("seal this machine now?", result.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", result.Error, StringComparison.Ordinal);
        Assert.Contains("Checks:", result.Out, StringComparison.Ordinal);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public void Seal_LiveAtATerminalConfirmed_Sealed()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);

        var result = CliRunner.Run(["seal", "--quit"], stdin: "yes\n", machine: machine, stdinTerminal: true);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("seal: sealed", result.Out, StringComparison.Ordinal);
        Assert.Contains("/quit", sysprep.Request!.Arguments);
        Assert.Contains("reseal: sysprep: Info SYSPRP", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Seal_LiveDryRun_PrintsChecksAndPlanAndChangesNothing()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var result = CliRunner.Run(["seal", "--dry-run", "--format", "json"], machine: machine);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("an in-memory test machine", json.RootElement.GetProperty("root").GetString());
        Assert.Contains(json.RootElement.GetProperty("checks").EnumerateArray(), c => c.GetProperty("code").GetString() == "not-admin" && c.GetProperty("severity").GetString() == "ok");
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public void Seal_LiveYesJson_SealedWithPreflightInTheResult()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep().Install(machine);

        var result = CliRunner.Run(["seal", "--yes", "--format", "json"], machine: machine);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("Sealed", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("Ready", json.RootElement.GetProperty("preflight").GetProperty("readiness").GetString());
    }

    [Fact]
    public void Seal_LiveYesSysprepFails_ExitOneUndoneWithDiagnosis()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep { ExitCode = 1, FinalState = null, Errors = { "BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)" } }.Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var result = CliRunner.Run(["seal", "--yes"], machine: machine);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("seal: failed and undone", result.Out, StringComparison.Ordinal);
        Assert.Contains("SD005", result.Out, StringComparison.Ordinal);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public void Seal_LiveRollback_UndoesFromTheJournal()
    {
        var machine = SealableMachine.Create();
        var before = SealableMachine.Snapshot(machine);
        var report = new SealRunner(machine).Preflight(new SealOptions());
        Assert.True(SealApplier.Apply(machine, report).Succeeded);

        var result = CliRunner.Run(["seal", "--rollback"], machine: machine);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Theory]
    [InlineData("seal|--yes|--dry-run")]
    [InlineData("seal|--rollback|--yes")]
    [InlineData("seal|--yes|--shutdown|--reboot")]
    public void Seal_LiveBadCombinations_ExitTwoBeforeTouchingTheMachine(string args)
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var result = CliRunner.Run(args.Split('|'), machine: machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public void DefaultAgentAuto_TwoActiveAgents_RefusedNamingBothAndHowToChoose_EvenWithForce_TreeUntouched()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "Program Files", "Reseal")).FullName, "reseal.exe"), [0x4D, 0x5A]);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "ProgramData", "Amazon", "EC2-Windows", "Launch", "Scripts")).FullName, "InitializeInstance.ps1"), "# EC2Launch v1");
        var before = Snapshot(root);

        var dryRun = CliRunner.Run(["seal", "--root", root, "--dry-run", "--profile", "ec2launch-v2"]);
        var forced = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--profile", "ec2launch-v2"]);

        Assert.Equal(1, dryRun.ExitCode);
        Assert.Contains("--agent auto (the default): 2 launch agents are active (EC2Launch v1 (", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("Reseal (", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("name the agent the image boots into with --agent reseal|ec2launch-v2|ec2launch|ec2config|cloudbase-init", dryRun.Out, StringComparison.Ordinal);
        Assert.Equal(1, forced.ExitCode);
        Assert.Equal(before, Snapshot(root));
    }

    [Fact]
    public void DefaultAgentAuto_NoAgent_RefusedSayingSo()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);

        var result = CliRunner.Run(["seal", "--root", root, "--dry-run"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--agent auto (the default): no launch agent is installed", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_SaysWhatRunsWhere()
    {
        var result = CliRunner.Run(["seal", "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Without --root it seals the running Windows (Windows only)", result.Out, StringComparison.Ordinal);
        Assert.Contains("a pipeline must say --yes", result.Out, StringComparison.Ordinal);
        Assert.Contains("auto (default): the one active agent", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("not built", result.Out, StringComparison.Ordinal);
    }
}

/// <summary><c>seal</c>'s answer-file options, <c>--no-sysprep</c> and <c>--admin-password</c> on offline trees built from the real hives.</summary>
public class SealChoiceCommandTests
{
    private static string ProgramData(string root, params string[] parts) => Path.Combine([root, "ProgramData", "Reseal", .. parts]);

    [Fact]
    public void Apply_AnswerFileOptions_ShapeTheAnswerFileWritten()
    {
        using var temp = new TempDirectory();
        var root = SealCommandTests.ReadyTree(temp);

        var apply = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--agent", "reseal", "--time-zone", "pacific standard time", "--locale", "fr-FR", "--skip-rearm", "--copy-profile", "false"]);

        Assert.True(apply.ExitCode == 0, apply.Out + apply.Error);
        var answer = File.ReadAllText(ProgramData(root, "sysprep", "unattend.xml"));
        Assert.Contains("<TimeZone>Pacific Standard Time</TimeZone>", answer, StringComparison.Ordinal);
        Assert.Contains("<UserLocale>fr-FR</UserLocale>", answer, StringComparison.Ordinal);
        Assert.Contains("<SkipRearm>1</SkipRearm>", answer, StringComparison.Ordinal);
        Assert.Contains("<CopyProfile>false</CopyProfile>", answer, StringComparison.Ordinal);
        var lint = CliRunner.Run(["unattend", "lint", ProgramData(root, "sysprep", "unattend.xml")]);
        Assert.True(lint.ExitCode == 0, lint.Out + lint.Error);
    }

    [Theory]
    [InlineData("--time-zone", "Mars Standard Time", "is not a Windows time zone name")]
    [InlineData("--locale", "french", "is not a language tag")]
    [InlineData("--admin-password", "static", "random")]
    public void DryRun_BadAnswerFileOption_IsAUsageErrorThatNamesIt(string option, string value, string expected)
    {
        using var temp = new TempDirectory();
        var root = SealCommandTests.ReadyTree(temp);

        var result = CliRunner.Run(["seal", "--root", root, "--dry-run", option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--reboot")]
    [InlineData("--mode-vm")]
    public void NoSysprep_WithASysprepOption_IsAUsageError(string option)
    {
        var result = CliRunner.Run(["seal", "--dry-run", "--no-sysprep", option]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-sysprep runs no Sysprep", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_NoSysprepKeep_ResetsStateSetsDoNothingAndWritesNoAnswerFile()
    {
        using var temp = new TempDirectory();
        var root = SealCommandTests.ReadyTree(temp);
        Directory.CreateDirectory(ProgramData(root, "state"));
        File.WriteAllText(ProgramData(root, "state", "state.json"), "{\"format\":1}");
        var before = SealCommandTests.Snapshot(root);

        var plan = CliRunner.Run(["seal", "--root", root, "--dry-run", "--force", "--agent", "reseal", "--no-sysprep", "--admin-password", "keep", "--format", "json"]);
        var apply = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--agent", "reseal", "--no-sysprep", "--admin-password", "keep"]);

        Assert.True(apply.ExitCode == 0, apply.Out + apply.Error);
        using (var json = JsonDocument.Parse(plan.Out))
        {
            var steps = json.RootElement.GetProperty("plan").GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
            Assert.Equal([SealStepIds.ResetAgentState, SealStepIds.SetAdminPassword, SealStepIds.Shutdown], steps);
            Assert.True(json.RootElement.GetProperty("options").GetProperty("noSysprep").GetBoolean());
        }

        Assert.Contains("nothing is shut down by an offline apply", apply.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(ProgramData(root, "state", "state.json")));
        Assert.False(File.Exists(ProgramData(root, "sysprep", "unattend.xml")));
        var validate = CliRunner.Run(["agent", "validate", "--config", ProgramData(root, "config", "agent-config.yml")]);
        Assert.True(validate.ExitCode == 0, validate.Out + validate.Error);
        Assert.Contains("type: doNothing", File.ReadAllText(ProgramData(root, "config", "agent-config.yml")), StringComparison.Ordinal);
        // RDP as it was: the SYSTEM hive is not touched.
        var rollback = CliRunner.Run(["seal", "--root", root, "--rollback"]);
        Assert.True(rollback.ExitCode == 0, rollback.Out + rollback.Error);
        Assert.Equal(before, SealCommandTests.Snapshot(root));
    }

    [Fact]
    public void DryRun_SpecifyOnAnOfflineTree_BlockedWithoutAskingForThePassword()
    {
        using var temp = new TempDirectory();
        var root = SealCommandTests.ReadyTree(temp);

        var result = CliRunner.Run(["seal", "--root", root, "--dry-run", "--agent", "reseal", "--admin-password", "specify"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("admin-password", result.Out, StringComparison.Ordinal);
        Assert.Contains("needs the running Windows", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Administrator password:", result.Error, StringComparison.Ordinal);
    }
}
