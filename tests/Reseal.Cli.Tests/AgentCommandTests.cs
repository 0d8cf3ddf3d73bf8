using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class AgentCommandTests
{
    [Fact]
    public void Validate_MisspeltTaskAndBadEnum_ExitOneWithLineAndColumn()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAcount\n  - task: setHostName\n    inputs:\n      hostName: this-name-is-far-too-long\n");

        var result = CliRunner.Run(["agent", "validate", "--config", config]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{config}:5:", result.Out, StringComparison.Ordinal);
        Assert.Contains("setAdminAccount", result.Out, StringComparison.Ordinal);
        Assert.Contains($"{config}:8:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_DefaultConfiguration_ValidatesClean()
    {
        using var temp = new TempDirectory();
        var printed = CliRunner.Run(["agent", "config"]);
        var path = temp.Write("agent-config.yml", printed.Out);

        var result = CliRunner.Run(["agent", "validate", "--config", path, "--format", "json"]);

        Assert.Equal(0, printed.ExitCode);
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.DoesNotContain(json.RootElement.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("severity").GetString() == "error");
    }

    [Fact]
    public void Validate_Ec2PowershellUserData_IsRecognised()
    {
        using var temp = new TempDirectory();
        var userData = temp.Write("user-data", "<powershell>\nNew-Item -Path C:\\ok.txt\n</powershell>\n<persist>true</persist>\n");

        var result = CliRunner.Run(["agent", "validate", "--user-data", userData]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("user data format: xml", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_YamlAliasBomb_IsRefusedWithoutHanging()
    {
        using var temp = new TempDirectory();
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        var config = temp.Write("agent-config.yml", bomb);

        var result = CliRunner.Run(["agent", "validate", "--config", config]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("alias", result.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Validate_MissingFile_ExitsThree()
    {
        Assert.Equal(3, CliRunner.Run(["agent", "validate", "--config", "/nonexistent/agent-config.yml"]).ExitCode);
    }
}

public class InternalCommandTests
{
    [Fact]
    public void ScramblePassword_OffWindows_ExitsFourWithoutPretending()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "this checks the behaviour off Windows");

        var result = CliRunner.Run(["internal", "scramble-password", "--user", "Administrator"]);

        Assert.Equal(4, result.ExitCode);
        Assert.DoesNotContain("scrambled", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Internal_IsHiddenFromRootHelp()
    {
        var help = CliRunner.Run(["--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.DoesNotContain("internal", help.Out, StringComparison.Ordinal);
        Assert.Contains("unattend", help.Out, StringComparison.Ordinal);
    }
}

public class AgentRunCommandTests
{
    [Fact]
    public void Run_OffWindows_ExitFourAndSaysWhy()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "checks the behaviour off Windows");

        var result = CliRunner.Run(["agent", "run"]);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("Windows", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CapturedMetadataJson_ShowsStagesUserDataAndLaunchKey()
    {
        using var temp = new TempDirectory();
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var userData = Convert.ToBase64String("<powershell>Write-Host hi</powershell><persist>true</persist>"u8.ToArray());
        var metadata = temp.Write("metadata.json", $$"""{"source":"Ec2","endpoint":"http://169.254.169.254/","instanceId":"i-0abc","publicKeys":["{{key}}"],"userDataBase64":"{{userData}}"}""");

        var result = CliRunner.Run(["agent", "plan", "--metadata", metadata]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("instance i-0abc from Ec2; launch key: ", result.Out, StringComparison.Ordinal);
        Assert.Contains("preReady setAdminAccount#0 once independent", result.Out, StringComparison.Ordinal);
        Assert.Contains("-- Message: Windows is Ready to use", result.Out, StringComparison.Ordinal);
        Assert.Contains("userData executeScript#0 always", result.Out, StringComparison.Ordinal);
        var ready = result.Out.IndexOf("Windows is Ready", StringComparison.Ordinal);
        Assert.True(result.Out.IndexOf("userData executeScript", StringComparison.Ordinal) > ready);
        Assert.True(result.Out.IndexOf("postReady startSsm", StringComparison.Ordinal) > result.Out.IndexOf("userData executeScript", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_ConfigDriveWithNetworkData_ShowsEachInterfaceByMacWithWhatSetNetworkSets()
    {
        using var temp = new TempDirectory();
        temp.Write("openstack/latest/meta_data.json", """{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "web-1"}""");
        temp.Write("openstack/latest/network_data.json", """
            {"links": [{"id": "tap1", "type": "ovs", "mtu": 1450, "ethernet_mac_address": "fa:16:3e:9c:bf:3d"},
                       {"id": "tap2", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:02"},
                       {"id": "bond0", "type": "bond", "bond_links": ["tap2"]}],
             "networks": [{"id": "n0", "type": "ipv4", "link": "tap1", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
                           "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"}]},
                          {"id": "n1", "type": "ipv4_dhcp", "link": "tap2"}],
             "services": [{"type": "dns", "address": "10.0.0.2"}]}
            """);
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: network\n  tasks:\n  - task: setNetwork\n");

        var text = CliRunner.Run(["agent", "plan", "--metadata", temp.Path, "--config", config]);
        var json = CliRunner.Run(["agent", "plan", "--metadata", temp.Path, "--config", config, "--format", "json"]);
        var withoutTask = CliRunner.Run(["agent", "plan", "--metadata", temp.Path]);

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("network setNetwork#0 once", text.Out, StringComparison.Ordinal);
        Assert.Contains("network description (network_data.json): setNetwork applies it in the network stage", text.Out, StringComparison.Ordinal);
        Assert.Contains("  fa:16:3e:9c:bf:3d (tap1): sets MTU 1450; addresses 10.0.0.5/24 (IPv4 DHCP turned off); routes 0.0.0.0/0 via 10.0.0.1; DNS 10.0.0.2; leaves IPv6 as Windows has it", text.Out, StringComparison.Ordinal);
        Assert.Contains("  fa:16:3e:00:00:02 (tap2): nothing to set; leaves IPv4 to DHCP, IPv6 as Windows has it", text.Out, StringComparison.Ordinal);
        Assert.Contains("RA402", text.Error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        var network = document.RootElement.GetProperty("network");
        Assert.True(network.GetProperty("willApply").GetBoolean());
        Assert.Equal(2, network.GetProperty("interfaces").GetArrayLength());
        Assert.Equal("10.0.0.2", network.GetProperty("interfaces")[0].GetProperty("dns")[0].GetString());
        Assert.Equal("IPv4 to DHCP", network.GetProperty("interfaces")[1].GetProperty("leftAlone")[0].GetString());
        // The built-in default does not run setNetwork: the plan says so instead of promising it.
        Assert.Contains("network description (network_data.json): not applied: the configuration does not run setNetwork", withoutTask.Out, StringComparison.Ordinal);
        Assert.Contains("  fa:16:3e:9c:bf:3d (tap1): would set MTU 1450", withoutTask.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", 3)]
    [InlineData("""{"source":"Mars","instanceId":"x"}""", 3)]
    [InlineData("""{"source":"Ec2"}""", 3)]
    public void Plan_BadCapturedMetadata_ExitThreeNamingTheFile(string json, int expected)
    {
        using var temp = new TempDirectory();
        var metadata = temp.Write("metadata.json", json);

        var result = CliRunner.Run(["agent", "plan", "--metadata", metadata]);

        Assert.Equal(expected, result.ExitCode);
        Assert.Contains(metadata, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BadConfig_ExitOneWithPositions()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: nosuchTask\n");

        var result = CliRunner.Run(["agent", "plan", "--config", config]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{config}:5:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BadConfig_ShowsTheDefaultThatWouldRun_WithTheReason()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setMonitorAlwaysOn\n  - task: nosuchTask\n");

        var result = CliRunner.Run(["agent", "plan", "--config", config]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"-- {config} has 1 error(s): the agent would run its built-in default configuration instead:", result.Out, StringComparison.Ordinal);
        Assert.Contains("preReady setAdminAccount#0 once independent", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("setMonitorAlwaysOn", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_TasksThatWouldSkip_SayWhy_OtherCloudOlderWindows()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml",
            "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: enableOpenSsh\n  - task: setWallpaper\n- stage: postReady\n  tasks:\n  - task: optimizeEna\n  - task: startSsm\n");
        var metadata = temp.Write("metadata.json", """{"source":"OpenStack","endpoint":"http://169.254.169.254/","instanceId":"i-0abc","publicKeys":[]}""");

        var result = CliRunner.Run(["agent", "plan", "--config", config, "--metadata", metadata, "--windows-build", "14393"]);
        var json = System.Text.Json.Nodes.JsonNode.Parse(CliRunner.Run(["agent", "plan", "--config", config, "--format", "json"]).Out)!;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("preReady enableOpenSsh#0 once  (will be skipped: OpenSSH Server comes with Windows Server 2019 (build 17763) and later; this Windows is build 14393)", result.Out, StringComparison.Ordinal);
        Assert.Contains("preReady setWallpaper#0 always" + Environment.NewLine, result.Out, StringComparison.Ordinal);
        Assert.Contains("postReady optimizeEna#0 always  (will be skipped: not on EC2 (the metadata came from OpenStack)", result.Out, StringComparison.Ordinal);
        Assert.Contains("postReady startSsm#0 always" + Environment.NewLine, result.Out, StringComparison.Ordinal);
        // Without metadata or a Windows build nothing says the cloud or the version, and every task is built: none is marked.
        var steps = json["steps"]!.AsArray().Select(s => (string)s!).ToList();
        Assert.Contains("preReady setWallpaper#0 always", steps);
        Assert.DoesNotContain(steps, s => s.Contains("will be skipped", StringComparison.Ordinal));
        Assert.Null(json["runsDefaultBecause"]);
    }

    [Fact]
    public void Validate_ValidConfigWithSetWallpaper_NoSkipNote_ExitZero()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setMonitorAlwaysOn\n  - task: setWallpaper\n");

        var result = CliRunner.Run(["agent", "validate", "--config", config]);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("will be skipped", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("setWallpaper", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 5, "no agent run recorded")]
    [InlineData("""{"status":"completed","startedAt":"2026-11-21T08:00:00Z"}""", 0, "completed")]
    [InlineData("""{"status":"failed","startedAt":"x","failed":["preReady setAdminAccount#0: boom"]}""", 1, "setAdminAccount#0: boom")]
    [InlineData("""{"status":"rebooting","startedAt":"x"}""", 2, "rebooting")]
    [InlineData("""{"status":"running","startedAt":"x"}""", 3, "interrupted")]
    [InlineData("""{"status":"exploded"}""", 4, "unknown status")]
    [InlineData("{garbage", 4, "cannot be read")]
    public void Status_UsesEc2LaunchV2ExitCodes(string? runJson, int expected, string text)
    {
        using var temp = new TempDirectory();
        if (runJson is not null)
        {
            temp.Write("run.json", runJson);
        }

        var result = CliRunner.Run(["agent", "status", "--state-dir", temp.Path]);

        Assert.Equal(expected, result.ExitCode);
        Assert.Contains(text, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_RunningWithTheLockHeld_IsTwo_AndBlockGivesUpAtItsTimeout()
    {
        using var temp = new TempDirectory();
        temp.Write("run.json", """{"status":"running","startedAt":"x"}""");
        using var held = new FileStream(temp.File("agent.lock"), FileMode.Create, FileAccess.ReadWrite, FileShare.None);

        var result = CliRunner.Run(["agent", "status", "--state-dir", temp.Path, "--block", "--timeout", "1"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("running", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_DeletesStateAndWithCleanTheLogs_RefusesWhileARunHoldsTheLock()
    {
        using var temp = new TempDirectory();
        var state = Directory.CreateDirectory(temp.File("state")).FullName;
        var logs = Directory.CreateDirectory(temp.File("log")).FullName;
        File.WriteAllText(Path.Combine(state, "state.json"), "{}");
        File.WriteAllText(Path.Combine(state, "previous-state.json"), "{}");
        File.WriteAllText(Path.Combine(logs, "console.log"), "x");

        using (new FileStream(Path.Combine(state, "agent.lock"), FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            var refused = CliRunner.Run(["agent", "reset", "--state-dir", state]);
            Assert.Equal(4, refused.ExitCode);
            Assert.True(File.Exists(Path.Combine(state, "state.json")));
        }

        var result = CliRunner.Run(["agent", "reset", "--state-dir", state, "--clean", "--log-dir", logs]);

        Assert.Equal(0, result.ExitCode);
        Assert.False(File.Exists(Path.Combine(state, "state.json")));
        Assert.False(File.Exists(Path.Combine(state, "previous-state.json")));
        Assert.False(File.Exists(Path.Combine(logs, "console.log")));
    }

    [Fact]
    public void Config_Json_HidesStaticPasswordData()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      name: Admin\n      password:\n        type: static\n        data: Sup3r!Secret#Value\n");

        var result = CliRunner.Run(["agent", "config", "--config", config, "--format", "json"]);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Sup3r!Secret#Value", result.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Out);
        var inputs = json.RootElement.GetProperty("config")[0].GetProperty("tasks")[0].GetProperty("inputs");
        Assert.Equal("Admin", inputs.GetProperty("name").GetString());
        Assert.Equal("static", inputs.GetProperty("password").GetProperty("type").GetString());
        Assert.Equal("(set, not shown)", inputs.GetProperty("password").GetProperty("data").GetString());
    }
}
