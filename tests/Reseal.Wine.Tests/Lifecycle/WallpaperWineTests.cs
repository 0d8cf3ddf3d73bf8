using System.Globalization;
using Reseal.TestSupport;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Lifecycle;

/// <summary>
/// The live desktop port (LiveDesktop: GDI+ flat API, GetSystemMetrics, SystemParametersInfo, HKEY_USERS) under Wine:
/// tests/Reseal.MachineProbe, published for win-x64, draws through <c>IWindowsMachine.Desktop</c> inside a fresh prefix
/// (Wine's gdiplus.dll, user32 and registry behind the calls), and the test reads the BMP it wrote with its own decoder
/// and with <c>file</c>. Skips when Wine is not installed. What Wine cannot show (a real session's desktop, other users'
/// profiles, Segoe UI) is in docs/windows-behaviour.md "Wallpaper".
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class WallpaperWineTests(WineFixture wine)
{
    private const uint SourceColour = 0x996633;
    private const string Output = @"C:\ProgramData\Reseal\wallpaper\wallpaper.bmp";

    private static readonly string[] Lines = ["Host Name: WIN-WINE01", "Instance ID: i-0abc123def4567890", "Private IPv4 Address: 10.0.0.5"];

    private sealed record ProbeRun(HostResult Result, IReadOnlyDictionary<string, string> Facts);

    private static async Task<ProbeRun> Probe(WineMachine machine, params string[] arguments)
    {
        var probe = await PublishedBuild.GetAsync("win-x64", "tests/Reseal.MachineProbe", "--folder", TestContext.Current.CancellationToken);
        var result = machine.Run(Path.Combine(probe, "machine-probe.exe"), ["--wallpaper", .. arguments]);
        TestContext.Current.TestOutputHelper?.WriteLine($"machine-probe --wallpaper: {result}");
        Assert.False(result.TimedOut, "the probe did not finish in time");
        Assert.False(result.Crashed, "the probe crashed: " + result.StandardError);
        var facts = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        return new ProbeRun(result, facts);
    }

    private static (int Width, int Height) Screen(ProbeRun run)
    {
        var parts = run.Facts["SCREEN"].Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Render_KnownImageUnderWine_ScreenSizedBmp_TextInTheTopRight_CornerKeepsTheImage_SetForTheUser()
    {
        using var machine = await wine.NewMachineAsync("wallpaper-image");
        var input = machine.HostPath(@"C:\images\corp.bmp");
        Directory.CreateDirectory(Path.GetDirectoryName(input)!);
        File.WriteAllBytes(input, BmpImage.Solid(320, 200, SourceColour).ToBytes());

        var run = await Probe(machine, [@"C:\images\corp.bmp", Output, .. Lines]);

        Assert.Equal(0, run.Result.ExitCode);
        var (width, height) = Screen(run);
        Assert.InRange(width, 1, 16384);
        Assert.InRange(height, 1, 16384);
        var bytes = File.ReadAllBytes(machine.HostPath(Output));
        Assert.Equal(run.Facts["PUBLISHED"], bytes.Length.ToString(CultureInfo.InvariantCulture));
        var image = BmpImage.Read(bytes);
        Assert.Equal((width, height), (image.Width, image.Height));
        // file(1) (libmagic, not our decoder) agrees on the format and the size.
        if (ExternalTool.Find("file") is { } file)
        {
            Assert.Contains($"PC bitmap, Windows 3.x format, {width} x {height} x 24", ExternalTool.Run(file, [machine.HostPath(Output)]).StandardOutput, StringComparison.Ordinal);
        }
        else
        {
            TestContext.Current.TestOutputHelper?.WriteLine("file(1) is not installed (Debian package file; .ci/run installs it): the BMP was checked by the test's own reader only");
        }

        // The far corner (bottom left) is the source image's colour exactly: scaled, not blended with the background.
        Assert.Equal(SourceColour, image.Pixel(0, height - 1));
        Assert.Equal(SourceColour, image.Pixel(width / 4, height * 3 / 4));
        // The top-right box holds the text: pixels differ from the image there, and some are near white (the glyphs).
        var area = Pixels(image, width * 2 / 3, 0, width, height / 5).ToList();
        Assert.True(area.Count(p => p != SourceColour) > area.Count / 20, "the text box is missing from the top right");
        Assert.Contains(area, p => ((p >> 16) & 0xFF) > 200 && ((p >> 8) & 0xFF) > 200 && (p & 0xFF) > 200);
        // Wine's SystemParametersInfo records the wallpaper for the current user, as Windows does with SPIF_UPDATEINIFILE.
        Assert.StartsWith("True", run.Facts["INTERACTIVE"], StringComparison.Ordinal);
        Assert.Equal(Output, machine.QueryValue(@"HKCU\Control Panel\Desktop", "Wallpaper")?.Data, ignoreCase: true);
        // Wine's one user profile is loaded under HKEY_USERS, as the logged-on users' are on Windows.
        Assert.Contains("S-1-5-21-", run.Facts["LOADED"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_NoSourceImage_PlainBackgroundOfTheScreensSize_WithText()
    {
        using var machine = await wine.NewMachineAsync("wallpaper-plain");

        var run = await Probe(machine, ["-", Output, .. Lines]);

        Assert.Equal(0, run.Result.ExitCode);
        var (width, height) = Screen(run);
        var image = BmpImage.Read(File.ReadAllBytes(machine.HostPath(Output)));
        Assert.Equal((width, height), (image.Width, image.Height));
        // WallpaperDrawing's default background, 0xFF1E3A5F.
        Assert.Equal(0x1E3A5Fu, image.Pixel(0, height - 1));
        Assert.Contains(Pixels(image, width * 2 / 3, 0, width, height / 5), p => p != 0x1E3A5Fu);
    }

    [Theory]
    [InlineData("notes.bmp", "not an image, just text", "GDI+ cannot read it as an image")]
    [InlineData("missing.bmp", null, "GDI+ cannot read it as an image")]
    public async Task Render_SourceGdiplusCannotRead_RefusedWithTheReason_NothingWritten(string name, string? contents, string reason)
    {
        using var machine = await wine.NewMachineAsync("wallpaper-bad-" + Path.GetFileNameWithoutExtension(name));
        if (contents is not null)
        {
            machine.WriteFile(@"C:\images\" + name, contents);
        }

        var run = await Probe(machine, [@"C:\images\" + name, Output, .. Lines]);

        Assert.Equal(3, run.Result.ExitCode);
        Assert.Contains(reason, run.Facts["REFUSED"], StringComparison.Ordinal);
        Assert.Contains(@"C:\images\" + name, run.Facts["REFUSED"], StringComparison.Ordinal);
        Assert.False(File.Exists(machine.HostPath(Output)));
    }

    private static IEnumerable<uint> Pixels(BmpImage image, int left, int top, int right, int bottom)
    {
        for (var y = top; y < bottom; y++)
        {
            for (var x = left; x < right; x++)
            {
                yield return image.Pixel(x, y);
            }
        }
    }
}
