using System.ComponentModel;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Service;

namespace Reseal.Windows.Live.Service;

/// <summary>
/// Runs a body as a Windows service (<c>SERVICE_WIN32_OWN_PROCESS</c>) over advapi32, without
/// Microsoft.Extensions.Hosting.WindowsServices: <c>StartServiceCtrlDispatcherW</c> on the calling thread; a ServiceMain
/// that registers a control handler, reports start pending → running, runs the body, and on stop, shutdown or
/// preshutdown cancels the body's token and reports stop pending with rising checkpoints until the body finishes (at
/// most <see cref="ServiceHostOptions.StopTimeout"/>), then stopped with the body's exit code (non-zero as a
/// service-specific error). The state rules live in <see cref="ServiceStatusMachine"/>.
/// </summary>
/// <remarks>
/// The callbacks are <c>[UnmanagedCallersOnly]</c> static methods whose addresses are passed to Win32: there is no
/// delegate for the garbage collector to collect while the SCM still holds the pointer. Their state is one static
/// session, so one process runs one service at a time.
/// </remarks>
[SupportedOSPlatform("windows")]
public static class WindowsServiceHost
{
    private static readonly Lock SessionGate = new();
    private static Session? _session;

    /// <summary>
    /// Connects to the SCM and runs <paramref name="body"/> as the service <paramref name="serviceName"/>; returns when the
    /// service has stopped, with the exit code it reported. Throws <see cref="NotStartedAsServiceException"/> when the
    /// process was started from a console rather than by the SCM, <see cref="PlatformNotSupportedException"/> off Windows,
    /// and <see cref="InvalidOperationException"/> when a service already runs in this process.
    /// </summary>
    public static int Run(string serviceName, Func<CancellationToken, Task<int>> body, ServiceHostOptions? options = null)
    {
        LivePlatform.Guard("WindowsServiceHost.Run");
        ServiceInstallSpec.ValidateName(serviceName);
        ArgumentNullException.ThrowIfNull(body);
        options ??= new ServiceHostOptions();
        options.Validate();

        using var session = new Session(serviceName, body, options);
        lock (SessionGate)
        {
            if (_session is not null)
            {
                throw new InvalidOperationException($"this process already runs the service '{_session.Name}'");
            }

            _session = session;
        }

        var name = Marshal.StringToHGlobalUni(serviceName);
        try
        {
            unsafe
            {
                var table = stackalloc NativeMethods.ServiceTableEntry[2];
                table[0] = new NativeMethods.ServiceTableEntry
                {
                    ServiceName = name,
                    ServiceProc = (nint)(delegate* unmanaged<uint, nint, void>)&ServiceMain,
                };
                table[1] = default;

                // Blocks until the service reports SERVICE_STOPPED (or fails at once when the SCM did not start us).
                if (!NativeMethods.StartServiceCtrlDispatcher(table))
                {
                    var error = Marshal.GetLastPInvokeError();
                    throw error == NativeMethods.ErrorFailedServiceControllerConnect
                        ? new NotStartedAsServiceException(serviceName)
                        : new Win32Exception(error, $"StartServiceCtrlDispatcher({serviceName}) failed");
                }
            }

            session.Failure?.Throw();
            return session.ExitCode;
        }
        finally
        {
            Marshal.FreeHGlobal(name);
            lock (SessionGate)
            {
                _session = null;
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void ServiceMain(uint argumentCount, nint arguments)
    {
        var session = Volatile.Read(ref _session);
        try
        {
            session?.Main();
        }
        catch (Exception e)
        {
            // Nothing may unwind into advapi32; Run rethrows this once the dispatcher returns.
            session!.Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static uint Handler(uint control, uint eventType, nint eventData, nint context)
    {
        var session = Volatile.Read(ref _session);
        if (session is null)
        {
            return ServiceStatusMachine.ErrorCallNotImplemented;
        }

        try
        {
            return session.Control(control);
        }
        catch (Exception e)
        {
            session.Problem($"the control handler failed on control {control}: {e.Message}");
            return ServiceStatusMachine.NoError;
        }
    }

    /// <summary>One run of one service: the status machine, its SCM handle, the body and how it ended.</summary>
    private sealed class Session(string name, Func<CancellationToken, Task<int>> body, ServiceHostOptions options) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly ServiceStatusMachine _machine = new(options.StartWaitHint, options.StopWaitHint);
        private readonly CancellationTokenSource _stopping = new();
        private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private nint _statusHandle;
        private Task<int>? _run;

        public string Name => name;

        public int ExitCode { get; private set; }

        public ExceptionDispatchInfo? Failure { get; private set; }

        public unsafe void Main()
        {
            var handler = (nint)(delegate* unmanaged<uint, uint, nint, nint, uint>)&Handler;
            var statusHandle = NativeMethods.RegisterServiceCtrlHandlerEx(name, handler, 0);
            if (statusHandle == 0)
            {
                // Without a status handle nothing can be reported and the dispatcher would wait for ever: end the process.
                var error = new Win32Exception(Marshal.GetLastPInvokeError(), $"RegisterServiceCtrlHandlerEx({name}) failed");
                Problem(error.Message);
                Environment.Exit(options.FaultExitCode == 0 ? 1 : options.FaultExitCode);
                return;
            }

            lock (_gate)
            {
                _statusHandle = statusHandle;
                Report(_machine.Start());
                Report(_machine.Run());
            }

            var run = _run = Task.Run(() => body(_stopping.Token));
            var finished = Task.WaitAny(run, _stopRequested.Task) == 0;
            var timedOut = !finished && !WaitWhileStopping(run);
            ServiceStatusReport stopped;
            lock (_gate)
            {
                if (timedOut)
                {
                    Problem($"the service '{name}' did not stop within {options.StopTimeout.TotalSeconds:0.#} s of being asked; reporting it stopped");
                    ExitCode = options.FaultExitCode;
                    stopped = _machine.StopWithWin32Error(NativeMethods.ErrorTimeout);
                }
                else
                {
                    ExitCode = ExitCodeOf(run);
                    stopped = _machine.Stop(ExitCode);
                }

                // After SERVICE_STOPPED the process may be ended at any moment: nothing follows but returning.
                Report(stopped);
            }
        }

        public uint Control(uint control)
        {
            lock (_gate)
            {
                var decision = _machine.HandleControl(control);
                if (decision == ServiceControlDecision.BeginStop)
                {
                    try
                    {
                        options.OnStopRequested?.Invoke((ServiceControlCode)control);
                    }
                    catch (Exception e)
                    {
                        // A throwing observer must not keep the service from stopping.
                        options.OnProblem?.Invoke($"the stop observer failed: {e.Message}");
                    }

                    Report(_machine.Current);
                    _stopRequested.TrySetResult();

                    // Callbacks registered on the token run on the thread pool, not on the dispatcher thread.
                    _ = _stopping.CancelAsync();
                }

                return ServiceStatusMachine.HandlerReturnCode(decision);
            }
        }

        /// <summary>ServiceMain itself failed: remember why (Run rethrows it) and report the service stopped if it can.</summary>
        public void Fail(Exception e)
        {
            Failure = ExceptionDispatchInfo.Capture(e);
            Problem($"the service host failed: {e.Message}");
            lock (_gate)
            {
                ExitCode = options.FaultExitCode;
                if (_statusHandle != 0 && _machine.Current.State is ServiceState.StartPending or ServiceState.Running or ServiceState.StopPending)
                {
                    Report(_machine.Stop(ExitCode));
                }
            }
        }

        /// <summary>Disposes the token source unless a body that did not stop in time may still use its token.</summary>
        public void Dispose()
        {
            if (_run is null || _run.IsCompleted)
            {
                _stopping.Dispose();
            }
        }

        public void Problem(string message)
        {
            try
            {
                options.OnProblem?.Invoke(message);
            }
            catch (Exception)
            {
                // The sink is the last resort; a failing sink must not take the service down with it.
            }
        }

        /// <summary>Waits for the body after a stop request, one stop checkpoint per interval; false when the stop timeout passed first.</summary>
        private bool WaitWhileStopping(Task run)
        {
            var time = TimeProvider.System;
            var start = time.GetTimestamp();
            while (!run.Wait(options.StopCheckpointInterval))
            {
                if (time.GetElapsedTime(start) >= options.StopTimeout)
                {
                    return false;
                }

                lock (_gate)
                {
                    Report(_machine.Advance());
                }
            }

            return true;
        }

        private int ExitCodeOf(Task<int> run)
        {
            if (run.IsCompletedSuccessfully)
            {
                return run.Result;
            }

            if (run.IsCanceled && _stopping.IsCancellationRequested)
            {
                return 0; // The body honoured the stop by throwing OperationCanceledException: a clean stop.
            }

            var error = run.Exception?.GetBaseException();
            Problem($"the service '{name}' failed: {error?.Message}");
            return options.FaultExitCode;
        }

        private void Report(in ServiceStatusReport report)
        {
            var status = new NativeMethods.ServiceStatus
            {
                ServiceType = NativeMethods.ServiceWin32OwnProcess,
                CurrentState = (uint)report.State,
                ControlsAccepted = (uint)report.ControlsAccepted,
                Win32ExitCode = report.Win32ExitCode,
                ServiceSpecificExitCode = report.ServiceSpecificExitCode,
                CheckPoint = report.CheckPoint,
                WaitHint = report.WaitHintMilliseconds,
            };
            if (!NativeMethods.SetServiceStatus(_statusHandle, in status))
            {
                Problem(new Win32Exception(Marshal.GetLastPInvokeError(), $"SetServiceStatus({name}, {report.State}) failed").Message);
            }
        }
    }
}
