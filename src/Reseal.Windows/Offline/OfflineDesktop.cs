using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// An offline tree's desktop: there is no screen, no graphics subsystem to draw with and no logged-on user, so drawing,
/// publishing and setting a wallpaper are refused with the reason; no profile is loaded, so <see cref="LoadedUserSids"/>
/// is empty. (The default profile's hive is a file in the tree, which the caller edits through the files port.)
/// </summary>
public sealed class OfflineDesktop : IDesktop
{
    private const string Hint = "the wallpaper is drawn with GDI+ and set by the agent when the image boots";

    /// <inheritdoc/>
    public ScreenSize PrimaryScreen() => ScreenSize.Default;

    /// <inheritdoc/>
    public ulong? PhysicalMemoryBytes() => null;

    /// <inheritdoc/>
    public byte[] Render(WallpaperDrawing drawing) => throw OfflineWindows.NeedsRunningWindows("drawing a wallpaper", Hint);

    /// <inheritdoc/>
    public void PublishImage(string windowsPath, ReadOnlySpan<byte> image) => throw OfflineWindows.NeedsRunningWindows("publishing a wallpaper", Hint);

    /// <inheritdoc/>
    public DesktopChange SetForInteractiveUser(string windowsPath) => throw OfflineWindows.NeedsRunningWindows("setting the desktop wallpaper", Hint);

    /// <inheritdoc/>
    public IReadOnlyList<string> LoadedUserSids() => [];

    /// <inheritdoc/>
    public string? GetUserString(string sid, string keyPath, string name) =>
        throw OfflineWindows.NeedsRunningWindows($@"reading HKEY_USERS\{sid}", "no profile is loaded in an offline tree");

    /// <inheritdoc/>
    public void SetUserString(string sid, string keyPath, string name, string value) =>
        throw OfflineWindows.NeedsRunningWindows($@"writing HKEY_USERS\{sid}", "no profile is loaded in an offline tree");
}
