using System.Text.Json.Nodes;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Cli.Tests;

/// <summary>
/// <c>reseal agent migrate</c> end to end through the CLI: offline trees holding the settings files written from the
/// agents' documentation (Reseal.Agent.Tests/Boot/Migration/Data), the output round-tripped through <c>agent validate</c>
/// and <c>agent plan</c>, and <c>--apply</c>/<c>--rollback</c> on the in-memory machine.
/// </summary>
public sealed class AgentMigrateCommandTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "MigrationData");

    private static readonly Dictionary<string, string> Folders = new()
    {
        ["ec2config"] = Path.Combine("Program Files", "Amazon", "Ec2ConfigService", "Settings"),
        ["ec2launch"] = Path.Combine("ProgramData", "Amazon", "EC2-Windows", "Launch", "Config"),
        ["cloudbase-init"] = Path.Combine("Program Files", "Cloudbase Solutions", "Cloudbase-Init", "conf"),
    };

    private static readonly Dictionary<string, string> WindowsFolders = new()
    {
        ["ec2config"] = @"C:\Program Files\Amazon\Ec2ConfigService\Settings",
        ["ec2launch"] = @"C:\ProgramData\Amazon\EC2-Windows\Launch\Config",
        ["cloudbase-init"] = @"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf",
    };

    /// <summary>An offline tree with <paramref name="agents"/>' documented settings files in their installed folders.</summary>
    private static TempDirectory Tree(params string[] agents)
    {
        var tree = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(tree.Path, "Windows", "System32", "config"));
        foreach (var agent in agents)
        {
            var folder = Directory.CreateDirectory(Path.Combine(tree.Path, Folders[agent])).FullName;
            foreach (var file in Directory.GetFiles(Path.Combine(Data, agent)))
            {
                // AWS's page spells it Config.xml, the reader asks for config.xml: Windows paths match case-insensitively in a tree too.
                var name = Path.GetFileName(file) == "config.xml" ? "Config.xml" : Path.GetFileName(file);
                File.Copy(file, Path.Combine(folder, name));
            }
        }

        return tree;
    }

    [Theory]
    [InlineData("ec2config")]
    [InlineData("ec2launch")]
    [InlineData("cloudbase-init")]
    public void Migrate_OfflineTreeToOutput_WritesConfigThatValidateAndPlanAccept(string agent)
    {
        using var tree = Tree(agent);
        var output = tree.File("agent-config.yml");

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--output", output]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains($"wrote {output}", result.Error, StringComparison.Ordinal);
        Assert.Contains("mapped", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"\d+ setting\(s\): \d+ mapped, \d+ already Reseal's default, \d+ not migrated", result.Out);
        var validate = CliRunner.Run(["agent", "validate", "--config", output]);
        Assert.True(validate.ExitCode == 0, validate.Out + validate.Error);
        var plan = CliRunner.Run(["agent", "plan", "--config", output]);
        Assert.True(plan.ExitCode == 0, plan.Out + plan.Error);
        Assert.Contains("setAdminAccount", plan.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_Json_ListsEverySettingWithItsFateAndNeverTheYaml()
    {
        using var tree = Tree("cloudbase-init");

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--from", "cloudbase-init", "--format", "json"]);

        Assert.True(result.ExitCode == 0, result.Error);
        var report = JsonNode.Parse(result.Out)!.AsObject();
        Assert.Equal("cloudbase-init", report["agent"]!.GetValue<string>());
        Assert.True(report["valid"]!.GetValue<bool>());
        Assert.Null(report["written"]);
        var settings = report["settings"]!.AsArray();
        Assert.Contains(settings, s => s!["name"]!.GetValue<string>() == "metadata_services" && s["target"]!.GetValue<string>() == "metadata.sources: openstack");
        Assert.Contains(settings, s => s!["name"]!.GetValue<string>() == "real_time_clock_utc" && s["fate"]!.GetValue<string>() == "notMigrated");
        Assert.All(settings, s => Assert.False(string.IsNullOrEmpty(s!["reason"]!.GetValue<string>())));
        Assert.DoesNotContain("version: 1.0", result.Out, StringComparison.Ordinal);
        Assert.Contains("nothing written", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_MalformedSettings_Exit3NamingFileAndLineAndNothingWritten()
    {
        using var tree = Tree("ec2launch");
        File.WriteAllText(Path.Combine(tree.Path, Folders["ec2launch"], "LaunchConfig.json"), "{\n  \"setComputerName\": true,\n  \"setWallpaper\": tru\n}");
        var output = tree.File("agent-config.yml");

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--output", output]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(@"LaunchConfig.json:3:0: error RA501", result.Error, StringComparison.Ordinal);
        Assert.Contains("reseal: error:", result.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was written", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(tree.Path));
    }

    [Fact]
    public void Migrate_AutoWithNoAgent_Exit4NamingWhereItLooked()
    {
        using var tree = Tree();

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path]);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("no EC2Config, EC2Launch v1 or Cloudbase-Init settings were found", result.Error, StringComparison.Ordinal);
        Assert.Contains("LaunchConfig.json", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_AutoWithTwoAgents_Exit2AskingForFrom()
    {
        using var tree = Tree("ec2config", "cloudbase-init");

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("EC2Config", result.Error, StringComparison.Ordinal);
        Assert.Contains("Cloudbase-Init", result.Error, StringComparison.Ordinal);
        Assert.Contains("--from ec2config|cloudbase-init", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--from", "ec2config"]).ExitCode);
    }

    [Fact]
    public void Migrate_OutputExistsWithoutForce_Exit2AndFileKept()
    {
        using var tree = Tree("ec2launch");
        var output = tree.Write("agent-config.yml", "mine\n");

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--output", output]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--force", result.Error, StringComparison.Ordinal);
        Assert.Equal("mine\n", File.ReadAllText(output));
        Assert.Equal(0, CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--output", output, "--force"]).ExitCode);
        Assert.StartsWith("# Migrated from EC2Launch v1", File.ReadAllText(output), StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_SpecifyPasswordToOutput_FileIsOwnerOnlyAndReportHidesIt()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("checks Unix file modes; on Windows a clear-text password is written only by --apply");
        }

        using var tree = Tree("ec2launch");
        File.WriteAllText(Path.Combine(tree.Path, Folders["ec2launch"], "LaunchConfig.json"), """{"adminPasswordType": "Specify", "adminPassword": "Pl41n-T3xt!"}""");
        var output = tree.File("agent-config.yml");

        var result = CliRunner.Run(["agent", "migrate", "--root", tree.Path, "--output", output]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("Pl41n-T3xt!", result.Out + result.Error, StringComparison.Ordinal);
        Assert.Contains("(set, not shown)", result.Out, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(output));
        Assert.Contains("Pl41n-T3xt!", File.ReadAllText(output), StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run(["agent", "validate", "--config", output]).ExitCode);
    }

    private static (FakeWindows Machine, FakeServiceInstaller Installer) LiveCloudbaseInit()
    {
        var machine = new FakeWindows();
        foreach (var file in Directory.GetFiles(Path.Combine(Data, "cloudbase-init")))
        {
            machine.Files.WriteAllBytes(WindowsFolders["cloudbase-init"] + "\\" + Path.GetFileName(file), File.ReadAllBytes(file));
        }

        machine.Files.WriteText(@"C:\Program Files\Reseal\reseal.exe", "MZ");
        machine.Files.WriteText(@"C:\Windows\Setup\Scripts\SetupComplete.cmd", "sc.exe config cloudbase-init start= auto\r\nsc.exe start cloudbase-init\r\n");
        machine.Services.Add(new ServiceInfo("cloudbase-init", "Cloudbase-Init", "cloudbase-init.exe", ServiceStartMode.Automatic, false, ServiceRunState.Running));
        return (machine, new FakeServiceInstaller(machine.Services));
    }

    [Fact]
    public void MigrateApplyThenRollback_LiveMachine_SwitchesToResealAndBack()
    {
        var (machine, installer) = LiveCloudbaseInit();

        var applied = CliRunner.Run(["agent", "migrate", "--apply"], machine: machine, installer: installer);

        Assert.True(applied.ExitCode == 0, applied.Out + applied.Error);
        Assert.Contains("apply: switched from Cloudbase-Init to Reseal", applied.Out, StringComparison.Ordinal);
        Assert.Equal(ServiceStartMode.Disabled, machine.Services.Find("cloudbase-init")!.StartMode);
        Assert.NotNull(machine.Services.Find("Reseal"));
        Assert.Equal("", machine.Files.ReadText(@"C:\Windows\Setup\Scripts\SetupComplete.cmd"));
        var config = @"C:\ProgramData\Reseal\config\agent-config.yml";
        var validate = CliRunner.Run(["agent", "validate", "--config", WriteOut(machine.Files.ReadAllBytes(config))]);
        Assert.True(validate.ExitCode == 0, validate.Out);

        var undone = CliRunner.Run(["agent", "migrate", "--rollback"], machine: machine, installer: installer);

        Assert.True(undone.ExitCode == 0, undone.Out + undone.Error);
        Assert.False(machine.Files.FileExists(config));
        Assert.Equal(ServiceStartMode.Automatic, machine.Services.Find("cloudbase-init")!.StartMode);
        Assert.Equal(ServiceRunState.Running, machine.Services.Find("cloudbase-init")!.State);
        Assert.Null(machine.Services.Find("Reseal"));
        Assert.Equal("sc.exe config cloudbase-init start= auto\r\nsc.exe start cloudbase-init\r\n", machine.Files.ReadText(@"C:\Windows\Setup\Scripts\SetupComplete.cmd"));
    }

    [Fact]
    public void MigrateApply_ServiceInstallFails_Exit1AndEverythingUndone()
    {
        var (machine, installer) = LiveCloudbaseInit();
        installer.FailInstall = new InvalidOperationException("OpenSCManager: access denied");

        var result = CliRunner.Run(["agent", "migrate", "--apply", "--format", "json"], machine: machine, installer: installer);

        Assert.Equal(1, result.ExitCode);
        var apply = JsonNode.Parse(result.Out)!["apply"]!;
        Assert.False(apply["succeeded"]!.GetValue<bool>());
        Assert.Contains("access denied", apply["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(machine.Files.FileExists(@"C:\ProgramData\Reseal\config\agent-config.yml"));
        Assert.Equal((ServiceStartMode.Automatic, ServiceRunState.Running), (machine.Services.Find("cloudbase-init")!.StartMode!.Value, machine.Services.Find("cloudbase-init")!.State));
    }

    [Fact]
    public void Migrate_RollbackWithApply_IsAUsageError()
    {
        var result = CliRunner.Run(["agent", "migrate", "--apply", "--rollback"], machine: new FakeWindows());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--rollback", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MigrateHelp_NamesEveryOption()
    {
        var result = CliRunner.Run(["agent", "migrate", "--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var option in new[] { "--from", "--root", "--output", "--force", "--apply", "--rollback", "--exe", "--format" })
        {
            Assert.Contains(option, result.Out, StringComparison.Ordinal);
        }
    }

    private static string WriteOut(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), "reseal-migrated-" + Guid.NewGuid().ToString("N") + ".yml");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
