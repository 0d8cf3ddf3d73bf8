using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using Microsoft.Win32;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>
/// The desktop of the running Windows: GDI+ draws (flat API through LibraryImport: no System.Drawing, which is not
/// AOT-safe and not supported off Windows), user32 measures the screen and sets the wallpaper, and HKEY_USERS holds the
/// loaded profiles' settings. docs/windows-behaviour.md "Wallpaper" cites the Microsoft pages each call follows.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class LiveDesktop : IDesktop
{
    // GDI+'s own codec for BMP, found by MIME type among the installed encoders (the documented way to get an encoder's
    // CLSID: https://learn.microsoft.com/windows/win32/gdiplus/-gdiplus-retrieving-the-class-identifier-for-an-encoder-use).
    private const string BmpMimeType = "image/bmp";

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveDesktop() => LiveWindows.Guard("LiveDesktop");

    /// <inheritdoc/>
    public ScreenSize PrimaryScreen() =>
        ScreenSize.FromMeasured(NativeMethods.GetSystemMetrics(NativeMethods.SmCxScreen), NativeMethods.GetSystemMetrics(NativeMethods.SmCyScreen));

    /// <inheritdoc/>
    public ulong? PhysicalMemoryBytes()
    {
        var status = new NativeMethods.MemoryStatusEx { Length = (uint)Marshal.SizeOf<NativeMethods.MemoryStatusEx>() };
        return NativeMethods.GlobalMemoryStatusEx(ref status) && status.TotalPhys > 0 ? status.TotalPhys : null;
    }

    /// <inheritdoc/>
    public byte[] Render(WallpaperDrawing drawing)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        var (width, height) = (drawing.Size.Width, drawing.Size.Height);
        if (width is < 1 or > ScreenSize.MaxSide || height is < 1 or > ScreenSize.MaxSide)
        {
            throw new ArgumentOutOfRangeException(nameof(drawing), $"a {width}x{height} wallpaper is not drawn (each side 1 to {ScreenSize.MaxSide})");
        }

        // GDI+ writes the file; it is read back and removed, so the caller gets the bytes and publishes them atomically.
        var temporary = Path.Combine(Path.GetTempPath(), $"reseal-wallpaper-{Guid.NewGuid():N}.bmp");
        var input = new NativeMethods.GdiplusStartupInput { GdiplusVersion = 1 };
        Check(NativeMethods.GdiplusStartup(out var token, input, 0), "GdiplusStartup");
        try
        {
            try
            {
                DrawAndSave(drawing, width, height, temporary);
            }
            finally
            {
                NativeMethods.GdiplusShutdown(token);
            }

            return File.ReadAllBytes(temporary);
        }
        finally
        {
            // Also after a failed save, which may leave part of a file.
            File.Delete(temporary);
        }
    }

    private static void DrawAndSave(WallpaperDrawing drawing, int width, int height, string output)
    {
        nint bitmap = 0, graphics = 0, source = 0, attributes = 0, family = 0, font = 0, box = 0, text = 0;
        try
        {
            if (drawing.SourceImage is { } sourcePath)
            {
                // GdipLoadImageFromFile reads the header and keeps the file open; pixels are decoded when drawn, so the size
                // is checked before anything is decoded.
                var status = NativeMethods.GdipLoadImageFromFile(sourcePath, out source);
                if (status != NativeMethods.GpOk)
                {
                    throw new WallpaperImageException($"{sourcePath}: GDI+ cannot read it as an image ({StatusName(status)})");
                }

                Check(NativeMethods.GdipGetImageWidth(source, out var sourceWidth), "GdipGetImageWidth");
                Check(NativeMethods.GdipGetImageHeight(source, out var sourceHeight), "GdipGetImageHeight");
                if (sourceWidth is 0 or > ScreenSize.MaxSide || sourceHeight is 0 or > ScreenSize.MaxSide)
                {
                    throw new WallpaperImageException($"{sourcePath}: {sourceWidth}x{sourceHeight} pixels; refused (each side 1 to {ScreenSize.MaxSide})");
                }
            }

            Check(NativeMethods.GdipCreateBitmapFromScan0(width, height, 0, NativeMethods.PixelFormat24bppRgb, 0, out bitmap), "GdipCreateBitmapFromScan0");
            Check(NativeMethods.GdipGetImageGraphicsContext(bitmap, out graphics), "GdipGetImageGraphicsContext");
            Check(NativeMethods.GdipGraphicsClear(graphics, drawing.BackgroundArgb), "GdipGraphicsClear");
            if (source != 0)
            {
                DrawSource(drawing.SourceImage!, graphics, source, width, height, ref attributes);
            }

            if (drawing.Lines.Count > 0)
            {
                _ = NativeMethods.GdipSetTextRenderingHint(graphics, NativeMethods.TextRenderingHintAntiAliasGridFit);
                var emSize = Math.Max(12f, height / 54f);
                (family, font) = CreateFont(emSize);
                DrawText(drawing, graphics, font, width, height, emSize, ref box, ref text);
            }

            var encoder = EncoderFor(BmpMimeType);
            Check(NativeMethods.GdipSaveImageToFile(bitmap, output, encoder, 0), "GdipSaveImageToFile");
        }
        finally
        {
            Release(text, NativeMethods.GdipDeleteBrush);
            Release(box, NativeMethods.GdipDeleteBrush);
            Release(font, NativeMethods.GdipDeleteFont);
            Release(family, NativeMethods.GdipDeleteFontFamily);
            Release(graphics, NativeMethods.GdipDeleteGraphics);
            Release(attributes, NativeMethods.GdipDisposeImageAttributes);
            Release(source, NativeMethods.GdipDisposeImage);
            Release(bitmap, NativeMethods.GdipDisposeImage);
        }
    }

    // The source fills the screen keeping its proportions (the middle of it is kept, as the "Fill" style does), scaled
    // bicubically; the edges are mirrored (TileFlipXY) so scaling blends no outside colour into the border pixels.
    private static void DrawSource(string path, nint graphics, nint source, int width, int height, ref nint attributes)
    {
        Check(NativeMethods.GdipGetImageWidth(source, out var sourceWidth), "GdipGetImageWidth");
        Check(NativeMethods.GdipGetImageHeight(source, out var sourceHeight), "GdipGetImageHeight");
        var scale = Math.Max((double)width / sourceWidth, (double)height / sourceHeight);
        var cropWidth = (int)Math.Clamp(Math.Round(width / scale), 1, sourceWidth);
        var cropHeight = (int)Math.Clamp(Math.Round(height / scale), 1, sourceHeight);
        Check(NativeMethods.GdipSetInterpolationMode(graphics, NativeMethods.InterpolationModeHighQualityBicubic), "GdipSetInterpolationMode");
        Check(NativeMethods.GdipCreateImageAttributes(out attributes), "GdipCreateImageAttributes");
        Check(NativeMethods.GdipSetImageAttributesWrapMode(attributes, NativeMethods.WrapModeTileFlipXY, 0, 0), "GdipSetImageAttributesWrapMode");
        var status = NativeMethods.GdipDrawImageRectRectI(graphics, source, 0, 0, width, height,
            ((int)sourceWidth - cropWidth) / 2, ((int)sourceHeight - cropHeight) / 2, cropWidth, cropHeight, NativeMethods.UnitPixel, attributes, 0, 0);
        if (status != NativeMethods.GpOk)
        {
            // The header was readable but the pixels are not (a truncated or corrupt file).
            throw new WallpaperImageException($"{path}: GDI+ cannot decode its pixels ({StatusName(status)})");
        }
    }

    // The lines in a translucent box at the top right, where EC2Config and EC2Launch put the instance's facts (the
    // taskbar is at the bottom, desktop icons at the left).
    private static void DrawText(WallpaperDrawing drawing, nint graphics, nint font, int width, int height, float emSize, ref nint box, ref nint text)
    {
        var lineHeight = emSize * 1.35f;
        var margin = (int)Math.Ceiling(emSize);
        var unbounded = new NativeMethods.RectF { Width = width, Height = lineHeight * 2 };
        var textWidth = 0f;
        foreach (var line in drawing.Lines)
        {
            Check(NativeMethods.GdipMeasureString(graphics, line, line.Length, font, unbounded, 0, out var bounds, out _, out _), "GdipMeasureString");
            textWidth = Math.Max(textWidth, bounds.Width);
        }

        var boxWidth = (int)Math.Min(width - (2 * margin), Math.Ceiling(textWidth) + (2 * margin));
        var boxHeight = (int)Math.Min(height - (2 * margin), Math.Ceiling(lineHeight * drawing.Lines.Count) + (2 * margin));
        var left = width - margin - boxWidth;
        Check(NativeMethods.GdipCreateSolidFill(drawing.BoxArgb, out box), "GdipCreateSolidFill");
        Check(NativeMethods.GdipFillRectangleI(graphics, box, left, margin, boxWidth, boxHeight), "GdipFillRectangleI");
        Check(NativeMethods.GdipCreateSolidFill(drawing.TextArgb, out text), "GdipCreateSolidFill");
        for (var i = 0; i < drawing.Lines.Count; i++)
        {
            var layout = new NativeMethods.RectF
            {
                X = left + margin,
                Y = margin + margin + (i * lineHeight),
                Width = boxWidth - (2 * margin),
                Height = lineHeight,
            };
            if (layout.Y + lineHeight > height)
            {
                break;
            }

            var line = drawing.Lines[i];
            Check(NativeMethods.GdipDrawString(graphics, line, line.Length, font, layout, 0, text), "GdipDrawString");
        }
    }

    // Segoe UI is on every Windows since Vista, Tahoma and Arial on older ones; then GDI+'s generic sans serif; then the
    // first installed family that makes a font (a Server Core or Wine prefix without the Windows fonts: Wine finds the
    // host's fonts through fontconfig). Only a machine with no font at all gets no text, and says so.
    private static (nint Family, nint Font) CreateFont(float emSize)
    {
        foreach (var name in new[] { "Segoe UI", "Tahoma", "Arial" })
        {
            if (NativeMethods.GdipCreateFontFamilyFromName(name, 0, out var named) == NativeMethods.GpOk && TryFont(named, emSize) is { } font)
            {
                return (named, font);
            }
        }

        if (NativeMethods.GdipGetGenericFontFamilySansSerif(out var generic) == NativeMethods.GpOk && TryFont(generic, emSize) is { } genericFont)
        {
            return (generic, genericFont);
        }

        Check(NativeMethods.GdipNewInstalledFontCollection(out var installed), "GdipNewInstalledFontCollection");
        Check(NativeMethods.GdipGetFontCollectionFamilyCount(installed, out var count), "GdipGetFontCollectionFamilyCount");
        var families = new nint[Math.Clamp(count, 0, 4096)];
        Check(NativeMethods.GdipGetFontCollectionFamilyList(installed, families.Length, families, out var found), "GdipGetFontCollectionFamilyList");
        foreach (var family in families.AsSpan(0, Math.Clamp(found, 0, families.Length)))
        {
            // The collection owns its families: the one used is cloned, so it can be deleted like the others.
            if (NativeMethods.GdipCloneFontFamily(family, out var clone) == NativeMethods.GpOk)
            {
                // TryFont deletes the clone when no font can be made from it: deleting it here too would free it twice.
                if (TryFont(clone, emSize) is { } font)
                {
                    return (clone, font);
                }
            }
        }

        throw new IOException($"GDI+ finds no font to draw text with ({count} installed families, none usable)");
    }

    private static nint? TryFont(nint family, float emSize)
    {
        if (NativeMethods.GdipCreateFont(family, emSize, NativeMethods.FontStyleRegular, NativeMethods.UnitPixel, out var font) == NativeMethods.GpOk)
        {
            return font;
        }

        _ = NativeMethods.GdipDeleteFontFamily(family);
        return null;
    }

    private static Guid EncoderFor(string mimeType)
    {
        Check(NativeMethods.GdipGetImageEncodersSize(out var count, out var size), "GdipGetImageEncodersSize");
        if (count == 0 || size == 0 || size > 1 << 20)
        {
            throw new IOException($"GDI+ lists {count} image encoders in {size} bytes; none to save a {mimeType} with");
        }

        var buffer = Marshal.AllocHGlobal((int)size);
        try
        {
            Check(NativeMethods.GdipGetImageEncoders(count, size, buffer), "GdipGetImageEncoders");
            // ImageCodecInfo (gdiplusimaging.h): Clsid, FormatID, then five string pointers (CodecName, DllName,
            // FormatDescription, FilenameExtension, MimeType), four DWORDs and two byte pointers.
            var pointer = nint.Size;
            var stride = 32 + (5 * pointer) + 16 + (2 * pointer);
            for (var i = 0; i < count; i++)
            {
                var entry = buffer + (i * stride);
                var mime = Marshal.PtrToStringUni(Marshal.ReadIntPtr(entry, 32 + (4 * pointer)));
                if (string.Equals(mime, mimeType, StringComparison.OrdinalIgnoreCase))
                {
                    return Marshal.PtrToStructure<Guid>(entry);
                }
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }

        throw new IOException($"GDI+ has no {mimeType} encoder");
    }

    /// <inheritdoc/>
    public void PublishImage(string windowsPath, ReadOnlySpan<byte> image)
    {
        ArgumentException.ThrowIfNullOrEmpty(windowsPath);
        var path = Path.GetFullPath(Environment.ExpandEnvironmentVariables(windowsPath));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Created with its own descriptor (so it never carries the admin-only folder's), renamed over the old one.
        var security = ProtectedFile.Security(null);
        security.AddAccessRule(new FileSystemAccessRule(new SecurityIdentifier(WellKnownSidType.BuiltinUsersSid, null),
            FileSystemRights.ReadAndExecute | FileSystemRights.Synchronize, AccessControlType.Allow));
        AtomicFile.Write(path, image, new AtomicWriteOptions
        {
            CreateNew = temp => new FileInfo(temp).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.Synchronize,
                FileShare.None, 1 << 12, FileOptions.None, security),
        });
    }

    /// <inheritdoc/>
    public DesktopChange SetForInteractiveUser(string windowsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(windowsPath);
        if (!Environment.UserInteractive)
        {
            return new DesktopChange(false, "this process has no interactive desktop (a service in session 0); users get the image from their profile at logon");
        }

        var path = Path.GetFullPath(Environment.ExpandEnvironmentVariables(windowsPath));
        if (!NativeMethods.SystemParametersInfo(NativeMethods.SpiSetDeskWallpaper, 0, path, NativeMethods.SpifUpdateIniFile | NativeMethods.SpifSendChange))
        {
            return new DesktopChange(false, $"SystemParametersInfo(SPI_SETDESKWALLPAPER) failed: Win32 error {Marshal.GetLastPInvokeError()}");
        }

        return new DesktopChange(true, $"set on {Environment.UserName}'s desktop (SPI_SETDESKWALLPAPER)");
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> LoadedUserSids()
    {
        using var users = RegistryKey.OpenBaseKey(Microsoft.Win32.RegistryHive.Users, RegistryView.Registry64);
        return [.. users.GetSubKeyNames().Where(IsPersonSid).Order(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// True for a person's profile: a local or domain account (S-1-5-21-…) or an Entra ID one (S-1-12-1-…); not the
    /// service accounts (S-1-5-18/19/20), <c>.DEFAULT</c>, or the <c>_Classes</c> hives loaded beside each profile.
    /// </summary>
    public static bool IsPersonSid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return (name.StartsWith("S-1-5-21-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("S-1-12-1-", StringComparison.OrdinalIgnoreCase))
            && name.All(c => char.IsAsciiDigit(c) || c is '-' or 'S' or 's');
    }

    /// <inheritdoc/>
    public string? GetUserString(string sid, string keyPath, string name)
    {
        using var key = UserKey(sid, keyPath, writable: false);
        return key?.GetValue(name, null, RegistryValueOptions.DoNotExpandEnvironmentNames) as string;
    }

    /// <inheritdoc/>
    public void SetUserString(string sid, string keyPath, string name, string value)
    {
        using var key = UserKey(sid, keyPath, writable: true)!;
        key.SetValue(name, value, RegistryValueKind.String);
    }

    private static RegistryKey? UserKey(string sid, string keyPath, bool writable)
    {
        if (!IsPersonSid(sid))
        {
            throw new ArgumentException($"'{sid}' is not the SID of a person's loaded profile", nameof(sid));
        }

        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        using var users = RegistryKey.OpenBaseKey(Microsoft.Win32.RegistryHive.Users, RegistryView.Registry64);
        var path = sid + @"\" + keyPath;
        return writable ? users.CreateSubKey(path, writable: true) : users.OpenSubKey(path, writable: false);
    }

    private static void Check(int status, string function)
    {
        if (status != NativeMethods.GpOk)
        {
            throw new IOException($"GDI+ {function} failed: {StatusName(status)}");
        }
    }

    private static void Release(nint handle, Func<nint, int> release)
    {
        if (handle != 0)
        {
            _ = release(handle);
        }
    }

    // Status (gdiplustypes.h): https://learn.microsoft.com/windows/win32/api/gdiplustypes/ne-gdiplustypes-status
    private static string StatusName(int status) => status switch
    {
        1 => "GenericError",
        2 => "InvalidParameter",
        3 => "OutOfMemory (GDI+ says so of files it cannot decode)",
        6 => "NotImplemented",
        7 => "Win32Error",
        10 => "FileNotFound",
        11 => "ValueOverflow",
        12 => "AccessDenied",
        13 => "UnknownImageFormat",
        14 => "FontFamilyNotFound",
        18 => "GdiplusNotInitialized",
        _ => "status " + status.ToString(CultureInfo.InvariantCulture),
    };
}
