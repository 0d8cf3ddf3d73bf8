using Reseal.Windows.Events;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Service;

/// <summary>
/// What the SCM does when the service process dies (<c>SERVICE_CONFIG_FAILURE_ACTIONS</c>): restart after each delay in
/// turn (the last one repeats for later failures), counting failures from zero again after <see cref="ResetPeriod"/>
/// without one.
/// </summary>
/// <param name="RestartDelays">Delay before each restart, first failure first; empty: never restart.</param>
/// <param name="ResetPeriod">Failure-free time after which the count restarts; whole seconds.</param>
/// <param name="OnNonCrashFailures">
/// Also act when the service stops by itself with a non-zero exit code (<c>SERVICE_CONFIG_FAILURE_ACTIONS_FLAG</c>), not
/// only when the process dies. Off by default: an agent run that reports failure should not loop.
/// </param>
public sealed record ServiceRecovery(IReadOnlyList<TimeSpan> RestartDelays, TimeSpan ResetPeriod, bool OnNonCrashFailures = false)
{
    /// <summary>Restart after 5 s, then after 30 s (and 30 s for every later failure); reset after a day.</summary>
    public static ServiceRecovery Default { get; } = new([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)], TimeSpan.FromDays(1));

    /// <summary>Never restart.</summary>
    public static ServiceRecovery None { get; } = new([], TimeSpan.FromDays(1));

    /// <summary>Throws <see cref="ArgumentException"/> for a negative or oversized delay or period.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(RestartDelays);
        if (RestartDelays.Any(d => d < TimeSpan.Zero || d.TotalMilliseconds > uint.MaxValue))
        {
            throw new ArgumentException("restart delays must be between 0 and 2^32-1 milliseconds", nameof(RestartDelays));
        }

        if (ResetPeriod < TimeSpan.Zero || ResetPeriod.TotalSeconds > uint.MaxValue)
        {
            throw new ArgumentException("the reset period must be between 0 and 2^32-1 seconds", nameof(ResetPeriod));
        }
    }
}

/// <summary>
/// A Windows service to install: always its own process (<c>SERVICE_WIN32_OWN_PROCESS</c>) running as LocalSystem, with
/// <c>SERVICE_ERROR_NORMAL</c>. Installing is idempotent: an existing service of that name is reconfigured to match.
/// </summary>
public sealed record ServiceInstallSpec
{
    /// <summary>The name Reseal's agent service has.</summary>
    public const string ResealServiceName = "Reseal";

    /// <summary>The service (key) name, e.g. <c>Reseal</c>: 1–256 characters, no slash or backslash.</summary>
    public required string Name { get; init; }

    /// <summary>The name services.msc shows.</summary>
    public required string DisplayName { get; init; }

    /// <summary>The description services.msc shows; null or empty clears it.</summary>
    public string? Description { get; init; }

    /// <summary>The executable's full Windows path, e.g. <c>C:\Program Files\Reseal\reseal.exe</c> (quoted by the installer).</summary>
    public required string ExecutablePath { get; init; }

    /// <summary>Arguments after the executable, e.g. <c>agent</c>, <c>service</c>.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Automatic (default), Manual or Disabled; boot and system starts are for drivers.</summary>
    public ServiceStartMode StartMode { get; init; } = ServiceStartMode.Automatic;

    /// <summary>Delayed automatic start (about two minutes after boot). Off by default: the agent must start early.</summary>
    public bool DelayedAutoStart { get; init; }

    /// <summary>How long the SCM waits for the service at shutdown after SERVICE_CONTROL_PRESHUTDOWN. Default 60 s.</summary>
    public TimeSpan PreshutdownTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>What happens when the service fails; default <see cref="ServiceRecovery.Default"/>.</summary>
    public ServiceRecovery Recovery { get; init; } = ServiceRecovery.Default;

    /// <summary>
    /// Registers an Application event log source named like the service (see <see cref="EventLogSource"/>). Default true.
    /// </summary>
    public bool RegisterEventLogSource { get; init; } = true;

