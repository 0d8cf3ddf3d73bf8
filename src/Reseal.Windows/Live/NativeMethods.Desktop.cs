using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Reseal.Windows.Live;

/// <summary>
/// The desktop's Win32 calls: the GDI+ flat API (gdiplus.dll, the functions the GDI+ C++ classes wrap,
/// https://learn.microsoft.com/windows/win32/gdiplus/-gdiplus-flatapi-flat), GetSystemMetrics and SystemParametersInfo
/// (user32.dll), GlobalMemoryStatusEx (kernel32.dll). Every GDI+ function returns a GpStatus (0 is Ok).
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class NativeMethods
{
    public const int GpOk = 0;
    public const int PixelFormat24bppRgb = 0x00021808;
    public const int UnitPixel = 2;
    public const int FontStyleRegular = 0;
    public const int InterpolationModeHighQualityBicubic = 7;
    public const int TextRenderingHintAntiAliasGridFit = 3;
    public const int SmCxScreen = 0;
    public const int SmCyScreen = 1;
    public const uint SpiSetDeskWallpaper = 0x0014;
    public const uint SpifUpdateIniFile = 0x01;
    public const uint SpifSendChange = 0x02;

    /// <summary>GdiplusStartupInput (gdiplusinit.h): version 1, no debug callback, GDI+'s own background thread, its codecs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GdiplusStartupInput
    {
        public uint GdiplusVersion;
        public nint DebugEventCallback;
        public int SuppressBackgroundThread;
        public int SuppressExternalCodecs;
    }

    /// <summary>RectF (gdiplustypes.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RectF
    {
        public float X;
        public float Y;
        public float Width;
        public float Height;
    }

    /// <summary>MEMORYSTATUSEX (sysinfoapi.h); <see cref="Length"/> must be set to its size before the call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MemoryStatusEx
    {
        public uint Length;
        public uint MemoryLoad;
        public ulong TotalPhys;
        public ulong AvailPhys;
        public ulong TotalPageFile;
        public ulong AvailPageFile;
        public ulong TotalVirtual;
        public ulong AvailVirtual;
        public ulong AvailExtendedVirtual;
    }

    [LibraryImport("gdiplus.dll")]
    public static partial int GdiplusStartup(out nuint token, in GdiplusStartupInput input, nint output);

    [LibraryImport("gdiplus.dll")]
    public static partial void GdiplusShutdown(nuint token);

    [LibraryImport("gdiplus.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int GdipLoadImageFromFile(string fileName, out nint image);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetImageWidth(nint image, out uint width);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetImageHeight(nint image, out uint height);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipCreateBitmapFromScan0(int width, int height, int stride, int format, nint scan0, out nint bitmap);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetImageGraphicsContext(nint image, out nint graphics);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGraphicsClear(nint graphics, uint argb);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipSetInterpolationMode(nint graphics, int mode);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipSetTextRenderingHint(nint graphics, int hint);

    public const int WrapModeTileFlipXY = 3;

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipCreateImageAttributes(out nint attributes);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipSetImageAttributesWrapMode(nint attributes, int wrap, uint argb, int clamp);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDisposeImageAttributes(nint attributes);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDrawImageRectRectI(nint graphics, nint image, int dstX, int dstY, int dstWidth, int dstHeight,
        int srcX, int srcY, int srcWidth, int srcHeight, int srcUnit, nint attributes, nint callback, nint callbackData);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipCreateSolidFill(uint argb, out nint brush);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipFillRectangleI(nint graphics, nint brush, int x, int y, int width, int height);

    [LibraryImport("gdiplus.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int GdipCreateFontFamilyFromName(string name, nint fontCollection, out nint family);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetGenericFontFamilySansSerif(out nint family);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipNewInstalledFontCollection(out nint fontCollection);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetFontCollectionFamilyCount(nint fontCollection, out int count);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetFontCollectionFamilyList(nint fontCollection, int numSought, [Out] nint[] families, out int numFound);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipCloneFontFamily(nint family, out nint clone);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipCreateFont(nint family, float emSize, int style, int unit, out nint font);

    [LibraryImport("gdiplus.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int GdipMeasureString(nint graphics, string text, int length, nint font, in RectF layout, nint format,
        out RectF bounds, out int codepointsFitted, out int linesFilled);

    [LibraryImport("gdiplus.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int GdipDrawString(nint graphics, string text, int length, nint font, in RectF layout, nint format, nint brush);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetImageEncodersSize(out uint count, out uint size);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipGetImageEncoders(uint count, uint size, nint encoders);

    [LibraryImport("gdiplus.dll", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int GdipSaveImageToFile(nint image, string fileName, in Guid encoder, nint encoderParameters);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDeleteBrush(nint brush);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDeleteFont(nint font);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDeleteFontFamily(nint family);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDeleteGraphics(nint graphics);

    [LibraryImport("gdiplus.dll")]
    public static partial int GdipDisposeImage(nint image);

    [LibraryImport("user32.dll")]
    public static partial int GetSystemMetrics(int index);

    [LibraryImport("user32.dll", EntryPoint = "SystemParametersInfoW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool SystemParametersInfo(uint action, uint param, string value, uint winIni);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool GlobalMemoryStatusEx(ref MemoryStatusEx status);
}
