using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Agent.Boot.Host;

/// <summary>
/// Where Windows Setup is, as far as the agent can tell on a running machine (docs/windows-behaviour.md, "First boot"):
/// <c>Setup\State!ImageState</c>, <c>HKLM\SYSTEM\Setup</c>'s SystemSetupInProgress, OOBEInProgress and SetupType, and
/// whether <c>windeploy.exe</c> (the Setup program that runs SetupComplete.cmd) is still running.
/// </summary>
/// <param name="ImageState">ImageState.</param>
/// <param name="ImageStateText">ImageState as written, or null when absent.</param>
/// <param name="SystemSetupInProgress">HKLM\SYSTEM\Setup!SystemSetupInProgress, or null when absent.</param>
/// <param name="OobeInProgress">HKLM\SYSTEM\Setup!OOBEInProgress, or null when absent.</param>
/// <param name="SetupType">HKLM\SYSTEM\Setup!SetupType, or null when absent.</param>
/// <param name="WindeployRunning">True when windeploy.exe runs; null when the process list cannot be read.</param>
public sealed record SetupProgress(ImageState ImageState, string? ImageStateText, uint? SystemSetupInProgress, uint? OobeInProgress, uint? SetupType, bool? WindeployRunning)
{
    /// <summary>The program that runs SetupComplete.cmd at the end of Setup.</summary>
    public const string WindeployProgram = "windeploy.exe";

    /// <summary>True while Setup still configures the image (a pass is running or to come): nothing of the agent may run.</summary>
    public bool Configuring => ImageState is ImageState.Undeployable or ImageState.SpecializeResealToOobe or ImageState.GeneralizeResealToOobe;

    /// <summary>
    /// True while Setup has not handed the machine over: a pass is running, the Setup flags are set, or windeploy.exe
    /// (hence SetupComplete.cmd) is still running. Nothing may restart the machine then.
    /// </summary>
    public bool InsideSetup => Configuring || SystemSetupInProgress == 1 || OobeInProgress == 1 || WindeployRunning == true;

    /// <summary>One line for logs: every value read.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"ImageState={ImageStateText ?? "(absent)"} SystemSetupInProgress={Show(SystemSetupInProgress)} OOBEInProgress={Show(OobeInProgress)} SetupType={Show(SetupType)} windeploy.exe={(WindeployRunning switch { true => "running", false => "not running", null => "unknown" })}");

    /// <summary>Reads the values from a running machine; what cannot be read is null (never an exception).</summary>
    public static SetupProgress Read(IWindowsMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        (ImageState State, string? Raw) image;
        try
        {
            image = machine.System.GetImageState();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException)
        {
            image = (ImageState.Unknown, null);
        }

        uint? DWord(string name)
        {
            try
            {
                return machine.Registry.GetValue(RegistryHive.System, "Setup", name)?.AsDWord();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException or InvalidOperationException)
            {
                return null;
            }
        }

        bool? windeploy;
        try
        {
            windeploy = machine.Processes.FindRunning(WindeployProgram).Count > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException or System.ComponentModel.Win32Exception)
        {
            windeploy = null;
        }

        return new SetupProgress(image.State, image.Raw, DWord("SystemSetupInProgress"), DWord("OOBEInProgress"), DWord("SetupType"), windeploy);
    }

    private static string Show(uint? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}

/// <summary>
/// What SetupComplete.cmd's line (<c>reseal agent setup-complete</c>) leaves for the service: "Setup reached SetupComplete
/// in the boot that started at <see cref="BootTime"/>". Kept as <c>setup-complete.json</c> in the state folder.
/// </summary>
/// <param name="BootTime">When this boot started (clock time minus uptime, as the writer saw it).</param>
/// <param name="WrittenAt">When it was written.</param>
/// <param name="UptimeMilliseconds">The machine's uptime when it was written.</param>
/// <param name="ProcessId">The writer's process id.</param>
public sealed record SetupHandOverMarker(DateTimeOffset BootTime, DateTimeOffset WrittenAt, long UptimeMilliseconds, int ProcessId)
{
    /// <summary>The file's name in the state folder.</summary>
    public const string FileName = AgentStateFiles.SetupHandOverMarker;

