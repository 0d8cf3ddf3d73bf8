using System.Xml.Linq;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Profiles;

/// <summary>The launch agents whose Sysprep answer files Reseal can write, plus a neutral one.</summary>
public enum ProfileName
{
    /// <summary>EC2Config's <c>sysprep2008.xml</c> (Windows Server 2012 R2 and earlier).</summary>
    Ec2Config,

    /// <summary>EC2Launch v1's <c>Sysprep\Unattend.xml</c> (Windows Server 2016/2019).</summary>
    Ec2Launch,

    /// <summary>EC2Launch v2's <c>sysprep\unattend.xml</c>.</summary>
    Ec2LaunchV2,

    /// <summary>Cloudbase-Init's installer <c>conf\Unattend.xml</c> (OpenStack, Huawei Cloud ECS).</summary>
    CloudbaseInit,

    /// <summary>Reseal's own, for any cloud: the agent does the rest at first boot.</summary>
    Generic,
}

/// <summary>What happens to the built-in Administrator's password at the clone's first boot.</summary>
public enum AdminPasswordMode
{
    /// <summary>Scrambled in specialize; the launch agent sets a random one and publishes it encrypted.</summary>
    Random,

    /// <summary>Set from the answer file (obfuscated, never clear text).</summary>
    Static,

    /// <summary>Left as it is on the machine being imaged.</summary>
    Keep,
}

/// <summary>Options for <see cref="AnswerFileProfiles.Create"/>. Null means "the profile's own default".</summary>
public sealed record ProfileOptions
{
    /// <summary>processorArchitecture of every component: amd64 (default), arm64 or x86.</summary>
    public string Architecture { get; init; } = "amd64";

    /// <summary>InputLocale, SystemLocale, UILanguage and UserLocale, e.g. <c>en-US</c>.</summary>
    public string? Locale { get; init; }

    /// <summary>A Windows time zone name, e.g. <c>UTC</c> or <c>Pacific Standard Time</c>.</summary>
    public string? TimeZone { get; init; }

    public string? RegisteredOwner { get; init; }

    public string? RegisteredOrganization { get; init; }

    public AdminPasswordMode AdminPassword { get; init; } = AdminPasswordMode.Random;

    /// <summary>The password for <see cref="AdminPasswordMode.Static"/>; written obfuscated.</summary>
    public string? StaticPassword { get; init; }

    /// <summary>Copy the built-in Administrator's profile to the default profile (specialize CopyProfile).</summary>
    public bool? CopyProfile { get; init; }

    /// <summary>Keep the licensing state (Security-SPP SkipRearm=1) instead of rearming.</summary>
    public bool SkipRearm { get; init; }

    /// <summary>Re-enable RDP in specialize, after the password is scrambled (default true).</summary>
    public bool RdpReenable { get; init; } = true;

    /// <summary>The path of reseal.exe on the image, for the generic profile's commands.</summary>
    public string ResealPath { get; init; } = @"C:\Program Files\Reseal\reseal.exe";

    /// <summary>
    /// When true, the specialize pass scrambles the administrator password with Reseal's own command
    /// (<see cref="ResealPath"/> <c>internal scramble-password</c>) whatever the profile's agent would run: what
    /// <c>reseal seal</c> needs, because the machine it seals runs Reseal's agent, not EC2Config or EC2Launch.
    /// </summary>
    public bool ResealScrambler { get; init; }

    /// <summary>The defaults.</summary>
    public static ProfileOptions Default { get; } = new();
}

/// <summary>
/// Writes the answer file each launch agent uses for Sysprep, as its documentation describes it (see
/// <c>docs/profiles.md</c> for sources and the few deliberate differences), with every value an option.
/// </summary>
public static class AnswerFileProfiles
{
    private const string EnableAdministrator = "net user Administrator /ACTIVE:YES /LOGONPASSWORDCHG:NO /EXPIRES:NEVER /PASSWORDREQ:YES";
    private const string EnableRdp = "reg add \"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\" /v fDenyTSConnections /t REG_DWORD /d 0 /f";

    /// <summary>Profile names as the CLI spells them.</summary>
    public static IReadOnlyDictionary<string, ProfileName> ByCliName { get; } = new Dictionary<string, ProfileName>(StringComparer.OrdinalIgnoreCase)
    {
        ["ec2config"] = ProfileName.Ec2Config,
        ["ec2launch"] = ProfileName.Ec2Launch,
        ["ec2launch-v2"] = ProfileName.Ec2LaunchV2,
        ["cloudbase-init"] = ProfileName.CloudbaseInit,
        ["generic"] = ProfileName.Generic,
    };

