namespace Reseal.Agent.Boot.Config;

/// <summary>How a task's frequency is decided (agents.md §1).</summary>
public enum FrequencyRule
{
    /// <summary>Documented as once per instance.</summary>
    Once,

    /// <summary>Documented as every run.</summary>
    Always,

    /// <summary>Each input says (<c>frequency</c> on executeScript, executeProgram, writeFile).</summary>
    PerInput,
}

/// <summary>One task an agent-config.yml or EC2Launch v2 YAML user data may name.</summary>
/// <param name="Name">The task name, case-sensitive (<c>setAdminAccount</c>).</param>
/// <param name="Frequency">Its documented frequency.</param>
/// <param name="Stages">The stages it may run in (UserData: it may appear in YAML user data).</param>
/// <param name="Inputs">The shape of <c>inputs</c>, or null when it takes none.</param>
/// <param name="Summary">What it does, one line.</param>
public sealed record TaskDefinition(string Name, FrequencyRule Frequency, IReadOnlyList<AgentStage> Stages, InputSchema? Inputs, string Summary)
{
    /// <summary>True when the task may run in <paramref name="stage"/>.</summary>
    public bool RunsIn(AgentStage stage) => Stages.Contains(stage);

    /// <summary>The frequency the task has when nothing overrides it (per-input tasks default to once).</summary>
    public TaskFrequency DefaultFrequency => Frequency == FrequencyRule.Always ? TaskFrequency.Always : TaskFrequency.Once;

    /// <summary>True when <c>inputs</c> is a list of entries, each run on its own (script tasks).</summary>
    public bool HasInputList => Inputs?.Kind == InputKind.List;
}

/// <summary>
/// The 15 tasks EC2Launch v2 documents (agents.md §1, from ec2launch-v2-settings.md), with their frequencies, stages
/// and inputs. Names and input names are case-sensitive, as EC2Launch v2 reads them.
/// </summary>
/// <remarks>
/// Reseal additions (marked in the schemas below): <c>activateWindows</c> also takes <c>type: kms</c> with a
/// <c>server</c> (<c>host[:port]</c>) for clouds without Amazon's KMS; every per-input entry and every task entry may
/// carry <c>frequency</c> and <c>independent</c> (see <see cref="AgentConfigReader"/>).
/// </remarks>
public static class TaskCatalog
{
    private static readonly AgentStage[] PreReadyOnly = [AgentStage.PreReady];
    private static readonly AgentStage[] PostReadyAndUserData = [AgentStage.PostReady, AgentStage.UserData];
    private static readonly AgentStage[] PreReadyAndUserData = [AgentStage.PreReady, AgentStage.UserData];
    private static readonly AgentStage[] ScriptStages = [AgentStage.PreReady, AgentStage.PostReady, AgentStage.UserData];

    private static readonly InputSchema FrequencyValue = InputSchema.OneOf("once", "always");
    private static readonly InputSchema RunAs = InputSchema.OneOf("admin", "localSystem");

    /// <summary>The attributes <c>setWallpaper</c> can print (EC2Launch v2's list).</summary>
    public static IReadOnlyList<string> WallpaperAttributes { get; } =
        ["hostName", "instanceId", "privateIpAddress", "publicIpAddress", "instanceSize", "availabilityZone", "architecture", "memory", "network"];

