using System.Globalization;
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
        Outcomes.Add(new SettingOutcome(setting, SettingFate.Mapped, target, reason));
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

    /// <summary>The agent-config.yml text: version, the metadata section when there is one, and the stages in run order.</summary>
    public string ToYaml(string header)
    {
        var text = new StringBuilder();
        foreach (var line in header.Split('\n'))
        {
            text.Append("# ").Append(line).Append('\n');
        }

        text.Append("version: 1.0\n");
        if (MetadataSources.Count > 0 || MetadataWaitSeconds is not null || MetadataEndpoints.Count > 0)
        {
            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            if (MetadataSources.Count > 0)
            {
                metadata["sources"] = MetadataSources.Cast<object>().ToList();
            }

            if (MetadataEndpoints.Count > 0)
            {
                var endpoints = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (var (source, url) in MetadataEndpoints)
                {
                    endpoints[source] = url;
                }

                metadata["endpoints"] = endpoints;
            }

            if (MetadataWaitSeconds is { } wait)
            {
                metadata["waitSeconds"] = wait;
            }

            text.Append("metadata:\n");
            WriteEntries(text, metadata, 2, null);
        }

        text.Append("config:");
        var stages = _tasks.Select(t => t.Stage).Distinct().Order().ToList();
        if (stages.Count == 0)
        {
            text.Append(" []\n");
            return text.ToString();
        }

        text.Append('\n');
        foreach (var stage in stages)
        {
            text.Append("- stage: ").Append(stage.ToYamlName()).Append("\n  tasks:\n");
            foreach (var (_, task, inputs) in _tasks.Where(t => t.Stage == stage))
            {
                text.Append("  - task: ").Append(task).Append('\n');
                if (inputs.Count > 0 && _listTasks.Contains(task))
                {
                    text.Append("    inputs:\n");
                    WriteEntries(text, inputs, 6, "    - ");
                }
                else if (inputs.Count > 0)
                {
                    text.Append("    inputs:\n");
                    WriteEntries(text, inputs, 6, null);
                }
            }
        }

        return text.ToString();
    }

    private static void WriteEntries(StringBuilder text, Dictionary<string, object> map, int indent, string? firstPrefix)
    {
        var first = true;
        foreach (var (key, value) in map)
        {
            text.Append(first && firstPrefix is not null ? firstPrefix : new string(' ', indent));
            first = false;
            text.Append(key).Append(':');
            switch (value)
            {
                case Dictionary<string, object> { Count: > 0 } inner:
                    text.Append('\n');
                    WriteEntries(text, inner, indent + 2, null);
                    break;
                case List<object> { Count: > 0 } list:
                    text.Append('\n');
                    WriteItems(text, list, indent);
                    break;
                default:
                    text.Append(' ').Append(Scalar(value)).Append('\n');
                    break;
            }
        }
    }

    private static void WriteItems(StringBuilder text, List<object> items, int indent)
    {
        foreach (var item in items)
        {
            if (item is Dictionary<string, object> map)
            {
                WriteEntries(text, map, indent + 2, new string(' ', indent) + "- ");
            }
            else
            {
                text.Append(' ', indent).Append("- ").Append(Scalar(item)).Append('\n');
            }
        }
    }

    // Strings are always single-quoted (the only escape is '' for '), so no value can change the document's shape; the
    // readers refuse line breaks and control characters before a value gets here.
    private static string Scalar(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        int number => number.ToString(CultureInfo.InvariantCulture),
        long number => number.ToString(CultureInfo.InvariantCulture),
        string text => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'",
        _ => throw new InvalidOperationException("unexpected value type " + value.GetType().Name),
    };

    /// <summary>True when <paramref name="value"/> can be written into the YAML (no line break, no control character).</summary>
    public static bool IsWritable(string value) => !value.Any(char.IsControl);
}
