using System.Text;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

public sealed class AgentConfigReaderTests
{
    private static AgentConfigResult Read(string yaml) => AgentConfigReader.Read(yaml.ReplaceLineEndings("\n"), "agent-config.yml");

    private static BootDiagnostic Only(AgentConfigResult result, string code)
    {
        var found = result.Diagnostics.Where(d => d.Code == code).ToList();
        Assert.True(found.Count == 1, $"expected one {code}, got: {string.Join(" | ", result.Diagnostics)}");
        return found[0];
    }

    private static void AssertAt(BootDiagnostic diagnostic, int line, int column)
    {
        Assert.Equal((line, column), (diagnostic.Line, diagnostic.Column));
    }

    private static void AssertClean(AgentConfigResult result)
    {
        Assert.True(result.Diagnostics.Count == 0, string.Join(" | ", result.Diagnostics));
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Read_DefaultConfig_CleanWithEc2LaunchDefaultTasks()
    {
        var result = AgentConfigReader.Read(DefaultAgentConfig.Yaml);

        AssertClean(result);
        var config = result.Config!;
        Assert.Equal(["extendRootPartition"], config.TasksOf(AgentStage.Boot).Select(t => t.Name));
        Assert.Equal(["activateWindows", "setDnsSuffix", "setAdminAccount", "setWallpaper"], config.TasksOf(AgentStage.PreReady).Select(t => t.Name));
        Assert.Equal(["startSsm"], config.TasksOf(AgentStage.PostReady).Select(t => t.Name));
        Assert.All(config.TasksOf(AgentStage.PreReady), t => Assert.True(t.Independent));
        var admin = config.TasksOf(AgentStage.PreReady)[2];
        Assert.Equal("random", admin.Entries[0].Map("password")!.Text("type"));
        Assert.Equal(TaskFrequency.Once, admin.FrequencyOf(admin.Entries[0]));
        Assert.Same(DefaultAgentConfig.Config.Version, DefaultAgentConfig.Config.Version);
    }

    [Fact]
    public void Read_Ec2LaunchDocumentedExample_ParsesEveryTask()
    {
        var result = Read("""
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
              - task: setDnsSuffix
                inputs:
                  suffixes:
                  - $REGION.ec2-utilities.amazonaws.com
                  - $AZ.example.internal
              - task: setAdminAccount
                inputs:
                  name: Admin
                  password:
                    type: random
              - task: enableOpenSsh
              - task: executeScript
                inputs:
                - frequency: always
                  type: powershell
                  runAs: localSystem
                  content: |-
                    Write-Output hello
                - type: batch
                  content: echo hi
                  detach: true
            - stage: postReady
              tasks:
              - task: startSsm
              - task: setHostName
                inputs:
                  hostName: web-01
                  reboot: true
              - task: initializeVolume
                inputs:
                  initialize: devices
                  devices:
                  - device: xvdb
                    name: Data
                    letter: D
                    partition: gpt
              - task: writeFile
                inputs:
                - destination: C:\hello.txt
                  content: hello
                  frequency: once
              - task: enableJumboFrames
              - task: optimizeEna
            """);

        AssertClean(result);
        var script = result.Config!.TasksOf(AgentStage.PreReady).Single(t => t.Name == "executeScript");
        Assert.Equal(2, script.Entries.Count);
        Assert.Equal(TaskFrequency.Always, script.FrequencyOf(script.Entries[0]));
        Assert.Equal(TaskFrequency.Once, script.FrequencyOf(script.Entries[1]));
        Assert.True(script.Entries[1].Flag("detach"));
        Assert.Equal("Write-Output hello", script.Entries[0].Text("content"));
    }

    [Fact]
    public void Read_YamlSyntaxError_ReportsPositionNoConfig()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: boot\n  tasks: [a, b\n");

        var diagnostic = Only(result, BootCodes.YamlSyntax);
        Assert.Null(result.Config);
        AssertAt(diagnostic, 5, 1);
        Assert.Contains("YAML syntax error", diagnostic.Message, StringComparison.Ordinal);
        Assert.StartsWith("agent-config.yml:", diagnostic.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TabIndentation_ReportedAtTheTabNotAtFileStart()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: boot\n  tasks:\n\t- task: extendRootPartition\n");

        var diagnostic = Only(result, BootCodes.YamlSyntax);
        AssertAt(diagnostic, 5, 1);
        Assert.Contains("tab", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CustomTag_WarningValueKept()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: setHostName\n    inputs:\n      hostName: !Ref web\n");

        AssertAt(Only(result, BootCodes.YamlUnsupported), 7, 17);
        Assert.True(result.IsValid);
        Assert.Equal("web", result.Config!.TasksOf(AgentStage.PostReady)[0].Entries[0].Text("hostName"));
    }

    [Fact]
    public void Read_UnknownStage_ReportedWithSuggestion()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: PreReady
              tasks:
              - task: startSsm
            """);

        var diagnostic = Only(result, BootCodes.UnknownStage);
        AssertAt(diagnostic, 3, 10);
        Assert.Contains("did you mean 'preReady'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UserDataStageInConfig_ExplainsImpliedStage()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: userData\n  tasks: []\n");

        var diagnostic = Only(result, BootCodes.UnknownStage);
        Assert.Contains("implied stage", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownTask_ReportedWithKnownMistake()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: postReady
              tasks:
              - task: setComputerName
              - task: startSSM
            """);

        var errors = result.Diagnostics.Where(d => d.Code == BootCodes.UnknownTask).ToList();
        Assert.Equal(2, errors.Count);
        AssertAt(errors[0], 5, 11);
        Assert.Contains("'setHostName'", errors[0].Message, StringComparison.Ordinal);
        AssertAt(errors[1], 6, 11);
        Assert.Contains("did you mean 'startSsm'", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TaskInWrongStage_ReportedWithAllowedStages()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: postReady
              tasks:
              - task: setAdminAccount
                inputs:
                  password:
                    type: random
            """);

        var diagnostic = Only(result, BootCodes.TaskNotAllowedInStage);
        AssertAt(diagnostic, 5, 11);
        Assert.Contains("it runs in: preReady", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateTaskInStage_ReportedWithFirstPosition()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: preReady
              tasks:
              - task: executeScript
                inputs:
                - type: powershell
                  content: a
              - task: executeScript
                inputs:
                - type: powershell
                  content: b
            """);

        var diagnostic = Only(result, BootCodes.DuplicateTask);
        AssertAt(diagnostic, 9, 11);
        Assert.Contains("task:executeScript should be unique and only invoked once", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("(first at 5:11)", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SameTaskInTwoStages_Allowed()
    {
        AssertClean(Read("""
            version: 1.0
            config:
            - stage: preReady
              tasks:
              - task: executeScript
                inputs:
                - type: powershell
                  content: a
            - stage: postReady
              tasks:
              - task: executeScript
                inputs:
                - type: powershell
                  content: b
            """));
    }

    [Fact]
    public void Read_MissingRequiredInput_Reported()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: preReady
              tasks:
              - task: executeScript
                inputs:
                - type: powershell
              - task: setDnsSuffix
            """);

        var missing = result.Diagnostics.Where(d => d.Code == BootCodes.MissingInput).ToList();
        Assert.Equal(2, missing.Count);
        AssertAt(missing[0], 7, 7);
        Assert.Contains("needs 'content'", missing[0].Message, StringComparison.Ordinal);
        AssertAt(missing[1], 8, 11);
        Assert.Contains("needs input 'suffixes'", missing[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StaticPasswordWithoutData_MissingInput()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: preReady
              tasks:
              - task: setAdminAccount
                inputs:
                  password:
                    type: static
            """);

        AssertAt(Only(result, BootCodes.MissingInput), 8, 9);
    }

    [Fact]
    public void Read_StaticPasswordWithData_ValidWithClearTextWarning()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: preReady
              tasks:
              - task: setAdminAccount
                inputs:
                  name: Admin
                  password:
                    type: static
                    data: Hunter2!Hunter2!
            """);

        Assert.True(result.IsValid);
        var warning = Only(result, BootCodes.ClearTextPassword);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        AssertAt(warning, 10, 15);
        Assert.DoesNotContain("Hunter2", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownInput_ReportedWithSuggestion()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: postReady
              tasks:
              - task: setHostName
                inputs:
                  hostname: web
            """);

        var diagnostic = Only(result, BootCodes.UnknownInput);
        AssertAt(diagnostic, 7, 7);
        Assert.Contains("did you mean 'hostName'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InputsOnTaskWithoutInputs_UnknownInput()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n    inputs:\n      fast: true\n");

        AssertAt(Only(result, BootCodes.UnknownInput), 7, 7);
    }

