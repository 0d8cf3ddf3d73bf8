using System.Collections.Immutable;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Tasks;
using Reseal.Windows.Layout;

namespace Reseal.Cli.Settings;

/// <summary>
/// The pure layer of <c>reseal settings</c>: reads <see cref="AgentSettings"/> out of a validated configuration and
/// applies edited settings back to it. Everything the settings do not cover — other tasks (executeScript,
/// activateWindows, …), the <c>metadata</c> section, a task's <c>frequency</c> and <c>independent</c>, inputs the views
/// do not show (setHostName's <c>reboot</c>) — is carried over as it was. A task the settings turn on that the file does
/// not have is appended to the stage EC2Launch v2's defaults put it in; one they turn off is removed from every stage.
/// </summary>
internal static class AgentSettingsModel
{
    /// <summary>The tasks the settings own, and the stage each one is added to when it is turned on.</summary>
    public static IReadOnlyList<(string Task, AgentStage Stage)> Owned { get; } =
    [
        ("extendRootPartition", AgentStage.Boot),
        ("setAdminAccount", AgentStage.PreReady),
        ("setDnsSuffix", AgentStage.PreReady),
        ("setWallpaper", AgentStage.PreReady),
        ("enableOpenSsh", AgentStage.PreReady),
        ("setHostName", AgentStage.PostReady),
        ("startSsm", AgentStage.PostReady),
        ("optimizeEna", AgentStage.PostReady),
        ("enableJumboFrames", AgentStage.PostReady),
        ("initializeVolume", AgentStage.PostReady),
    ];

    /// <summary>The wallpaper attributes, in EC2Launch v2's order.</summary>
    public static IReadOnlyList<string> WallpaperAttributes => WallpaperText.Attributes;

    /// <summary>The settings <paramref name="config"/> expresses (a task in several stages: its first entry's inputs).</summary>
    public static AgentSettings Read(AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var host = Inputs(config, "setHostName");
        var admin = Inputs(config, "setAdminAccount");
        var password = admin?.Map("password");
        var dns = Inputs(config, "setDnsSuffix");
        var wallpaper = Inputs(config, "setWallpaper");
        var volumes = Inputs(config, "initializeVolume");
        return new AgentSettings
        {
            SetHostName = host is not null,
            HostName = host?.Text("hostName") ?? "",
            ExtendBootVolume = Has(config, "extendRootPartition"),
            Admin = new AdminAccountSettings(
                admin is not null,
                admin?.Text("name") ?? "",
                password?.Text("type") switch
                {
                    "static" => AdminPasswordChoice.Specify,
                    "doNothing" => AdminPasswordChoice.Keep,
                    _ => AdminPasswordChoice.Random,
                },
                null,
                password?.Text("data") is not null),
            StartSsm = Has(config, "startSsm"),
            OptimizeEna = Has(config, "optimizeEna"),
            EnableOpenSsh = Has(config, "enableOpenSsh"),
            EnableJumboFrames = Has(config, "enableJumboFrames"),
            SetDnsSuffix = dns is not null,
            DnsSuffixes = [.. dns?.Texts("suffixes") ?? []],
            SetWallpaper = wallpaper is not null,
            WallpaperPath = wallpaper?.Text("path") ?? "",
            WallpaperAttributes = [.. wallpaper?.Texts("attributes") ?? []],
            WallpaperTags = [.. wallpaper?.Texts("instanceTags") ?? []],
            InitializeVolumes = volumes is not null,
            Volumes = volumes?.Text("initialize") == "devices" ? VolumeSelection.Devices : VolumeSelection.All,
            Devices = [.. volumes?.Fields.GetValueOrDefault("devices") is InputList list
                ? list.Items.OfType<InputMap>().Select(d => new VolumeDevice(d.Text("device") ?? "", d.Text("name"), d.Text("letter"), d.Text("partition")))
                : []],
        };
    }

