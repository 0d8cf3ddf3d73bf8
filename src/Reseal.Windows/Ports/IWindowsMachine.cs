namespace Reseal.Windows.Ports;

/// <summary>
/// One Windows machine, running or offline, as the ports the agent and the sealer use. Logic takes this and never asks
/// which implementation it has; an operation the implementation cannot do throws <see cref="PlatformNotSupportedException"/>
/// naming the operation, never pretends to succeed. What only some machines can do at all is an optional capability, a
/// port of its own that is null where it is absent (<see cref="OfflineTree"/>).
/// </summary>
public interface IWindowsMachine
{
    /// <summary>What this machine is, for messages ("offline Windows tree at /mnt/c", "this Windows machine").</summary>
    string Description { get; }

    /// <summary>The registry.</summary>
    IRegistry Registry { get; }

    /// <summary>The files.</summary>
    IWindowsFiles Files { get; }

    /// <summary>Running programs.</summary>
    IProcessRunner Processes { get; }

    /// <summary>Local accounts and profiles.</summary>
    ILocalAccounts Accounts { get; }

    /// <summary>Services.</summary>
    IServices Services { get; }

    /// <summary>Volumes.</summary>
    IVolumes Volumes { get; }

    /// <summary>The serial console.</summary>
    ISerialConsole SerialConsole { get; }

    /// <summary>Shutdown and restart.</summary>
    IPower Power { get; }

    /// <summary>System facts.</summary>
    ISystemInfo System { get; }

    /// <summary>
    /// The machine as a directory tree on this host, with its hive files (an offline Windows), or null when it is not one
    /// (a running Windows, an in-memory machine). An optional capability: ask for it instead of testing the type.
    /// </summary>
    IOfflineTree? OfflineTree { get; }

    /// <summary>
    /// The Event Log, or null where there is none to read (an offline tree). An optional capability with a default, so
    /// the machines that have no Event Log need no member for it.
    /// </summary>
    IEventLogReader? EventLogs => null;

    /// <summary>
    /// The machine's certificate store (LocalMachine\My). An offline tree throws <see cref="PlatformNotSupportedException"/>
    /// from each operation: its store and keys are only usable by the running Windows (keys are protected with its DPAPI).
    /// </summary>
    IMachineCertificates Certificates { get; }

    /// <summary>
    /// The network interfaces (addresses, routes, DNS, MTU, DHCP). Only a running Windows has any to change; the default
    /// refuses every call with the reason, so machines without a network stack need no member for it.
    /// </summary>
    INetworkInterfaces Network => new NoNetworkInterfaces(Description + " has no running network stack");

    /// <summary>
    /// The desktop: screen size, drawing a wallpaper, the loaded users' desktop settings. A machine that has none to
    /// draw on (an offline tree) refuses its operations with <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    IDesktop Desktop { get; }
}
