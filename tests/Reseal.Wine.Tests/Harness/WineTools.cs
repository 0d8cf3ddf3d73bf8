using Reseal.TestSupport;

namespace Reseal.Wine.Tests.Harness;

/// <summary>The Wine programs the harness runs (Debian's <c>wine</c> package, which pulls in <c>wine64</c>).</summary>
/// <param name="Wine">The <c>wine</c> loader.</param>
/// <param name="WineServer">The <c>wineserver</c> (one per prefix; <c>-k</c> ends every process of the prefix).</param>
/// <param name="WineBoot">The <c>wineboot</c> program (<c>-i</c> initialises a prefix; without options it plays a boot).</param>
public sealed record WineTools(string Wine, string WineServer, string WineBoot)
{
    private const string Reason = "not installed (Debian package wine; .ci/run installs it). The Wine end-to-end tests need it";

    /// <summary>The tools, or null when one is missing.</summary>
    public static WineTools? Find() =>
        ExternalTool.Find("wine") is { } wine && ExternalTool.Find("wineserver") is { } server && ExternalTool.Find("wineboot") is { } boot
            ? new WineTools(wine, server, boot)
            : null;

    /// <summary>The tools; skips the test with the reason when Wine is not installed.</summary>
    public static WineTools Require()
    {
        var tools = Find();
        if (tools is null)
        {
            var missing = new[] { "wine", "wineserver", "wineboot" }.First(t => ExternalTool.Find(t) is null);
            Assert.Skip($"{missing} {Reason}");
        }

        return tools!;
    }
}