    /// <summary>The CLI spelling of a profile.</summary>
    public static string CliName(ProfileName profile) => ByCliName.First(p => p.Value == profile).Key;

    /// <summary>Builds the answer file for a profile.</summary>
    public static AnswerFile Create(ProfileName profile, ProfileOptions? options = null)
    {
        options ??= ProfileOptions.Default;
        Validate(options);
        var builder = new Builder(options.Architecture);
        switch (profile)
        {
            case ProfileName.Ec2Config:
                Amazon(builder, options, owner: "Amazon",
                    scramble: "\"C:\\Program Files\\Amazon\\Ec2ConfigService\\ScramblePassword.exe\" -u Administrator",
                    rdp: "\"C:\\Program Files\\Amazon\\Ec2ConfigService\\Scripts\\SysprepSpecializePhase.cmd\"");
                break;
            case ProfileName.Ec2Launch:
                Amazon(builder, options, owner: "EC2",
                    scramble: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\Amazon\\EC2-Windows\\Launch\\Sysprep\\Randomize-LocalAdminPassword.ps1 Administrator",
                    rdp: "C:\\ProgramData\\Amazon\\EC2-Windows\\Launch\\Sysprep\\SysprepSpecialize.cmd");
                break;
            case ProfileName.Ec2LaunchV2:
                Amazon(builder, options, owner: "EC2",
                    scramble: "\"C:\\Program Files\\Amazon\\EC2Launch\\EC2Launch.exe\" internal randomize-password --username Administrator",
                    rdp: EnableRdp);
                break;
            case ProfileName.CloudbaseInit:
                CloudbaseInit(builder, options);
                break;
            case ProfileName.Generic:
                Generic(builder, options);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(profile), profile, null);
        }

