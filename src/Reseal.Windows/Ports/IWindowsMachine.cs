namespace Reseal.Windows.Ports;

/// <summary>
/// One Windows machine, running or offline, as the ports the agent and the sealer use. Logic takes this and never asks
/// which implementation it has; an operation the implementation cannot do throws <see cref="PlatformNotSupportedException"/>
/// naming the operation, never pretends to succeed.
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
}
