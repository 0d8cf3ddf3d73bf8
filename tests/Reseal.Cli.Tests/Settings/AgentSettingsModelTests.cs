using Reseal.Agent.Boot.Config;
using Reseal.Cli.Settings;
using Reseal.Windows.Layout;

namespace Reseal.Cli.Tests.Settings;

/// <summary>The settings model: read from, and applied back to, configurations the agent's own reader parsed and reads back.</summary>
public class AgentSettingsModelTests
{
    /// <summary>A configuration with what the settings do not cover: scripts, metadata, a task-level frequency, setHostName's reboot.</summary>
    internal const string Rich = """
        version: 1.0
        config:
        - stage: boot
          tasks:
          - task: extendRootPartition
        - stage: preReady
          tasks:
          - task: activateWindows
            inputs:
              activation:
                type: amazon
          - task: setAdminAccount
            inputs:
              name: Admin2
              password:
                type: static
                data: "Old-Secret-1"
          - task: executeScript
            inputs:
            - frequency: always
              type: powershell
              content: Write-Host hello
        - stage: postReady
          tasks:
          - task: setHostName
            inputs:
              hostName: web-01
              reboot: true
          - task: startSsm
        metadata:
          sources:
          - openstack
          waitSeconds: 30

        """;

    private static AgentConfig Parse(string yaml)
    {
        var read = AgentConfigReader.Read(yaml, "test.yml");
        Assert.True(read.IsValid, string.Join("\n", read.Diagnostics));
        return read.Config!;
    }

    /// <summary>Applies, writes with the one writer, and reads back with the agent's reader (which must accept it).</summary>
    private static AgentConfig RoundTrip(AgentConfig config, AgentSettings settings) =>
        Parse(AgentConfigWriter.Write(AgentSettingsModel.Apply(config, settings)));

    private static IEnumerable<(AgentStage Stage, string Task)> Tasks(AgentConfig config) =>
        config.Stages.SelectMany(s => s.Tasks.Select(t => (s.Stage, t.Name)));