    [Theory]
    [InlineData("reboot: yes", "boolean", 7, 15)]
    [InlineData("reboot: \"true\"", "boolean", 7, 15)]
    [InlineData("hostName: [a, b]", "a string", 7, 17)]
    [InlineData("hostName:\n        a: b", "a string", 8, 9)]
    public void Read_WrongInputType_Reported(string input, string expected, int line, int column)
    {
        var result = Read($"version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: setHostName\n    inputs:\n      {input}\n");

        var diagnostic = Only(result, BootCodes.WrongInputType);
        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
        AssertAt(diagnostic, line, column);
    }

    [Theory]
    [InlineData("reboot: true")]
    [InlineData("reboot: false")]
    [InlineData("hostName: web-01")]
    [InlineData("hostName: \"web-02\"")]
    public void Read_RightInputType_Clean(string input)
    {
        AssertClean(Read($"version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: setHostName\n    inputs:\n      {input}\n"));
    }

    [Fact]
    public void Read_ListInputGivenScalar_WrongInputType()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setDnsSuffix\n    inputs:\n      suffixes: example.com\n");

        var diagnostic = Only(result, BootCodes.WrongInputType);
        AssertAt(diagnostic, 7, 17);
        Assert.Contains("must be a list", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("setAdminAccount", "password:\n          type: Random", "preReady", "static|random|doNothing", 8, 17)]
    [InlineData("executeScript", "- type: pwsh\n        content: x", "preReady", "batch|powershell", 7, 15)]
    [InlineData("executeScript", "- type: batch\n        content: x\n        frequency: daily", "preReady", "once|always", 9, 20)]
    [InlineData("executeScript", "- type: batch\n        content: x\n        runAs: system", "preReady", "admin|localSystem", 9, 16)]
    [InlineData("initializeVolume", "initialize: some", "postReady", "all|devices", 7, 19)]
    [InlineData("activateWindows", "activation:\n          type: microsoft", "preReady", "amazon|kms", 8, 17)]
    public void Read_BadEnumValue_Reported(string task, string inputs, string stage, string allowed, int line, int column)
    {
        var result = Read($"version: 1.0\nconfig:\n- stage: {stage}\n  tasks:\n  - task: {task}\n    inputs:\n      {inputs}\n");

        var diagnostic = Only(result, BootCodes.BadEnumValue);
        Assert.Contains(allowed, diagnostic.Message, StringComparison.Ordinal);
        AssertAt(diagnostic, line, column);
    }