        return builder.Build();
    }

    private static void Validate(ProfileOptions options)
    {
        if (options.Architecture is not ("amd64" or "arm64" or "x86"))
        {
            throw new ArgumentException($"architecture '{options.Architecture}' is not amd64, arm64 or x86", nameof(options));
        }

        if (options.AdminPassword == AdminPasswordMode.Static && string.IsNullOrEmpty(options.StaticPassword))
        {
            throw new ArgumentException("a static admin password needs the password", nameof(options));
        }

        if (options.AdminPassword != AdminPasswordMode.Static && options.StaticPassword is not null)
        {
            throw new ArgumentException("a password was given but the admin password mode is not static", nameof(options));
        }
    }

    /// <summary>EC2Config, EC2Launch v1 and v2 share one layout (seeds 000, 001 and 003).</summary>
    private static void Amazon(Builder b, ProfileOptions o, string owner, string scramble, string rdp)
    {
        var timeZone = o.TimeZone ?? "UTC";
        var locale = o.Locale ?? "en-US";
        Generalize(b, o, cleanUpNonPresent: true);

        b.Add(ConfigurationPass.Specialize, "Microsoft-Windows-Shell-Setup",
            new XElement(N("CopyProfile"), Bool(o.CopyProfile ?? true)),
            new XElement(N("TimeZone"), timeZone));
        b.Add(ConfigurationPass.Specialize, "Microsoft-Windows-Deployment", SpecializeCommands(b, o, scramble, rdp, resealAccounts: o.ResealScrambler));

        International(b, locale);
        b.Add(ConfigurationPass.OobeSystem, "Microsoft-Windows-Shell-Setup",
            [
                new XElement(N("OOBE"),
                    new XElement(N("HideEULAPage"), "true"),
                    new XElement(N("HideWirelessSetupInOOBE"), "true"),
                    new XElement(N("ProtectYourPC"), "3")),
                new XElement(N("BluetoothTaskbarIconEnabled"), "false"),
                new XElement(N("TimeZone"), timeZone),
                new XElement(N("RegisteredOrganization"), o.RegisteredOrganization ?? "Amazon.com"),
                new XElement(N("RegisteredOwner"), o.RegisteredOwner ?? owner),
                .. AdministratorPassword(b, o),
            ]);
    }

    /// <summary>Cloudbase-Init's installer file: hostname set in specialize by an OnRequest command that asks for a reboot.</summary>
    private static void CloudbaseInit(Builder b, ProfileOptions o)
    {
        Generalize(b, o, cleanUpNonPresent: false);
        const string cloudbaseInit = "cmd.exe /c \"\"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\Python\\Scripts\\cloudbase-init.exe\" --config-file \"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\conf\\cloudbase-init-unattend.conf\" && exit 1 || exit 2\"";
        // A random password needs no command here: Cloudbase-Init's SetUserPasswordPlugin sets it at first boot.
        // Exit 1 = "done, reboot, then go on"; exit 2 = "reboot and run me again" (WillReboot OnRequest).
        b.Add(ConfigurationPass.Specialize, "Microsoft-Windows-Deployment",
            RunSynchronous(b, [(cloudbaseInit, "Run Cloudbase-Init to set the hostname", "OnRequest")]));
        if (o.CopyProfile is not null || o.TimeZone is not null)
        {
            b.Add(ConfigurationPass.Specialize, "Microsoft-Windows-Shell-Setup",
                [
                    .. o.CopyProfile is { } c ? new[] { new XElement(N("CopyProfile"), Bool(c)) } : [],
                    .. o.TimeZone is { } tz ? new[] { new XElement(N("TimeZone"), tz) } : [],
                ]);
        }

        if (o.Locale is { } locale)
        {
            International(b, locale);
        }

        b.Add(ConfigurationPass.OobeSystem, "Microsoft-Windows-Shell-Setup",
            [
                new XElement(N("OOBE"),
                    new XElement(N("HideEULAPage"), "true"),
                    new XElement(N("HideOnlineAccountScreens"), "true"),
                    new XElement(N("HideWirelessSetupInOOBE"), "true"),
                    new XElement(N("ProtectYourPC"), "1")),
                .. o.TimeZone is { } zone ? new[] { new XElement(N("TimeZone"), zone) } : [],
                .. o.RegisteredOrganization is { } org ? new[] { new XElement(N("RegisteredOrganization"), org) } : [],
                .. o.RegisteredOwner is { } own ? new[] { new XElement(N("RegisteredOwner"), own) } : [],
                .. AdministratorPassword(b, o),
            ]);
    }

    // Reseal's commands find the built-in administrator by its SID (RID 500) at run time, so the answer file names no
    // account: "Administrator" is "Administrateur" on a French Windows, or anything once renamed, and a scramble by name
    // would fail there and leave the template's password on an account RDP is re-enabled for.
    private static string ResealScramble(ProfileOptions o) => $"\"{o.ResealPath}\" internal scramble-password --enable";

    private static string ResealEnable(ProfileOptions o) => $"\"{o.ResealPath}\" internal enable-administrator";

    /// <summary>Reseal's own: administrator enabled and scrambled, RDP back on last, the agent does the rest.</summary>
    private static void Generic(Builder b, ProfileOptions o)
    {
        var timeZone = o.TimeZone ?? "UTC";
        Generalize(b, o, cleanUpNonPresent: true);
        b.Add(ConfigurationPass.Specialize, "Microsoft-Windows-Shell-Setup",
            new XElement(N("CopyProfile"), Bool(o.CopyProfile ?? false)),
            new XElement(N("TimeZone"), timeZone));
        b.Add(ConfigurationPass.Specialize, "Microsoft-Windows-Deployment", SpecializeCommands(b, o, ResealScramble(o), EnableRdp, resealAccounts: true));
        International(b, o.Locale ?? "en-US");
        b.Add(ConfigurationPass.OobeSystem, "Microsoft-Windows-Shell-Setup",
            [
                new XElement(N("OOBE"),
                    new XElement(N("HideEULAPage"), "true"),
                    new XElement(N("HideOnlineAccountScreens"), "true"),
                    new XElement(N("HideWirelessSetupInOOBE"), "true"),
                    new XElement(N("ProtectYourPC"), "3")),
                new XElement(N("TimeZone"), timeZone),
                .. o.RegisteredOrganization is { } org ? new[] { new XElement(N("RegisteredOrganization"), org) } : [],
                .. o.RegisteredOwner is { } own ? new[] { new XElement(N("RegisteredOwner"), own) } : [],
                .. AdministratorPassword(b, o),
            ]);
    }

    private static void Generalize(Builder b, ProfileOptions o, bool cleanUpNonPresent)
    {
        b.Add(ConfigurationPass.Generalize, "Microsoft-Windows-PnpSysprep",
            [
                new XElement(N("PersistAllDeviceInstalls"), "true"),
                .. cleanUpNonPresent ? new[] { new XElement(N("DoNotCleanUpNonPresentDevices"), "true") } : [],
            ]);
        if (o.SkipRearm)
        {
            b.Add(ConfigurationPass.Generalize, "Microsoft-Windows-Security-SPP", new XElement(N("SkipRearm"), "1"));
        }
    }

    private static void International(Builder b, string locale) =>
        b.Add(ConfigurationPass.OobeSystem, "Microsoft-Windows-International-Core",
            new XElement(N("InputLocale"), locale),
            new XElement(N("SystemLocale"), locale),
            new XElement(N("UILanguage"), locale),
            new XElement(N("UserLocale"), locale));

    /// <summary>
    /// Specialize's commands: the administrator enabled and, for a random password, scrambled, then RDP. With
    /// <paramref name="resealAccounts"/> Reseal's own commands do both, finding the account by SID: scrambled first and
    /// enabled after, so it is never enabled with the template's password; otherwise the agent's documented
    /// <c>net user Administrator</c> line and scrambler are reproduced as they are.
    /// </summary>
    private static XElement SpecializeCommands(Builder b, ProfileOptions o, string scramble, string rdp, bool resealAccounts = false)
    {
        var commands = new List<(string, string, string?)>();
        if (resealAccounts)
        {
            commands.Add(o.AdminPassword == AdminPasswordMode.Random
                ? (ResealScramble(o), "Scramble the built-in administrator's password (found by SID), then enable it", null)
                : (ResealEnable(o), "Enable the built-in administrator account (found by SID)", null));
        }
        else
        {
            commands.Add((EnableAdministrator, "Enable the built-in Administrator account", null));
            if (o.AdminPassword == AdminPasswordMode.Random)
            {
                commands.Add((scramble, "Scramble the Administrator password until the agent sets one", null));
            }
        }

        if (o.RdpReenable)
        {
            commands.Add((rdp, "Re-enable Remote Desktop (denied before Sysprep)", null));
        }

        return RunSynchronous(b, commands);
    }

    private static XElement RunSynchronous(Builder b, IReadOnlyList<(string Path, string Description, string? WillReboot)> commands) =>
        new(N("RunSynchronous"), commands.Select((c, i) => new XElement(N("RunSynchronousCommand"),
            new XAttribute(UnattendNames.WcmAction, "add"),
            new XElement(N("Order"), i + 1),
            new XElement(N("Path"), c.Path),
            new XElement(N("Description"), c.Description),
            c.WillReboot is null ? null : new XElement(N("WillReboot"), c.WillReboot))));

    private static IEnumerable<XElement> AdministratorPassword(Builder b, ProfileOptions o)
    {
        if (o.AdminPassword != AdminPasswordMode.Static)
        {
            yield break;
        }

        yield return new XElement(N("UserAccounts"),
            new XElement(N("AdministratorPassword"),
                new XElement(N("Value"), UnattendPassword.Encode(o.StaticPassword!, PasswordField.AdministratorPassword)),
                new XElement(N("PlainText"), "false")));
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static XName N(string localName) => UnattendNames.Unattend + localName;

    /// <summary>Collects components per pass in Setup's run order and writes them as WSIM does.</summary>
    private sealed class Builder(string architecture)
    {
        private readonly SortedDictionary<ConfigurationPass, List<XElement>> _passes = [];

        public void Add(ConfigurationPass pass, string component, params XElement[] settings)
        {
            if (!_passes.TryGetValue(pass, out var components))
            {
                _passes[pass] = components = [];
            }

            var existing = components.FirstOrDefault(c => (string?)c.Attribute("name") == component);
            if (existing is not null)
            {
                existing.Add(settings);
                return;
            }

            components.Add(new XElement(UnattendNames.Component,
                new XAttribute("name", component),
                new XAttribute("processorArchitecture", architecture),
                new XAttribute("publicKeyToken", UnattendNames.MicrosoftPublicKeyToken),
                new XAttribute("language", "neutral"),
                new XAttribute("versionScope", "nonSxS"),
                new XAttribute(XNamespace.Xmlns + "wcm", UnattendNames.Wcm.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "xsi", UnattendNames.Xsi.NamespaceName),
                settings));
        }

        public AnswerFile Build()
        {
            var root = new XElement(UnattendNames.Root,
                _passes.Select(p => new XElement(UnattendNames.Settings, new XAttribute("pass", p.Key.ToXmlName()), p.Value)));
            // Indent as WSIM does, then read it back so every node has a source position for lint and explain.
            var text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + root.ToString(SaveOptions.None) + "\n";
            var file = AnswerFileReader.ReadText(text);
            return AnswerFile.Create(file.Document);
        }
    }
}
