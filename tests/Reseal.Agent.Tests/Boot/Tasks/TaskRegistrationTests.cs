using System.Text;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// A task that exists only in this file, registered on top of the built-in ones, is validated by the config and user-data
/// readers, planned and run: what docs/writing-a-task.md promises (adding a task is adding one type).
/// </summary>
public sealed class TaskRegistrationTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// <c>writeBanner</c>: writes lines to a file, repeated <c>count</c> times. Nested inputs (a map in a map, a list of
    /// text), a cross-input rule, two stages, once per instance.
    /// </summary>
    private sealed class WriteBannerTask() : BootTask(
        "writeBanner",
        FrequencyRule.Once,
        [AgentStage.PreReady, AgentStage.UserData],
        InputSchema.MapOf(
            new InputField("banner", InputSchema.MapOf(
                new InputField("path", InputSchema.Text, Required: true),
                new InputField("lines", InputSchema.ListOf(InputSchema.Text)))),
            new InputField("count", InputSchema.Number)),
        "write a banner file (test only)")
    {
        public override void Check(InputMap entry, TaskInputProblems problems)
        {
            if (entry.Fields.GetValueOrDefault("count") is InputInteger { Value: < 1 or > 3 } count)
            {
                problems.Error(BootCodes.BadValue, count, $"'count' must be 1 to 3, not {count.Value}");
            }
        }

        public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
        {
            var banner = run.Inputs.Map("banner")!;
            var count = run.Inputs.Fields.GetValueOrDefault("count") is InputInteger n ? (int)n.Value : 1;
            var text = string.Concat(Enumerable.Repeat(string.Join("\r\n", banner.Texts("lines")) + "\r\n", count));
            run.Context.Machine.Files.WriteAllBytes(banner.Text("path")!, Encoding.UTF8.GetBytes(text));
            run.Console.WriteLine("Message: banner written");
            return Task.FromResult(TaskExecutionResult.Done($"wrote {banner.Text("path")}"));
        }
    }

    private static readonly TaskRegistry Registry = TaskRegistry.BuiltIn.With(new WriteBannerTask());

    private const string Config = """
        version: 1.0
        config:
        - stage: preReady
          tasks:
          - task: writeBanner
            inputs:
              banner:
                path: C:\banner.txt
                lines: [hello, world]
              count: 2
        """;

    [Fact]
    public void Read_RegisteredTestTask_IsValid_AndKeepsItsNestedInputs()
    {
        var read = AgentConfigReader.Read(Config, "test.yml", Registry);

        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var task = Assert.Single(read.Config!.TasksOf(AgentStage.PreReady));
        Assert.IsType<WriteBannerTask>(task.Definition);
        Assert.Equal(["hello", "world"], task.Entries[0].Map("banner")!.Texts("lines"));
    }

    [Fact]
    public void Read_TestTaskWithoutItsRegistration_IsAnUnknownTask()
    {
        var read = AgentConfigReader.Read(Config, "test.yml");

        var error = Assert.Single(read.Diagnostics, d => d.IsError);
        Assert.Equal(BootCodes.UnknownTask, error.Code);
        Assert.Contains("unknown task 'writeBanner'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TestTaskWithBadNestedInput_NamesThePathAndPosition()
    {
        var read = AgentConfigReader.Read(Config.Replace("lines: [hello, world]", "lines: {a: b}", StringComparison.Ordinal), "test.yml", Registry);

        var error = Assert.Single(read.Diagnostics, d => d.IsError);
        Assert.Equal(BootCodes.WrongInputType, error.Code);
        Assert.Equal("'inputs.banner.lines' must be a list, got a mapping", error.Message);
        Assert.Equal((9, 16), (error.Line, error.Column));
    }

    [Fact]
    public void Read_TestTaskMissingNestedRequiredInput_IsAnError()
    {
        var read = AgentConfigReader.Read(Config.Replace(@"path: C:\banner.txt", "other: x", StringComparison.Ordinal), "test.yml", Registry);

        Assert.Contains(read.Diagnostics, d => d.Code == BootCodes.UnknownInput && d.Message.StartsWith("unknown input 'inputs.banner.other'", StringComparison.Ordinal));
        Assert.Contains(read.Diagnostics, d => d.Code == BootCodes.MissingInput && d.Message == "'inputs.banner' needs 'path'");
    }

    [Fact]
    public void Read_TestTaskCheckRule_ReportsAtTheInput()
    {
        var read = AgentConfigReader.Read(Config.Replace("count: 2", "count: 7", StringComparison.Ordinal), "test.yml", Registry);

        var error = Assert.Single(read.Diagnostics, d => d.IsError);
        Assert.Equal("'count' must be 1 to 3, not 7", error.Message);
        Assert.Equal((10, 14), (error.Line, error.Column));
    }

    [Fact]
    public void Read_TestTaskInAStageItDoesNotRunIn_IsRefused()
    {
        var read = AgentConfigReader.Read(Config.Replace("stage: preReady", "stage: postReady", StringComparison.Ordinal), "test.yml", Registry);

        var error = Assert.Single(read.Diagnostics, d => d.IsError);
        Assert.Equal(BootCodes.TaskNotAllowedInStage, error.Code);
        Assert.Contains("it runs in: preReady, userData", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlUserDataNamingTheTestTask_IsValidatedAgainstTheRegistry()
    {
        var yaml = "version: 1.1\ntasks:\n- task: writeBanner\n  inputs:\n    banner:\n      path: C:\\ud.txt\n"u8;

        var registered = UserDataParser.Parse(yaml, tasks: Registry);
        var unregistered = UserDataParser.Parse(yaml);

        Assert.DoesNotContain(registered.Diagnostics, d => d.IsError);
        var item = Assert.IsType<AgentTaskItem>(Assert.Single(registered.Items));
        Assert.IsType<WriteBannerTask>(item.Task.Definition);
        Assert.Contains(unregistered.Diagnostics, d => d.Code == BootCodes.UnknownTask);
    }

    [Fact]
    public async Task Run_RegisteredTestTask_IsPlannedOnce_RunsOnTheMachine_AndIsAlreadyDoneTheSecondTime()
    {
        var config = AgentConfigReader.Read(Config, "test.yml", Registry).Config!;
        var plan = BootPlan.Create(config);
        Assert.Contains("preReady writeBanner#0 once", plan.Describe());

        var store = new AgentStateStore(_temp.File("state"), TimeProvider.System);
        var console = new List<string>();
        var executor = new WindowsTaskExecutor(new BootTaskContext { Machine = _machine });
        var runner = new BootRunner(executor, store, TimeProvider.System, console.Add);

        var first = await runner.RunAsync(plan, store.Load("i-test").State, null, TestContext.Current.CancellationToken);
        var second = await runner.RunAsync(plan, store.Load("i-test").State, null, TestContext.Current.CancellationToken);

        var outcome = Assert.Single(first.Outcomes, o => o.Task == "writeBanner");
        Assert.Equal(TaskOutcomeKind.Completed, outcome.Outcome);
        Assert.Equal(@"wrote C:\banner.txt", outcome.Message);
        Assert.Equal("hello\r\nworld\r\nhello\r\nworld\r\n", Encoding.UTF8.GetString(_machine.Files.ReadAllBytes(@"C:\banner.txt")));
        Assert.Contains(console, l => l.EndsWith("Message: banner written\r\n", StringComparison.Ordinal));
        Assert.Equal(TaskOutcomeKind.AlreadyDone, Assert.Single(second.Outcomes, o => o.Task == "writeBanner").Outcome);
    }

    [Fact]
    public async Task AgentSession_ConfigNamingTheTestTask_RunsItWhenTheRunIsGivenTheRegistry()
    {
        File.WriteAllText(_temp.File("agent-config.yml"), Config);
        var paths = new AgentPaths(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));
        var options = new AgentRunOptions { Providers = [], AllowReboot = false, Tasks = Registry };

        var result = await new AgentSession(_machine, paths, TimeProvider.System, options).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(TaskOutcomeKind.Completed, Assert.Single(result.Run.Outcomes, o => o.Task == "writeBanner").Outcome);
        Assert.True(_machine.Files.FileExists(@"C:\banner.txt"));
        Assert.DoesNotContain(result.ConsoleLines, l => l.Contains("running the default configuration", StringComparison.Ordinal));
    }

    [Fact]
    public void With_ANameAlreadyRegistered_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Registry.With(new WriteBannerTask()));

        Assert.StartsWith("task 'writeBanner' is registered twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltIn_StartsWithTheFifteenDocumentedTasks_InTheOrderTheirEventIdsUse()
    {
        // A task's position (from 1) is its number in the agent's Event Log ids: new tasks are appended.
        Assert.Equal(
            ["activateWindows", "enableJumboFrames", "enableOpenSsh", "executeProgram", "executeScript", "extendRootPartition", "initializeVolume",
             "optimizeEna", "setAdminAccount", "setDnsSuffix", "setHostName", "setWallpaper", "startSsm", "sysprep", "writeFile"],
            TaskRegistry.BuiltIn.All.Take(15).Select(t => t.Name));
        Assert.All(TaskRegistry.BuiltIn.All, t => Assert.True(t.Stages.Count > 0 && t.Summary.Length > 0, t.Name));
        Assert.Equal(["setAdminAccount", "sysprep"], TaskRegistry.BuiltIn.All.Where(t => t.MustNotRepeat).Select(t => t.Name).Order(StringComparer.Ordinal));
    }
}
