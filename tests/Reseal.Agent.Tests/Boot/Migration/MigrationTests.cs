using System.Text;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Migration;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot.Migration;

/// <summary>
/// <c>reseal agent migrate</c>'s readers and mapping, on settings files written from AWS's and Cloudbase-Init's
/// documentation (Data/README.md), in the in-memory machine.
/// </summary>
public sealed class MigrationTests
{
    private static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "Boot", "Migration", "Data");

    /// <summary>The tasks migration maps to: the agent's own (the contract's sendEventLogs, setDriveLetters and setMonitorAlwaysOn included).</summary>
    internal static TaskRegistry Registry => TaskRegistry.BuiltIn;

    internal static FakeWindows Machine(MigrationAgent agent, params string[] skip)
    {
        var machine = new FakeWindows();
        var (folder, target) = agent switch
        {
            MigrationAgent.Ec2Config => ("ec2config", @"C:\Program Files\Amazon\Ec2ConfigService\Settings"),
            MigrationAgent.Ec2Launch => ("ec2launch", @"C:\ProgramData\Amazon\EC2-Windows\Launch\Config"),
            _ => ("cloudbase-init", @"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf"),
        };
        foreach (var file in Directory.GetFiles(Path.Combine(DataDirectory, folder)).Where(f => !skip.Contains(Path.GetFileName(f))))
        {
            machine.Files.WriteAllBytes(target + "\\" + Path.GetFileName(file), File.ReadAllBytes(file));
        }

        return machine;
    }

    private static SettingOutcome Outcome(MigrationResult result, string name) =>
        result.Settings.SingleOrDefault(s => s.Setting.Name == name) ?? throw new Xunit.Sdk.XunitException($"no outcome for {name}: {string.Join(", ", result.Settings.Select(s => s.Setting.Name))}");

    [Fact]
    public void Migrate_Ec2ConfigDocumentedFiles_ProducesConfigThatValidatesAndPlans()
    {
        var result = AgentMigrator.Migrate(Machine(MigrationAgent.Ec2Config).Files, MigrationAgent.Ec2Config, Registry);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var config = AgentConfigReader.Read(result.Yaml!, "migrated", Registry);
        Assert.True(config.IsValid, string.Join("\n", config.Diagnostics));
        var password = config.Config!.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0].Map("password");
        Assert.Equal("random", password!.Text("type"));
        Assert.Contains(config.Config.TasksOf(AgentStage.Boot), t => t.Name == "extendRootPartition");
        Assert.Contains(config.Config.TasksOf(AgentStage.PreReady), t => t.Name == "activateWindows");
        Assert.DoesNotContain(config.Config.Stages.SelectMany(s => s.Tasks), t => t.Name == "setHostName"); // Ec2SetComputerName Disabled
        var drives = config.Config.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setDriveLetters").Entries[0];
        var mapping = Assert.IsType<InputMap>(Assert.Single(((InputList)drives.Fields["mappings"]).Items));
        Assert.Equal(("My Volume", "M:"), (mapping.Text("volumeName"), mapping.Text("driveLetter")));
        var events = config.Config.TasksOf(AgentStage.PostReady).Single(t => t.Name == "sendEventLogs").Entries[0];
        var entry = Assert.IsType<InputMap>(Assert.Single(((InputList)events.Fields["events"]).Items));
        Assert.Equal(("System", "Error"), (entry.Text("logName"), entry.Text("level")));
        Assert.Equal(SettingFate.NotMigrated, Outcome(result, "AWS.EC2.Windows.CloudWatch.PlugIn").Fate);
        Assert.Equal(SettingFate.NotMigrated, Outcome(result, "Ec2ElasticGpuSetup").Fate);
        Assert.Equal(SettingFate.Default, Outcome(result, "Ec2OutputRDPCert").Fate);

        var plan = BootPlan.Create(config.Config).Describe();
        Assert.Contains(plan, step => step.Contains("setAdminAccount", StringComparison.Ordinal));
        Assert.Contains(plan, step => step.Contains("extendRootPartition", StringComparison.Ordinal));
    }

    [Fact]
    public void Migrate_Ec2LaunchDocumentedFiles_MapsEveryKeyAndTheSiblingFiles()
    {
        var result = AgentMigrator.Migrate(Machine(MigrationAgent.Ec2Launch).Files, MigrationAgent.Ec2Launch, Registry);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var config = AgentConfigReader.Read(result.Yaml!, "migrated", Registry).Config!;
        var tasks = config.Stages.SelectMany(s => s.Tasks).Select(t => t.Name).ToList();
        Assert.Equal(["extendRootPartition", "setMonitorAlwaysOn", "setWallpaper", "setDnsSuffix", "setAdminAccount", "setDriveLetters", "sendEventLogs"],
            tasks);
        Assert.Equal("$REGION.ec2-utilities.amazonaws.com", Assert.Single(config.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setDnsSuffix").Entries[0].Texts("suffixes")));
        Assert.Equal(SettingFate.Mapped, Outcome(result, "setComputerName").Fate);
        Assert.Equal("(no setHostName task)", Outcome(result, "setComputerName").Target);
        Assert.Equal(SettingFate.Default, Outcome(result, "handleUserData").Fate);
        // setWallpaper is built: mapped, and the report does not say it will be skipped.
        Assert.Equal(SettingFate.Mapped, Outcome(result, "setWallpaper").Fate);
        Assert.DoesNotContain("this version skips it", Outcome(result, "setWallpaper").Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("this version skips it", Outcome(result, "setMonitorAlwaysOn").Reason, StringComparison.Ordinal);
        Assert.False(result.HasClearTextPassword);
        Assert.NotEmpty(BootPlan.Create(config).Describe());
    }

    [Fact]
    public void Migrate_Ec2LaunchSpecifyPassword_WritesStaticDataButNeverShowsIt()
    {
        var machine = Machine(MigrationAgent.Ec2Launch);
        machine.Files.WriteText(@"C:\ProgramData\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json",
            """{"adminPasswordType": "Specify", "adminPassword": "Sw0rd'fish!2026"}""");

        var result = AgentMigrator.Migrate(machine.Files, MigrationAgent.Ec2Launch, Registry);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.True(result.HasClearTextPassword);
        var password = AgentConfigReader.Read(result.Yaml!, "migrated", Registry).Config!.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0].Map("password")!;
        Assert.Equal(("static", "Sw0rd'fish!2026"), (password.Text("type"), password.Text("data")));
        Assert.All(result.Settings, s => Assert.DoesNotContain("Sw0rd", s.Setting.Value + s.Reason + s.Target, StringComparison.Ordinal));
        Assert.All(result.Diagnostics, d => Assert.DoesNotContain("Sw0rd", d.Message, StringComparison.Ordinal));
        Assert.Equal("(set, not shown)", Outcome(result, "adminPassword").Setting.Value);
    }

    [Fact]
    public void Migrate_CloudbaseInitHuaweiSettings_MapsMetadataUserAndScripts()
    {
        var result = AgentMigrator.Migrate(Machine(MigrationAgent.CloudbaseInit).Files, MigrationAgent.CloudbaseInit, Registry);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var config = AgentConfigReader.Read(result.Yaml!, "migrated", Registry).Config!;
        Assert.Equal(["openstack"], config.Metadata!.Sources);
        Assert.Equal(200, config.Metadata.WaitSeconds); // retry_count 40 x retry_count_interval 5
        var admin = config.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0];
        Assert.Equal("Administrator", admin.Text("name"));
        Assert.Equal("random", admin.Map("password")!.Text("type"));
        var script = Assert.Single(config.TasksOf(AgentStage.PostReady).Single(t => t.Name == "executeScript").Entries);
        Assert.Contains(@"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\LocalScripts\", script.Text("content"), StringComparison.Ordinal);
        Assert.Contains(config.TasksOf(AgentStage.PostReady), t => t.Name == "setHostName");
        Assert.Contains(config.TasksOf(AgentStage.PreReady), t => t.Name == "enableOpenSsh"); // SetUserSSHPublicKeysPlugin
        Assert.Equal(SettingFate.NotMigrated, result.Settings.Single(s => s.Setting.Value.EndsWith("MTUPlugin", StringComparison.Ordinal) && s.Setting.File.EndsWith("cloudbase-init.conf", StringComparison.Ordinal)).Fate);
        Assert.Equal(SettingFate.NotMigrated, Outcome(result, "real_time_clock_utc").Fate);
        Assert.Equal(SettingFate.NotMigrated, Outcome(result, "[openstack] add_metadata_private_ip_route").Fate);
        Assert.Contains(result.Files, f => f.EndsWith("cloudbase-init-unattend.conf", StringComparison.Ordinal));
    }

    [Fact]
    public void Migrate_EverySettingInTheFiles_HasExactlyOneOutcomeWithAReason()
    {
        foreach (var agent in Enum.GetValues<MigrationAgent>())
        {
            var result = AgentMigrator.Migrate(Machine(agent).Files, agent, Registry);
            Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
            Assert.All(result.Settings, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
            Assert.All(result.Settings.Where(s => s.Fate == SettingFate.Mapped), s => Assert.NotNull(s.Target));
            Assert.All(result.Settings, s => Assert.True(s.Setting.Line > 0, $"{s.Setting.Name} has no line"));
        }
    }

    // The documented names, as ../shared/reference/agents.md lists them (§2, §3, §6) and issue 18 names them.
    public static TheoryData<string> DocumentedEc2ConfigNames => new(
        "Ec2SetPassword", "Ec2SetComputerName", "Ec2InitializeDrives", "Ec2EventLog", "Ec2ConfigureRDP", "Ec2OutputRDPCert", "Ec2SetDriveLetter",
        "Ec2WindowsActivate", "Ec2DynamicBootVolumeSize", "Ec2HandleUserData", "Ec2ElasticGpuSetup", "Ec2FeatureLogging", "AWS.EC2.Windows.CloudWatch.PlugIn",
        "GlobalSettings.ManageShutdown", "GlobalSettings.SetDnsSuffixList", "GlobalSettings.WaitForMetaDataAvailable", "GlobalSettings.ShouldAddRoutes",
        "GlobalSettings.RemoveCredentialsfromSyspreponStartup", "AutoSysprep", "SetRDPCertificate", "SetPasswordAfterSysprep", "PreSysprepRunCmd", "Mapping", "Event");

    public static TheoryData<string> DocumentedLaunchConfigKeys => new(
        "setComputerName", "setMonitorAlwaysOn", "setWallpaper", "addDnsSuffixList", "extendBootVolumeSize", "handleUserData", "adminPasswordType", "adminPassword",
        "driveLetterMapping", "events");

    public static TheoryData<string> DocumentedCloudbaseInitOptions => new(
        "metadata_services", "plugins", "username", "groups", "inject_user_password", "first_logon_behaviour", "netbios_host_name_compatibility",
        "retry_count", "retry_count_interval", "local_scripts_path", "mtu_use_dhcp_config", "ntp_use_dhcp_config", "real_time_clock_utc",
        "rename_admin_user", "allow_reboot", "reset_service_password", "logging_serial_port_settings", "san_policy", "activate_windows", "kms_host",
        "[openstack] add_metadata_private_ip_route", "volumes_to_extend", "display_idle_timeout", "user_password_length");

    [Theory]
    [MemberData(nameof(DocumentedEc2ConfigNames))]
    public void Migrate_DocumentedEc2ConfigSetting_GetsAnOutcome(string name)
    {
        var result = AgentMigrator.Migrate(Machine(MigrationAgent.Ec2Config).Files, MigrationAgent.Ec2Config, Registry);
        Assert.Contains(result.Settings, s => s.Setting.Name == name);
    }

    [Theory]
    [MemberData(nameof(DocumentedLaunchConfigKeys))]
    public void Migrate_DocumentedLaunchConfigKey_GetsAnOutcome(string name)
    {
        var result = AgentMigrator.Migrate(Machine(MigrationAgent.Ec2Launch).Files, MigrationAgent.Ec2Launch, Registry);
        Assert.Contains(result.Settings, s => s.Setting.Name == name);
    }

    [Theory]
    [MemberData(nameof(DocumentedCloudbaseInitOptions))]
    public void Migrate_DocumentedCloudbaseInitOption_GetsAnOutcome(string name)
    {
        var machine = Machine(MigrationAgent.CloudbaseInit);
        // Options the Huawei-style file does not set are appended, so each documented one is read at least once.
        var conf = @"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf\cloudbase-init.conf";
        var text = machine.Files.ReadText(conf);
        if (!name.StartsWith('[') && !text.Contains("\n" + name + "=", StringComparison.Ordinal))
        {
            var value = name switch { "kms_host" => "kms.example.com", "display_idle_timeout" or "user_password_length" => "0", "san_policy" => "OnlineAll", "volumes_to_extend" => "1,2", _ => "true" };
            text = text.Replace("[openstack]", $"{name}={value}\n\n[openstack]", StringComparison.Ordinal);
            machine.Files.WriteText(conf, text);
        }

        var result = AgentMigrator.Migrate(machine.Files, MigrationAgent.CloudbaseInit, Registry);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Contains(result.Settings, s => s.Setting.Name == name && s.Setting.File.EndsWith("cloudbase-init.conf", StringComparison.Ordinal));
    }

    [Fact]
    public void Migrate_EveryCloudbaseInitPluginAndService_GetsAnOutcome()
    {
        var machine = new FakeWindows();
        var plugins = string.Join(",\n  ", CloudbaseInitMigration.Plugins.Select(p => "cloudbaseinit.plugins." + p));
        var services = string.Join(",", CloudbaseInitMigration.Services.Keys.Select(s => "cloudbaseinit.metadata.services." + s));
        machine.Files.WriteText(@"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf\cloudbase-init.conf",
            $"[DEFAULT]\nmetadata_services={services}\nplugins={plugins}\n");

        var result = AgentMigrator.Migrate(machine.Files, MigrationAgent.CloudbaseInit, Registry);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        foreach (var plugin in CloudbaseInitMigration.Plugins)
        {
            Assert.Contains(result.Settings, s => s.Setting.Name == "plugins" && s.Setting.Value.EndsWith(plugin, StringComparison.Ordinal));
        }

        foreach (var service in CloudbaseInitMigration.Services.Keys)
        {
            Assert.Contains(result.Settings, s => s.Setting.Name == "metadata_services" && s.Setting.Value.EndsWith(service, StringComparison.Ordinal));
        }

        var config = AgentConfigReader.Read(result.Yaml!, "migrated", Registry).Config!;
        Assert.Equal(["openstack", "configdrive", "nocloud", "ec2", "gce", "azure"], config.Metadata!.Sources);
        Assert.Equal(SettingFate.NotMigrated, result.Settings.Single(s => s.Setting.Value.EndsWith("VMwareGuestInfoService", StringComparison.Ordinal)).Fate);
    }

    [Fact]
    public void Migrate_TaskTheBuildLacks_IsReportedNotMigratedAndNotWritten()
    {
        // A registry without the contract's new tasks (today's built-in one, or any build without them).
        var bare = new TaskRegistry(TaskRegistry.BuiltIn.All.Where(t => t.Name is not ("setMonitorAlwaysOn" or "setDriveLetters" or "sendEventLogs")));
        var result = AgentMigrator.Migrate(Machine(MigrationAgent.Ec2Launch).Files, MigrationAgent.Ec2Launch, bare);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.DoesNotContain("setMonitorAlwaysOn", result.Yaml!, StringComparison.Ordinal);
        var outcome = Outcome(result, "setMonitorAlwaysOn");
        Assert.Equal(SettingFate.NotMigrated, outcome.Fate);
        Assert.Contains("does not have", outcome.Reason, StringComparison.Ordinal);
        Assert.True(AgentConfigReader.Read(result.Yaml!, "migrated", bare).IsValid);
    }

    [Theory]
    [InlineData(MigrationAgent.Ec2Config, "config.xml", "<Ec2ConfigurationSettings>\n  <Plugins>\n    <Plugin>\n  </Plugins>", BootCodes.MigrationMalformed, 4)]
    [InlineData(MigrationAgent.Ec2Config, "config.xml", "<!DOCTYPE x [<!ENTITY a \"b\">]>\n<Ec2ConfigurationSettings/>", BootCodes.MigrationMalformed, 1)]
    [InlineData(MigrationAgent.Ec2Config, "config.xml", "<Ec2ConfigurationSettings>\n<Plugins>\n<Plugin><Name>Ec2Frobnicate</Name><State>Enabled</State></Plugin>\n</Plugins>\n</Ec2ConfigurationSettings>", BootCodes.MigrationUnknownSetting, 3)]
    [InlineData(MigrationAgent.Ec2Config, "config.xml", "{\"setComputerName\": true}", BootCodes.MigrationWrongAgent, 1)]
    [InlineData(MigrationAgent.Ec2Config, "config.xml", "<BundleConfig>\n</BundleConfig>", BootCodes.MigrationWrongAgent, 1)]
    [InlineData(MigrationAgent.Ec2Launch, "LaunchConfig.json", "{\n  \"setComputerName\": true,\n  \"setWallpaper\": tru\n}", BootCodes.MigrationMalformed, 3)]
    [InlineData(MigrationAgent.Ec2Launch, "LaunchConfig.json", "{\n  \"setComputerName\": true,\n  \"setComputername\": true\n}", BootCodes.MigrationUnknownSetting, 3)]
    [InlineData(MigrationAgent.Ec2Launch, "LaunchConfig.json", "{\n  \"setWallpaper\": \"yes\"\n}", BootCodes.MigrationBadValue, 2)]
    [InlineData(MigrationAgent.Ec2Launch, "LaunchConfig.json", "{\"driveLetterMapping\": []}", BootCodes.MigrationWrongAgent, 1)]
    [InlineData(MigrationAgent.Ec2Launch, "LaunchConfig.json", "[DEFAULT]\nusername=Admin\n", BootCodes.MigrationWrongAgent, 1)]
    [InlineData(MigrationAgent.CloudbaseInit, "cloudbase-init.conf", "[DEFAULT]\nusername=Admin\nthis is not ini\n", BootCodes.MigrationMalformed, 3)]
    [InlineData(MigrationAgent.CloudbaseInit, "cloudbase-init.conf", "[DEFAULT]\nusername=Admin\nfrobnicate=true\n", BootCodes.MigrationUnknownSetting, 3)]
    [InlineData(MigrationAgent.CloudbaseInit, "cloudbase-init.conf", "[DEFAULT]\nplugins=cloudbaseinit.plugins.common.frob.FrobPlugin\n", BootCodes.MigrationUnknownSetting, 2)]
    [InlineData(MigrationAgent.CloudbaseInit, "cloudbase-init.conf", "[DEFAULT]\n\n[frobnicate]\nx=1\n", BootCodes.MigrationUnknownSetting, 4)]
    [InlineData(MigrationAgent.CloudbaseInit, "cloudbase-init.conf", "<?xml version=\"1.0\"?>\n<Ec2ConfigurationSettings/>", BootCodes.MigrationWrongAgent, 1)]
    [InlineData(MigrationAgent.CloudbaseInit, "cloudbase-init.conf", "username=Admin\n", BootCodes.MigrationMalformed, 1)]
    public void Migrate_BadFile_ErrorNamesFileAndLineAndNothingIsProduced(MigrationAgent agent, string file, string content, string code, int line)
    {
        var machine = Machine(agent);
        var path = machine.Files.AllFiles.Single(f => f.EndsWith("\\" + file, StringComparison.OrdinalIgnoreCase));
        machine.Files.WriteText(path, content);

        var result = AgentMigrator.Migrate(machine.Files, agent, Registry);

        Assert.Null(result.Yaml);
        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Diagnostics, d => d.IsError && d.Code == code);
        Assert.Equal(path, error.Source);
        Assert.True(line == error.Line, $"expected line {line}: {error}");
    }

    [Fact]
    public void Migrate_Utf16WithByteOrderMark_IsReadAndNoted()
    {
        var machine = Machine(MigrationAgent.Ec2Launch);
        var path = @"C:\ProgramData\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json";
        machine.Files.WriteAllBytes(path, [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(machine.Files.ReadText(path))]);

        var result = AgentMigrator.Migrate(machine.Files, MigrationAgent.Ec2Launch, Registry);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.MigrationNote && d.Message.Contains("UTF-16", StringComparison.Ordinal) && d.Source == path);
        Assert.Equal(8, result.Settings.Count(s => s.Setting.File == path));
    }

    [Fact]
    public void Migrate_Utf16WithoutByteOrderMark_IsRefusedWithAHint()
    {
        var machine = Machine(MigrationAgent.CloudbaseInit);
        var path = @"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf\cloudbase-init.conf";
        machine.Files.WriteAllBytes(path, Encoding.Unicode.GetBytes("[DEFAULT]\nusername=Admin\n"));

        var result = AgentMigrator.Migrate(machine.Files, MigrationAgent.CloudbaseInit, Registry);

        Assert.Null(result.Yaml);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Contains("UTF-16", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.Source);
    }

    [Fact]
    public void Migrate_HugeFile_IsRefusedUnread()
    {
        var machine = Machine(MigrationAgent.Ec2Config);
        var path = @"C:\Program Files\Amazon\Ec2ConfigService\Settings\config.xml";
        machine.Files.WriteAllBytes(path, new byte[SettingsTextLimit + 1]);

        var result = AgentMigrator.Migrate(machine.Files, MigrationAgent.Ec2Config, Registry);

        Assert.Null(result.Yaml);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Contains("refused unread", error.Message, StringComparison.Ordinal);
    }

    private const int SettingsTextLimit = 1024 * 1024;

    [Fact]
    public void Migrate_MainFileMissing_SaysTheAgentIsNotInstalled()
    {
        var result = AgentMigrator.Migrate(new FakeWindows().Files, MigrationAgent.Ec2Launch, Registry);

        Assert.Null(result.Yaml);
        Assert.Contains(result.Diagnostics, d => d.IsError && d.Source!.EndsWith("LaunchConfig.json", StringComparison.Ordinal) && d.Message.Contains("does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_Auto_PicksTheOneAgentOrRefusesNamingWhatWasFound()
    {
        Assert.Equal(MigrationAgent.CloudbaseInit, AgentMigrator.Resolve(null, Machine(MigrationAgent.CloudbaseInit).Files, out var problem));
        Assert.Null(problem);

        Assert.Null(AgentMigrator.Resolve(null, new FakeWindows().Files, out problem));
        Assert.Contains("no EC2Config, EC2Launch v1 or Cloudbase-Init settings", problem, StringComparison.Ordinal);

        var both = Machine(MigrationAgent.Ec2Config);
        both.Files.WriteText(@"C:\ProgramData\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json", "{}");
        Assert.Null(AgentMigrator.Resolve(null, both.Files, out problem));
        Assert.Contains("2 agents' settings were found", problem, StringComparison.Ordinal);
        Assert.Contains("--from ec2config|ec2launch", problem, StringComparison.Ordinal);
    }
}
