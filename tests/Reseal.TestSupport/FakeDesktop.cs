using System.Collections.Concurrent;
using Reseal.Windows.Ports;

namespace Reseal.TestSupport;

/// <summary>
/// The in-memory machine's desktop: it records what it is asked to draw and returns a real BMP of the requested size in
/// the background colour (the text is drawn only by the live GDI+ renderer, tested under Wine); it refuses a source
/// image as GDI+ would (missing, or not starting with an image signature). Published images land in the machine's files,
/// loaded profiles' values in a dictionary per SID.
/// </summary>
public sealed class FakeDesktop(FakeFiles files) : IDesktop
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _users = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What <see cref="PrimaryScreen"/> reports.</summary>
    public ScreenSize Screen { get; set; } = new(1024, 768, true);

    /// <summary>What <see cref="PhysicalMemoryBytes"/> reports.</summary>
    public ulong? MemoryBytes { get; set; } = 8UL * 1024 * 1024 * 1024;

    /// <summary>True when this process has an interactive desktop (SetForInteractiveUser applies).</summary>
    public bool Interactive { get; set; }

    /// <summary>The interactive user's wallpaper, as SetForInteractiveUser left it.</summary>
    public string? InteractiveWallpaper { get; private set; }

    /// <summary>Thrown by <see cref="Render"/> when set (a source image whose pixels GDI+ cannot decode, say).</summary>
    public Exception? RenderFailure { get; set; }

    /// <summary>Every drawing asked for, in order.</summary>
    public ConcurrentQueue<WallpaperDrawing> Drawings { get; } = new();

    /// <summary>Every path published to, in order.</summary>
    public ConcurrentQueue<string> Published { get; } = new();

    /// <summary>Loads a profile under HKEY_USERS (with no values).</summary>
    public void LoadUser(string sid) => _users.TryAdd(sid, new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    /// <inheritdoc/>
    public ScreenSize PrimaryScreen() => Screen;

    /// <inheritdoc/>
    public ulong? PhysicalMemoryBytes() => MemoryBytes;

    /// <inheritdoc/>
    public byte[] Render(WallpaperDrawing drawing)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        Drawings.Enqueue(drawing);
        if (RenderFailure is not null)
        {
            throw RenderFailure;
        }

        if (drawing.SourceImage is { } source)
        {
            if (!files.FileExists(source))
            {
                throw new WallpaperImageException($"{source}: GDI+ cannot read it as an image (FileNotFound)");
            }

            var head = files.ReadAllBytes(source).AsSpan();
            if (!(head.StartsWith("BM"u8) || head.StartsWith([(byte)0x89, (byte)'P', (byte)'N', (byte)'G']) || head.StartsWith("GIF8"u8) || head.StartsWith([(byte)0xFF, (byte)0xD8])))
            {
                throw new WallpaperImageException($"{source}: GDI+ cannot read it as an image (OutOfMemory)");
            }
        }

        return BmpImage.Solid(drawing.Size.Width, drawing.Size.Height, drawing.BackgroundArgb & 0xFFFFFF).ToBytes();
    }

    /// <inheritdoc/>
    public void PublishImage(string windowsPath, ReadOnlySpan<byte> image)
    {
        Published.Enqueue(files.Expand(windowsPath));
        files.WriteAllBytes(windowsPath, image);
    }

    /// <inheritdoc/>
    public DesktopChange SetForInteractiveUser(string windowsPath)
    {
        if (!Interactive)
        {
            return new DesktopChange(false, "no interactive desktop (in-memory machine)");
        }

        InteractiveWallpaper = files.Expand(windowsPath);
        return new DesktopChange(true, "set on the in-memory user's desktop");
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> LoadedUserSids() => [.. _users.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <inheritdoc/>
    public string? GetUserString(string sid, string keyPath, string name) =>
        _users.TryGetValue(sid, out var values) && values.TryGetValue(keyPath + "!" + name, out var value) ? value : null;

    /// <inheritdoc/>
    public void SetUserString(string sid, string keyPath, string name, string value)
    {
        if (!_users.TryGetValue(sid, out var values))
        {
            throw new InvalidOperationException($@"HKEY_USERS\{sid} is not loaded");
        }

        values[keyPath + "!" + name] = value;
    }
}
