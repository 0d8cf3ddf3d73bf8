// Runs the machine contract's scenarios (all, or those named as arguments) against the Windows this process runs on —
// a Wine prefix in the tests — and prints one line per scenario: "PASS name", "SKIP name: reason" or "FAIL name: what".
// Exit code 0 when none failed, 1 otherwise, 2 when the machine cannot be opened (not Windows).
// "--wallpaper SOURCE|- OUTPUT LINE..." instead draws a wallpaper with the machine's IDesktop (GDI+) and prints what the
// desktop port says, one fact per line (for tests/Reseal.Wine.Tests/Lifecycle/WallpaperWineTests.cs); exit 3 when the
// source image is refused.
using Reseal.TestSupport.MachineContract;
using Reseal.Windows.Live;
using Reseal.Windows.Ports;

IWindowsMachine machine;
try
{
    machine = LiveMachine.Create();
}
catch (PlatformNotSupportedException e)
{
    Console.Error.WriteLine("machine-probe: " + e.Message);
    return 2;
}

if (args is ["--wallpaper", var source, var output, .. var lines])
{
    return Wallpaper.Draw(machine.Desktop, source == "-" ? null : source, output, lines);
}

var failed = 0;
foreach (var name in args.Length > 0 ? args : [.. MachineContract.Scenarios.Keys])
{
    try
    {
        MachineContract.Run(name, machine);
        Console.WriteLine("PASS " + name);
    }
    catch (Exception e) when (e.GetType().Name == "SkipException")
    {
        Console.WriteLine($"SKIP {name}: {OneLine(e.Message.Replace("$XunitDynamicSkip$", "", StringComparison.Ordinal))}");
    }
    catch (Exception e)
    {
        // Any exception is the scenario's verdict (an assertion, or a port that threw): reported, not a crash.
        failed++;
        Console.WriteLine($"FAIL {name}: {e.GetType().Name}: {OneLine(e.Message)}");
    }
}

return failed == 0 ? 0 : 1;

static string OneLine(string text) => text.ReplaceLineEndings(" | ");

internal static class Wallpaper
{
    public static int Draw(IDesktop desktop, string? source, string output, string[] lines)
    {
        var screen = desktop.PrimaryScreen();
        Console.WriteLine($"SCREEN {screen.Width} {screen.Height} {(screen.Measured ? "measured" : "default")}");
        Console.WriteLine($"MEMORY {desktop.PhysicalMemoryBytes()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}");
        byte[] image;
        try
        {
            image = desktop.Render(new WallpaperDrawing { SourceImage = source, Size = screen, Lines = lines });
        }
        catch (WallpaperImageException e)
        {
            Console.WriteLine("REFUSED " + OneLine(e.Message));
            return 3;
        }
        catch (IOException e)
        {
            Console.WriteLine("FAILED " + OneLine(e.Message));
            return 4;
        }

        desktop.PublishImage(output, image);
        Console.WriteLine($"PUBLISHED {image.Length}");
        var change = desktop.SetForInteractiveUser(output);
        Console.WriteLine($"INTERACTIVE {change.Applied} {OneLine(change.Detail)}");
        Console.WriteLine("LOADED " + string.Join(",", desktop.LoadedUserSids()));
        return 0;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" | ");
}