    [Fact]
    public void Read_DefaultConfig_ShowsEc2LaunchDefaults()
    {
        var settings = AgentSettingsModel.Read(DefaultAgentConfig.Config);

        Assert.True(settings.ExtendBootVolume);
        Assert.True(settings.Admin.Enabled);
        Assert.Equal(AdminPasswordChoice.Random, settings.Admin.Password);
        Assert.True(settings.StartSsm);
        Assert.True(settings.SetDnsSuffix);
        Assert.Equal(["$REGION.ec2-utilities.amazonaws.com"], settings.DnsSuffixes);
        Assert.True(settings.SetWallpaper);
        Assert.Equal(AgentSettingsModel.WallpaperAttributes, settings.WallpaperAttributes);
        Assert.False(settings.SetHostName);
        Assert.False(settings.OptimizeEna);
        Assert.False(settings.EnableJumboFrames);
        Assert.False(settings.EnableOpenSsh);
        Assert.False(settings.InitializeVolumes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Apply_UnchangedSettings_WritesTheSameConfiguration(bool rich)
    {
        var config = rich ? Parse(Rich) : DefaultAgentConfig.Config;

        var written = AgentConfigWriter.Write(AgentSettingsModel.Apply(config, AgentSettingsModel.Read(config)));

        Assert.Equal(AgentConfigWriter.Write(config), written);
    }

    [Fact]
    public void Apply_TurnOffHostNameAndSsm_KeepsTasksAndKeysTheSettingsDoNotOwn()
    {
        var config = Parse(Rich);
        var settings = AgentSettingsModel.Read(config) with { SetHostName = false, StartSsm = false };

        var result = RoundTrip(config, settings);

        Assert.DoesNotContain(Tasks(result), t => t.Task is "setHostName" or "startSsm");
        // The postReady stage had only those two: it goes; the others keep their tasks, inputs and metadata.
        Assert.DoesNotContain(result.Stages, s => s.Stage == AgentStage.PostReady);
        var script = Assert.Single(result.TasksOf(AgentStage.PreReady), t => t.Name == "executeScript");
        Assert.Equal("Write-Host hello", script.Entries[0].Text("content"));
        Assert.Equal("amazon", result.TasksOf(AgentStage.PreReady).Single(t => t.Name == "activateWindows").Entries[0].Map("activation")!.Text("type"));
        Assert.Equal(["openstack"], result.Metadata!.Sources);
        Assert.Equal(30, result.Metadata.WaitSeconds);
    }

    [Fact]
    public void Apply_TurnOnTasksTheFileLacks_AddsThemToEc2LaunchStagesInRunOrder()
    {
        var config = Parse("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: activateWindows\n");
        var settings = AgentSettingsModel.Read(config) with
        {
            ExtendBootVolume = true, EnableJumboFrames = true, OptimizeEna = true, EnableOpenSsh = true, StartSsm = true,
        };

        var result = RoundTrip(config, settings);

        Assert.Equal([AgentStage.Boot, AgentStage.PreReady, AgentStage.PostReady], result.Stages.Select(s => s.Stage));
        Assert.Equal(["extendRootPartition"], result.TasksOf(AgentStage.Boot).Select(t => t.Name));
        Assert.Equal(["activateWindows", "enableOpenSsh"], result.TasksOf(AgentStage.PreReady).Select(t => t.Name));
        Assert.Equal(["startSsm", "optimizeEna", "enableJumboFrames"], result.TasksOf(AgentStage.PostReady).Select(t => t.Name));
    }

    [Fact]
    public void Apply_HostNameChanged_KeepsItsRebootInput()
    {
        var config = Parse(Rich);

        var result = RoundTrip(config, AgentSettingsModel.Read(config) with { HostName = "web-02" });

        var entry = result.TasksOf(AgentStage.PostReady).Single(t => t.Name == "setHostName").Entries[0];
        Assert.Equal("web-02", entry.Text("hostName"));
        Assert.True(entry.Flag("reboot"));
    }

    [Theory]
    [InlineData("random")]
    [InlineData("doNothing")]
    public void Apply_AdminRandomOrKeep_WritesTypeWithoutData(string type)
    {
        var choice = type == "random" ? AdminPasswordChoice.Random : AdminPasswordChoice.Keep;
        var config = Parse(Rich);
        var settings = AgentSettingsModel.Read(config);

        var result = RoundTrip(config, settings with { Admin = settings.Admin with { Password = choice } });

        var inputs = result.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0];
        Assert.Equal("Admin2", inputs.Text("name"));
        Assert.Equal(type, inputs.Map("password")!.Text("type"));
        Assert.Null(inputs.Map("password")!.Text("data"));
    }

    [Fact]
    public void Apply_AdminSpecifyNewPassword_WritesStaticDataTheAgentReadsBack()
    {
        var config = DefaultAgentConfig.Config;
        var settings = AgentSettingsModel.Read(config);
        // Characters a naive writer would break: quotes, a colon and blank, a hash, a leading dash, YAML's 'yes'.
        const string password = "-yes: \"it's\" #1";

        var result = RoundTrip(config, settings with { Admin = settings.Admin with { Password = AdminPasswordChoice.Specify, NewPassword = password, Name = "Boss" } });

        var inputs = result.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0];
        Assert.Equal("static", inputs.Map("password")!.Text("type"));
        Assert.Equal(password, inputs.Map("password")!.Text("data"));
        Assert.Equal("Boss", inputs.Text("name"));
    }