    /// <summary>How far two computations of one boot's start may differ (clock steps, rounding) and still name the same boot.</summary>
    public static readonly TimeSpan SameBootTolerance = TimeSpan.FromMinutes(5);

    /// <summary>True when the marker names the boot that started at <paramref name="bootTime"/>.</summary>
    public bool IsFromBoot(DateTimeOffset bootTime) => (BootTime - bootTime).Duration() <= SameBootTolerance;

    /// <summary>The JSON written.</summary>
    public string ToJson() => new JsonObject
    {
        ["type"] = "ResealSetupHandOver",
        ["bootTime"] = BootTime.ToString("O", CultureInfo.InvariantCulture),
        ["writtenAt"] = WrittenAt.ToString("O", CultureInfo.InvariantCulture),
        ["uptimeMs"] = UptimeMilliseconds,
        ["processId"] = ProcessId,
    }.ToJsonString();

    /// <summary>Reads the marker in <paramref name="stateDirectory"/>; null when absent or not a marker (never an exception for bad content).</summary>
    public static SetupHandOverMarker? Read(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 4096)
            {
                return null;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            DateTimeOffset? Time(string name) =>
                root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
            long Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;
            return Time("bootTime") is { } boot && Time("writtenAt") is { } written
                ? new SetupHandOverMarker(boot, written, Number("uptimeMs"), (int)Math.Clamp(Number("processId"), 0, int.MaxValue))
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes it atomically into <paramref name="stateDirectory"/> (created when missing).</summary>
    public void Write(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        AtomicFile.WriteText(Path.Combine(stateDirectory, FileName), ToJson());
    }
}

/// <summary>The time limits of the first-boot hand-over. Every wait has one.</summary>
public sealed record HandOverSettings
{
    /// <summary>
    /// How long the service waits, once ImageState says Setup's passes are done, for SetupComplete.cmd's hand-over
    /// marker when the image has the hook (default 5 min). Past it (SetupComplete.cmd can be disabled, e.g. with OEM
    /// product keys) the agent runs without it.
    /// </summary>
    public TimeSpan MarkerWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the service waits for the Setup flags to clear and windeploy.exe to end (default 30 min). Past it the
    /// agent runs, but never restarts the machine in that run.
    /// </summary>
    public TimeSpan FinishWait { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long SetupComplete.cmd's command may wait for the service to start (default 20 s).</summary>
    public TimeSpan ServiceStartTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The defaults.</summary>
    public static HandOverSettings Default { get; } = new();
}

/// <summary>Why and when the service let the agent run.</summary>
/// <param name="Notes">What the wait saw, one line each, for agent.log.</param>
/// <param name="HandedOver">True when SetupComplete.cmd's marker for this boot was found.</param>
/// <param name="StillInsideSetup">True when a time limit ran out while Setup still ran: the run must not restart the machine.</param>
public sealed record SetupWaitOutcome(IReadOnlyList<string> Notes, bool HandedOver, bool StillInsideSetup);

/// <summary>
/// The first-boot hand-over between Windows Setup and the agent (docs/windows-behaviour.md, "First boot"). SetupComplete.cmd
/// runs before the logon screen and must not restart the machine, so its line only records "Setup reached SetupComplete
/// in this boot" and makes sure the service runs (<see cref="RecordAsync"/>, seconds, no reboot); the service waits until
/// Setup has really finished (<see cref="WaitForSetupAsync"/>) and runs the agent once per boot, the only place where a
/// task may restart the machine.
/// </summary>
public static class SetupHandOver
{
    /// <summary>
    /// SetupComplete.cmd's command: writes the marker and starts the service when it is installed and not running. Never
    /// runs a task, never restarts the machine; each step is bounded. Returns what it did, one line each.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RecordAsync(IWindowsMachine machine, AgentPaths paths, TimeProvider time, TimeSpan uptime,
        HandOverSettings? settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(time);
        settings ??= HandOverSettings.Default;
        var lines = new List<string>();
        var now = time.GetUtcNow();
        try
        {
            new SetupHandOverMarker(now - uptime, now, (long)uptime.TotalMilliseconds, Environment.ProcessId).Write(paths.StateDirectory);
            lines.Add($"recorded the hand-over for this boot in {Path.Combine(paths.StateDirectory, SetupHandOverMarker.FileName)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The service still runs the agent once its wait for the marker ends.
            lines.Add($"could not record the hand-over ({e.Message}); the service runs the agent once its wait ends");
        }

        const string name = ServiceInstallSpec.ResealServiceName;
        ServiceInfo? service;
        try
        {
            service = machine.Services.Find(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException or System.ComponentModel.Win32Exception)
        {
            lines.Add($"could not read the service '{name}': {e.Message}");
            return lines;
        }

        if (service is null)
        {
            lines.Add($"the service '{name}' is not installed: nothing runs the agent at this boot (install it with 'reseal agent install' before sealing)");
            return lines;
        }

        if (service.StartMode == ServiceStartMode.Disabled)
        {
            lines.Add($"the service '{name}' is disabled: nothing runs the agent at this boot");
            return lines;
        }

        if (service.State is ServiceRunState.Running or ServiceRunState.StartPending)
        {
            lines.Add($"the service '{name}' is running: it runs the agent once Setup has finished");
            return lines;
        }

        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(settings.ServiceStartTimeout);
            await machine.Services.StartAsync(name, settings.ServiceStartTimeout, limit.Token).ConfigureAwait(false);
            lines.Add($"started the service '{name}': it runs the agent once Setup has finished");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException
            or System.ComponentModel.Win32Exception or OperationCanceledException or TimeoutException)
        {
            lines.Add($"could not start the service '{name}' within {settings.ServiceStartTimeout.TotalSeconds:0} s: {e.Message}");
        }

        return lines;
    }

