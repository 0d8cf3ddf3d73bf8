using System.Globalization;
using Reseal.Sysprep.Panther;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <content>The watch over a running Sysprep: its logs, ImageState, the console line at each change, and every limit.</content>
public sealed partial class SealRunner
{
    /// <summary>One Sysprep run and its watch: the process, the two logs of this run, ImageState and the console.</summary>
    private sealed class Watch(SealRunner runner, SealPlan plan, IProgress<string>? progress)
    {
        private readonly IWindowsMachine _machine = runner._machine;
        private readonly TimeProvider _time = runner._time;
        private readonly SealRunSettings _settings = runner._settings;
        private readonly PantherLogFollower _act = new(runner._machine.Files, runner._machine.Files.Expand(SealPaths.SysprepPantherDirectory + @"\setupact.log"));
        private readonly PantherLogFollower _err = new(runner._machine.Files, runner._machine.Files.Expand(SealPaths.SysprepPantherDirectory + @"\setuperr.log"));
        private readonly SysprepRunTracker _tracker = new();
        private readonly List<PantherLogRecord> _errors = [];
        private readonly List<string> _warnings = [];
        private bool _consoleFailed;

        public string? StateBefore { get; private set; }

        public string? State { get; private set; }

        public ProcessOutcome? Outcome { get; private set; }

        /// <summary>Why the watch stopped Sysprep or could not run it, or null when Sysprep ended by itself.</summary>
        public SysprepWatchStop? Stop { get; private set; }

        public List<PantherLogRecord> Errors => _errors;

        public List<string> Warnings => _warnings;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            StateBefore = State = runner.ReadImageState();
            _act.Start();
            _err.Start();
            await ConsoleAsync(State).ConfigureAwait(false);

            using var stop = new CancellationTokenSource();
            var request = new ProcessRequest(plan.SysprepPath, plan.SysprepArguments, _settings.TotalLimit);
            Say(progress, "running " + plan.SysprepCommandLine);
            var sysprep = Task.Run(() => _machine.Processes.RunAsync(request, stop.Token), CancellationToken.None);
            var started = _time.GetUtcNow();
            var lastProgress = started;
            while (true)
            {
                var ended = sysprep.IsCompleted;
                if (await PollAsync().ConfigureAwait(false))
                {
                    lastProgress = _time.GetUtcNow();
                }

                if (ended)
                {
                    break;
                }

                var now = _time.GetUtcNow();
                var generalized = State is not null && IsGeneralized(State);
                if (cancellationToken.IsCancellationRequested && !generalized)
                {
                    Stop = new(SysprepWatchStopReason.Cancelled, "sealing was cancelled while Sysprep ran; Sysprep was stopped");
                }
                else if (now - started >= _settings.TotalLimit)
                {
                    Stop = new(SysprepWatchStopReason.TimeLimit, $"Sysprep did not end within {Show(_settings.TotalLimit)}");
                }
                else if (!generalized && _errors.Count > 0 && now - lastProgress >= _settings.ErrorGrace)
                {
                    Stop = new(SysprepWatchStopReason.ErrorDialog, $"Sysprep logged errors, then nothing for {Show(_settings.ErrorGrace)} (it is probably showing an error dialog); it was stopped");
                }
                else if (!generalized && now - lastProgress >= _settings.StallLimit)
                {
                    Stop = new(SysprepWatchStopReason.Stalled, $"no progress in Sysprep's logs or ImageState for {Show(_settings.StallLimit)}; Sysprep was stopped");
                }

                if (Stop is not null)
                {
                    break;
                }

                await Task.WhenAny(sysprep, Task.Delay(_settings.PollInterval, _time, CancellationToken.None)).ConfigureAwait(false);
            }