    [Fact]
    public void Apply_SpecifyWithNothingTyped_KeepsTheStoredPassword()
    {
        var config = Parse(Rich);
        var settings = AgentSettingsModel.Read(config);
        Assert.True(settings.Admin.HasStoredPassword);
        Assert.Equal(AdminPasswordChoice.Specify, settings.Admin.Password);

        var result = RoundTrip(config, settings with { Admin = settings.Admin with { Name = "Admin3" } });

        var password = result.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0].Map("password")!;
        Assert.Equal("Old-Secret-1", password.Text("data"));
    }

    [Fact]
    public void Apply_DnsWallpaperVolumes_WritesEc2LaunchInputs()
    {
        var config = DefaultAgentConfig.Config;
        var (devices, error) = AgentSettings.ParseDevices("xvdb, Data, d:, GPT; xvdc");
        Assert.Null(error);
        var settings = AgentSettingsModel.Read(config) with
        {
            DnsSuffixes = AgentSettings.SplitList("$REGION.compute.internal, $AZ.example.org ,,"),
            WallpaperAttributes = ["memory", "hostName"],
            WallpaperPath = @"C:\Images\brand.jpg",
            WallpaperTags = ["Name", "Team"],
            InitializeVolumes = true,
            Volumes = VolumeSelection.Devices,
            Devices = devices,
        };

        var result = RoundTrip(config, settings);

        var dns = result.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setDnsSuffix").Entries[0];
        Assert.Equal(["$REGION.compute.internal", "$AZ.example.org"], dns.Texts("suffixes"));
        var wallpaper = result.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setWallpaper").Entries[0];
        Assert.Equal(["hostName", "memory"], wallpaper.Texts("attributes")); // EC2Launch v2's order, whatever the click order
        Assert.Equal(@"C:\Images\brand.jpg", wallpaper.Text("path"));
        Assert.Equal(["Name", "Team"], wallpaper.Texts("instanceTags"));
        var volumes = result.TasksOf(AgentStage.PostReady).Single(t => t.Name == "initializeVolume").Entries[0];
        Assert.Equal("devices", volumes.Text("initialize"));
        var list = Assert.IsType<InputList>(volumes.Fields["devices"]).Items.Cast<InputMap>().ToList();
        Assert.Equal(("xvdb", "Data", "D", "gpt"), (list[0].Text("device"), list[0].Text("name"), list[0].Text("letter"), list[0].Text("partition")));
        Assert.Equal(["device"], list[1].Fields.Keys);
    }

    [Theory]
    [InlineData("xvdb, Data, DD", "volumes, device 1: drive letter 'DD' is not one letter A-Z")]
    [InlineData("xvdb;, Data", "volumes, device 2: the device is missing (e.g. xvdb)")]
    [InlineData("xvdb, a, D, zfs", "volumes, device 1: partition 'zfs' is not mbr or gpt")]
    [InlineData("a, b, C, mbr, extra", "volumes, device 1: 5 parts; write device, name, letter, partition (name, letter and partition may be left empty)")]
    public void ParseDevices_BadEntry_NamesTheDevice(string text, string expected)
    {
        var (devices, error) = AgentSettings.ParseDevices(text);

        Assert.Empty(devices);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Check_SpecifyWithoutAnyPassword_IsAProblem()
    {
        var settings = AgentSettingsModel.Read(DefaultAgentConfig.Config);

        var problems = AgentSettingsModel.Check(settings with { Admin = settings.Admin with { Password = AdminPasswordChoice.Specify } });

        Assert.Contains(problems, p => p.StartsWith("administrator password: 'Specify' needs a password", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("this-name-is-too-long", "host name 'this-name-is-too-long': it has 21 characters; at most 15 are allowed")]
    [InlineData("web_01", "host name 'web_01': it contains '_'; only letters, digits and '-' are allowed")]
    public void Check_BadHostName_NamesTheField(string name, string expected)
    {
        var settings = AgentSettingsModel.Read(DefaultAgentConfig.Config) with { SetHostName = true, HostName = name };

        Assert.Equal([expected], AgentSettingsModel.Check(settings));
    }

    [Fact]
    public void Check_EmptyDnsListAndBadAdminName_BothReported()
    {
        var settings = AgentSettingsModel.Read(DefaultAgentConfig.Config);

        var problems = AgentSettingsModel.Check(settings with { DnsSuffixes = [], Admin = settings.Admin with { Name = "a/b" } });

        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void AdminAccountSettings_ToString_NeverShowsThePassword()
    {
        var admin = new AdminAccountSettings(true, "Administrator", AdminPasswordChoice.Specify, "Sup3r-Secret!", false);

        var text = admin.ToString() + new AgentSettings { Admin = admin };

        Assert.DoesNotContain("Sup3r-Secret!", text, StringComparison.Ordinal);
        Assert.Contains("(set, not shown)", text, StringComparison.Ordinal);
    }
}
