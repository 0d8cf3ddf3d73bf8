using System.Globalization;
using System.Text;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>The facts a wallpaper can show, gathered from the metadata and the machine; each is null when unknown.</summary>
/// <param name="HostName">The computer name Windows has.</param>
/// <param name="Metadata">What the cloud said, or null when no source answered.</param>
/// <param name="Architecture">PROCESSOR_ARCHITECTURE (AMD64, ARM64, x86).</param>
/// <param name="MemoryBytes">Installed physical memory.</param>
public sealed record WallpaperFacts(string? HostName, InstanceMetadata? Metadata, string? Architecture, ulong? MemoryBytes);

/// <summary>The lines drawn on the wallpaper and what had to be changed or left out to draw them.</summary>
/// <param name="Lines">The lines, in the order the attributes and tags were asked for.</param>
/// <param name="Notes">What was unknown, cleaned or shortened (for the task's result; empty when nothing was).</param>
public sealed record WallpaperLines(IReadOnlyList<string> Lines, IReadOnlyList<string> Notes);

/// <summary>
/// Composes the wallpaper's text from EC2Launch v2's attribute names and tag keys. A fact that is not known reads
/// "unknown" (never an error: a wallpaper without a public address is still worth drawing); text from outside
/// (tags, metadata) has its control characters replaced and is cut at <see cref="MaxValueLength"/> characters.
/// </summary>
public static class WallpaperText
{
    /// <summary>The attributes <c>setWallpaper</c> can print (EC2Launch v2's list), in its order.</summary>
    public static IReadOnlyList<string> Attributes { get; } =
        ["hostName", "instanceId", "privateIpAddress", "publicIpAddress", "instanceSize", "availabilityZone", "architecture", "memory", "network"];

    /// <summary>The longest value (or tag key) drawn; a longer one is cut and ends with "…".</summary>
    public const int MaxValueLength = 100;

    /// <summary>The most tags drawn (EC2 allows 50 per resource).</summary>
    public const int MaxTags = 50;

    /// <summary>What a fact nobody gave reads as.</summary>
    public const string Unknown = "unknown";

    /// <summary>The label each attribute is drawn with.</summary>
    public static string Label(string attribute) => attribute switch
    {
        "hostName" => "Host Name",
        "instanceId" => "Instance ID",
        "privateIpAddress" => "Private IPv4 Address",
        "publicIpAddress" => "Public IPv4 Address",
        "instanceSize" => "Instance Size",
        "availabilityZone" => "Availability Zone",
        "architecture" => "Architecture",
        "memory" => "Total Memory",
        "network" => "Network",
        _ => attribute,
    };

    /// <summary>The lines for <paramref name="attributes"/> (duplicates drawn once) then <paramref name="tagKeys"/>.</summary>
    public static WallpaperLines Compose(IEnumerable<string> attributes, IEnumerable<string> tagKeys, WallpaperFacts facts)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(tagKeys);
        ArgumentNullException.ThrowIfNull(facts);
        var lines = new List<string>();
        var notes = new List<string>();
        var unknown = new List<string>();
        foreach (var attribute in attributes.Distinct(StringComparer.Ordinal))
        {
            var value = Value(attribute, facts);
            if (value is null)
            {
                unknown.Add(attribute);
            }

            lines.Add($"{Label(attribute)}: {Clean(value ?? Unknown, attribute, notes)}");
        }

        if (unknown.Count > 0)
        {
            notes.Add($"unknown on this machine: {string.Join(", ", unknown)}" + (facts.Metadata is null ? " (no metadata source answered)" : ""));
        }

        var keys = tagKeys.Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count > MaxTags)
        {
            notes.Add($"{keys.Count} tags asked for; the first {MaxTags} are drawn");
            keys = keys[..MaxTags];
        }

        var tags = facts.Metadata?.Tags;
        if (keys.Count > 0 && tags is null)
        {
            notes.Add("the instance's tags are not in its metadata (on EC2: turn on \"allow tags in instance metadata\"), so each tag reads unknown");
        }

        var missing = new List<string>();
        foreach (var key in keys)
        {
            string? value = null;
            if (tags is not null && !tags.TryGetValue(key, out value))
            {
                missing.Add(Clean(key, "tag key", notes));
            }

            lines.Add($"{Clean(key, "tag key", notes)}: {Clean(value ?? Unknown, $"tag '{Shorten(key)}'", notes)}");
        }

        if (missing.Count > 0)
        {
            notes.Add($"the instance has no tag {string.Join(", ", missing)}");
        }

        return new WallpaperLines(lines, notes);
    }

    private static string? Value(string attribute, WallpaperFacts facts) => attribute switch
    {
        "hostName" => facts.HostName ?? facts.Metadata?.HostName,
        "instanceId" => facts.Metadata?.InstanceId,
        "privateIpAddress" => facts.Metadata?.LocalIPv4,
        "publicIpAddress" => facts.Metadata?.PublicIPv4,
        "instanceSize" => facts.Metadata?.InstanceType,
        "availabilityZone" => facts.Metadata?.Zone,
        "architecture" => facts.Architecture,
        "memory" => facts.MemoryBytes is { } bytes ? Memory(bytes) : null,
        // No metadata source Reseal reads gives the network performance EC2Launch v2 shows (it comes from the EC2 API's
        // instance type description), so this reads unknown rather than a guess.
        "network" => null,
        _ => null,
    };

    /// <summary>Memory in GiB, one decimal when not whole ("8 GiB", "3.8 GiB").</summary>
    public static string Memory(ulong bytes)
    {
        var gib = bytes / (1024.0 * 1024 * 1024);
        return gib >= 1
            ? (Math.Abs(gib - Math.Round(gib)) < 0.05 ? $"{Math.Round(gib).ToString(CultureInfo.InvariantCulture)} GiB" : $"{gib.ToString("0.0", CultureInfo.InvariantCulture)} GiB")
            : $"{(bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture)} MiB";
    }

    /// <summary>
    /// <paramref name="text"/> with every control or format character (a newline, an escape, a bidirectional override)
    /// made a space, and cut at <see cref="MaxValueLength"/> characters; what was done goes to <paramref name="notes"/>.
    /// </summary>
    internal static string Clean(string text, string what, List<string> notes)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxValueLength + 1));
        var replaced = false;
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, MaxValueLength)))
        {
            var bad = char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.Surrogate;
            replaced |= bad;
            builder.Append(bad ? ' ' : c);
        }

        if (replaced)
        {
            AddOnce(notes, $"{what}: control characters drawn as spaces");
        }

        if (text.Length > MaxValueLength)
        {
            builder.Append('…');
            AddOnce(notes, $"{what}: {text.Length} characters, cut to {MaxValueLength}");
        }

        return builder.ToString();
    }

    private static string Shorten(string key) => key.Length <= 20 && !key.Any(char.IsControl) ? key : $"({key.Length} characters)";

    private static void AddOnce(List<string> notes, string note)
    {
        if (!notes.Contains(note))
        {
            notes.Add(note);
        }
    }
}
