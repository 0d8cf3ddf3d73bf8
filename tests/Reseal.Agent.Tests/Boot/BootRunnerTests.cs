using System.Collections.Concurrent;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

public sealed class BootRunnerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);

    /// <summary>Records what ran; each unit takes 100 ms of fake time and writes one console line.</summary>
    private sealed class FakeExecutor(ManualClock time) : IBootTaskExecutor
    {
        public ConcurrentQueue<string> Ran { get; } = new();

        public Func<BootWorkUnit, Task<TaskExecutionResult>>? Behaviour { get; set; }

        public async Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken)
        {
            Ran.Enqueue(unit.TaskName);
            time.Advance(TimeSpan.FromMilliseconds(100));
            var result = Behaviour is null ? TaskExecutionResult.Succeeded : await Behaviour(unit);
            console.WriteLine($"{unit.TaskName}: done");
            return result;
        }
    }

    private sealed class Harness : IDisposable
    {
        private readonly TempDirectory _dir = new();

        public Harness()
        {
            Executor = new FakeExecutor(Time);
            Store = new AgentStateStore(_dir.Path, Time);
        }

        public ManualClock Time { get; } = new(Start);

        public FakeExecutor Executor { get; }

        public AgentStateStore Store { get; }

        public StringBuilder Console { get; } = new();

        public async Task<BootRunResult> Run(BootPlan plan, string instanceId = "i-1", BootRunOptions? options = null)
        {
            var state = Store.Load(instanceId).State;
            var runner = new BootRunner(Executor, Store, Time, line =>
            {
                lock (Console)
                {
                    Console.Append(line);
                }
            });
            return await runner.RunAsync(plan, state, (options ?? BootRunOptions.Default) with { InstanceId = instanceId }, Token);
        }

        public List<string> ConsoleTexts() =>
            [.. Console.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l["2026/11/21 06:00:00Z: ".Length..])];

        public void Dispose() => _dir.Dispose();
    }

    private static BootPlan Plan(string configYaml, string? userData = null)
    {
        var config = AgentConfigReader.Read(configYaml);
        Assert.True(config.IsValid, string.Join(" | ", config.Diagnostics));
        return BootPlan.Create(config.Config!, userData is null ? null : UserDataParser.Parse(Encoding.UTF8.GetBytes(userData)));
    }

    [Fact]
    public async Task RunAsync_DefaultConfig_StagesInOrderReadyBeforePostReady()
    {
        using var harness = new Harness();

        var result = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        Assert.Equal(["extendRootPartition", "activateWindows", "setDnsSuffix", "setAdminAccount", "setWallpaper", "startSsm"],
            result.Outcomes.Select(o => o.Task));
        Assert.All(result.Outcomes, o => Assert.Equal(TaskOutcomeKind.Completed, o.Outcome));
        var console = harness.ConsoleTexts();
        Assert.Equal(
            ["extendRootPartition: done", "activateWindows: done", "setDnsSuffix: done", "setAdminAccount: done", "setWallpaper: done",
             "User data format: no_user_data", ConsoleLines.Ready, "startSsm: done"],
            console[..^1]);
        Assert.StartsWith("{\"type\":\"ResealAgentRun\"", console[^1], StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(500), result.ReadyAfter);
        Assert.All(result.Outcomes, o => Assert.Equal(TimeSpan.FromMilliseconds(100), o.Duration));
        Assert.False(result.RebootRequested);
    }

    [Fact]
    public async Task RunAsync_IndependentTasksFinishInReverse_RunConcurrentlyConsoleInConfigOrder_PasswordTaskAlone()
    {
        using var harness = new Harness();
        var gates = new ConcurrentDictionary<string, TaskCompletionSource<TaskExecutionResult>>();
        var bothStarted = new TaskCompletionSource();
        var started = new ConcurrentQueue<string>();
        harness.Executor.Behaviour = unit =>
        {
            started.Enqueue(unit.TaskName);
            if (unit.TaskName is not ("activateWindows" or "setDnsSuffix"))
            {
                return Task.FromResult(TaskExecutionResult.Succeeded);
            }

            var gate = gates.GetOrAdd(unit.TaskName, _ => new TaskCompletionSource<TaskExecutionResult>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (gates.Count == 2)
            {
                bothStarted.TrySetResult();
            }

            return gate.Task;
        };

        var run = harness.Run(BootPlan.Create(DefaultAgentConfig.Config));
        await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.DoesNotContain("setAdminAccount", started); // it must not start while others hold the console
        gates["setDnsSuffix"].SetResult(TaskExecutionResult.Succeeded);
        await Task.Delay(10, Token);
        gates["activateWindows"].SetResult(TaskExecutionResult.Succeeded);

        var result = await run;

        Assert.Equal(["activateWindows: done", "setDnsSuffix: done", "setAdminAccount: done", "setWallpaper: done"], harness.ConsoleTexts()[1..5]);
        Assert.Equal(["activateWindows", "setDnsSuffix", "setAdminAccount", "setWallpaper"],
            result.Outcomes.Where(o => o.Stage == AgentStage.PreReady).Select(o => o.Task));
    }

    [Fact]
    public async Task RunAsync_SecondRunSameInstance_OnceTasksAlreadyDoneAlwaysTasksRun()
    {
        using var harness = new Harness();
        await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));
        harness.Executor.Ran.Clear();

        var second = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        Assert.Equal(["setDnsSuffix", "setWallpaper", "startSsm"], harness.Executor.Ran.Order());
        Assert.Equal(TaskOutcomeKind.AlreadyDone, second.Outcomes.Single(o => o.Task == "setAdminAccount").Outcome);
    }

    [Fact]
    public async Task RunAsync_NewInstanceId_OnceTasksRunAgain()
    {
        using var harness = new Harness();
        await harness.Run(BootPlan.Create(DefaultAgentConfig.Config), "i-image-builder");
        harness.Executor.Ran.Clear();

        await harness.Run(BootPlan.Create(DefaultAgentConfig.Config), "i-clone");

        Assert.Contains("setAdminAccount", harness.Executor.Ran);
        Assert.Contains("extendRootPartition", harness.Executor.Ran);
    }

    [Fact]
    public async Task RunAsync_CrashBetweenTasks_CompletedOnceTasksNotRepeated()
    {
        using var harness = new Harness();
        using var crash = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var plan = BootPlan.Create(DefaultAgentConfig.Config);
        harness.Executor.Behaviour = async unit =>
        {
            if (unit.TaskName == "startSsm")
            {
                await crash.CancelAsync();
                crash.Token.ThrowIfCancellationRequested();
            }

            return TaskExecutionResult.Succeeded;
        };
        var runner = new BootRunner(harness.Executor, harness.Store, harness.Time, _ => { });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(plan, harness.Store.Load("i-1").State, null, crash.Token));
        harness.Executor.Behaviour = null;
        harness.Executor.Ran.Clear();
        var loaded = harness.Store.Load("i-1");
        var second = await harness.Run(plan);

        Assert.Equal([plan.Units.Single(u => u.TaskName == "startSsm").Key], loaded.InterruptedTasks);
        Assert.DoesNotContain("setAdminAccount", harness.Executor.Ran);
        Assert.DoesNotContain("extendRootPartition", harness.Executor.Ran);
        Assert.Contains("startSsm", harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.Completed, second.Outcomes.Single(o => o.Task == "startSsm").Outcome);
    }

    [Fact]
    public async Task RunAsync_Script3010Forever_RebootsCappedAtFive()
    {
        using var harness = new Harness();
        var plan = Plan("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: executeScript\n    inputs:\n    - type: powershell\n      content: exit 3010\n");
        harness.Executor.Behaviour = _ => Task.FromResult(TaskExecutionResult.FromExitCode(3010, ExitCodeConvention.Ec2Launch));
        var reboots = 0;
        BootRunResult result;
        var runs = 0;
        do
        {
            result = await harness.Run(plan);
            reboots += result.RebootRequested ? 1 : 0;
            Assert.True(++runs < 20, "the reboot loop is not capped");
        }
        while (result.RebootRequested);

        Assert.Equal(AgentState.MaxRebootsPerTask, reboots);
        var last = Assert.Single(result.Outcomes);
        Assert.Equal(TaskOutcomeKind.Failed, last.Outcome);
        Assert.NotNull(result.ReadyAfter);
        harness.Executor.Ran.Clear();
        var after = await harness.Run(plan);
        Assert.Empty(harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.AlreadyDone, Assert.Single(after.Outcomes).Outcome);
    }

    [Fact]
    public async Task RunAsync_RebootRequestedBeforeReady_StopsWithoutReadyLine()
    {
        using var harness = new Harness();
        harness.Executor.Behaviour = unit => Task.FromResult(unit.TaskName == "extendRootPartition"
            ? TaskExecutionResult.FromExitCode(3010, ExitCodeConvention.Ec2Launch)
            : TaskExecutionResult.Succeeded);

        var result = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        Assert.True(result.RebootRequested);
        Assert.Null(result.ReadyAfter);
        Assert.DoesNotContain(ConsoleLines.Ready, harness.ConsoleTexts());
        Assert.Equal(["extendRootPartition"], harness.Executor.Ran);
    }

    [Fact]
    public async Task RunAsync_CloudbaseExitCodes_Honoured()
    {
        using var harness = new Harness();
        var plan = Plan("version: 1.0\nconfig: []\n", "#ps1_sysnative\nexit 1002\n");
        harness.Executor.Behaviour = _ => Task.FromResult(TaskExecutionResult.FromExitCode(1002, ExitCodeConvention.CloudbaseInit));

        var first = await harness.Run(plan);
        harness.Executor.Behaviour = _ => Task.FromResult(TaskExecutionResult.FromExitCode(1001, ExitCodeConvention.CloudbaseInit));
        var second = await harness.Run(plan);
        harness.Executor.Ran.Clear();
        var third = await harness.Run(plan);

        Assert.Equal(TaskOutcomeKind.RerunNextBoot, Assert.Single(first.Outcomes).Outcome);
        Assert.False(first.RebootRequested);
        Assert.Equal(TaskOutcomeKind.RebootRequested, Assert.Single(second.Outcomes).Outcome);
        Assert.True(second.RebootRequested);
        Assert.Empty(harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.AlreadyDone, Assert.Single(third.Outcomes).Outcome);
    }

    [Fact]
    public async Task RunAsync_UntrustedState_PasswordTaskSkippedOthersRun()
    {
        using var harness = new Harness();
        File.WriteAllText(Path.Combine(harness.Store.Directory, AgentStateStore.StateFileName), "{torn");

        var result = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        Assert.Equal(TaskOutcomeKind.Skipped, result.Outcomes.Single(o => o.Task == "setAdminAccount").Outcome);
        Assert.DoesNotContain("setAdminAccount", harness.Executor.Ran);
        Assert.Contains("startSsm", harness.Executor.Ran);
        Assert.Contains(ConsoleLines.Ready, harness.ConsoleTexts());
    }

    [Fact]
    public async Task RunAsync_TaskMeetsAnIoError_FailedInPlainWordsAndBootContinues()
    {
        using var harness = new Harness();
        harness.Executor.Behaviour = unit => unit.TaskName == "activateWindows"
            ? throw new IOException("slmgr.vbs: the device is not ready")
            : Task.FromResult(TaskExecutionResult.Succeeded);

        var result = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        var failed = result.Outcomes.Single(o => o.Outcome == TaskOutcomeKind.Failed);
        Assert.Equal("activateWindows", failed.Task);
        Assert.Equal("slmgr.vbs: the device is not ready", failed.Message);
        Assert.Empty(result.Bugs);
        Assert.True(result.AnyFailed);
        Assert.DoesNotContain("Exception", harness.Console.ToString(), StringComparison.Ordinal);
        Assert.Contains(ConsoleLines.Ready, harness.ConsoleTexts());
        Assert.Contains("startSsm", harness.Executor.Ran);
    }

    [Fact]
    public async Task RunAsync_TaskHitsABug_RecordedAsABugStateSavedAndOtherTasksStillRun()
    {
        using var harness = new Harness();
        harness.Executor.Behaviour = unit => unit.TaskName == "activateWindows"
            ? Task.FromResult(TaskExecutionResult.Failed(NullText()!.Trim()))
            : Task.FromResult(TaskExecutionResult.Succeeded);

        var plan = BootPlan.Create(DefaultAgentConfig.Config);
        var result = await harness.Run(plan);

        var failed = result.Outcomes.Single(o => o.Outcome == TaskOutcomeKind.Failed);
        Assert.Equal("activateWindows", failed.Task);
        Assert.Contains("a bug in reseal", failed.Message, StringComparison.Ordinal);
        var bug = Assert.Single(result.Bugs);
        Assert.Equal("activateWindows", bug.Task);
        Assert.IsType<NullReferenceException>(bug.Exception);
        Assert.Contains(nameof(RunAsync_TaskHitsABug_RecordedAsABugStateSavedAndOtherTasksStillRun), bug.Detail(), StringComparison.Ordinal); // the stack, for the bug report
        // Saved as failed, so the next run tries it again; the console names no .NET type.
        Assert.Equal(TaskRunStatus.Failed, harness.Store.Load("i-1").State.Find(plan.Units.Single(u => u.TaskName == "activateWindows").Key)!.Status);
        Assert.DoesNotContain("NullReferenceException", harness.Console.ToString(), StringComparison.Ordinal);
        Assert.Contains(ConsoleLines.Ready, harness.ConsoleTexts());
        Assert.Contains("startSsm", harness.Executor.Ran);
    }

    [Fact]
    public async Task RunAsync_StopStageOnFailure_RestOfStageSkipped()
    {
        using var harness = new Harness();
        var plan = Plan("""
            version: 1.0
            config:
            - stage: postReady
              tasks:
              - task: startSsm
              - task: optimizeEna
              - task: enableJumboFrames
            """);
        harness.Executor.Behaviour = unit => Task.FromResult(unit.TaskName == "startSsm" ? TaskExecutionResult.Failed("no SSM") : TaskExecutionResult.Succeeded);

        var result = await harness.Run(plan, options: new BootRunOptions { StopStageOnFailure = true });

        Assert.Equal([TaskOutcomeKind.Failed, TaskOutcomeKind.Skipped, TaskOutcomeKind.Skipped], result.Outcomes.Select(o => o.Outcome));
    }

    [Fact]
    public async Task RunAsync_UserDataYaml10AndXml_PlacedAfterAndBeforePostReady()
    {
        using var harness = new Harness();
        var config = "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n";

        var legacy = await harness.Run(Plan(config, "version: 1.0\ntasks:\n- task: executeScript\n  inputs:\n  - type: batch\n    content: echo 1\n"));
        var xml = await harness.Run(Plan(config, "<powershell>Write-Output 1</powershell>"), "i-2");

        Assert.Equal(["startSsm", "executeScript"], legacy.Outcomes.Select(o => o.Task));
        Assert.Equal(["executeScript", "startSsm"], xml.Outcomes.Select(o => o.Task));
        Assert.All(xml.Outcomes, o => Assert.NotEqual(TaskOutcomeKind.Failed, o.Outcome));
    }

    [Fact]
    public async Task RunAsync_PersistedXmlUserData_RunsEveryBoot()
    {
        using var harness = new Harness();
        var plan = Plan("version: 1.0\nconfig: []\n", "<powershell>Write-Output 1</powershell><persist>true</persist>");

        await harness.Run(plan);
        var second = await harness.Run(plan);

        Assert.Equal(2, harness.Executor.Ran.Count);
        Assert.Equal(TaskOutcomeKind.Completed, Assert.Single(second.Outcomes).Outcome);
    }

    private sealed class PasswordExecutor : IBootTaskExecutor
    {
        public async Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken)
        {
            if (unit.TaskName == "setAdminAccount")
            {
                await Task.Delay(50, cancellationToken); // finishes last of its parallel group
                console.WritePasswordBlock("Administrator", Convert.ToBase64String(new byte[256]));
            }
            else
            {
                console.WriteLine($"{unit.TaskName}: done");
            }

            return TaskExecutionResult.Succeeded;
        }
    }

    [Fact]
    public async Task RunAsync_PasswordBlockFromParallelTask_ExactLayoutInConfigOrder()
    {
        using var dir = new TempDirectory();
        var time = new ManualClock(Start);
        var console = new StringBuilder();
        var runner = new BootRunner(new PasswordExecutor(), new AgentStateStore(dir.Path, time), time, line =>
        {
            lock (console)
            {
                console.Append(line);
            }
        });

        await runner.RunAsync(BootPlan.Create(DefaultAgentConfig.Config), AgentState.Fresh("i-1"), null, Token);

        var zeros = Convert.ToBase64String(new byte[256]);
        Assert.Contains(
            "2026/11/21 06:00:00Z: setDnsSuffix: done\r\n" +
            "2026/11/21 06:00:00Z: Username: Administrator\r\n" +
            "2026/11/21 06:00:00Z: Password: <Password>\r\n" +
            zeros + "\r\n" +
            "</Password>\r\n" +
            "2026/11/21 06:00:00Z: setWallpaper: done\r\n" +
            "2026/11/21 06:00:00Z: User data format: no_user_data\r\n" +
            "2026/11/21 06:00:00Z: Message: Windows is Ready to use\r\n",
            console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_DefaultConfigWithYaml10UserData_StagesReadyAndUserDataLast()
    {
        var plan = BootPlan.Create(DefaultAgentConfig.Config,
            UserDataParser.Parse("version: 1.0\ntasks:\n- task: startSsm\n"u8));

        Assert.Equal(
            [
                "boot extendRootPartition#0 once",
                "preReady activateWindows#0 once independent",
                "preReady setDnsSuffix#0 always independent",
                "preReady setAdminAccount#0 once independent",
                "preReady setWallpaper#0 always independent",
                "-- Message: Windows is Ready to use",
                "postReady startSsm#0 always",
                "userData startSsm#0 always",
            ],
            plan.Describe());
        Assert.Equal("yaml_1.0", plan.UserDataFormatName);
    }

    [Fact]
    public async Task RunAsync_ConfigEditedBetweenBoots_PasswordNotSetTwiceEditedScriptRunsAgain()
    {
        using var harness = new Harness();
        const string Before = "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: random\n" +
            "  - task: executeScript\n    inputs:\n    - type: powershell\n      content: Write-Output 1\n";
        await harness.Run(Plan(Before));
        harness.Executor.Ran.Clear();

        await harness.Run(Plan(Before.Replace("type: random", "type: doNothing", StringComparison.Ordinal).Replace("Output 1", "Output 2", StringComparison.Ordinal)));

        Assert.Equal(["executeScript"], harness.Executor.Ran);
    }

    [Fact]
    public void Create_SamePlanInputs_DeterministicKeysAndOrder()
    {
        var first = BootPlan.Create(DefaultAgentConfig.Config).Units.Select(u => u.ToString() + " " + u.Key).ToList();
        var second = BootPlan.Create(AgentConfigReader.Read(DefaultAgentConfig.Yaml).Config!).Units.Select(u => u.ToString() + " " + u.Key).ToList();

        Assert.Equal(first, second);
        Assert.StartsWith("preReady setAdminAccount#0 once independent preReady/setAdminAccount#0@", first[3], StringComparison.Ordinal);
    }

    private const string PasswordOnly =
        "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: random\n";

    // Runs plan until taskName starts, then stops the agent there (as a crash or power cut would).
    private static async Task CrashDuring(Harness harness, BootPlan plan, string taskName)
    {
        using var crash = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var before = harness.Executor.Behaviour;
        harness.Executor.Behaviour = async unit =>
        {
            if (unit.TaskName == taskName)
            {
                await crash.CancelAsync();
                crash.Token.ThrowIfCancellationRequested();
            }

            return before is null ? TaskExecutionResult.Succeeded : await before(unit);
        };
        var runner = new BootRunner(harness.Executor, harness.Store, harness.Time, _ => { });
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(plan, harness.Store.Load("i-1").State, null, crash.Token));
        }
        finally
        {
            harness.Executor.Behaviour = before;
        }
    }

    [Fact]
    public async Task RunAsync_CrashAfterPasswordTaskStarted_NeverRunAgainSkippedWithMessage()
    {
        using var harness = new Harness();
        var plan = Plan(PasswordOnly);
        await CrashDuring(harness, plan, "setAdminAccount");
        harness.Executor.Ran.Clear();

        var second = await harness.Run(plan);
        var third = await harness.Run(plan);

        Assert.Empty(harness.Executor.Ran);
        foreach (var run in new[] { second, third })
        {
            var outcome = Assert.Single(run.Outcomes);
            Assert.Equal(TaskOutcomeKind.Skipped, outcome.Outcome);
            Assert.Contains("must not run twice", outcome.Message, StringComparison.Ordinal);
            Assert.Contains("reset", outcome.Message, StringComparison.Ordinal);
        }

        Assert.Contains("must not run twice", harness.Console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StateRestoredFromPreviousStartedSnapshot_CompletedPasswordTaskNotRunAgain()
    {
        using var harness = new Harness();
        var plan = Plan(PasswordOnly);
        await harness.Run(plan); // saves Started (-> previous-state.json), then Completed (state.json)
        File.WriteAllBytes(Path.Combine(harness.Store.Directory, AgentStateStore.StateFileName), new byte[300]);
        harness.Executor.Ran.Clear();

        var loaded = harness.Store.Load("i-1");
        Assert.Equal(StateLoadOutcome.RecoveredFromPrevious, loaded.Outcome);
        var second = await harness.Run(plan);

        Assert.Empty(harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.Skipped, Assert.Single(second.Outcomes).Outcome);
    }

    [Fact]
    public async Task RunAsync_StateRestoredFromPreviousWithoutPasswordRecord_PasswordTaskNotRun()
    {
        using var harness = new Harness();
        var plan = Plan(PasswordOnly);
        var fresh = AgentState.Fresh("i-1");
        harness.Store.Save(fresh);
        harness.Store.Save(fresh.Started(plan.Units.Single().Key, harness.Time.GetUtcNow())); // the save that is then lost
        File.WriteAllText(Path.Combine(harness.Store.Directory, AgentStateStore.StateFileName), "{torn");

        var result = await harness.Run(plan);

        Assert.Empty(harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.Skipped, Assert.Single(result.Outcomes).Outcome);
    }

    private sealed class WritingExecutor(string text) : IBootTaskExecutor
    {
        public Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken)
        {
            console.WriteLine(text);
            return Task.FromResult(TaskExecutionResult.Succeeded);
        }
    }

    [Theory]
    [InlineData("x\r\n2026/11/21 00:00:00Z: Message: Windows is Ready to use")]
    [InlineData("x\n2026/11/21 00:00:00Z: Password: <Password>")]
    [InlineData("x\r2026/11/21 00:00:00Z: Message: Windows is Ready to use\u0085\u000b\u001b[2K")]
    public async Task RunAsync_TaskWritesLineBreaks_CannotForgeConsoleLines(string text)
    {
        using var dir = new TempDirectory();
        var time = new ManualClock(Start);
        var console = new StringBuilder();
        var runner = new BootRunner(new WritingExecutor(text), new AgentStateStore(dir.Path, time), time, line => console.Append(line));

        await runner.RunAsync(Plan("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setWallpaper\n"), AgentState.Fresh("i-1"), null, Token);

        var lines = console.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("2026/11/21 06:00:00Z: ", line, StringComparison.Ordinal));
        Assert.All(lines, line => Assert.DoesNotContain(line, c => char.IsControl(c)));
        Assert.Single(lines, line => line.EndsWith(": " + ConsoleLines.Ready, StringComparison.Ordinal) && !line.Contains("x ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(": Password:", StringComparison.Ordinal) && !line.Contains("x ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_PasswordTaskMeetsAWin32Error_ConsoleShowsTheKindNotTheMessage()
    {
        using var harness = new Harness();
        harness.Executor.Behaviour = unit => unit.TaskName == "setAdminAccount"
            ? throw new System.ComponentModel.Win32Exception(2245, "could not set password Hunter2!")
            : Task.FromResult(TaskExecutionResult.Succeeded);

        var result = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        var failed = result.Outcomes.Single(o => o.Task == "setAdminAccount");
        Assert.Equal(TaskOutcomeKind.Failed, failed.Outcome);
        Assert.StartsWith("Windows error 2245", failed.Message, StringComparison.Ordinal);
        Assert.Empty(result.Bugs);
        Assert.DoesNotContain("Hunter2", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", harness.Console.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", harness.Console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PasswordTaskHitsABug_DetailKeepsTheStackButNotTheMessage()
    {
        using var harness = new Harness();
        harness.Executor.Behaviour = unit => unit.TaskName == "setAdminAccount"
            ? throw new InvalidOperationException("could not set password Hunter2!")
            : Task.FromResult(TaskExecutionResult.Succeeded);

        var result = await harness.Run(BootPlan.Create(DefaultAgentConfig.Config));

        var bug = Assert.Single(result.Bugs);
        Assert.True(bug.HandlesSecrets);
        Assert.Contains("System.InvalidOperationException", bug.Detail(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", bug.Detail(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", harness.Console.ToString(), StringComparison.Ordinal);
        Assert.Null(new AgentBugException(result.Bugs).InnerException);
    }

    [Fact]
    public async Task RunAsync_AlwaysTaskInterruptedOnTwoSeparateBootsAndFinishingBetween_StillRuns()
    {
        using var harness = new Harness();
        var plan = Plan("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n");
        await CrashDuring(harness, plan, "startSsm");
        await harness.Run(plan);
        await harness.Run(plan);
        await CrashDuring(harness, plan, "startSsm");
        harness.Executor.Ran.Clear();

        var result = await harness.Run(plan);

        Assert.Equal(["startSsm"], harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.Completed, Assert.Single(result.Outcomes).Outcome);
        Assert.Equal(0, result.State.Find(plan.Units.Single().Key)!.Interrupted);
    }

    [Fact]
    public async Task RunAsync_AlwaysTaskInterruptedThreeTimesInARow_Skipped()
    {
        using var harness = new Harness();
        var plan = Plan("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n");
        for (var i = 0; i < 3; i++)
        {
            await CrashDuring(harness, plan, "startSsm");
        }

        harness.Executor.Ran.Clear();

        var result = await harness.Run(plan);

        Assert.Empty(harness.Executor.Ran);
        Assert.Equal(TaskOutcomeKind.Skipped, Assert.Single(result.Outcomes).Outcome);
    }

    [Fact]
    public async Task RunAsync_AlwaysScriptRebootsThenCompletes_FullRebootAllowanceOnLaterBoot()
    {
        using var harness = new Harness();
        var plan = Plan("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: executeScript\n    inputs:\n" +
            "    - frequency: always\n      type: powershell\n      content: exit 3010\n");
        var exitCode = 3010;
        harness.Executor.Behaviour = _ => Task.FromResult(TaskExecutionResult.FromExitCode(exitCode, ExitCodeConvention.Ec2Launch));
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await harness.Run(plan)).RebootRequested);
        }

        exitCode = 0;
        Assert.False((await harness.Run(plan)).RebootRequested);
        exitCode = 3010;
        var reboots = 0;
        while ((await harness.Run(plan)).RebootRequested)
        {
            Assert.True(++reboots < 20, "the reboot loop is not capped");
        }

        Assert.Equal(AgentState.MaxRebootsPerTask, reboots);
    }

    /// <summary>A string that is null where the code expected one: dereferencing it is a genuine bug.</summary>
    private static string? NullText() => Environment.GetEnvironmentVariable("RESEAL_TEST_VARIABLE_THAT_IS_NEVER_SET_" + Guid.NewGuid().ToString("N"));
}