    /// <summary>
    /// The problems with <paramref name="settings"/> a user can fix in the views, each naming the field (empty when
    /// there are none). The agent's own reader checks the result again before anything is saved.
    /// </summary>
    public static IReadOnlyList<string> Check(AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        if (settings.SetHostName && settings.HostName.Length > 0 && Reseal.Windows.Ports.ComputerNames.Problem(settings.HostName) is { } why)
        {
            problems.Add($"host name '{settings.HostName}': {why}");
        }

        if (settings.Admin.Enabled)
        {
            var name = settings.Admin.Name;
            if (name.Length > 20 || name.Any(c => char.IsControl(c) || "\"/\\[]:;|=,+*?<>@".Contains(c, StringComparison.Ordinal)))
            {
                problems.Add("administrator name: at most 20 characters, none of \" / \\ [ ] : ; | = , + * ? < > @");
            }

            if (settings.Admin.Password == AdminPasswordChoice.Specify)
            {
                if (settings.Admin.NewPassword is null && !settings.Admin.HasStoredPassword)
                {
                    problems.Add("administrator password: 'Specify' needs a password (or choose Random or Keep existing)");
                }
                else if (settings.Admin.NewPassword is { } typed && (typed.Length == 0 || typed.Any(char.IsControl)))
                {
                    problems.Add("administrator password: empty, or has a control character");
                }
            }
        }

        if (settings.SetDnsSuffix && settings.DnsSuffixes.Length == 0)
        {
            problems.Add("DNS suffixes: the list is empty (turn the task off, or add a suffix such as $REGION.ec2-utilities.amazonaws.com)");
        }

        foreach (var suffix in settings.DnsSuffixes.Where(s => s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            problems.Add($"DNS suffix '{suffix}' has a blank in it");
        }

        foreach (var attribute in settings.WallpaperAttributes.Where(a => !WallpaperAttributes.Contains(a)))
        {
            problems.Add($"wallpaper attribute '{attribute}' is not one of {string.Join(", ", WallpaperAttributes)}");
        }

        if (settings.InitializeVolumes && settings.Volumes == VolumeSelection.Devices && settings.Devices.Length == 0)
        {
            problems.Add("volumes: 'listed devices' needs at least one device (device, name, letter, partition)");
        }

        return problems;
    }

    /// <summary>
    /// <paramref name="config"/> with <paramref name="settings"/> applied. Tasks and keys the settings do not own are kept
    /// as they were; a "Specify" password with no new text keeps the stored <c>data</c>.
    /// </summary>
    public static AgentConfig Apply(AgentConfig config, AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(settings);
        var result = config;
        result = Set(result, "extendRootPartition", settings.ExtendBootVolume, _ => null);
        result = Set(result, "startSsm", settings.StartSsm, _ => null);
        result = Set(result, "optimizeEna", settings.OptimizeEna, _ => null);
        result = Set(result, "enableOpenSsh", settings.EnableOpenSsh, _ => null);
        result = Set(result, "enableJumboFrames", settings.EnableJumboFrames, _ => null);
        result = Set(result, "setHostName", settings.SetHostName, old => With(old, "hostName", settings.HostName.Length == 0 ? null : Text(settings.HostName)));
        result = Set(result, "setAdminAccount", settings.Admin.Enabled, old => AdminInputs(old, settings.Admin));
        result = Set(result, "setDnsSuffix", settings.SetDnsSuffix, old => With(old, "suffixes", List(settings.DnsSuffixes)));
        result = Set(result, "setWallpaper", settings.SetWallpaper, old =>
        {
            var inputs = With(old, "path", settings.WallpaperPath.Length == 0 ? null : Text(settings.WallpaperPath));
            inputs = With(inputs, "attributes", settings.WallpaperAttributes.Length == 0 ? null : List(WallpaperAttributes.Where(settings.WallpaperAttributes.Contains)));
            return With(inputs, "instanceTags", settings.WallpaperTags.Length == 0 ? null : List(settings.WallpaperTags));
        });
        result = Set(result, "initializeVolume", settings.InitializeVolumes, old =>
        {
            var inputs = With(old, "initialize", Text(settings.Volumes == VolumeSelection.Devices ? "devices" : "all"));
            return With(inputs, "devices", settings.Volumes == VolumeSelection.Devices
                ? new InputList([.. settings.Devices.Select(Device)], 0, 0)
                : null);
        });
        return result;
    }

    private static InputMap AdminInputs(InputValue? old, AdminAccountSettings admin)
    {
        var previous = (old as InputMap)?.Map("password");
        InputMap password = admin.Password switch
        {
            AdminPasswordChoice.Specify when admin.NewPassword is null && previous?.Fields.GetValueOrDefault("data") is { } stored
                => AgentConfigWriter.Map(("type", Text("static")), ("data", stored)),
            AdminPasswordChoice.Specify => AgentConfigWriter.Map(("type", Text("static")), ("data", Text(admin.NewPassword ?? ""))),
            AdminPasswordChoice.Keep => AgentConfigWriter.Map(("type", Text("doNothing"))),
            _ => AgentConfigWriter.Map(("type", Text("random"))),
        };
        var inputs = With(old, "name", admin.Name.Length == 0 ? null : Text(admin.Name));
        return With(inputs, "password", password);
    }

    private static InputMap Device(VolumeDevice device)
    {
        var fields = new List<(string, InputValue)> { ("device", Text(device.Device)) };
        if (device.Name is { } name)
        {
            fields.Add(("name", Text(name)));
        }

        if (device.Letter is { } letter)
        {
            fields.Add(("letter", Text(letter)));
        }

        if (device.Partition is { } partition)
        {
            fields.Add(("partition", Text(partition)));
        }

        return AgentConfigWriter.Map([.. fields]);
    }

    /// <summary>
    /// Turns <paramref name="task"/> on or off. On: every entry of it gets the inputs <paramref name="inputs"/> makes from
    /// its old ones (null: none); with no entry, one is appended to the task's stage of <see cref="Owned"/>. Off: every
    /// entry is removed, and a stage left with no task with it.
    /// </summary>
    private static AgentConfig Set(AgentConfig config, string task, bool on, Func<InputValue?, InputValue?> inputs)
    {
        if (!on)
        {
            return config with
            {
                Stages = [.. config.Stages
                    .Where(s => !s.Tasks.All(t => t.Name == task) || s.Tasks.Count == 0)
                    .Select(s => s.Tasks.Any(t => t.Name == task) ? s with { Tasks = [.. s.Tasks.Where(t => t.Name != task)] } : s)],
            };
        }

        if (Has(config, task))
        {
            return AgentConfigWriter.WithInputs(config, task, inputs);
        }

        var definition = TaskRegistry.BuiltIn.Find(task) ?? throw new InvalidOperationException($"task '{task}' is not built in");
        var stage = Owned.First(o => o.Task == task).Stage;
        var entry = new TaskConfig(definition, null, false, inputs(null), 0, 0);
        var stages = config.Stages.ToList();
        var index = stages.FindIndex(s => s.Stage == stage);
        if (index >= 0)
        {
            stages[index] = stages[index] with { Tasks = [.. stages[index].Tasks, entry] };
        }
        else
        {
            // Stages are kept in run order: the new one goes before the first stage that runs after it.
            var after = stages.FindIndex(s => s.Stage > stage);
            stages.Insert(after < 0 ? stages.Count : after, new StageConfig(stage, [entry], 0, 0));
        }

        return config with { Stages = stages };
    }

    private static bool Has(AgentConfig config, string task) => config.Stages.Any(s => s.Tasks.Any(t => t.Name == task));

    private static InputMap? Inputs(AgentConfig config, string task) =>
        config.Stages.SelectMany(s => s.Tasks).FirstOrDefault(t => t.Name == task) is { } entry ? entry.Inputs as InputMap ?? InputMap.Empty : null;

    /// <summary><paramref name="old"/>'s fields (a map, or none) with <paramref name="name"/> set, or removed when <paramref name="value"/> is null; field order kept.</summary>
    private static InputMap With(InputValue? old, string name, InputValue? value)
    {
        var fields = new List<(string, InputValue)>();
        var replaced = false;
        foreach (var (key, field) in (old as InputMap)?.Fields ?? ImmutableDictionary<string, InputValue>.Empty)
        {
            if (key != name)
            {
                fields.Add((key, field));
            }
            else if (value is not null)
            {
                fields.Add((key, value));
                replaced = true;
            }
        }

        if (!replaced && value is not null)
        {
            fields.Add((name, value));
        }

        return AgentConfigWriter.Map([.. fields]);
    }

    private static InputText Text(string value) => AgentConfigWriter.Text(value);

    private static InputList List(IEnumerable<string> items) => new([.. items.Select(i => (InputValue)Text(i))], 0, 0);
}