    [Theory]
    [InlineData("setAdminAccount", "password:\n          type: doNothing", "preReady")]
    [InlineData("executeScript", "- type: batch\n        content: x\n        frequency: always\n        runAs: admin", "preReady")]
    [InlineData("initializeVolume", "initialize: all", "postReady")]
    [InlineData("activateWindows", "activation:\n          type: kms\n          server: kms.example.com:1688", "preReady")]
    public void Read_GoodEnumValue_Clean(string task, string inputs, string stage)
    {
        AssertClean(Read($"version: 1.0\nconfig:\n- stage: {stage}\n  tasks:\n  - task: {task}\n    inputs:\n      {inputs}\n"));
    }

    [Fact]
    public void Read_TaskLevelFrequencyBad_BadEnumValueAt()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n    frequency: weekly\n");

        AssertAt(Only(result, BootCodes.BadEnumValue), 6, 16);
    }

    [Fact]
    public void Read_TaskLevelFrequencyOverride_WarningAndApplied()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n    frequency: once\n    independent: true\n");

        Assert.True(result.IsValid);
        AssertAt(Only(result, BootCodes.FrequencyOverride), 6, 16);
        var task = result.Config!.TasksOf(AgentStage.PostReady)[0];
        Assert.Equal(TaskFrequency.Once, task.FrequencyOf(task.Entries[0]));
        Assert.True(task.Independent);
    }

    [Fact]
    public void Read_TaskLevelFrequencyOnScriptTask_DefaultForEntries()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: postReady
              tasks:
              - task: executeScript
                frequency: always
                inputs:
                - type: batch
                  content: a
                - type: batch
                  content: b
                  frequency: once
            """);

        AssertClean(result);
        var task = result.Config!.TasksOf(AgentStage.PostReady)[0];
        Assert.Equal([TaskFrequency.Always, TaskFrequency.Once], task.Entries.Select(task.FrequencyOf));
    }

    [Fact]
    public void Read_IndependentNotBoolean_WrongInputType()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n    independent: maybe\n");

        AssertAt(Only(result, BootCodes.WrongInputType), 6, 18);
    }

    [Theory]
    [InlineData("this-name-is-far-too-long", BootCodes.BadValue)]
    [InlineData("web_01", BootCodes.BadValue)]
    [InlineData("12345", BootCodes.BadValue)]
    public void Read_BadHostName_BadValue(string name, string code)
    {
        var result = Read($"version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: setHostName\n    inputs:\n      hostName: {name}\n");

        AssertAt(Only(result, code), 7, 17);
    }

    [Fact]
    public void Read_UnknownDnsVariable_Warning()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setDnsSuffix\n    inputs:\n      suffixes:\n      - $ZONE.example\n");

        Assert.True(result.IsValid);
        AssertAt(Only(result, BootCodes.BadValue), 8, 9);
    }

    [Fact]
    public void Read_InitializeDevicesWithoutList_MissingInput()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: initializeVolume\n    inputs:\n      initialize: devices\n");

        AssertAt(Only(result, BootCodes.MissingInput), 7, 7);
    }

    [Fact]
    public void Read_BadDriveLetter_BadValue()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: postReady
              tasks:
              - task: initializeVolume
                inputs:
                  initialize: devices
                  devices:
                  - device: xvdb
                    letter: "1"
            """);

        AssertAt(Only(result, BootCodes.BadValue), 10, 17);
    }

    [Fact]
    public void Read_MissingVersion_Reported()
    {
        var result = Read("config:\n- stage: boot\n  tasks:\n  - task: extendRootPartition\n");

        AssertAt(Only(result, BootCodes.MissingVersion), 1, 1);
    }

    [Fact]
    public void Read_UnsupportedVersion_Reported()
    {
        var result = Read("version: 2.0\nconfig: []\n");

        AssertAt(Only(result, BootCodes.UnsupportedVersion), 1, 10);
    }

    [Fact]
    public void Read_UnknownTopLevelKey_Reported()
    {
        var result = Read("version: 1.0\nconfig: []\nstages: []\n");

        AssertAt(Only(result, BootCodes.UnknownKey), 3, 1);
    }

    [Fact]
    public void Read_TaskDirectlyUnderStage_UnknownKeyWithHint()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: boot\n  task: extendRootPartition\n");

        var diagnostic = Only(result, BootCodes.UnknownKey);
        AssertAt(diagnostic, 4, 3);
        Assert.Contains("'tasks' list", diagnostic.Message, StringComparison.Ordinal);
        AssertAt(Only(result, BootCodes.MissingKey), 3, 10);
    }

    [Fact]
    public void Read_DuplicateStage_Reported()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: boot\n  tasks: []\n- stage: boot\n  tasks: []\n");

        AssertAt(Only(result, BootCodes.DuplicateStage), 5, 10);
    }

    [Fact]
    public void Read_StagesOutOfOrder_WarningAndRunOrderKept()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks: []\n- stage: boot\n  tasks: []\n");

        Assert.True(result.IsValid);
        AssertAt(Only(result, BootCodes.StageOrder), 5, 10);
        Assert.Equal([AgentStage.Boot, AgentStage.PostReady], result.Config!.Stages.Select(s => s.Stage));
    }

    [Fact]
    public void Read_DuplicateKey_Reported()
    {
        var result = Read("version: 1.0\nversion: 1.0\nconfig: []\n");

        AssertAt(Only(result, BootCodes.YamlDuplicateKey), 2, 1);
    }

    [Fact]
    public void Read_ManyProblems_ReportsEveryOneNotTheFirst()
    {
        var result = Read("""
            version: 1.0
            config:
            - stage: boot
              tasks:
              - task: nope
              - task: setAdminAccount
            - stage: preReady
              tasks:
              - task: setDnsSuffix
                inputs:
                  suffixes: 3
              - task: setAdminAccount
                inputs:
                  password:
                    type: sometimes
            - stage: later
              tasks: []
            """);

        Assert.Equal(
            [BootCodes.UnknownTask, BootCodes.TaskNotAllowedInStage, BootCodes.WrongInputType, BootCodes.BadEnumValue, BootCodes.UnknownStage],
            result.Diagnostics.InPrintOrder().Select(d => d.Code));
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Read_BillionLaughsAliases_RefusedQuickly()
    {
        var yaml = new StringBuilder("version: 1.0\nlol0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append($"lol{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]\n");
        }

        yaml.Append("config: *a9\n");
        var result = Read(yaml.ToString());

        var diagnostic = Only(result, BootCodes.YamlAlias);
        AssertAt(diagnostic, 3, 12);
        Assert.Null(result.Config);
    }

    [Fact]
    public void Read_DeeplyNested_RefusedNotStackOverflow()
    {
        var yaml = "version: 1.0\nconfig: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var result = Read(yaml);

        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.YamlTooDeep);
        Assert.Null(result.Config);
    }

    [Fact]
    public void Read_HugeFile_RefusedUnread()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteRepeated("agent-config.yml", "# padding padding padding\n"u8, 2L * 1024 * 1024);

        var result = AgentConfigReader.ReadFile(path);

        var diagnostic = Only(result, BootCodes.TooLarge);
        Assert.Equal(path, diagnostic.Source);
    }

    [Fact]
    public void Read_GarbageBytes_NotTextDiagnostic()
    {
        var result = AgentConfigReader.Read([0xFF, 0xFE, 0x00, 0x01, 0xC3], "agent-config.yml");

        Assert.Equal(BootCodes.NotText, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Read_EmptyFile_Error()
    {
        Assert.False(Read("# nothing here\n").IsValid);
    }

    [Fact]
    public void Read_TwoDocuments_Refused()
    {
        var result = Read("version: 1.0\nconfig: []\n---\nversion: 1.0\nconfig: []\n");

        AssertAt(Only(result, BootCodes.YamlDocumentCount), 3, 1);
    }

    [Fact]
    public void ReadFile_MissingFile_DiagnosticNotException()
    {
        using var dir = new TempDirectory();

        var result = AgentConfigReader.ReadFile(dir.File("absent.yml"));

        Assert.False(result.IsValid);
        Assert.Equal(BootCodes.FileNotReadable, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void ToString_Diagnostic_FileLineColumnSeverityCode()
    {
        var diagnostic = new BootDiagnostic(BootCodes.UnknownTask, DiagnosticSeverity.Error, 5, 11, "unknown task 'x'", "agent-config.yml");

        Assert.Equal("agent-config.yml:5:11: error RA120: unknown task 'x'", diagnostic.ToString());
    }

    [Theory]
    [InlineData("password: Hunter2!")]
    [InlineData("password: 'Hunter2!'")]
    [InlineData("password:\n          type: Hunter2!")]
    [InlineData("password: {Hunter2!}")]
    [InlineData("password: [Hunter2!]")]
    [InlineData("password:\n          type: static\n          data: [Hunter2!]")]
    [InlineData("password:\n          type: static\n          Hunter2!: x")]
    [InlineData("password:\n          type: static\n          data: {Hunter2!: 1}")]
    [InlineData("password:\n          type: Hunter2!\n          data: Hunter2!")]
    public void Read_MalformedPassword_NoDiagnosticShowsIt(string password)
    {
        var result = Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      " + password + "\n");

        Assert.NotEmpty(result.Diagnostics);
        Assert.All(result.Diagnostics, d => Assert.DoesNotContain("Hunter2", d.ToString(), StringComparison.Ordinal));
        Assert.All(result.Diagnostics, d => Assert.DoesNotContain("Hunter2", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_PasswordWrongType_ShowsYamlKind()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password: Hunter2!\n");

        Assert.Contains("got a scalar", Only(result, BootCodes.WrongInputType).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonSecretEnumValue_StillShown()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: activateWindows\n    inputs:\n      activation:\n        type: kmz\n");

        Assert.Contains("'kmz'", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputText_ToString_ValueNotShown()
    {
        var result = Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: static\n        data: Hunter2!\n");
        var task = result.Config!.TasksOf(AgentStage.PreReady).Single();
        var data = task.Entries[0].Map("password")!.Fields["data"];

        Assert.Equal("Hunter2!", Assert.IsType<InputText>(data).Value);
        Assert.DoesNotContain("Hunter2", data.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", task.ToString(), StringComparison.Ordinal);
        Assert.Contains("8 characters", data.ToString(), StringComparison.Ordinal);
    }
}
