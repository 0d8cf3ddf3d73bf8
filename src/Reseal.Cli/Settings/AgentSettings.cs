using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Reseal.Windows.Layout;

namespace Reseal.Cli.Settings;

/// <summary>How <c>initializeVolume</c> picks volumes: <c>initialize: all</c> or the listed <c>devices</c>.</summary>
internal enum VolumeSelection
{
    /// <summary>Every volume that is not initialized.</summary>
    All,

    /// <summary>Only the devices listed.</summary>
    Devices,
}

/// <summary>One device of <c>initializeVolume</c> (EC2Launch v2: device, name, letter, partition).</summary>
/// <param name="Device">The device name as the instance sees it (e.g. <c>xvdb</c>); required.</param>
/// <param name="Name">The volume label, or null.</param>
/// <param name="Letter">The drive letter (one letter), or null.</param>
/// <param name="Partition"><c>mbr</c> or <c>gpt</c>, or null.</param>
internal sealed record VolumeDevice(string Device, string? Name, string? Letter, string? Partition)
{
    /// <summary>The entry the Volumes tab shows and reads: <c>device, name, letter, partition</c> (empty parts omitted at the end).</summary>
    public string ToLine()
    {
        string[] parts = [Device, Name ?? "", Letter ?? "", Partition ?? ""];
        var count = parts.Length;
        while (count > 1 && parts[count - 1].Length == 0)
        {
            count--;
        }

        return string.Join(", ", parts.Take(count));
    }
}

/// <summary>
/// The administrator account: whether <c>setAdminAccount</c> is in the configuration, the account name, and the password
/// choice. A "Specify" password is held only here and in the file; <see cref="object.ToString"/> never shows it.
/// </summary>
/// <param name="Enabled">The task is configured.</param>
/// <param name="Name">The name to give the built-in administrator, or empty to keep its name.</param>
/// <param name="Password">The password choice.</param>
/// <param name="NewPassword">With <see cref="AdminPasswordChoice.Specify"/>: a password typed in this session, or null to keep the one already in the file.</param>
/// <param name="HasStoredPassword">The file already holds a static password (<c>data</c>), which is kept unless a new one is typed.</param>
internal sealed record AdminAccountSettings(bool Enabled, string Name, AdminPasswordChoice Password, string? NewPassword, bool HasStoredPassword)
{
    /// <summary>Members for <see cref="object.ToString"/>: the password's presence, never its text.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Enabled = ").Append(Enabled)
            .Append(", Name = ").Append(Name)
            .Append(", Password = ").Append(Password)
            .Append(", NewPassword = ").Append(NewPassword is null ? "(none)" : "(set, not shown)")
            .Append(", HasStoredPassword = ").Append(HasStoredPassword);
        return true;
    }
}

/// <summary>
/// What <c>reseal settings</c> edits: the choices of EC2Launch v2's settings UI (General, DNS Suffix, Wallpaper and Volumes
/// tabs) and EC2Config's Image-tab password choice, each as the agent-config.yml task that carries it out. Immutable; the
/// views make a new one for each edit (<see cref="AgentSettingsModel"/> reads and writes it).
/// </summary>
internal sealed record AgentSettings
{
    /// <summary><c>setHostName</c> is configured.</summary>
    public bool SetHostName { get; init; }

    /// <summary><c>hostName</c>: empty lets the agent use the name the metadata gives.</summary>
    public string HostName { get; init; } = "";

    /// <summary><c>extendRootPartition</c> is configured (boot).</summary>
    public bool ExtendBootVolume { get; init; }

    /// <summary><c>setAdminAccount</c>.</summary>
    public AdminAccountSettings Admin { get; init; } = new(false, "", AdminPasswordChoice.Random, null, false);

    /// <summary><c>startSsm</c> is configured.</summary>
    public bool StartSsm { get; init; }

    /// <summary><c>optimizeEna</c> is configured.</summary>
    public bool OptimizeEna { get; init; }

    /// <summary><c>enableOpenSsh</c> is configured.</summary>
    public bool EnableOpenSsh { get; init; }

    /// <summary><c>enableJumboFrames</c> is configured.</summary>
    public bool EnableJumboFrames { get; init; }

