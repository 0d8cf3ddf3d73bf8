using Reseal.Agent.Boot.Config;
using Reseal.Cli.Settings;
using Reseal.TestSupport;
using Reseal.Windows.Layout;

namespace Reseal.Cli.Tests.Settings;

/// <summary>Loading with the agent's validator and saving atomically: what reaches the disk, and what never does.</summary>
public class SettingsFileTests
{
    private const string Invalid = "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAcount\n";

    [Fact]
    public void Load_NoFile_StartsFromTheBuiltInDefault()
    {
        using var temp = new TempDirectory();

        var document = SettingsFile.Load(temp.File("agent-config.yml"));

        Assert.Equal(SettingsFileState.Missing, document.State);
        Assert.Equal(AgentConfigWriter.Write(DefaultAgentConfig.Config), AgentConfigWriter.Write(document.Base!));
        Assert.False(File.Exists(temp.File("agent-config.yml")));
    }

    [Fact]
    public void Load_InvalidFile_GivesErrorsWithLineAndColumnAndNoSettings()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", Invalid);

        var document = SettingsFile.Load(path);

        Assert.Equal(SettingsFileState.Invalid, document.State);
        Assert.Null(document.Settings);
        var error = Assert.Single(document.Diagnostics, d => d.IsError);
        Assert.Equal((5, 11), (error.Line, error.Column));
        Assert.StartsWith($"{path}:5:11: error", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Save_InvalidFileNotStartedOver_WritesNothing()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", Invalid);
        var document = SettingsFile.Load(path);

        var result = SettingsFile.Save(document, AgentSettingsModel.Read(DefaultAgentConfig.Config), SettingsProtection.None);

        Assert.False(result.Saved);
        Assert.Equal(Invalid, File.ReadAllText(path));
    }

    [Fact]
    public void Save_StartedFromDefaultOverInvalid_KeepsTheOldFileBeside()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", Invalid);
        var document = SettingsFile.StartFromDefault(SettingsFile.Load(path));

        var result = SettingsFile.Save(document, document.Settings! with { EnableJumboFrames = true }, SettingsProtection.None);

        Assert.True(result.Saved, string.Join("\n", result.Problems));
        Assert.Equal(Invalid, File.ReadAllText(path + ".invalid"));
        var saved = AgentConfigReader.ReadFile(path);
        Assert.True(saved.IsValid);
        Assert.Contains(saved.Config!.TasksOf(AgentStage.PostReady), t => t.Name == "enableJumboFrames");
        Assert.Equal(SettingsFileState.Valid, result.Document.State);
    }

    [Fact]
    public void Save_SpecifiedPassword_FileIsOwnerOnlyAndNoTemporaryLeft()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes; on Windows the folder's access list protects the file (docs/settings-ui.md)");
            return;
        }

        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "ProgramData", "Reseal", "config", "agent-config.yml");
        var document = SettingsFile.Load(path);
        var settings = document.Settings!;
        var folders = new List<string?>();

        var result = SettingsFile.Save(document, settings with { Admin = settings.Admin with { Password = AdminPasswordChoice.Specify, NewPassword = "Pa55-word!" } },
            new SettingsProtection(folders.Add));

        Assert.True(result.Saved, string.Join("\n", result.Problems));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([Path.GetDirectoryName(path)], folders);
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Equal("Pa55-word!", AgentConfigReader.ReadFile(path).Config!.TasksOf(AgentStage.PreReady)
            .Single(t => t.Name == "setAdminAccount").Entries[0].Map("password")!.Text("data"));
        // The result's warnings name the clear-text password's risk, never the password.
        Assert.DoesNotContain(result.Problems, p => p.Contains("Pa55-word!", StringComparison.Ordinal));
    }

    [Fact]
    public void Save_ExistingWorldReadableFile_IsReplacedByAnOwnerOnlyOne()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }

        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", DefaultAgentConfig.Yaml);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        var document = SettingsFile.Load(path);

        var result = SettingsFile.Save(document, document.Settings! with { OptimizeEna = true }, SettingsProtection.None);

        Assert.True(result.Saved);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Save_FileChangedOnDiskMeanwhile_RefusedAndTheChangeKept()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", DefaultAgentConfig.Yaml);
        var document = SettingsFile.Load(path);
        var edited = DefaultAgentConfig.Yaml.Replace("- task: startSsm", "- task: startSsm\n  - task: optimizeEna", StringComparison.Ordinal);
        File.WriteAllText(path, edited);

        var result = SettingsFile.Save(document, document.Settings! with { EnableJumboFrames = true }, SettingsProtection.None);

        Assert.False(result.Saved);
        Assert.Contains("changed on disk", Assert.Single(result.Problems), StringComparison.Ordinal);
        Assert.Equal(edited, File.ReadAllText(path));
    }

    [Fact]
    public void Save_SettingsWithProblems_WritesNothingAndNamesThem()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", DefaultAgentConfig.Yaml);
        var before = File.ReadAllBytes(path);
        var document = SettingsFile.Load(path);

        var result = SettingsFile.Save(document, document.Settings! with { SetHostName = true, HostName = "far-too-long-host-name" }, SettingsProtection.None);

        Assert.False(result.Saved);
        Assert.StartsWith("host name 'far-too-long-host-name'", Assert.Single(result.Problems), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Load_FileWithComments_SaysSoAndKeepsOtherTasksWhenSaved()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", "# the team's config\n" + AgentSettingsModelTests.Rich);
        var document = SettingsFile.Load(path);
        Assert.True(document.HasComments);

        var result = SettingsFile.Save(document, document.Settings! with { EnableOpenSsh = true }, SettingsProtection.None);

        Assert.True(result.Saved);
        var saved = AgentConfigReader.ReadFile(path).Config!;
        Assert.Contains(saved.TasksOf(AgentStage.PreReady), t => t.Name == "executeScript");
        Assert.Contains(saved.TasksOf(AgentStage.PreReady), t => t.Name == "enableOpenSsh");
        Assert.Equal(["openstack"], saved.Metadata!.Sources);
    }

    [Fact]
    public void Load_FolderInsteadOfFile_IsInvalidNotACrash()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("agent-config.yml"));

        var document = SettingsFile.Load(temp.File("agent-config.yml"));

        Assert.Equal(SettingsFileState.Invalid, document.State);
        Assert.Contains("folder", Assert.Single(document.Diagnostics).Message, StringComparison.Ordinal);
    }
}
