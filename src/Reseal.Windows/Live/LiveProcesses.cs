using System.Diagnostics;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>Runs programs with System.Diagnostics.Process; kills the tree at the time limit.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveProcesses : IProcessRunner
{
    private readonly TimeProvider _time;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveProcesses(TimeProvider? time = null)
    {
        LiveWindows.Guard("LiveProcesses");
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var info = StartInfo(request, capture: true);
        var started = _time.GetTimestamp();
        using var process = Process.Start(info) ?? throw new IOException($"could not start {request.FileName}");
        // Output is read in the background and the one deadline covers it too: a grandchild that inherits the pipes keeps
        // them open after the process ends, and reading them to their end would never finish.
        var stdout = OutputCapture.Start(process.StandardOutput);
        var stderr = OutputCapture.Start(process.StandardError);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(request.Timeout);
        var timedOut = false;
        try
        {
            if (request.StandardInput is not null)
            {
                await process.StandardInput.WriteAsync(request.StandardInput.AsMemory(), limit.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var remaining = timedOut ? TimeSpan.Zero : request.Timeout - _time.GetElapsedTime(started);
        if (!await OutputCapture.WaitAllAsync([stdout, stderr], remaining, _time, cancellationToken).ConfigureAwait(false))
        {
            // Past the deadline with the pipes still open: kill what is left of the tree, give the pipes a moment to
            // drain, then stop reading (disposing the process closes them) and keep what arrived.
            KillTree(process);
            timedOut = true;
            _ = await OutputCapture.WaitAllAsync([stdout, stderr], DrainAfterKill, _time, cancellationToken).ConfigureAwait(false);
        }

        return new ProcessOutcome(process.ExitCode, stdout.Text, stderr.Text, timedOut, _time.GetElapsedTime(started));
    }

    /// <inheritdoc/>
    public int StartDetached(ProcessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var process = Process.Start(StartInfo(request, capture: false)) ?? throw new IOException($"could not start {request.FileName}");
        return process.Id;
    }

    // The process to start: arguments passed one by one (quoted by .NET), working folder, environment; output
    // redirected only when it is captured.
    private static ProcessStartInfo StartInfo(ProcessRequest request, bool capture)
    {
        var info = new ProcessStartInfo(request.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = capture,
            RedirectStandardError = capture,
            RedirectStandardInput = capture && request.StandardInput is not null,
            CreateNoWindow = true,
        };
        foreach (var argument in request.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (request.WorkingDirectory is not null)
        {
            info.WorkingDirectory = request.WorkingDirectory;
        }

        foreach (var (name, value) in request.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return info;
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> FindRunning(string programFileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(programFileName);
        var name = Path.GetFileNameWithoutExtension(programFileName);
        var processes = Process.GetProcessesByName(name);
        try
        {
            return [.. processes.Select(p => p.Id).Order()];
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public bool? IsElevated
    {
        get
        {
            try
            {
                using var identity = System.Security.Principal.WindowsIdentity.GetCurrent();
                // A UAC-filtered token is not in the Administrators role: only an elevated (or SYSTEM) token is.
                return identity.IsSystem || new System.Security.Principal.WindowsPrincipal(identity).IsInRole(System.Security.Principal.WindowsBuiltInRole.Administrator);
            }
            catch (Exception e) when (e is System.Security.SecurityException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }

    /// <summary>How long the pipes may still drain once the tree is killed at the deadline.</summary>
    private static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(2);

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone, or part of the tree could not be killed: the deadline still ends the wait.
        }
    }
}
