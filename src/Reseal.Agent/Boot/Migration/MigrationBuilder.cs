using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Tasks;

namespace Reseal.Agent.Boot.Migration;

/// <summary>
/// Collects what the readers make of each setting: the tasks and inputs of the new agent-config.yml (in stage order,
/// tasks in the order first mapped), its <c>metadata:</c> section, the fate of every setting, and the problems found.
/// A task the registry does not know (a build without it) is never written: the setting becomes "not migrated" saying so,
/// so the output always validates against the Reseal that runs the migration.
/// </summary>
internal sealed class MigrationBuilder(TaskRegistry registry)
{
    private readonly List<(AgentStage Stage, string Task, Dictionary<string, object> Inputs)> _tasks = [];

    public List<SettingOutcome> Outcomes { get; } = [];

    public List<BootDiagnostic> Diagnostics { get; } = [];

    public List<string> Files { get; } = [];

    /// <summary>The <c>metadata.sources</c> list, in order (empty: the section is left out or has no sources).</summary>
    public List<string> MetadataSources { get; } = [];

    /// <summary><c>metadata.endpoints</c>: a URL per source name.</summary>
    public Dictionary<string, string> MetadataEndpoints { get; } = new(StringComparer.Ordinal);

    private readonly HashSet<string> _listTasks = new(StringComparer.Ordinal);

    /// <summary>The task's inputs are written as a one-entry list (executeScript, executeProgram, writeFile).</summary>
    public void MarkListTask(string task) => _listTasks.Add(task);

    /// <summary><c>metadata.waitSeconds</c>, or null.</summary>
    public int? MetadataWaitSeconds { get; set; }

    /// <summary>True once a clear-text password has been written into the configuration.</summary>
    public bool HasClearTextPassword { get; set; }

    public bool Knows(string task) => registry.Find(task) is not null;

    /// <summary>
    /// Maps <paramref name="setting"/> to <paramref name="task"/> in <paramref name="stage"/>; <paramref name="inputs"/>
    /// fills (or adds to) the task's inputs. When the registry lacks the task, the setting is reported not migrated.
    /// </summary>
    public void Map(FoundSetting setting, AgentStage stage, string task, string target, string reason, Action<Dictionary<string, object>>? inputs = null)
    {
        if (!Knows(task))
        {
            NotMigrated(setting, $"it maps to task '{task}', which this build of Reseal does not have");
            return;
        }

        var entry = _tasks.FirstOrDefault(t => t.Task == task);
        if (entry.Task is null)
        {
            entry = (stage, task, new Dictionary<string, object>(StringComparer.Ordinal));
            _tasks.Add(entry);
        }

        inputs?.Invoke(entry.Inputs);
        // Mapped all the same (the configuration keeps the user's choice for a version that has the task), but the
        // report must not read as if it will run: plan and the agent skip it.
        var notBuilt = registry.Find(task) is NotBuiltTask skipped ? $" (this version skips it: {skipped.Reason})" : "";
        Outcomes.Add(new SettingOutcome(setting, SettingFate.Mapped, target, reason + notBuilt));
    }

    /// <summary>True when <paramref name="task"/> is already in the configuration.</summary>
    public bool Has(string task) => _tasks.Any(t => t.Task == task);

    /// <summary>A setting that turns a task off: mapped to its absence.</summary>
    public void LeftOut(FoundSetting setting, string task, string reason) =>
        Outcomes.Add(new SettingOutcome(setting, SettingFate.Mapped, $"(no {task} task)", reason));

    /// <summary>A setting mapped to the <c>metadata:</c> section (the caller sets the value).</summary>
    public void MapMetadata(FoundSetting setting, string target, string reason) =>
        Outcomes.Add(new SettingOutcome(setting, SettingFate.Mapped, target, reason));

    public void Default(FoundSetting setting, string reason) => Outcomes.Add(new SettingOutcome(setting, SettingFate.Default, null, reason));

    public void NotMigrated(FoundSetting setting, string reason) => Outcomes.Add(new SettingOutcome(setting, SettingFate.NotMigrated, null, reason));

    public void Error(string code, string file, int line, string message) => Diagnostics.Add(BootDiagnostic.Error(code, line, 0, message, file));

    public void Warning(string code, string file, int line, string message) => Diagnostics.Add(BootDiagnostic.Warning(code, line, 0, message, file));

    /// <summary>
    /// The agent-config.yml text: <paramref name="header"/> as comment lines, then the configuration as the one writer
    /// (<see cref="AgentConfigWriter"/>) writes it: version, the stages in run order, the metadata section when there is one.
    /// </summary>
    public string ToYaml(string header)
    {
        var text = new StringBuilder();
        foreach (var line in header.Split('\n'))
        {
            text.Append("# ").Append(line).Append('\n');
        }

        return text.Append(AgentConfigWriter.Write(ToConfig())).ToString();
    }

    /// <summary>The configuration the mapped settings make (tasks at no position: a program set them).</summary>
    public AgentConfig ToConfig()
    {
        var stages = _tasks.GroupBy(t => t.Stage).OrderBy(g => g.Key).Select(group => new StageConfig(group.Key,
            [.. group.Select(t => new TaskConfig(registry.Find(t.Task)!, null, false,
                t.Inputs.Count == 0 ? null : _listTasks.Contains(t.Task) ? new InputList([Input(t.Inputs)], 0, 0) : Input(t.Inputs), 0, 0))], 0, 0)).ToList();
        var metadata = MetadataSources.Count > 0 || MetadataEndpoints.Count > 0 || MetadataWaitSeconds is not null
            ? new MetadataSettings([.. MetadataSources], new Dictionary<string, string>(MetadataEndpoints, StringComparer.Ordinal), MetadataWaitSeconds)
            : null;
        return new AgentConfig("1.0", stages, metadata);
    }

    private static InputValue Input(object value) => value switch
    {
        string text => new InputText(text, 0, 0),
        bool flag => new InputBoolean(flag, 0, 0),
        int number => new InputInteger(number, 0, 0),
        long number => new InputInteger(number, 0, 0),
        List<object> list => new InputList([.. list.Select(Input)], 0, 0),
        Dictionary<string, object> map => new InputMap(map.ToDictionary(f => f.Key, f => Input(f.Value), StringComparer.Ordinal), 0, 0),
        _ => throw new InvalidOperationException("unexpected input type " + value.GetType().Name),
    };

    /// <summary>True when <paramref name="value"/> can be written into the YAML (no line break, no control character).</summary>
    public static bool IsWritable(string value) => !value.Any(char.IsControl);
}
