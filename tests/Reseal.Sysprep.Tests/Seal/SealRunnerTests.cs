using System.Collections.Concurrent;
using System.Text;
using Reseal.Sysprep.Panther;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>
/// <see cref="SealRunner"/> against an in-memory Windows whose Sysprep is played by <see cref="FakeSysprep"/>: the
/// success path, a failure at every step (each leaving the machine exactly as it was), and watches that never hang.
/// </summary>
public sealed class SealRunnerTests
{
    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0 };

    /// <summary>Fast polling on real time; the time limits are driven by a ManualClock where a test needs them.</summary>
    private static readonly SealRunSettings Fast = new() { PollInterval = TimeSpan.FromMilliseconds(5) };

    private static readonly DateTimeOffset Start = new(2026, 11, 21, 7, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private sealed class Lines : IProgress<string>
    {
        public ConcurrentQueue<string> All { get; } = new();

        public void Report(string value) => All.Enqueue(value);

        public override string ToString() => string.Join("\n", All);
    }

    private static async Task<(SealRunResult Result, Lines Progress)> Seal(FakeWindows machine, SealOptions? options = null, TimeProvider? time = null,
        SealRunSettings? settings = null)
    {
        var progress = new Lines();
        var runner = new SealRunner(machine, time ?? new ManualClock(Start), settings ?? Fast);
        var result = await runner.RunAsync(options ?? Options, progress, Token).WaitAsync(TimeSpan.FromSeconds(60), Token);
        return (result, progress);
    }

    private static uint? Rdp(FakeWindows machine) => machine.Registry.DWord(RegistryHive.System, SealableMachine.TerminalServer, "fDenyTSConnections");

    [Fact]
    public async Task RunAsync_SysprepSucceeds_SealedWithConsoleLinesImageStateAndEveryStep()
    {
        var machine = SealableMachine.Create(withHook: true);
        var sysprep = new FakeSysprep { WaitUntilObserved = true }.Install(machine);

        var (result, progress) = await Seal(machine);

        Assert.True(result.Outcome == SealRunOutcome.Sealed, result.Message + progress);
        Assert.Equal(FakeSysprep.Generalized, machine.System.GetImageState().RawText);
        Assert.Equal(FakeSysprep.Complete, result.ImageStateBefore);
        Assert.Equal(FakeSysprep.Generalized, result.ImageStateAfter);
        // The console says each state, with the documented prefix, in order.
        Assert.Equal(
            [
                "2026/11/21 07:00:00Z: Windows is being configured. SysprepState=IMAGE_STATE_COMPLETE",
                "2026/11/21 07:00:00Z: Windows is being configured. SysprepState=IMAGE_STATE_UNDEPLOYABLE",
                "2026/11/21 07:00:00Z: Windows is being configured. SysprepState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE",
            ],
            machine.SerialConsole.Lines);
        // The hook ran before Sysprep, and Sysprep got the plan's arguments.
        Assert.Equal(
            [@"C:\Windows\System32\cmd.exe /c C:\ProgramData\Reseal\sysprep\BeforeSysprep.cmd",
                @"C:\Windows\System32\Sysprep\sysprep.exe /oobe /generalize /shutdown /quiet /unattend:C:\ProgramData\Reseal\sysprep\unattend.xml"],
            machine.Processes.CommandLines);
        Assert.Equal(result.Report!.Plan!.SysprepArguments, sysprep.Request!.Arguments);
        // Every file and registry step.
        Assert.Equal(1u, Rdp(machine));
        Assert.False(machine.Files.FileExists(@"C:\ProgramData\Reseal\state\state.json"));
        Assert.Contains("de-DE", machine.Files.ReadText(@"C:\ProgramData\Reseal\sysprep\unattend.xml"), StringComparison.Ordinal);
        Assert.False(machine.Files.FileExists(SealableMachine.StalePantherAnswerFile));
        Assert.True(machine.Files.FileExists(SealableMachine.StalePantherAnswerFile + ".reseal-moved"));
        Assert.Null(machine.Registry.GetValue(RegistryHive.System, "Setup", "UnattendFile"));
        var setupComplete = Encoding.Latin1.GetString(machine.Files.ReadAllBytes(SealableMachine.SetupComplete));
        Assert.Equal("@echo off\r\ncall vendor.cmd\r\n\u00e9\r\n" + SealPaths.FirstBootHookLine + "\r\n", setupComplete);
        // The journal stays for the agent to delete at first boot.
        Assert.True(machine.Files.FileExists(SealableMachine.Journal));
        Assert.Equal(@"C:\ProgramData\Reseal\sysprep\seal-journal.json", result.JournalPath);
        Assert.Contains("shuts down", result.NextSteps, StringComparison.Ordinal);
        // The run's own log lines were streamed, the earlier run's were not.
        Assert.Contains(progress.All, l => l.Contains("Beginning of a new sysprep run", StringComparison.Ordinal));
        Assert.Contains(progress.All, l => l.StartsWith("Sysprep run started (C:\\Windows\\System32\\Sysprep\\Panther\\setupact.log:3)", StringComparison.Ordinal));
        Assert.DoesNotContain(progress.All, l => l.Contains("BitLocker", StringComparison.Ordinal));
        Assert.Empty(result.SysprepErrors);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task RunAsync_Quit_ExitsZeroAndSaysWhatHappensNext()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);

        var (result, _) = await Seal(machine, Options with { Completion = SysprepCompletion.Quit });

        Assert.Equal(SealRunOutcome.Sealed, result.Outcome);
        Assert.Contains("/quit", sysprep.Request!.Arguments);
        Assert.Contains("shut it down", result.NextSteps, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HookFails_EverythingUndoneAndSysprepNeverRuns()
    {
        var machine = SealableMachine.Create(withHook: true);
        var sysprep = new FakeSysprep { HookExitCode = 3 }.Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var (result, progress) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SealStepIds.BeforeSysprepHook, result.FailedStep);
        Assert.Contains(@"BeforeSysprep hook C:\ProgramData\Reseal\sysprep\BeforeSysprep.cmd exited with code 3", result.Message, StringComparison.Ordinal);
        Assert.Contains(progress.All, l => l == "hook: hook: the disk is not ready");
        Assert.Null(sysprep.Request);
        Assert.True(result.Undone);
        Assert.Empty(result.UndoProblems);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
        Assert.Equal(0u, Rdp(machine));
    }

    [Fact]
    public async Task RunAsync_SysprepExitsNonZero_UndoneAndDiagnosisNamesTheStorePackage()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep
        {
            ExitCode = 1,
            FinalState = null,
            Errors =
            {
                "Package Microsoft.LanguageExperiencePacken-GB_19041.12.36.0_neutral__8wekyb3d8bbwe was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.",
                "WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2",
            },
        }.Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SealStepIds.Watch, result.FailedStep);
        Assert.Equal(1, result.SysprepExitCode);
        // Sysprep ended by itself: the watch did not stop it.
        Assert.Null(result.WatchStop);
        Assert.Contains("Sysprep exited with code 1", result.Message, StringComparison.Ordinal);
        Assert.Contains("still IMAGE_STATE_COMPLETE", result.Message, StringComparison.Ordinal);
        Assert.Equal(2, result.SysprepErrors.Length);
        Assert.Equal("SD001", result.Diagnosis?.RootCause?.Id);
        Assert.Equal(SysprepOutcome.Failed, result.Diagnosis!.Outcome);
        Assert.Contains("Remove-AppxProvisionedPackage", result.Diagnosis.RootCause!.Fix, StringComparison.Ordinal);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
        Assert.NotNull(sysprep.Request);
    }

    [Fact]
    public async Task RunAsync_SysprepExitsZeroButImageStateUnchanged_UndoneAndSaysSo()
    {
        var machine = SealableMachine.Create(withHook: true);
        new FakeSysprep { FinalState = FakeSysprep.Complete }.Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(0, result.SysprepExitCode);
        Assert.Contains("ImageState is still IMAGE_STATE_COMPLETE (Sysprep did not generalize)", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_SetupErrHasErrorsOfThisRun_UndoneAndDiagnosisNamesBitLocker()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep
        {
            FinalState = FakeSysprep.Undeployable,
            Errors = { "BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)" },
        }.Install(machine);
        var before = SealableMachine.Snapshot(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Contains("ImageState is IMAGE_STATE_UNDEPLOYABLE", result.Message, StringComparison.Ordinal);
        Assert.Contains("logged 1 error(s) in setuperr.log, the first at C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log:2", result.Message, StringComparison.Ordinal);
        Assert.Equal("SD005", result.Diagnosis?.RootCause?.Id);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_ErrorsButGeneralized_NothingUndoneAndExitOne()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep { Errors = { "LaunchDll:Failure occurred while executing 'DscCore.dll,SysPrep_Cleanup', returned error code 0x2" } }.Install(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.GeneralizedWithErrors, result.Outcome);
        Assert.False(result.Undone);
        Assert.Equal(1u, Rdp(machine));
        Assert.True(machine.Files.FileExists(SealableMachine.Journal));
        Assert.Equal("SD010", result.Diagnosis?.RootCause?.Id);
    }

    [Fact]
    public async Task RunAsync_NoiseOnlyInSetupErr_Sealed()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep { Errors = { "BCD: BiUpdateEfiEntry failed c000000d" } }.Install(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Sealed, result.Outcome);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(9)]
    public async Task RunAsync_JournalWriteFailsMidApply_EverythingUndone(int failingWrite)
    {
        var machine = SealableMachine.Create(withHook: true);
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);
        var writes = 0;
        machine.Files.BeforeWrite = path =>
        {
            if (path.Equals(SealableMachine.Journal, StringComparison.OrdinalIgnoreCase) && ++writes == failingWrite)
            {
                throw new IOException("disk full");
            }
        };

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Contains("failed: disk full", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.UndoProblems);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_BugMidApply_UndoneThenThrownAsABug()
    {
        var machine = SealableMachine.Create(withHook: true);
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);
        var writes = 0;
        machine.Files.BeforeWrite = path =>
        {
            if (path.Equals(SealableMachine.Journal, StringComparison.OrdinalIgnoreCase) && ++writes == 3)
            {
                _ = NullText()!.Length; // a genuine null dereference, as a bug in a step would make
            }
        };

        var bug = await Assert.ThrowsAsync<SealBugException>(() => Seal(machine));

        Assert.IsType<NullReferenceException>(bug.InnerException);
        Assert.Contains("every change was undone", bug.Message, StringComparison.Ordinal);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    /// <summary>A string that is null where the code expected one.</summary>
    private static string? NullText() => Environment.GetEnvironmentVariable("RESEAL_TEST_VARIABLE_THAT_IS_NEVER_SET_" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task RunAsync_RegistryWriteFails_UndoneAndStepNamed()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);
        var failed = false;
        machine.Registry.BeforeWrite = (_, _, name) =>
        {
            if (name == "fDenyTSConnections" && !failed)
            {
                failed = true;
                throw new UnauthorizedAccessException("access denied");
            }
        };

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SealStepIds.DenyRdp, result.FailedStep);
        Assert.Contains("deny-rdp failed: access denied", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_SetupCompleteWriteFails_UndoneAndStepNamed()
    {
        var machine = SealableMachine.Create(withHook: true);
        var sysprep = new FakeSysprep().Install(machine);
        var before = SealableMachine.Snapshot(machine);
        var failed = false;
        machine.Files.BeforeWrite = path =>
        {
            if (path.Equals(SealableMachine.SetupComplete, StringComparison.OrdinalIgnoreCase) && !failed)
            {
                failed = true;
                throw new IOException("sharing violation");
            }
        };

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SealStepIds.FirstBootHook, result.FailedStep);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_UndoItselfFails_ReportsWhatWasNotUndoneAndKeepsTheJournal()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep { ExitCode = 1, FinalState = null }.Install(machine);
        machine.Registry.BeforeWrite = (_, _, name) =>
        {
            // RDP can be denied, but never set back.
            if (name == "fDenyTSConnections" && machine.Registry.DWord(RegistryHive.System, SealableMachine.TerminalServer, name) == 1)
            {
                throw new UnauthorizedAccessException("access denied");
            }
        };

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.StartsWith("failed, and NOT everything was undone", result.Message, StringComparison.Ordinal);
        Assert.Contains(result.UndoProblems, p => p.Contains("fDenyTSConnections", StringComparison.Ordinal));
        Assert.True(machine.Files.FileExists(SealableMachine.Journal));
        Assert.Equal(SealableMachine.Journal, result.JournalPath);
    }

    [Fact]
    public async Task RunAsync_ConsoleWriteThrows_SealingGoesOnWithOneWarning()
    {
        var machine = SealableMachine.Create();
        new FakeSysprep().Install(machine);
        machine.SerialConsole.Failure = new IOException("COM1 is held by SAC");

        var (result, progress) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Sealed, result.Outcome);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("COM1 is held by SAC", warning, StringComparison.Ordinal);
        Assert.Single(progress.All, l => l.StartsWith("warning:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_SysprepCannotStart_UndoneAndSaysSo()
    {
        var machine = SealableMachine.Create();
        machine.Processes.AsyncHandler = (request, _) => request.FileName.EndsWith("sysprep.exe", StringComparison.OrdinalIgnoreCase)
            ? throw new System.ComponentModel.Win32Exception(740, "The requested operation requires elevation")
            : Task.FromResult(FakeProcesses.Exit(0));
        var before = SealableMachine.Snapshot(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SealStepIds.RunSysprep, result.FailedStep);
        Assert.Equal(SysprepWatchStopReason.CouldNotRun, result.WatchStop);
        Assert.Contains("Sysprep could not be run: The requested operation requires elevation", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_SysprepHangsWithoutProgress_StoppedAtTheStallLimitAndUndone()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep { Hang = true }.Install(machine);
        var before = SealableMachine.Snapshot(machine);
        var clock = new ManualClock(Start);
        using var done = new CancellationTokenSource();
        var ticking = Tick(clock, TimeSpan.FromMinutes(1), done.Token);

        var (result, _) = await Seal(machine, time: clock);
        await done.CancelAsync();
        await ticking;

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SysprepWatchStopReason.Stalled, result.WatchStop);
        Assert.Equal(SealStepIds.Watch, result.FailedStep);
        Assert.Contains("no progress in Sysprep's logs or ImageState for 15 min; Sysprep was stopped", result.Message, StringComparison.Ordinal);
        Assert.True(sysprep.Killed);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_SysprepShowsAnErrorDialog_StoppedAfterTheErrorGraceAndUndone()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep { HangAfterErrors = true, Errors = { "spopk.dll:: Failed to query pending CBS operations; hr = 0x80080005" } }.Install(machine);
        var before = SealableMachine.Snapshot(machine);
        var clock = new ManualClock(Start);
        using var done = new CancellationTokenSource();
        var ticking = Tick(clock, TimeSpan.FromSeconds(20), done.Token);

        var (result, _) = await Seal(machine, time: clock);
        await done.CancelAsync();
        await ticking;

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SysprepWatchStopReason.ErrorDialog, result.WatchStop);
        Assert.Contains("Sysprep logged errors, then nothing for 2 min", result.Message, StringComparison.Ordinal);
        Assert.True(sysprep.Killed);
        Assert.Equal("SD008", result.Diagnosis?.RootCause?.Id);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_SysprepIgnoresBeingStopped_GivesUpAfterTheKillGrace()
    {
        var machine = SealableMachine.Create();
        var release = new TaskCompletionSource<ProcessOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        machine.Processes.AsyncHandler = (request, _) => request.FileName.EndsWith("sysprep.exe", StringComparison.OrdinalIgnoreCase)
            ? release.Task
            : Task.FromResult(FakeProcesses.Exit(0));
        var before = SealableMachine.Snapshot(machine);
        var clock = new ManualClock(Start);
        using var done = new CancellationTokenSource();
        var ticking = Tick(clock, TimeSpan.FromMinutes(1), done.Token);

        try
        {
            var (result, _) = await Seal(machine, time: clock);

            Assert.Equal(SealRunOutcome.Failed, result.Outcome);
            Assert.Equal(SysprepWatchStopReason.Stalled, result.WatchStop);
            Assert.Equal(SealStepIds.Watch, result.FailedStep);
            Assert.Contains("it did not end within 30 s of being stopped", result.Message, StringComparison.Ordinal);
            Assert.Equal(before, SealableMachine.Snapshot(machine));
        }
        finally
        {
            release.SetResult(FakeProcesses.Exit(0));
            await done.CancelAsync();
            await ticking;
        }
    }

    [Fact]
    public async Task RunAsync_Cancelled_SysprepStoppedAndUndone()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep { Hang = true }.Install(machine);
        var before = SealableMachine.Snapshot(machine);
        using var cancel = new CancellationTokenSource();
        var runner = new SealRunner(machine, new ManualClock(Start), Fast);
        var run = runner.RunAsync(Options, null, cancel.Token);
        while (sysprep.Request is null)
        {
            await Task.Delay(5, Token);
        }

        await cancel.CancelAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal(SealRunOutcome.Failed, result.Outcome);
        Assert.Equal(SysprepWatchStopReason.Cancelled, result.WatchStop);
        Assert.Contains("cancelled", result.Message, StringComparison.Ordinal);
        Assert.True(sysprep.Killed);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_JournalLeftByAnEarlierSeal_RefusedWithoutChanges()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);
        machine.Files.WriteText(SealableMachine.Journal, "{}");
        var before = SealableMachine.Snapshot(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Refused, result.Outcome);
        Assert.Contains("reseal seal --rollback", result.Message, StringComparison.Ordinal);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public async Task RunAsync_NotElevated_RefusedByThePreflightUnlessForced()
    {
        var machine = SealableMachine.Create();
        var sysprep = new FakeSysprep().Install(machine);
        machine.Processes.Elevated = false;
        var before = SealableMachine.Snapshot(machine);

        var (refused, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Refused, refused.Outcome);
        Assert.Contains(PreflightCodes.NotAdmin, refused.Message, StringComparison.Ordinal);
        Assert.Null(sysprep.Request);
        Assert.Equal(before, SealableMachine.Snapshot(machine));

        var (forced, _) = await Seal(machine, Options with { Force = true });

        Assert.Equal(SealRunOutcome.Sealed, forced.Outcome);
    }

    [Fact]
    public void Preflight_LiveChecks_AdminAndRunningSysprep()
    {
        var machine = SealableMachine.Create();
        var runner = new SealRunner(machine, new ManualClock(Start));

        var ready = runner.Preflight(Options);

        Assert.True(ready.Readiness == SealReadiness.Ready, string.Join("; ", ready.Errors.Select(e => $"{e.Code}: {e.Message}")));
        Assert.Equal("an in-memory test machine", ready.Root);
        Assert.Equal(CheckSeverity.Ok, Check(ready, PreflightCodes.NotAdmin).Severity);
        Assert.Equal(CheckSeverity.Ok, Check(ready, PreflightCodes.SysprepRunning).Severity);
        Assert.Equal(CheckSeverity.Info, Check(ready, PreflightCodes.DomainMember).Severity);
        Assert.Equal(CheckSeverity.Warning, Check(ready, PreflightCodes.StalePantherAnswerFile).Severity);

        machine.Processes.Elevated = false;
        machine.Processes.Running[4242] = "sysprep.exe";
        machine.Processes.Running[17] = "explorer.exe";
        var blocked = runner.Preflight(Options);

        Assert.Equal(SealReadiness.Blocked, blocked.Readiness);
        Assert.Equal(CheckSeverity.Error, Check(blocked, PreflightCodes.NotAdmin).Severity);
        var running = Check(blocked, PreflightCodes.SysprepRunning);
        Assert.Equal(CheckSeverity.Error, running.Severity);
        Assert.Equal(["sysprep.exe process 4242"], running.Evidence);

        machine.Processes.Elevated = null;
        machine.Processes.FindRunningFailure = new System.ComponentModel.Win32Exception(5, "access denied");
        var unknown = runner.Preflight(Options);

        Assert.Equal(CheckSeverity.Info, Check(unknown, PreflightCodes.NotAdmin).Severity);
        Assert.Equal(CheckSeverity.Info, Check(unknown, PreflightCodes.SysprepRunning).Severity);
    }

    [Fact]
    public void Preflight_ChangesNothing()
    {
        var machine = SealableMachine.Create(withHook: true);
        var before = SealableMachine.Snapshot(machine);

        var report = new SealRunner(machine, new ManualClock(Start)).Preflight(Options);

        Assert.NotNull(report.Plan);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
        Assert.Empty(machine.Processes.Requests);
    }

    [Fact]
    public void Rollback_AfterACrashMidSeal_RestoresTheMachine()
    {
        var machine = SealableMachine.Create();
        var before = SealableMachine.Snapshot(machine);
        var runner = new SealRunner(machine, new ManualClock(Start));
        Assert.True(SealApplier.Apply(machine, runner.Preflight(Options), new ManualClock(Start)).Succeeded);
        Assert.NotEqual(before, SealableMachine.Snapshot(machine));

        var result = runner.Rollback();

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(before, SealableMachine.Snapshot(machine));
    }

    [Fact]
    public void Rollback_MachineAlreadyGeneralized_RefusedUnlessForced()
    {
        var machine = SealableMachine.Create();
        var runner = new SealRunner(machine, new ManualClock(Start));
        Assert.True(SealApplier.Apply(machine, runner.Preflight(Options), new ManualClock(Start)).Succeeded);
        machine.System.SetImageState(FakeSysprep.Generalized);
        var sealedState = SealableMachine.Snapshot(machine);

        var refused = runner.Rollback();

        Assert.Equal(SealChangeStatus.Refused, refused.Status);
        Assert.Contains("generalized", refused.Message, StringComparison.Ordinal);
        Assert.Equal(sealedState, SealableMachine.Snapshot(machine));
        Assert.True(runner.Rollback(force: true).Succeeded);
    }

    [Fact]
    public async Task RunAsync_HookEditsSetupComplete_ItsEditIsKeptAndOurLineAddedOnce()
    {
        var machine = SealableMachine.Create(withHook: true);
        new FakeSysprep
        {
            HookAction = m => m.Files.WriteAllBytes(SealableMachine.SetupComplete, [.. m.Files.ReadAllBytes(SealableMachine.SetupComplete), .. "call hook-added.cmd\r\n"u8]),
        }.Install(machine);

        var (result, _) = await Seal(machine);

        Assert.Equal(SealRunOutcome.Sealed, result.Outcome);
        var text = Encoding.Latin1.GetString(machine.Files.ReadAllBytes(SealableMachine.SetupComplete));
        Assert.EndsWith("call hook-added.cmd\r\n" + SealPaths.FirstBootHookLine + "\r\n", text, StringComparison.Ordinal);
    }

    private static PreflightCheck Check(SealReport report, string code) => Assert.Single(report.Checks, c => c.Code == code);

    /// <summary>Moves the clock on while a run waits, as time passes for a real one.</summary>
    private static async Task Tick(ManualClock clock, TimeSpan step, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(10, cancellationToken);
                clock.Advance(step);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}
