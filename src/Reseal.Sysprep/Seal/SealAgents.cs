using System.Collections.Immutable;
using System.Text;
using System.Xml;
using Reseal.Sysprep.Inspection;
using Reseal.Unattend.Profiles;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>The launch agent a sealed image boots into (<c>reseal seal --agent</c>).</summary>
public enum SealAgent
{
    /// <summary>The one launch agent installed and active; refused when there is none or more than one.</summary>
    Auto,

    /// <summary>Reseal's own agent (its service, and SetupComplete.cmd's hand-over line).</summary>
    Reseal,

    /// <summary>EC2Launch v2, kept installed.</summary>
    Ec2LaunchV2,

    /// <summary>EC2Launch v1, kept installed.</summary>
    Ec2Launch,

    /// <summary>EC2Config, kept installed.</summary>
    Ec2Config,

    /// <summary>Cloudbase-Init, kept installed.</summary>
    CloudbaseInit,
}

/// <summary>One change a seal makes to reset an agent's state (journaled and undone like every other change).</summary>
public abstract record AgentStateChange(string Describe);

/// <summary>Delete a state file (EC2Launch v2's <c>.run-once</c>, <c>state.json</c>...).</summary>
/// <param name="Path">Windows path.</param>
public sealed record DeleteAgentFile(string Path) : AgentStateChange($"delete {Path}");

/// <summary>Rewrite a settings file (EC2Config's config.xml with plugins enabled again).</summary>
/// <param name="Path">Windows path.</param>
/// <param name="After">The new bytes.</param>
/// <param name="What">What changes, for messages.</param>
public sealed record RewriteAgentFile(string Path, ImmutableArray<byte> After, string What) : AgentStateChange($"{What} in {Path}");

