using Reseal.TestSupport;
using Reseal.Unattend.Profiles;

namespace Reseal.Unattend.Tests.Profiles;

public class WindowsTimeZonesTests
{
    /// <summary>Names from Microsoft's "Default Time Zones" page and the reference's TimeZone page.</summary>
    [Theory]
    [InlineData("UTC")]
    [InlineData("Pacific Standard Time")]
    [InlineData("China Standard Time")]
    [InlineData("AUS Eastern Standard Time")]
    [InlineData("W. Central Africa Standard Time")]
    [InlineData("FLE Standard Time")]
    [InlineData("UTC-11")]
    [InlineData("UTC+12")]
    [InlineData("Pacific SA Standard Time")]
    [InlineData("Myanmar Standard Time")]
    [InlineData("Venezuela Standard Time")]
    [InlineData("Turkey Standard Time")]
    [InlineData("Pacific Standard Time_dstoff")]
    public void Canonical_MicrosoftDocumentedNames_AreKnown(string name)
    {
        Assert.Equal(name, WindowsTimeZones.Canonical(name));
    }

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("PST")]
    [InlineData("")]
    [InlineData("Pacific Standard Time_dstof")]
    public void Canonical_OtherNames_AreNot(string name)
    {
        Assert.Null(WindowsTimeZones.Canonical(name));
    }

    /// <summary>The list is what a fresh Wine prefix puts under the registry's Time Zones key (Wine carries Windows' names).</summary>
    [Fact]
    public void Names_MatchTheTimeZonesKeyOfAFreshWinePrefix()
    {
        var wineboot = ExternalTool.Require("wineboot", "wine");
        using var prefix = new TempDirectory();
        var environment = new Dictionary<string, string> { ["WINEPREFIX"] = prefix.Path, ["WINEDEBUG"] = "-all" };
        ExternalTool.Run(wineboot, ["-i"], string.Empty, TimeSpan.FromMinutes(5), environment);
        var server = ExternalTool.Find("wineserver") ?? "/usr/lib/wine/wineserver";
        if (File.Exists(server))
        {
            ExternalTool.Run(server, ["-w"], string.Empty, TimeSpan.FromMinutes(2), environment);
        }

        var registry = Path.Combine(prefix.Path, "system.reg");
        Assert.SkipUnless(File.Exists(registry), $"wineboot made no {registry}");
        var fromWine = File.ReadLines(registry)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^\[Software\\\\Microsoft\\\\Windows NT\\\\CurrentVersion\\\\Time Zones\\\\([^\]\\]+)\]"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(fromWine.Count > 100, $"only {fromWine.Count} zones in {registry}");
        Assert.Equal(fromWine.Order(StringComparer.Ordinal), WindowsTimeZones.Names.Order(StringComparer.Ordinal));
    }
}
