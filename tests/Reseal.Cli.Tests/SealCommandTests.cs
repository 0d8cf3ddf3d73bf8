using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class SealCommandTests
{
    private static string ReadyTree(TempDirectory temp)
    {
        var root = InspectCommandTests.BuildTree(temp);
        var sysprep = Path.Combine(root, "Windows", "System32", "Sysprep");
        Directory.CreateDirectory(sysprep);
        File.WriteAllBytes(Path.Combine(sysprep, "sysprep.exe"), [0x4D, 0x5A]);
        return root;
    }

    private static string Snapshot(string root)
    {
        var config = Path.Combine(root, "Windows", "System32", "config");
        var system = CliRunner.Run(["hive", "export", Path.Combine(config, "SYSTEM")]).Out;
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.Combine("System32", "config"), StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(root, f)}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}");
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
        var before = Snapshot(root);

        var apply = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--profile", "ec2launch-v2"]);
        var denied = CliRunner.Run(["hive", "get", Path.Combine(root, "Windows", "System32", "config", "SYSTEM"), "ControlSet001\\Control\\Terminal Server", "fDenyTSConnections"]);
        var setupComplete = Directory.GetFiles(root, "SetupComplete.cmd", SearchOption.AllDirectories);
        var rollback = CliRunner.Run(["seal", "--root", root, "--rollback"]);

        Assert.True(apply.ExitCode == 0, apply.Out + apply.Error);
        Assert.Equal("1", denied.Out.Trim());
        Assert.Single(setupComplete);
        Assert.True(rollback.ExitCode == 0, rollback.Out + rollback.Error);
        Assert.Equal(before, Snapshot(root));
    }

    [Fact]
    public void Rollback_SetupCompleteEditedAfterApply_RefusedUntilForced()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);
        var before = Snapshot(root);
        var apply = CliRunner.Run(["seal", "--root", root, "--yes", "--force", "--profile", "ec2launch-v2"]);
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
}
