using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// Property (FsCheck): once-tasks never run twice across a crash at any point. A generated history of boots each
/// stops at a generated point — inside a task before or after its effect, or inside a state save after the temporary
/// file is written or after it replaced state.json (the store's crash hooks) — and a last boot runs to the end.
/// Whatever the history: a once-task whose effect completed never runs again, and the administrator password task
/// (which must not repeat) never starts twice.
/// </summary>
public sealed class OnceTaskCrashPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);

    private sealed class Crash : Exception;

    /// <summary>Where one boot stops: kind 0/1 in the Index-th task started (before/after its effect), 2/3 in the Index-th save.</summary>
    public sealed record CrashPoint(int Kind, int Index);

    /// <summary>Counts what each unit did; crashes where it is told to.</summary>
    private sealed class Executor(ManualClock time) : IBootTaskExecutor
    {
        public Dictionary<string, int> Started { get; } = [];

        public Dictionary<string, int> Effects { get; } = [];

        public CrashPoint? CrashAt { get; set; }

        /// <summary>The boot's own stop: a crash inside a task stops the agent (a thrown exception would be a failed task).</summary>
        public CancellationTokenSource? Stop { get; set; }

        private int _started;

        public void NewBoot(CrashPoint? crashAt)
        {
            CrashAt = crashAt;
            _started = 0;
            Stop?.Dispose();
            Stop = new CancellationTokenSource();
        }

        private OperationCanceledException Halt()
        {
            Stop!.Cancel();
            return new OperationCanceledException(Stop.Token);
        }

        public Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            lock (Started)
            {
                Started[unit.Key] = Started.GetValueOrDefault(unit.Key) + 1;
                var index = _started++;
                if (CrashAt is { Kind: 0 } before && before.Index == index)
                {
                    throw Halt();
                }

                Effects[unit.Key] = Effects.GetValueOrDefault(unit.Key) + 1;
                if (CrashAt is { Kind: 1 } after && after.Index == index)
                {
                    throw Halt();
                }
            }

            console.WriteLine(unit.TaskName + ": done");
            return Task.FromResult(TaskExecutionResult.Succeeded);
        }
    }

    private static readonly Arbitrary<CrashPoint[]> Histories =
        (from count in Gen.Choose(0, 6)
         from points in (from kind in Gen.Choose(0, 3) from index in Gen.Choose(0, 24) select new CrashPoint(kind, index)).ArrayOf(count)
         select points).ToArbitrary();

    private static BootPlan Plan()
    {
        // The default configuration (administrator password, host name, volumes, SSM...) and a once-run script.
        var userData = UserDataParser.Parse(Encoding.UTF8.GetBytes("<powershell>Write-Output once</powershell>"));
        return BootPlan.Create(DefaultAgentConfig.Config, userData);
    }

    // One boot: a crash (thrown from a task or a save) ends it as a power cut would.
    private static void Boot(BootRunner runner, BootPlan plan, AgentStateStore store, CancellationToken stop)
    {
        try
        {
            runner.RunAsync(plan, store.Load("i-1").State, BootRunOptions.Default with { InstanceId = "i-1" }, stop)
                .GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is Crash or OperationCanceledException)
        {
        }
    }

    [Fact]
    public void RunAsync_CrashAnywhereInAnyHistory_OnceTasksNeverRunTwice() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(Histories, history =>
        {
            using var dir = new TempDirectory();
            var time = new ManualClock(Start);
            var executor = new Executor(time);
            var plan = Plan();
            var completedAt = new Dictionary<string, int>();
            var boot = 0;
            foreach (var point in history.Append(null))
            {
                boot++;
                var store = new AgentStateStore(dir.Path, time);
                var saves = 0;
                store.AfterStep = step =>
                {
                    if (point is { Kind: >= 2 } && point.Index == saves++ / 2 && (step == SaveStep.TemporaryWritten) == (point.Kind == 2))
                    {
                        throw new Crash();
                    }
                };
                executor.NewBoot(point is { Kind: < 2 } ? point : null);
                var effectsBefore = new Dictionary<string, int>(executor.Effects);
                Boot(new BootRunner(executor, store, time, _ => { }), plan, store, executor.Stop!.Token);

                // What the state now records as done (as the next boot will read it).
                var recorded = new AgentStateStore(dir.Path, time).Load("i-1").State;
                foreach (var unit in plan.Units.Where(u => u.Frequency == TaskFrequency.Once))
                {
                    if (completedAt.TryGetValue(unit.Key, out var firstBoot))
                    {
                        Assert.True(executor.Effects.GetValueOrDefault(unit.Key) == effectsBefore.GetValueOrDefault(unit.Key),
                            $"once-task {unit.TaskName} recorded done at boot {firstBoot} ran again at boot {boot} ({string.Join(", ", history.Select(p => p.ToString()))})");
                    }
                    else if (recorded.IsCompleted(unit.Key))
                    {
                        completedAt[unit.Key] = boot;
                    }

                    if (unit.MustNotRepeat)
                    {
                        Assert.True(executor.Started.GetValueOrDefault(unit.Key) <= 1, $"{unit.TaskName} started twice");
                    }
                }
            }

            // The last boot ran to the end: every once-task the plan has ran or was refused, none is left half-known.
            Assert.NotEmpty(completedAt);
        }));
}
