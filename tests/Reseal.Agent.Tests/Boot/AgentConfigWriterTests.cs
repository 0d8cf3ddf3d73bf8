using FsCheck;
using FsCheck.Fluent;
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// The one agent-config.yml writer: what it writes reads back (through the agent's own reader, which is YamlDotNet
/// underneath) as the same configuration, for the default, for every input shape, and for any string a user can type.
/// </summary>
public sealed class AgentConfigWriterTests
{
    private static AgentConfig Read(string yaml)
    {
        var read = AgentConfigReader.Read(yaml, "written.yml");
        Assert.True(read.IsValid, "the written file does not validate:\n" + string.Join("\n", read.Diagnostics) + "\n---\n" + yaml);
        return read.Config!;
    }

    [Fact]
    public void Write_DefaultConfig_ReadsBackTheSameAndIsStable()
    {
        var once = AgentConfigWriter.Write(DefaultAgentConfig.Config);
        var again = AgentConfigWriter.Write(Read(once));

        Assert.Equal(once, again);
        Assert.StartsWith("version: 1.0\nconfig:\n- stage: boot\n", once, StringComparison.Ordinal);
        var reread = Read(once);
        Assert.Equal(DefaultAgentConfig.Config.Stages.Select(s => (s.Stage, string.Join(",", s.Tasks.Select(t => t.Name + t.Independent)))),
            reread.Stages.Select(s => (s.Stage, string.Join(",", s.Tasks.Select(t => t.Name + t.Independent)))));
        Assert.Equal(["hostName", "instanceId", "privateIpAddress", "publicIpAddress", "instanceSize", "availabilityZone", "architecture", "memory", "network"],
            reread.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setWallpaper").Entries[0].Texts("attributes"));
    }

    [Fact]
    public void Write_ListTasksFrequencyMetadataAndEmptyStage_RoundTrip()
    {
        const string yaml = """
            version: 1.0
            config:
            - stage: boot
              tasks: []
            - stage: preReady
              tasks:
              - task: executeScript
                inputs:
                - frequency: always
                  type: powershell
                  runAs: localSystem
                  content: |-
                    Write-Output "a: b # c"
                    exit 0
                - type: batch
                  content: echo 'hi'
                frequency: once
            - stage: postReady
              tasks:
              - task: setHostName
                inputs:
                  hostName: web-01
                  reboot: true
            metadata:
              sources: [gce, ec2]
              endpoints:
                ec2: http://127.0.0.1:8080/
                configdrive: 'D:\openstack drive'
              waitSeconds: 30
            """;
        var original = Read(yaml);

        var written = AgentConfigWriter.Write(original);
        var reread = Read(written);

        Assert.Equal(written, AgentConfigWriter.Write(reread));
        var scripts = reread.TasksOf(AgentStage.PreReady)[0];
        Assert.Equal(TaskFrequency.Once, scripts.Frequency);
        Assert.Equal(2, scripts.Entries.Count);
        Assert.Equal("Write-Output \"a: b # c\"\nexit 0", scripts.Entries[0].Text("content"));
        Assert.Equal("echo 'hi'", scripts.Entries[1].Text("content"));
        Assert.Equal(true, reread.TasksOf(AgentStage.PostReady)[0].Entries[0].Flag("reboot"));
        Assert.Equal(["gce", "ec2"], reread.Metadata!.Sources);
        Assert.Equal(@"D:\openstack drive", reread.Metadata.Endpoints["configdrive"]);
        Assert.Equal(30, reread.Metadata.WaitSeconds);
    }

    [Fact]
    public void WithInputs_ReplacesOnlyThatTask()
    {
        var changed = AgentConfigWriter.WithInputs(DefaultAgentConfig.Config, "setAdminAccount",
            _ => AgentConfigWriter.Map(("password", AgentConfigWriter.Map(("type", AgentConfigWriter.Text("doNothing"))))));

        var reread = Read(AgentConfigWriter.Write(changed));

        Assert.Equal("doNothing", reread.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0].Map("password")!.Text("type"));
        Assert.Equal("amazon", reread.TasksOf(AgentStage.PreReady).Single(t => t.Name == "activateWindows").Entries[0].Map("activation")!.Text("type"));
    }

    private static readonly Arbitrary<string> Texts =
        Gen.OneOf(
            Gen.Elements("", " ", "yes", "No", "null", "~", "true", "1", "0x10", "1e3", "-", "- a", "a: b", "#x", "'q'", "\"q\"", "[a]", "{a}", "*a", "&a", "!t",
                "%x", "@x", "`x", "a #b", " lead", "trail ", "tab\there", "line\nbreak", "cr\rx", "\\server\\share", "ünïcødé", "日本語", "emoji \U0001F600", "\u2028", "\uFEFF"),
            Gen.Elements("abc:# -'\"\\\n\t{}[],&*!|>%@`?éλ\u0001\u007F ".ToCharArray()).ArrayOf().Select(cs => new string(cs))).ToArbitrary();

    [Fact]
    public void Write_AnyString_ReadsBackUnchanged() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Texts, text =>
        {
            var config = AgentConfigWriter.WithInputs(DefaultAgentConfig.Config, "setAdminAccount",
                _ => AgentConfigWriter.Map(("name", AgentConfigWriter.Text("Admin")),
                    ("password", AgentConfigWriter.Map(("type", AgentConfigWriter.Text("static")), ("data", AgentConfigWriter.Text(text))))));

            var reread = AgentConfigReader.Read(AgentConfigWriter.Write(config), "written.yml");

            Assert.NotNull(reread.Config);
            var password = reread.Config.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0].Map("password")!;
            Assert.Equal(text, password.Text("data"));
        }));
}
