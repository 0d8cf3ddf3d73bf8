using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

public sealed class AgentStateStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);


    private sealed class SimulatedCrashException : Exception;

    private static readonly string AdminKey = TaskKey.For(AgentStage.PreReady, "setAdminAccount", 0, "password: random");
    private static readonly string ScriptKey = TaskKey.For(AgentStage.UserData, "executeScript", 0, "Write-Output 1");

    private static AgentStateStore Store(TempDirectory dir) => new(dir.Path, new ManualClock(Start));

    /// <summary>Leaves what a save killed before its rename leaves: a temporary file of the one atomic writer.</summary>
    private static string KilledSaveLeftover(TempDirectory dir, byte[] contents)
    {
        var path = AtomicFile.NewTempPath(dir.File(AgentStateStore.StateFileName));
        File.WriteAllBytes(path, contents);
        return path;
    }

    private static IReadOnlyList<string> Leftovers(TempDirectory dir) => AtomicFile.FindStaleTemps(dir.File(AgentStateStore.StateFileName));

    [Fact]
    public void Load_NoFiles_Fresh()
    {
        using var dir = new TempDirectory();

        var result = Store(dir).Load("i-1");

        Assert.Equal(StateLoadOutcome.Fresh, result.Outcome);
        Assert.Empty(result.State.Tasks);
        Assert.False(result.State.Untrusted);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsRecords()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        var state = AgentState.Fresh("i-1").Started(AdminKey, Start).Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start)
            .Started(ScriptKey, Start).Finished(ScriptKey, TaskRunStatus.RebootPending, 3010, true, Start);

        store.Save(state);
        var loaded = store.Load("i-1");

        Assert.Equal(StateLoadOutcome.Loaded, loaded.Outcome);
        Assert.True(loaded.State.IsCompleted(AdminKey));
        Assert.Equal(new TaskRecord(ScriptKey, TaskRunStatus.RebootPending, 1, 1, 3010, Start), loaded.State.Find(ScriptKey));
        Assert.Equal(1, loaded.State.RebootsOf(ScriptKey));
    }

    [Fact]
    public void Save_Twice_PreviousStateKept()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        var first = AgentState.Fresh("i-1").Started(AdminKey, Start);
        store.Save(first);

        store.Save(first.Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start));

        Assert.Equal(TaskRunStatus.Running, AgentStateStore.TryRead(dir.File(AgentStateStore.PreviousFileName), out _)!.Find(AdminKey)!.Status);
        Assert.Equal(TaskRunStatus.Completed, AgentStateStore.TryRead(dir.File(AgentStateStore.StateFileName), out _)!.Find(AdminKey)!.Status);
        Assert.Empty(Leftovers(dir));
    }

    [Fact]
    public void Save_FailureAfterTemporaryWritten_OldStateStillLoadsAndNoTempLeft()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        var done = AgentState.Fresh("i-1").Started(AdminKey, Start).Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start);
        store.Save(done);
        var before = File.ReadAllBytes(dir.File(AgentStateStore.StateFileName));
        store.AfterStep = step =>
        {
            if (step == SaveStep.TemporaryWritten)
            {
                throw new SimulatedCrashException();
            }
        };

        Assert.Throws<SimulatedCrashException>(() => store.Save(done.Started(ScriptKey, Start)));
        var reloaded = Store(dir).Load("i-1");

        Assert.Equal(before, File.ReadAllBytes(dir.File(AgentStateStore.StateFileName)));
        Assert.Equal(StateLoadOutcome.Loaded, reloaded.Outcome);
        Assert.True(reloaded.State.IsCompleted(AdminKey));
        Assert.Null(reloaded.State.Find(ScriptKey));
        Assert.Empty(Leftovers(dir));
    }

    [Fact]
    public void Load_KilledSaveLeftTemporary_DiscardedAndOldStateKept()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        var done = AgentState.Fresh("i-1").Started(AdminKey, Start).Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start);
        store.Save(done);
        KilledSaveLeftover(dir, AgentStateStore.Serialize(done.Started(ScriptKey, Start), Start));

        var reloaded = Store(dir).Load("i-1");

        Assert.Equal(StateLoadOutcome.Loaded, reloaded.Outcome);
        Assert.True(reloaded.State.IsCompleted(AdminKey));
        Assert.Null(reloaded.State.Find(ScriptKey));
        Assert.Contains(reloaded.Diagnostics, d => d.Code == BootCodes.StateTornWrite);
        Assert.Empty(Leftovers(dir));
    }

    [Fact]
    public void Load_FirstSaveKilledBeforeRename_CompleteTemporaryPromoted()
    {
        using var dir = new TempDirectory();
        KilledSaveLeftover(dir, AgentStateStore.Serialize(AgentState.Fresh("i-1").Started(AdminKey, Start), Start));
        Assert.False(File.Exists(dir.File(AgentStateStore.StateFileName)));

        var result = Store(dir).Load("i-1");

        Assert.Equal(StateLoadOutcome.Loaded, result.Outcome);
        Assert.Equal(TaskRunStatus.Running, result.State.Find(AdminKey)!.Status);
        Assert.Equal([AdminKey], result.InterruptedTasks);
        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.StateTornWrite);
        Assert.True(File.Exists(dir.File(AgentStateStore.StateFileName)));
        Assert.Empty(Leftovers(dir));
    }

    [Fact]
    public void Load_NoStateAndTornTemporary_DiscardedFresh()
    {
        using var dir = new TempDirectory();
        var full = AgentStateStore.Serialize(AgentState.Fresh("i-1").Started(AdminKey, Start), Start);
        KilledSaveLeftover(dir, full[..(full.Length / 2)]);

        var result = Store(dir).Load("i-1");

        Assert.Equal(StateLoadOutcome.Fresh, result.Outcome);
        Assert.Empty(Leftovers(dir));
        Assert.False(File.Exists(dir.File(AgentStateStore.StateFileName)));
    }

    [Fact]
    public void Load_RecoveredFromPrevious_UntrustedForTasksThatMustNotRepeat()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(AgentState.Fresh("i-1"));
        store.Save(AgentState.Fresh("i-1").Started(AdminKey, Start));
        dir.Write(AgentStateStore.StateFileName, "{torn");

        var result = store.Load("i-1");

        Assert.Equal(StateLoadOutcome.RecoveredFromPrevious, result.Outcome);
        Assert.True(result.State.Untrusted);
    }

    [Fact]
    public void Finished_AfterInterruptedStarts_InterruptedAndRebootsReset()
    {
        var state = AgentState.Fresh("i-1").Started(ScriptKey, Start).Started(ScriptKey, Start)
            .Finished(ScriptKey, TaskRunStatus.RebootPending, 3010, true, Start).Started(ScriptKey, Start);
        Assert.Equal((3, 3, 1), (state.Find(ScriptKey)!.Attempts, state.Find(ScriptKey)!.Interrupted + 2, state.Find(ScriptKey)!.Reboots));

        var done = state.Finished(ScriptKey, TaskRunStatus.Completed, 0, false, Start, resetReboots: true);

        Assert.Equal((3, 0, 0), (done.Find(ScriptKey)!.Attempts, done.Find(ScriptKey)!.Interrupted, done.Find(ScriptKey)!.Reboots));
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsInterruptedCount()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(AgentState.Fresh("i-1").Started(ScriptKey, Start).Started(ScriptKey, Start));

        Assert.Equal(2, store.Load("i-1").State.Find(ScriptKey)!.Interrupted);
    }

    [Fact]
    public void Load_TornTemporaryFile_NeverReplacesState()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(AgentState.Fresh("i-1").Started(AdminKey, Start).Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start));
        var full = AgentStateStore.Serialize(AgentState.Fresh("i-1"), Start);
        KilledSaveLeftover(dir, full[..(full.Length / 2)]);

        var result = store.Load("i-1");

        Assert.True(result.State.IsCompleted(AdminKey));
        Assert.Equal(BootCodes.StateTornWrite, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Load_CorruptStateWithGoodPrevious_RecoveredAndCorruptMovedAside()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        var done = AgentState.Fresh("i-1").Started(AdminKey, Start).Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start);
        store.Save(done);
        store.Save(done.Started(ScriptKey, Start));
        File.WriteAllBytes(dir.File(AgentStateStore.StateFileName), new byte[300]); // NUL-filled: what a power cut can leave

        var result = store.Load("i-1");

        Assert.Equal(StateLoadOutcome.RecoveredFromPrevious, result.Outcome);
        Assert.True(result.State.IsCompleted(AdminKey));
        Assert.Equal([BootCodes.StateCorrupt, BootCodes.StateRecovered], result.Diagnostics.Select(d => d.Code));
        Assert.Single(Directory.GetFiles(dir.Path, "state.json.corrupt-*"));
        Assert.False(File.Exists(dir.File(AgentStateStore.StateFileName)));
    }

    [Fact]
    public void Load_CorruptStateNoPrevious_UntrustedNotReset()
    {
        using var dir = new TempDirectory();
        dir.Write(AgentStateStore.StateFileName, "{\"format\":1,\"instanceId\":\"i-1\",\"tasks\":[{\"key\":");

        var result = Store(dir).Load("i-1");

        Assert.Equal(StateLoadOutcome.Corrupt, result.Outcome);
        Assert.True(result.State.Untrusted);
        Assert.All(result.Diagnostics, d => Assert.Equal(BootCodes.StateCorrupt, d.Code));
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("administrator password", StringComparison.Ordinal));
    }

    [Fact]
    public void Save_UntrustedState_StaysUntrustedAfterReload()
    {
        using var dir = new TempDirectory();
        dir.Write(AgentStateStore.StateFileName, "garbage");
        var store = Store(dir);
        var untrusted = store.Load("i-1").State;

        store.Save(untrusted.Started(ScriptKey, Start));

        Assert.True(store.Load("i-1").State.Untrusted);
    }

    [Fact]
    public void Load_OtherInstanceId_NewInstanceFresh()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(AgentState.Fresh("i-old").Started(AdminKey, Start).Finished(AdminKey, TaskRunStatus.Completed, 0, false, Start));

        var result = store.Load("i-new");

        Assert.Equal(StateLoadOutcome.NewInstance, result.Outcome);
        Assert.Equal("i-new", result.State.InstanceId);
        Assert.False(result.State.IsCompleted(AdminKey));
        Assert.Equal(BootCodes.StateNewInstance, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Load_TaskLeftRunning_ReportedInterrupted()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(AgentState.Fresh("i-1").Started(ScriptKey, Start));

        var result = store.Load("i-1");

        Assert.Equal([ScriptKey], result.InterruptedTasks);
        Assert.Equal(BootCodes.StateInterruptedTask, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Reset_DeletesStateAndBackup_FreshAgain()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(AgentState.Fresh("i-1"));
        store.Save(AgentState.Fresh("i-1"));

        store.Reset();

        Assert.Equal(StateLoadOutcome.Fresh, store.Load("i-1").Outcome);
    }

    [Fact]
    public void TaskKey_ContentChanges_KeyChanges()
    {
        Assert.NotEqual(TaskKey.For(AgentStage.UserData, "executeScript", 0, "a"), TaskKey.For(AgentStage.UserData, "executeScript", 0, "b"));
        Assert.StartsWith("userData/executeScript#0@", TaskKey.For(AgentStage.UserData, "executeScript", 0, "a"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, ExitCodeConvention.Ec2Launch, false, ExitAction.Completed)]
    [InlineData(3010, ExitCodeConvention.Ec2Launch, false, ExitAction.RebootAndRerun)]
    [InlineData(3010, ExitCodeConvention.Ec2Launch, true, ExitAction.Completed)]
    [InlineData(1003, ExitCodeConvention.Ec2Launch, false, ExitAction.Failed)]
    [InlineData(1001, ExitCodeConvention.CloudbaseInit, false, ExitAction.RebootThenDone)]
    [InlineData(1002, ExitCodeConvention.CloudbaseInit, false, ExitAction.RerunNextBoot)]
    [InlineData(1003, ExitCodeConvention.CloudbaseInit, false, ExitAction.RebootAndRerun)]
    [InlineData(3010, ExitCodeConvention.CloudbaseInit, false, ExitAction.Failed)]
    [InlineData(1, ExitCodeConvention.CloudbaseInit, false, ExitAction.Failed)]
    public void Interpret_ExitCode_Action(int code, ExitCodeConvention convention, bool detached, ExitAction expected)
    {
        Assert.Equal(expected, ExitCodes.Interpret(code, convention, detached));
    }
}
