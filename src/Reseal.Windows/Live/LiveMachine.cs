using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>Gives the machine Reseal runs on. Only Windows has one; elsewhere this throws <see cref="PlatformNotSupportedException"/>.</summary>
public static class LiveMachine
{
    /// <summary>The running Windows, or <see cref="PlatformNotSupportedException"/> off Windows.</summary>
    public static IWindowsMachine Create()
    {
        if (!OperatingSystem.IsWindows())
        {
            throw LivePlatform.NotWindows("LiveMachine.Create");
        }

        return new LiveWindows();
    }
}