    /// <summary>The source's EventMessageFile; null chooses one with <see cref="EventLogSource.ChooseMessageFile"/>.</summary>
    public string? EventMessageFile { get; init; }

    /// <summary>The command line the SCM runs: the quoted executable and its arguments.</summary>
    public string CommandLine => ServiceCommandLine.Build(ExecutablePath, Arguments);

    /// <summary>Reseal's agent service: <c>"&lt;exe&gt;" agent service</c>, automatic start, restart on failure.</summary>
    public static ServiceInstallSpec ForReseal(string executablePath) => new()
    {
        Name = ResealServiceName,
        DisplayName = "Reseal agent",
        Description = "Brings each instance of a Reseal-sealed Windows image to life at boot: admin password, host name, volumes, " +
                      "activation, RDP certificate, user data (reseal agent run).",
        ExecutablePath = executablePath,
        Arguments = ["agent", "service"],
    };

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        ValidateName(Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(DisplayName);
        if (DisplayName.Length > 256)
        {
            throw new ArgumentException("a display name has at most 256 characters", nameof(DisplayName));
        }

        ServiceCommandLine.ValidateExecutablePath(ExecutablePath);
        ArgumentNullException.ThrowIfNull(Arguments);
        if (StartMode is not (ServiceStartMode.Automatic or ServiceStartMode.Manual or ServiceStartMode.Disabled))
        {
            throw new ArgumentException($"a Win32 service starts Automatic, Manual or Disabled, not {StartMode}", nameof(StartMode));
        }

        if (PreshutdownTimeout <= TimeSpan.Zero || PreshutdownTimeout.TotalMilliseconds > uint.MaxValue)
        {
            throw new ArgumentException("the preshutdown timeout must be positive and fit in 32-bit milliseconds", nameof(PreshutdownTimeout));
        }

        ArgumentNullException.ThrowIfNull(Recovery);
        Recovery.Validate();
        if (EventMessageFile is { } file && string.IsNullOrWhiteSpace(file))
        {
            throw new ArgumentException("an event message file path cannot be blank", nameof(EventMessageFile));
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the name is a valid service name (1–256 characters, no slash or backslash).</summary>
    public static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 256 || name.IndexOfAny(['/', '\\']) >= 0 || name.Any(char.IsControl))
        {
            throw new ArgumentException($"'{name}' is not a service name (1-256 characters, no slash, backslash or control character)", nameof(name));
        }
    }
}

/// <summary>What an install did.</summary>
/// <param name="Name">The service name.</param>
/// <param name="Created">True when the service was created; false when an existing one was reconfigured.</param>
/// <param name="CommandLine">The command line the SCM now runs.</param>
/// <param name="EventMessageFile">The event source's message file, or null when no source was registered.</param>
public sealed record ServiceInstallResult(string Name, bool Created, string CommandLine, string? EventMessageFile)
{
    /// <summary>One line for people.</summary>
    public string Message => $"service '{Name}' {(Created ? "installed" : "already installed; configuration updated")}: {CommandLine}";
}

/// <summary>What an uninstall did.</summary>
/// <param name="Name">The service name.</param>
/// <param name="WasInstalled">False when there was no such service (which is success).</param>
/// <param name="Removed">True when the service is gone, false when Windows only marked it for deletion (it still runs or a handle is open).</param>
/// <param name="Message">One line for people.</param>
public sealed record ServiceUninstallResult(string Name, bool WasInstalled, bool Removed, string Message);

/// <summary>Installs and removes a Windows service.</summary>
public interface IServiceInstaller
{
    /// <summary>Creates the service, or reconfigures it when it exists; never starts it. Needs an elevated administrator.</summary>
    ServiceInstallResult Install(ServiceInstallSpec spec);

    /// <summary>Stops the service (bounded wait) and deletes it; a service that is not installed is success.</summary>
    ServiceUninstallResult Uninstall(string name);
}