    /// <summary><c>setDnsSuffix</c> is configured.</summary>
    public bool SetDnsSuffix { get; init; }

    /// <summary><c>suffixes</c> ($REGION and $AZ are replaced by the agent).</summary>
    public ImmutableArray<string> DnsSuffixes { get; init; } = [];

    /// <summary><c>setWallpaper</c> is configured.</summary>
    public bool SetWallpaper { get; init; }

    /// <summary><c>path</c>: a custom image, or empty for the agent's plain background.</summary>
    public string WallpaperPath { get; init; } = "";

    /// <summary><c>attributes</c>, in EC2Launch v2's order.</summary>
    public ImmutableArray<string> WallpaperAttributes { get; init; } = [];

    /// <summary><c>instanceTags</c>: the instance tags to print.</summary>
    public ImmutableArray<string> WallpaperTags { get; init; } = [];

    /// <summary><c>initializeVolume</c> is configured.</summary>
    public bool InitializeVolumes { get; init; }

    /// <summary><c>initialize</c>.</summary>
    public VolumeSelection Volumes { get; init; } = VolumeSelection.All;

    /// <summary><c>devices</c> (used with <see cref="VolumeSelection.Devices"/>).</summary>
    public ImmutableArray<VolumeDevice> Devices { get; init; } = [];

    /// <summary>Equal when every choice is (lists compared item by item).</summary>
    public bool Equals(AgentSettings? other) =>
        other is not null && SetHostName == other.SetHostName && HostName == other.HostName && ExtendBootVolume == other.ExtendBootVolume
        && Admin == other.Admin && StartSsm == other.StartSsm && OptimizeEna == other.OptimizeEna && EnableOpenSsh == other.EnableOpenSsh
        && EnableJumboFrames == other.EnableJumboFrames && SetDnsSuffix == other.SetDnsSuffix && DnsSuffixes.SequenceEqual(other.DnsSuffixes)
        && SetWallpaper == other.SetWallpaper && WallpaperPath == other.WallpaperPath && WallpaperAttributes.SequenceEqual(other.WallpaperAttributes)
        && WallpaperTags.SequenceEqual(other.WallpaperTags) && InitializeVolumes == other.InitializeVolumes && Volumes == other.Volumes
        && Devices.SequenceEqual(other.Devices);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SetHostName, HostName, ExtendBootVolume, Admin, StartSsm, SetDnsSuffix, SetWallpaper, InitializeVolumes);

    /// <summary>Splits a comma-separated list typed in a field (DNS suffixes, tags): trimmed, empty items dropped.</summary>
    public static ImmutableArray<string> SplitList(string text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>
    /// Reads the Volumes tab's devices (<c>device, name, letter, partition</c>, separated by <c>;</c> or line breaks;
    /// empty ones ignored). Returns the devices, or the first problem naming the device by its place.
    /// </summary>
    public static (ImmutableArray<VolumeDevice> Devices, string? Error) ParseDevices(string text)
    {
        var devices = ImmutableArray.CreateBuilder<VolumeDevice>();
        var lines = (text ?? "").Split([';', '\n', '\r']);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }

            var where = string.Create(CultureInfo.InvariantCulture, $"volumes, device {devices.Count + 1}");
            var parts = lines[i].Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length > 4)
            {
                return ([], $"{where}: {parts.Length} parts; write device, name, letter, partition (name, letter and partition may be left empty)");
            }

            string? Part(int index) => index < parts.Length && parts[index].Length > 0 ? parts[index] : null;
            if (Part(0) is not { } device)
            {
                return ([], $"{where}: the device is missing (e.g. xvdb)");
            }

            var letter = Part(2)?.TrimEnd(':');
            if (letter is not null && (letter.Length != 1 || !char.IsAsciiLetter(letter[0])))
            {
                return ([], $"{where}: drive letter '{Part(2)}' is not one letter A-Z");
            }

            var partition = Part(3)?.ToLowerInvariant();
            if (partition is not null and not ("mbr" or "gpt"))
            {
                return ([], $"{where}: partition '{Part(3)}' is not mbr or gpt");
            }

            devices.Add(new VolumeDevice(device, Part(1), letter?.ToUpperInvariant(), partition));
        }

        return (devices.ToImmutable(), null);
    }
}
