namespace Reseal.Windows.Ports;

/// <summary>The primary screen's size in pixels.</summary>
/// <param name="Width">Width in pixels (at least 1).</param>
/// <param name="Height">Height in pixels (at least 1).</param>
/// <param name="Measured">False when the machine gave no size and <see cref="Default"/> stands in for it.</param>
public readonly record struct ScreenSize(int Width, int Height, bool Measured)
{
    /// <summary>The size used when the machine has no display to measure (a service's session, a headless VM): 1920×1080.</summary>
    public static ScreenSize Default { get; } = new(1920, 1080, false);

    /// <summary>The largest side accepted from the machine; a reported size above it (or below 1) is not trusted.</summary>
    public const int MaxSide = 16384;

    /// <summary>The measured size, or <see cref="Default"/> when either side is out of 1..<see cref="MaxSide"/>.</summary>
    public static ScreenSize FromMeasured(int width, int height) =>
        width is >= 1 and <= MaxSide && height is >= 1 and <= MaxSide ? new(width, height, true) : Default;

    /// <inheritdoc/>
    public override string ToString() => $"{Width}x{Height}" + (Measured ? "" : " (default: no screen to measure)");
}

/// <summary>
/// What to draw for <see cref="IDesktop.Render"/>: the source image scaled to the screen (or a plain background), and
/// the text lines in a box at the top right.
/// </summary>
public sealed record WallpaperDrawing
{
    /// <summary>The image to draw on (Windows path, already checked by the caller), or null for a plain background.</summary>
    public string? SourceImage { get; init; }

    /// <summary>The size of the image made: the screen's.</summary>
    public required ScreenSize Size { get; init; }

    /// <summary>The text, one entry per line (already free of control characters and bounded by the caller).</summary>
    public required IReadOnlyList<string> Lines { get; init; }

    /// <summary>The plain background (and what shows around a source image of another aspect), as 0xAARRGGBB.</summary>
    public uint BackgroundArgb { get; init; } = 0xFF1E3A5F;

    /// <summary>The text colour, as 0xAARRGGBB.</summary>
    public uint TextArgb { get; init; } = 0xFFFFFFFF;

    /// <summary>The box behind the text (translucent, so the text reads on any image), as 0xAARRGGBB.</summary>
    public uint BoxArgb { get; init; } = 0xA0000000;
}

/// <summary>
/// The source image cannot be drawn: missing, not an image the Windows imaging codecs read, or larger than the limits.
/// The message names the file and what was wrong.
/// </summary>
public sealed class WallpaperImageException : Exception
{
    /// <summary>An image problem.</summary>
    public WallpaperImageException(string message)
        : base(message)
    {
    }

    /// <summary>An image problem with its cause.</summary>
    public WallpaperImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Not used (the message is required).</summary>
    public WallpaperImageException()
        : base("the wallpaper image cannot be drawn")
    {
    }
}

/// <summary>What <see cref="IDesktop.SetForInteractiveUser"/> did.</summary>
/// <param name="Applied">True when the desktop of the user this process runs as was changed now.</param>
/// <param name="Detail">What happened, or why nothing was (no interactive desktop: a service in session 0).</param>
public sealed record DesktopChange(bool Applied, string Detail);

/// <summary>
/// The desktop: the screen, drawing a wallpaper with the Windows graphics API, putting the image where every user can
/// read it, and the per-user desktop settings of the user profiles Windows has loaded (<c>HKEY_USERS\&lt;SID&gt;</c>). The
/// default profile's settings (for users not created yet) are a hive file edited through <see cref="IWindowsFiles"/>,
/// not a port of their own.
/// </summary>
public interface IDesktop
{
    /// <summary>The primary screen's size, or <see cref="ScreenSize.Default"/> when there is none to measure.</summary>
    ScreenSize PrimaryScreen();

    /// <summary>The machine's installed physical memory in bytes, or null when it cannot be told.</summary>
    ulong? PhysicalMemoryBytes();

    /// <summary>
    /// Draws <paramref name="drawing"/> and returns the image as a BMP file's bytes (24 bits per pixel,
    /// <see cref="WallpaperDrawing.Size"/> large). Throws <see cref="WallpaperImageException"/> when the source image
    /// cannot be read or decoded, and <see cref="PlatformNotSupportedException"/> where nothing can be drawn (an offline tree).
    /// </summary>
    byte[] Render(WallpaperDrawing drawing);

    /// <summary>
    /// Writes the image atomically at <paramref name="windowsPath"/> so that every user can read it and only SYSTEM and
    /// Administrators can change it (Reseal's folder is otherwise theirs alone; a desktop whose image its user cannot read
    /// shows black).
    /// </summary>
    void PublishImage(string windowsPath, ReadOnlySpan<byte> image);

    /// <summary>
    /// Makes <paramref name="windowsPath"/> the wallpaper of the user this process runs as, now and in their profile
    /// (SystemParametersInfo SPI_SETDESKWALLPAPER with SPIF_UPDATEINIFILE | SPIF_SENDCHANGE), when this process has an
    /// interactive desktop; otherwise changes nothing and says why.
    /// </summary>
    DesktopChange SetForInteractiveUser(string windowsPath);

    /// <summary>The SIDs of the user profiles loaded under <c>HKEY_USERS</c> (people's, not the service accounts'), sorted.</summary>
    IReadOnlyList<string> LoadedUserSids();

    /// <summary>A string value under <c>HKEY_USERS\&lt;sid&gt;\&lt;keyPath&gt;</c>, or null when absent or not a string.</summary>
    string? GetUserString(string sid, string keyPath, string name);

    /// <summary>Sets a REG_SZ value under <c>HKEY_USERS\&lt;sid&gt;\&lt;keyPath&gt;</c>, creating the key.</summary>
    void SetUserString(string sid, string keyPath, string name, string value);
}
