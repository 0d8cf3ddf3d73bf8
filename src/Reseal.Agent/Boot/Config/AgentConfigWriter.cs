using System.Globalization;
using System.Text;

namespace Reseal.Agent.Boot.Config;

/// <summary>
/// Writes an <see cref="AgentConfig"/> back as agent-config.yml, in the default file's layout (block style, two-space
/// indent, stages in run order). What the reader kept is written: every stage, task, task-level <c>frequency</c> and
/// <c>independent</c>, the inputs the task's schema knows, and the <c>metadata</c> section. Comments and unknown keys
/// are not kept (the reader drops them; a file with unknown keys does not validate anyway). The one writer for
/// everything that edits a configuration: the seal's password choice, the agent removing a used password, migration and
/// the settings UI.
/// </summary>
public static class AgentConfigWriter
{
    /// <summary>The YAML text (LF line ends, ending in a newline). Reading it back gives the same configuration.</summary>
    public static string Write(AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var yaml = new StringBuilder();
        yaml.Append("version: ").Append(config.Version.Length > 0 && config.Version.All(c => char.IsAsciiDigit(c) || c == '.') ? config.Version : Scalar(config.Version)).Append('\n');
        yaml.Append("config:\n");
        foreach (var stage in config.Stages)
        {
            yaml.Append("- stage: ").Append(stage.Stage.ToYamlName()).Append('\n');
            yaml.Append("  tasks:");
            if (stage.Tasks.Count == 0)
            {
                yaml.Append(" []\n");
                continue;
            }

            yaml.Append('\n');
            foreach (var task in stage.Tasks)
            {
                yaml.Append("  - task: ").Append(task.Name).Append('\n');
                if (task.Inputs is { } inputs)
                {
                    yaml.Append("    inputs:");
                    Value(yaml, inputs, 6);
                }

                if (task.Frequency is { } frequency)
                {
                    yaml.Append("    frequency: ").Append(frequency.ToYamlName()).Append('\n');
                }

                if (task.Independent)
                {
                    yaml.Append("    independent: true\n");
                }
            }
        }

        if (config.Metadata is { } metadata)
        {
            yaml.Append("metadata:");
            if (metadata.Sources.Count == 0 && metadata.Endpoints.Count == 0 && metadata.WaitSeconds is null)
            {
                yaml.Append(" {}\n");
                return yaml.ToString();
            }

            yaml.Append('\n');
            if (metadata.Sources.Count > 0)
            {
                yaml.Append("  sources:\n");
                foreach (var source in metadata.Sources)
                {
                    yaml.Append("  - ").Append(Scalar(source)).Append('\n');
                }
            }

            if (metadata.Endpoints.Count > 0)
            {
                yaml.Append("  endpoints:\n");
                foreach (var (source, where) in metadata.Endpoints.OrderBy(e => MetadataOrder(e.Key)))
                {
                    yaml.Append("    ").Append(Scalar(source)).Append(": ").Append(Scalar(where)).Append('\n');
                }
            }

            if (metadata.WaitSeconds is { } wait)
            {
                yaml.Append("  waitSeconds: ").Append(wait.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return yaml.ToString();
    }

    /// <summary>
    /// <paramref name="config"/> with the inputs of every <paramref name="taskName"/> entry replaced by what
    /// <paramref name="change"/> returns for them (null removes the inputs).
    /// </summary>
    public static AgentConfig WithInputs(AgentConfig config, string taskName, Func<InputValue?, InputValue?> change)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(change);
        return config with
        {
            Stages = [.. config.Stages.Select(stage => stage with
            {
                Tasks = [.. stage.Tasks.Select(task => task.Name == taskName ? task with { Inputs = change(task.Inputs) } : task)],
            })],
        };
    }

    /// <summary>A text input at no position (for values a program sets).</summary>
    public static InputText Text(string value) => new(value, 0, 0);

    /// <summary>A map input at no position, fields in the order given.</summary>
    public static InputMap Map(params (string Name, InputValue Value)[] fields) =>
        new(fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal), 0, 0);

    private static int MetadataOrder(string source)
    {
        var index = MetadataSettings.SourceNames.ToList().IndexOf(source);
        return index < 0 ? int.MaxValue : index;
    }

    /// <summary>Writes a value after its key (a scalar on the same line; a map or list on the next lines at <paramref name="indent"/>).</summary>
    private static void Value(StringBuilder yaml, InputValue value, int indent)
    {
        switch (value)
        {
            case InputMap { Fields.Count: 0 }:
                yaml.Append(" {}\n");
                break;
            case InputList { Items.Count: 0 }:
                yaml.Append(" []\n");
                break;
            case InputMap map:
                yaml.Append('\n');
                Fields(yaml, map, indent, firstPrefix: null);
                break;
            case InputList list:
                yaml.Append('\n');
                Items(yaml, list, indent);
                break;
            default:
                yaml.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static void Fields(StringBuilder yaml, InputMap map, int indent, string? firstPrefix)
    {
        var first = true;
        foreach (var (name, field) in map.Fields)
        {
            yaml.Append(first && firstPrefix is not null ? firstPrefix : new string(' ', indent));
            first = false;
            yaml.Append(Scalar(name)).Append(':');
            Value(yaml, field, indent + 2);
        }
    }

    private static void Items(StringBuilder yaml, InputList list, int indent)
    {
        foreach (var item in list.Items)
        {
            var dash = new string(' ', indent) + "- ";
            switch (item)
            {
                case InputMap { Fields.Count: > 0 } map:
                    Fields(yaml, map, indent + 2, dash);
                    break;
                case InputList { Items.Count: > 0 } inner:
                    yaml.Append(new string(' ', indent)).Append("-\n");
                    Items(yaml, inner, indent + 2);
                    break;
                case InputMap:
                    yaml.Append(dash).Append("{}\n");
                    break;
                case InputList:
                    yaml.Append(dash).Append("[]\n");
                    break;
                default:
                    yaml.Append(dash).Append(Scalar(item)).Append('\n');
                    break;
            }
        }
    }

    private static string Scalar(InputValue value) => value switch
    {
        InputText text => Scalar(text.Value),
        InputInteger number => number.Value.ToString(CultureInfo.InvariantCulture),
        InputBoolean flag => flag.Value ? "true" : "false",
        _ => throw new ArgumentException($"{value.GetType().Name} is not a scalar", nameof(value)),
    };

    /// <summary>
    /// A string as a YAML scalar that reads back as the same string: plain when it is unambiguous (letters, digits and a
    /// few punctuation marks, not a word YAML reads as a boolean, null or number), else double-quoted with escapes.
    /// </summary>
    internal static string Scalar(string text)
    {
        if (IsSafePlain(text))
        {
            return text;
        }

        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\t' => quoted.Append("\\t"),
                '\r' => quoted.Append("\\r"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF'
                    => quoted.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static bool IsSafePlain(string text)
    {
        if (text.Length == 0 || text.Length > 200 || !char.IsAsciiLetter(text[0]) && text[0] != '$')
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_' or '$' or '/'))
            {
                return false;
            }
        }

        // YAML 1.1 and 1.2 words that a reader may take for booleans or null.
        return text.ToLowerInvariant() is not ("true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or "null" or "nan" or "inf");
    }
}