    /// <summary>Every task, by name.</summary>
    public static IReadOnlyList<TaskDefinition> All { get; } =
    [
        new("activateWindows", FrequencyRule.Once, PreReadyOnly,
            InputSchema.MapOf(new InputField("activation", InputSchema.MapOf(
                new InputField("type", InputSchema.OneOf("amazon", "kms"), Required: true),
                new InputField("server", InputSchema.Text)))),
            "activate Windows against KMS (amazon: the region's KMS; kms: 'server', a Reseal addition); skipped for BYOL"),
        new("enableJumboFrames", FrequencyRule.Always, PostReadyAndUserData, null, "enable jumbo frames on the ENA adapter"),
        new("enableOpenSsh", FrequencyRule.Once, PreReadyAndUserData, null, "install and start OpenSSH Server (Windows Server 2019 and later)"),
        new("executeProgram", FrequencyRule.PerInput, ScriptStages,
            InputSchema.ListOf(InputSchema.MapOf(
                new InputField("frequency", FrequencyValue),
                new InputField("path", InputSchema.Text, Required: true),
                new InputField("arguments", InputSchema.ListOf(InputSchema.Text)),
                new InputField("runAs", RunAs)), acceptsSingleItem: true),
            "run a program"),
        new("executeScript", FrequencyRule.PerInput, ScriptStages,
            InputSchema.ListOf(InputSchema.MapOf(
                new InputField("frequency", FrequencyValue),
                new InputField("type", InputSchema.OneOf("batch", "powershell"), Required: true),
                new InputField("content", InputSchema.Text, Required: true),
                new InputField("arguments", InputSchema.ListOf(InputSchema.Text)),
                new InputField("runAs", RunAs),
                new InputField("detach", InputSchema.Flag)), acceptsSingleItem: true),
            "run a PowerShell or batch script (exit 3010: reboot and run again)"),
        new("extendRootPartition", FrequencyRule.Once, [AgentStage.Boot], null, "extend the root partition to fill its volume"),
        new("initializeVolume", FrequencyRule.Always, PostReadyAndUserData,
            InputSchema.MapOf(
                new InputField("initialize", InputSchema.OneOf("all", "devices"), Required: true),
                new InputField("devices", InputSchema.ListOf(InputSchema.MapOf(
                    new InputField("device", InputSchema.Text, Required: true),
                    new InputField("name", InputSchema.Text),
                    new InputField("letter", InputSchema.TextUpTo(1)),
                    new InputField("partition", InputSchema.OneOf("mbr", "gpt")))))),
            "initialize and format attached volumes"),
        new("optimizeEna", FrequencyRule.Always, PostReadyAndUserData, null, "apply ENA performance settings (may reboot)"),
        new("setAdminAccount", FrequencyRule.Once, PreReadyOnly,
            InputSchema.MapOf(
                new InputField("name", InputSchema.TextUpTo(20)),
                new InputField("password", InputSchema.MapOf(
                    new InputField("type", InputSchema.OneOf("static", "random", "doNothing"), Required: true),
                    new InputField("data", InputSchema.Text)))),
            "name the administrator account and set its password (random: encrypted to the launch key, printed on the console)"),
        new("setDnsSuffix", FrequencyRule.Always, PreReadyOnly,
            InputSchema.MapOf(new InputField("suffixes", InputSchema.ListOf(InputSchema.Text), Required: true)),
            "set the DNS suffix search list ($REGION and $AZ are replaced)"),
        new("setHostName", FrequencyRule.Always, PostReadyAndUserData,
            InputSchema.MapOf(
                new InputField("hostName", InputSchema.TextUpTo(15)),
                new InputField("reboot", InputSchema.Flag)),
            "set the computer name (at most 15 characters; reboots only when the name changes)"),
        new("setWallpaper", FrequencyRule.Always, PreReadyAndUserData,
            InputSchema.MapOf(
                new InputField("path", InputSchema.Text),
                new InputField("attributes", InputSchema.ListOf(InputSchema.OneOf([.. WallpaperAttributes]))),
                new InputField("instanceTags", InputSchema.ListOf(InputSchema.Text))),
            "draw instance facts on the desktop wallpaper"),
        new("startSsm", FrequencyRule.Always, PostReadyAndUserData, null, "start the SSM agent"),
        new("sysprep", FrequencyRule.Once, [AgentStage.UserData],
            InputSchema.MapOf(new InputField("clean", InputSchema.Flag), new InputField("shutdown", InputSchema.Flag)),
            "run Sysprep on this instance"),
        new("writeFile", FrequencyRule.PerInput, PostReadyAndUserData,
            InputSchema.ListOf(InputSchema.MapOf(
                new InputField("frequency", FrequencyValue),
                new InputField("destination", InputSchema.Text, Required: true),
                new InputField("content", InputSchema.Text, Required: true)), acceptsSingleItem: true),
            "write a file"),
    ];

    private static readonly Dictionary<string, TaskDefinition> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The task called <paramref name="name"/> (case-sensitive), or null.</summary>
    public static TaskDefinition? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>A "did you mean" for a misspelt name among <paramref name="candidates"/>, or null.</summary>
    public static string? Suggest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return bestDistance <= Math.Max(2, name.Length / 4) ? best : null;
    }

    // Levenshtein distance over short names (task and stage names are under 30 characters; longer input is not compared).
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