/// <summary>Delete a registry value (Cloudbase-Init's plugin status), or set one.</summary>
/// <param name="Hive">The hive.</param>
/// <param name="Key">The key.</param>
/// <param name="Name">The value.</param>
/// <param name="Data">The new data, or null to delete the value.</param>
public sealed record AgentRegistryChange(RegistryHive Hive, string Key, string Name, RegistryData? Data)
    : AgentStateChange(Data is null ? $@"delete {RegistryHives.DisplayName(Hive)}\{Key}!{Name}" : $@"set {RegistryHives.DisplayName(Hive)}\{Key}!{Name} = {Data.AsText() ?? Data.AsDWord()?.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

/// <summary>
/// Set a service's start type through the service manager (ChangeServiceConfig on a running Windows, the Start value
/// of an offline image), not by writing the registry under a running SCM, which keeps its own copy until the next boot.
/// </summary>
/// <param name="Service">The service's name.</param>
/// <param name="Mode">The new start type.</param>
public sealed record AgentServiceStartChange(string Service, ServiceStartMode Mode)
    : AgentStateChange($"set the start type of service {Service} to {Mode.ToString().ToLowerInvariant()}");

/// <summary>
/// What each launch agent needs for a seal that keeps it (docs/sealing-with-agents.md, facts and sources from
/// <c>../shared/reference/agents.md</c>): its files and service (preflight), its answer-file profile (the commands of its
/// own answer file, from <see cref="AnswerFileProfiles"/>), its state to reset so its once-tasks run again in every
/// clone, and its own first-boot hook.
/// </summary>
public static partial class SealAgents
{
    /// <summary>Agent names as the CLI spells them.</summary>
    public static IReadOnlyDictionary<string, SealAgent> ByCliName { get; } = new Dictionary<string, SealAgent>(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = SealAgent.Auto,
        ["reseal"] = SealAgent.Reseal,
        ["ec2launch-v2"] = SealAgent.Ec2LaunchV2,
        ["ec2launch"] = SealAgent.Ec2Launch,
        ["ec2config"] = SealAgent.Ec2Config,
        ["cloudbase-init"] = SealAgent.CloudbaseInit,
    };

    /// <summary>The CLI spelling of an agent.</summary>
    public static string CliName(SealAgent agent) => ByCliName.First(p => p.Value == agent).Key;

    /// <summary>The name <see cref="WindowsInspector"/> reports the agent under.</summary>
    public static string DetectorName(SealAgent agent) => agent switch
    {
        SealAgent.Reseal => "Reseal",
        SealAgent.Ec2LaunchV2 => "EC2Launch v2",
        SealAgent.Ec2Launch => "EC2Launch v1",
        SealAgent.Ec2Config => "EC2Config",
        SealAgent.CloudbaseInit => "Cloudbase-Init",
        _ => throw new ArgumentOutOfRangeException(nameof(agent), agent, null),
    };

    /// <summary>Where an installed agent keeps its administrator password setting (agents.md §6), for messages.</summary>
    public static string PasswordSetting(SealAgent agent) => agent switch
    {
        SealAgent.Ec2LaunchV2 => @"setAdminAccount in %ProgramData%\Amazon\EC2Launch\config\agent-config.yml",
        SealAgent.Ec2Launch => @"adminPasswordType in %ProgramData%\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json",
        SealAgent.Ec2Config => @"the Ec2SetPassword plug-in in EC2Config's Settings\config.xml",
        SealAgent.CloudbaseInit => "inject_user_password and the SetUserPassword plug-in in cloudbase-init.conf",
        _ => "agent-config.yml",
    };

    /// <summary>The answer-file profile the agent's own sealing writes.</summary>
    public static ProfileName Profile(SealAgent agent) => agent switch
    {
        SealAgent.Ec2LaunchV2 => ProfileName.Ec2LaunchV2,
        SealAgent.Ec2Launch => ProfileName.Ec2Launch,
        SealAgent.Ec2Config => ProfileName.Ec2Config,
        SealAgent.CloudbaseInit => ProfileName.CloudbaseInit,
        _ => ProfileName.Generic,
    };

    internal const string Ec2LaunchV2Exe = @"%ProgramFiles%\Amazon\EC2Launch\EC2Launch.exe";
    internal const string Ec2LaunchV2State = @"%ProgramData%\Amazon\EC2Launch\state";
    internal const string Ec2LaunchV1Scripts = @"%ProgramData%\Amazon\EC2-Windows\Launch\Scripts";
    internal const string Ec2LaunchV1Task = @"%WINDIR%\System32\Tasks\Amazon Ec2 Launch - Instance Initialization";
    internal const string Ec2ConfigFolder = @"%ProgramFiles%\Amazon\Ec2ConfigService";
    internal const string Ec2ConfigSettings = Ec2ConfigFolder + @"\Settings\config.xml";
    internal const string CloudbaseInitFolder = @"%ProgramFiles%\Cloudbase Solutions\Cloudbase-Init";
    internal const string CloudbaseInitKey = @"Cloudbase Solutions\Cloudbase-Init";
    internal const string CloudbaseInitService = "cloudbase-init";

    private static readonly string[] Ec2LaunchV2StateFiles = [".run-once", "state.json", "previous-state.json"];

    /// <summary>EC2Config plugins that disable themselves after their first run and must run again in each clone.</summary>
    internal static readonly ImmutableArray<string> Ec2ConfigOncePlugins = ["Ec2SetPassword", "Ec2SetComputerName", "Ec2HandleUserData"];

    /// <summary>
    /// The agent <paramref name="requested"/> names, resolving <see cref="SealAgent.Auto"/> from the agents the inspection
    /// found active (a service that is not disabled, or EC2Launch v1's scripts). Null with a reason when auto finds none or
    /// several.
    /// </summary>
    public static SealAgent? Resolve(SealAgent requested, InspectionFacts facts, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(facts);
        problem = null;
        if (requested != SealAgent.Auto)
        {
            return requested;
        }

        var active = facts.Agents.Where(IsActive).ToList();
        if (active.Count == 1 && ByDetectorName(active[0].Name) is { } only)
        {
            return only;
        }

        const string choose = "name the agent the image boots into with --agent reseal|ec2launch-v2|ec2launch|ec2config|cloudbase-init";
        var inactive = facts.Agents.Where(a => !IsActive(a)).ToList();
        var alsoFound = inactive.Count == 0 ? "" : $"; also found, inactive: {string.Join(", ", inactive.Select(Describe))}";
        problem = active.Count switch
        {
            0 when facts.Agents.IsEmpty =>
                $"--agent auto (the default): no launch agent is installed (looked for Reseal, EC2Launch v2, EC2Launch v1, EC2Config, Cloudbase-Init, GCE); install one, or {choose}",
            0 => $"--agent auto (the default): no launch agent is active (found, all disabled: {string.Join(", ", inactive.Select(Describe))}); enable the one the image should boot into, or {choose}",
            1 => $"--agent auto (the default): the only active agent is {Describe(active[0])}, which seal cannot keep{alsoFound}; {choose}",
            _ => $"--agent auto (the default): {active.Count} launch agents are active ({string.Join(", ", active.Select(Describe))}) and would race at first boot{alsoFound}; {choose}, and disable or remove the others",
        };
        return null;
    }

    // Active: a service that is not disabled, or an agent without a service (EC2Launch v1's scheduled task; Reseal's files).
    private static bool IsActive(AgentFacts agent) => agent.Services.IsEmpty || agent.Services.Any(s => s.StartMode != ServiceStartMode.Disabled);

    private static string Describe(AgentFacts agent) =>
        agent.Name + " (" + (agent.Services.IsEmpty
            ? string.Join(", ", agent.Evidence.Take(2))
            : string.Join(", ", agent.Services.Select(s => $"service {s.Name} {s.StartMode?.ToString().ToLowerInvariant() ?? "start mode unknown"}"))) + ")";

    private static SealAgent? ByDetectorName(string name) =>
        new[] { SealAgent.Reseal, SealAgent.Ec2LaunchV2, SealAgent.Ec2Launch, SealAgent.Ec2Config, SealAgent.CloudbaseInit }
            .Select(a => (SealAgent?)a).FirstOrDefault(a => DetectorName(a!.Value) == name);

    /// <summary>What must be on the machine for the agent to run in the clones: (what, Windows path or service name, present).</summary>
    public static ImmutableArray<(string What, bool Present)> Requirements(IWindowsMachine machine, SealAgent agent)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var files = machine.Files;
        (string, bool) File(string path) => ($"file {files.Expand(path)}", SafeFiles.Exists(files, path));
        (string, bool) Service(string name) => ($"service {name}", SafeService(machine, name) is { } s && s.StartMode != ServiceStartMode.Disabled);
        return agent switch
        {
            SealAgent.Reseal => [File(SealPaths.ResealExe)],
            SealAgent.Ec2LaunchV2 => [File(Ec2LaunchV2Exe), Service("EC2Launch")],
            SealAgent.Ec2Launch => [File(Ec2LaunchV1Scripts + @"\InitializeInstance.ps1"), File(@"%ProgramData%\Amazon\EC2-Windows\Launch\Sysprep\Randomize-LocalAdminPassword.ps1"),
                File(@"%ProgramData%\Amazon\EC2-Windows\Launch\Sysprep\SysprepSpecialize.cmd"), ($"scheduled task {files.Expand(Ec2LaunchV1Task)} (InitializeInstance.ps1 -Schedule)", SafeFiles.Exists(files, Ec2LaunchV1Task))],
            SealAgent.Ec2Config => [File(Ec2ConfigFolder + @"\Ec2Config.exe"), File(Ec2ConfigFolder + @"\ScramblePassword.exe"), File(Ec2ConfigFolder + @"\Scripts\SysprepSpecializePhase.cmd"),
                File(Ec2ConfigSettings), Service("Ec2Config")],
            SealAgent.CloudbaseInit => [File(CloudbaseInitFolder + @"\Python\Scripts\cloudbase-init.exe"), File(CloudbaseInitFolder + @"\conf\cloudbase-init-unattend.conf"),
                (($"service {CloudbaseInitService}"), SafeService(machine, CloudbaseInitService) is not null)],
            _ => [],
        };
    }

    /// <summary>The changes that make the agent's once-tasks run again in every clone (besides Reseal's own state files).</summary>
    public static ImmutableArray<AgentStateChange> StateChanges(IWindowsMachine machine, SealAgent agent)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var files = machine.Files;
        switch (agent)
        {
            case SealAgent.Ec2LaunchV2:
                // ec2launch reset deletes .run-once; state.json and previous-state.json hold the stages already run.
                return [.. Ec2LaunchV2StateFiles
                    .Select(n => Ec2LaunchV2State + "\\" + n).Where(p => SafeFiles.Exists(files, p)).Select(p => (AgentStateChange)new DeleteAgentFile(files.Expand(p)))];
            case SealAgent.Ec2Config:
                return SafeFiles.Exists(files, Ec2ConfigSettings) && EnableEc2ConfigPlugins(files.ReadAllBytes(Ec2ConfigSettings)) is { } rewritten
                    ? [new RewriteAgentFile(files.Expand(Ec2ConfigSettings), rewritten.Bytes, $"enable {string.Join(", ", rewritten.Enabled)}")]
                    : [];
            case SealAgent.CloudbaseInit:
                return [.. CloudbaseInitState(machine.Registry), .. CloudbaseInitService is var name && SafeService(machine, name) is { StartMode: not ServiceStartMode.Manual }
                    ? new[] { (AgentStateChange)new AgentServiceStartChange(name, ServiceStartMode.Manual) }
                    : []];
            default:
                return [];
        }
    }

    /// <summary>
    /// The SetupComplete.cmd lines of the agent's first-boot hook: Reseal's hand-over; Cloudbase-Init's installer lines
    /// (its service is set to start on demand while sealing, and SetupComplete.cmd sets it back to automatic and starts
    /// it); EC2Config's PostSysprep.cmd. None for EC2Launch v2 (an automatic service that waits for Setup) and v1 (its
    /// scheduled task).
    /// </summary>
    public static ImmutableArray<string> HookLines(SealAgent agent) => agent switch
    {
        SealAgent.Reseal => [SealPaths.FirstBootHookLine],
        SealAgent.CloudbaseInit => ["sc.exe config " + CloudbaseInitService + " start= auto", "sc.exe start " + CloudbaseInitService],
        SealAgent.Ec2Config => ["call \"%ProgramFiles%\\Amazon\\Ec2ConfigService\\Scripts\\PostSysprep.cmd\""],
        _ => [],
    };

    private static List<AgentStateChange> CloudbaseInitState(IRegistry registry)
    {
        // HKLM\SOFTWARE\Cloudbase Solutions\Cloudbase-Init\<instance id>\Plugins: 1 = done, 2 = run at next boot. Every
        // value goes, so each clone (a new instance id anyway) and this machine after a rollback agree.
        var found = new List<AgentStateChange>();
        try
        {
            if (!registry.KeyExists(RegistryHive.Software, CloudbaseInitKey))
            {
                return found;
            }

            foreach (var instance in registry.GetSubkeyNames(RegistryHive.Software, CloudbaseInitKey))
            {
                var plugins = CloudbaseInitKey + "\\" + instance + "\\Plugins";
                if (!registry.KeyExists(RegistryHive.Software, plugins))
                {
                    continue;
                }

                found.AddRange(registry.GetValues(RegistryHive.Software, plugins).Select(v => new AgentRegistryChange(RegistryHive.Software, plugins, v.Name, null)));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException)
        {
            // Unreadable: nothing to reset here; the preflight's inspection already reports the hive.
        }

        return found;
    }

    private static ServiceInfo? SafeService(IWindowsMachine machine, string name)
    {
        try
        {
            return machine.Services.Find(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException or InvalidOperationException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// config.xml with the once-plugins' <c>State</c> set to <c>Enabled</c>, edited in its text so every other byte stays
    /// as it was; null when nothing changes or it is not well-formed XML (checked with DTDs prohibited).
    /// </summary>
    internal static (ImmutableArray<byte> Bytes, ImmutableArray<string> Enabled)? EnableEc2ConfigPlugins(byte[] bytes)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            while (reader.Read())
            {
            }
        }
        catch (XmlException)
        {
            return null;
        }

        var bom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var text = Encoding.UTF8.GetString(bytes, bom, bytes.Length - bom);
        var enabled = new List<string>();
        var edited = PluginBlock().Replace(text, match =>
        {
            var name = match.Groups["name"].Value.Trim();
            if (!Ec2ConfigOncePlugins.Contains(name) || match.Groups["state"].Value.Trim().Equals("Enabled", StringComparison.OrdinalIgnoreCase))
            {
                return match.Value;
            }

            enabled.Add(name);
            var state = match.Groups["state"];
            return match.Value[..(state.Index - match.Index)] + "Enabled" + match.Value[(state.Index - match.Index + state.Length)..];
        });
        return enabled.Count == 0 ? null : ([.. bytes.AsSpan(0, bom), .. Encoding.UTF8.GetBytes(edited)], [.. enabled]);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"<Plugin>\s*<Name>(?<name>[^<]*)</Name>\s*<State>(?<state>[^<]*)</State>", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex PluginBlock();
}