    /// <summary>
    /// The service's wait at each boot: while Setup's passes run (ImageState UNDEPLOYABLE, GENERALIZE/SPECIALIZE_RESEAL_TO_OOBE)
    /// it prints <c>Windows is being configured. SysprepState=…</c> once and waits without limit, as EC2Launch v2 does; then,
    /// bounded by <see cref="HandOverSettings.FinishWait"/>, until the Setup flags are clear and windeploy.exe has ended; and
    /// in a boot where Setup ran (or the seal journal says this is the image's first boot) with the hook installed, bounded by
    /// <see cref="HandOverSettings.MarkerWait"/>, for SetupComplete.cmd's marker of this boot.
    /// </summary>
    public static async Task<SetupWaitOutcome> WaitForSetupAsync(IWindowsMachine machine, AgentPaths paths, TimeProvider time, TimeSpan uptime,
        TimeSpan pollInterval, HandOverSettings? settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(time);
        settings ??= HandOverSettings.Default;
        var bootTime = time.GetUtcNow() - uptime;
        var notes = new List<string>();
        var markerAtStart = ReadMarkerText(paths);
        var firstBoot = Exists(machine.Files, SealPaths.Journal);
        var hookInstalled = HookInstalled(machine.Files);
        var setupBoot = false;
        var announced = false;
        DateTimeOffset? doneSince = null;
        while (true)
        {
            var progress = SetupProgress.Read(machine);
            if (progress.Configuring)
            {
                setupBoot = true;
                if (!announced)
                {
                    announced = true;
                    notes.Add("Setup is configuring Windows: " + progress.Describe());
                    await AnnounceAsync(machine, time, progress.ImageStateText ?? progress.ImageState.ToString(), cancellationToken).ConfigureAwait(false);
                }

                doneSince = null;
                await Task.Delay(pollInterval, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var now = time.GetUtcNow();
            doneSince ??= now;
            var expectMarker = (setupBoot || firstBoot) && hookInstalled;
            var marker = expectMarker ? FreshMarker(paths, bootTime, markerAtStart) : null;
            var finishing = progress.SystemSetupInProgress == 1 || progress.OobeInProgress == 1 || progress.WindeployRunning == true
                || ((setupBoot || firstBoot) && progress.SetupType is > 0);
            var markerMissing = expectMarker && marker is null;
            if (!finishing && !markerMissing)
            {
                notes.Add((setupBoot || firstBoot ? "Setup has finished: " : "no Setup in this boot: ") + progress.Describe()
                    + (marker is not null ? $"; SetupComplete.cmd handed over at {marker.WrittenAt.ToString("O", CultureInfo.InvariantCulture)}" : ""));
                return new SetupWaitOutcome(notes, marker is not null, false);
            }

            var waited = now - doneSince.Value;
            if (finishing && waited >= settings.FinishWait)
            {
                notes.Add($"Setup still runs after {waited.TotalMinutes:0} min ({progress.Describe()}): the agent runs now, and does not restart the machine in this run");
                return new SetupWaitOutcome(notes, marker is not null, progress.InsideSetup || progress.SetupType is > 0);
            }

            if (!finishing && markerMissing && waited >= settings.MarkerWait)
            {
                notes.Add($"SetupComplete.cmd did not hand over within {settings.MarkerWait.TotalMinutes:0.#} min (it may be disabled, e.g. by an OEM product key): the agent runs without it; {progress.Describe()}");
                return new SetupWaitOutcome(notes, false, false);
            }

            await Task.Delay(pollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when SetupComplete.cmd has the agent's hook line (the current one or the one of earlier versions).</summary>
    public static bool HookInstalled(IWindowsFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        try
        {
            if (!files.FileExists(SealPaths.SetupComplete))
            {
                return false;
            }

            var text = ScriptText.DecodeScript(files.ReadAllBytes(SealPaths.SetupComplete));
            return text.Split('\n').Any(SealPaths.IsFirstBootHook);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    private static bool Exists(IWindowsFiles files, string path)
    {
        try
        {
            return files.FileExists(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    private static string? ReadMarkerText(AgentPaths paths)
    {
        try
        {
            var path = Path.Combine(paths.StateDirectory, SetupHandOverMarker.FileName);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // A marker of this boot: its boot time is this boot's, or it appeared (or changed) while the service watched. A marker
    // an image carried from an earlier Setup is neither.
    private static SetupHandOverMarker? FreshMarker(AgentPaths paths, DateTimeOffset bootTime, string? atStart)
    {
        if (SetupHandOverMarker.Read(paths.StateDirectory) is not { } marker)
        {
            return null;
        }

        return marker.IsFromBoot(bootTime) || !string.Equals(ReadMarkerText(paths), atStart, StringComparison.Ordinal) ? marker : null;
    }

    private static async Task AnnounceAsync(IWindowsMachine machine, TimeProvider time, string state, CancellationToken cancellationToken)
    {
        try
        {
            await machine.SerialConsole.WriteLineAsync(ConsoleOutput.ConsoleLines.Format(time, ConsoleOutput.ConsoleLines.BeingConfigured(state)).TrimEnd('\r', '\n'),
                cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), time, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The console is best effort while waiting.
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
        }
        finally
        {
            ReleaseConsole(machine);
        }
    }

    // The wait for Setup can last long: COM1 is not held meanwhile (the run opens it again for its own lines).
    private static void ReleaseConsole(IWindowsMachine machine)
    {
        try
        {
            machine.SerialConsole.Close();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort, as the line itself.
        }
    }
}
