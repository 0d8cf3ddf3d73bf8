namespace Reseal.Windows.Ports;

/// <summary>What to do to the machine.</summary>
public enum PowerAction
{
    /// <summary>Shut down and power off.</summary>
    Shutdown,

    /// <summary>Restart.</summary>
    Reboot,
}

/// <summary>Shutting down and restarting.</summary>
public interface IPower
{
    /// <summary>Asks Windows to shut down or restart after <paramref name="delay"/>, with a reason shown to users. Needs a running Windows.</summary>
    void Request(PowerAction action, TimeSpan delay, string reason);
}
