using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Reseal.Unattend.Catalog;

/// <summary>
/// A Windows release an answer file targets, ordered by build number so "added in", "deprecated in" and "removed in"
/// facts of the catalog (stored as builds) compare with it. Client and server releases of one build share it
/// (Windows 8.1 and Server 2012 R2 are both 9600; Windows 11 24H2 and Server 2025 are both 26100).
/// </summary>
public sealed partial record WindowsRelease(string Name, string DisplayName, int Build)
{
    public static WindowsRelease Windows7 { get; } = new("7", "Windows 7 / Server 2008 R2", 7601);

    public static WindowsRelease Windows81 { get; } = new("8.1", "Windows 8.1", 9600);

    public static WindowsRelease Server2012R2 { get; } = new("2012r2", "Windows Server 2012 R2", 9600);

    /// <summary>Windows 10 22H2, the last Windows 10 release.</summary>
    public static WindowsRelease Windows10 { get; } = new("10", "Windows 10 (22H2)", 19045);

    public static WindowsRelease Server2016 { get; } = new("2016", "Windows Server 2016", 14393);

    public static WindowsRelease Server2019 { get; } = new("2019", "Windows Server 2019", 17763);

    public static WindowsRelease Server2022 { get; } = new("2022", "Windows Server 2022", 20348);

    /// <summary>Windows 11 24H2.</summary>
    public static WindowsRelease Windows11 { get; } = new("11", "Windows 11 (24H2)", 26100);

    public static WindowsRelease Server2025 { get; } = new("2025", "Windows Server 2025", 26100);

    /// <summary>The releases <c>--windows</c> accepts, oldest first.</summary>
    public static IReadOnlyList<WindowsRelease> All { get; } =
        [Windows7, Windows81, Server2012R2, Server2016, Server2019, Windows10, Server2022, Windows11, Server2025];

    /// <summary>The newest release, assumed when nothing says otherwise.</summary>
    public static WindowsRelease Newest => Server2025;

    /// <summary>The names <c>--windows</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(r => r.Name)];

    public static bool TryParse(string? name, [NotNullWhen(true)] out WindowsRelease? release)
    {
        release = All.FirstOrDefault(r => string.Equals(r.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        return release is not null;
    }

    /// <summary>
    /// The release an image name names, as WSIM writes it in <c>cpi:offlineImage cpi:source</c>
    /// (<c>wim:C:/…/install.wim#Windows Server 2019 SERVERSTANDARD</c>, <c>…#Windows 10 Pro</c>); null when it names none.
    /// </summary>
    public static WindowsRelease? FromImageName(string? source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return null;
        }

        // The image name follows '#'; the path before it may name a different version (a folder called windows-11).
        var hash = source.LastIndexOf('#');
        var name = hash >= 0 ? source[(hash + 1)..] : source;
        var match = ImageName().Match(name);
        if (!match.Success)
        {
            return null;
        }

        var version = match.Groups["version"].Value.ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal);
        return version switch
        {
            "7" or "2008R2" => Windows7,
            "8.1" => Windows81,
            "2012R2" => Server2012R2,
            "10" => Windows10,
            "2016" => Server2016,
            "2019" => Server2019,
            "2022" => Server2022,
            "11" => Windows11,
            "2025" => Server2025,
            _ => null,
        };
    }

    /// <summary>How a build is named in messages: the release that introduced it.</summary>
    public static string DescribeBuild(int build) => build switch
    {
        <= 7601 => "Windows 7",
        9200 => "Windows 8 / Server 2012",
        9600 => "Windows 8.1 / Server 2012 R2",
        10240 => "Windows 10",
        10586 => "Windows 10 version 1511",
        14393 => "Windows 10 version 1607 / Server 2016",
        15063 => "Windows 10 version 1703",
        16299 => "Windows 10 version 1709",
        17134 => "Windows 10 version 1803",
        17763 => "Windows 10 version 1809 / Server 2019",
        _ => "build " + build.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The build of a Windows 10 version number as the reference writes it (1511, 1607, ... 1809).</summary>
    public static int? Windows10VersionBuild(string version) => version switch
    {
        "1507" => 10240,
        "1511" => 10586,
        "1607" => 14393,
        "1703" => 15063,
        "1709" => 16299,
        "1803" => 17134,
        "1809" => 17763,
        _ => null,
    };

    public override string ToString() => DisplayName;

    [GeneratedRegex(@"Windows\s+(?:Server\s+)?(?<version>2008\s*R2|2012\s*R2|2016|2019|2022|2025|8\.1|10|11|7)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ImageName();
}
