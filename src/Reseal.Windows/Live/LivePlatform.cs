using System.Runtime.InteropServices;

namespace Reseal.Windows.Live;

/// <summary>The off-Windows guard every Live entry point calls first.</summary>
internal static class LivePlatform
{
    internal static PlatformNotSupportedException NotWindows(string what) =>
        new($"{what} needs Windows; this is {RuntimeInformation.OSDescription}. Off Windows, inspect an offline tree instead (OfflineWindows)");

    internal static void Guard(string what)
    {
        if (!OperatingSystem.IsWindows())
        {
            throw NotWindows(what);
        }
    }
}