            if (!sysprep.IsCompleted && !(State is not null && IsGeneralized(State)))
            {
                // Stop Sysprep (the runner kills its process tree) and give it a bounded time to end.
                Say(progress, "stopping Sysprep");
                await stop.CancelAsync().ConfigureAwait(false);
                var killedAt = _time.GetUtcNow();
                while (!sysprep.IsCompleted && _time.GetUtcNow() - killedAt < _settings.KillGrace)
                {
                    await Task.WhenAny(sysprep, Task.Delay(_settings.PollInterval, _time, CancellationToken.None)).ConfigureAwait(false);
                }

                if (!sysprep.IsCompleted)
                {
                    // Stop is set here: only a reason above (or generalize, which skips this) ends the loop early.
                    Stop = Stop is null
                        ? new(SysprepWatchStopReason.Stopped, $"; it did not end within {Show(_settings.KillGrace)} of being stopped", DidNotEnd: true)
                        : Stop with { Text = Stop.Text + $"; it did not end within {Show(_settings.KillGrace)} of being stopped", DidNotEnd = true };
                }
            }

            if (sysprep.IsCompleted)
            {
                try
                {
                    Outcome = await sysprep.ConfigureAwait(false);
                    Say(progress, $"Sysprep exited with code {Outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}{(Outcome.TimedOut ? " (stopped at its time limit)" : "")}");
                }
                catch (OperationCanceledException)
                {
                    Stop ??= new(SysprepWatchStopReason.Stopped, "Sysprep was stopped");
                }
                catch (Exception e) when (!SealApplier.IsFatal(e))
                {
                    Stop = new(SysprepWatchStopReason.CouldNotRun, $"Sysprep could not be run: {e.Message}");
                }
            }
            else
            {
                // Observe the task's end so that its exception is never unobserved.
                _ = sysprep.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            // What Sysprep wrote last, and the state it left.
            await PollAsync().ConfigureAwait(false);
        }

        /// <summary>Reads what the logs gained and ImageState; true when anything moved.</summary>
        private async Task<bool> PollAsync()
        {
            var moved = false;
            var before = (_act.Offset, _err.Offset);
            foreach (var record in _act.ReadNew())
            {
                var inRun = _tracker.CurrentRunIndex is not null;
                _tracker.Observe(record);
                if (record.Kind == PantherLineKind.Entry)
                {
                    Say(progress, "sysprep: " + PantherLogFollower.Describe(record));
                }

                if (!inRun && _tracker.CurrentRunIndex is not null)
                {
                    Say(progress, "Sysprep run started (" + record.Location + ")");
                }
                else if (inRun && _tracker.CurrentRunIndex is null)
                {
                    Say(progress, "Sysprep run ended (" + record.Location + ")");
                }
            }

            foreach (var record in _err.ReadNew())
            {
                if (record.IsError && !IsNoise(record))
                {
                    _errors.Add(record);
                    Say(progress, "sysprep error: " + PantherLogFollower.Describe(record));
                }
            }

            moved |= before != (_act.Offset, _err.Offset);
            var state = runner.ReadImageState();
            if (state is not null && !string.Equals(state, State, StringComparison.OrdinalIgnoreCase))
            {
                State = state;
                moved = true;
                Say(progress, "ImageState: " + state + (IsGeneralized(state)
                    ? " (generalize finished" + (plan.SysprepArguments.Contains("/quit", StringComparer.OrdinalIgnoreCase) ? ")" : "; Windows is about to " + (plan.SysprepArguments.Contains("/reboot", StringComparer.OrdinalIgnoreCase) ? "restart)" : "shut down)"))
                    : ""));
                await ConsoleAsync(state).ConfigureAwait(false);
            }

            return moved;
        }

        /// <summary>The console line; a port that fails or blocks is reported once and never stops sealing.</summary>
        private async Task ConsoleAsync(string? state)
        {
            if (state is null)
            {
                return;
            }

            try
            {
                await _machine.SerialConsole.WriteLineAsync(FirstBootConsole.Prefix(_time.GetUtcNow()) + FirstBootConsole.BeingConfigured(state), CancellationToken.None)
                    .WaitAsync(_settings.ConsoleTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception e) when (!SealApplier.IsFatal(e))
            {
                if (!_consoleFailed)
                {
                    _consoleFailed = true;
                    var warning = $"the serial console could not be written ({e.Message}); sealing goes on";
                    _warnings.Add(warning);
                    Say(progress, "warning: " + warning);
                }
            }
        }

        private static bool IsNoise(PantherLogRecord record)
        {
            var matches = PantherSignatureCatalog.Default.Match(record.Message);
            return matches.Count > 0 && matches.All(m => m.Signature.IsNoise);
        }
    }
}
