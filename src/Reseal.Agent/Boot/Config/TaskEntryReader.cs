using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.Yaml;

namespace Reseal.Agent.Boot.Config;

/// <summary>
/// Reads and validates a list of task entries (<c>tasks:</c> of a stage in agent-config.yml, or of EC2Launch v2 YAML
/// user data) against a <see cref="TaskRegistry"/> (the built-in one unless told). Reports every problem; keeps every
/// task that is usable.
/// </summary>
/// <remarks>
/// A task entry is <c>{task, inputs}</c> as EC2Launch v2 documents it, plus two Reseal keys:
/// <list type="bullet">
/// <item><c>frequency: once|always</c> — overrides the task's documented frequency (a warning says so for fixed-frequency
/// tasks); for executeScript, executeProgram and writeFile it is the default of entries without their own.</item>
/// <item><c>independent: true</c> — the task has no ordering dependency on its neighbours: consecutive independent
/// tasks of a stage may run in parallel; their console lines are still printed in file order.</item>
/// </list>
/// </remarks>
internal sealed class TaskEntryReader(List<BootDiagnostic> diagnostics, string? source, TaskRegistry? registry = null)
{
    private readonly TaskRegistry _registry = registry ?? TaskRegistry.BuiltIn;

    private static readonly string[] TaskKeys = ["task", "inputs", "frequency", "independent"];

    // Names people try that are not agent-config task names (agents.md §1).
    private static readonly Dictionary<string, string> KnownMistakes = new(StringComparer.Ordinal)
    {
        ["setComputerName"] = "the task is called 'setHostName'",
        ["startSsmService"] = "the task is called 'startSsm'",
        ["configureRDP"] = "EC2Launch v2 has no such task",
        ["setMonitorOn"] = "EC2Launch v2 has no such task",
        ["setHibernation"] = "EC2Launch v2 has no such task",
    };

    public List<TaskConfig> ReadTasks(YamlValue? tasksNode, AgentStage stage, string where)
    {
        var tasks = new List<TaskConfig>();
        if (tasksNode is null || tasksNode is YamlScalarValue { IsNull: true })
        {
            return tasks;
        }

        if (tasksNode is not YamlSequenceValue sequence)
        {
            Error(BootCodes.WrongShape, tasksNode, $"'tasks' of {where} must be a list of task entries, not {tasksNode.KindName}");
            return tasks;
        }

        var seen = new Dictionary<string, TaskConfig>(StringComparer.Ordinal);
        foreach (var item in sequence.Items)
        {
            var task = ReadTask(item, stage, where);
            if (task is null)
            {
                continue;
            }

            if (seen.TryGetValue(task.Name, out var first))
            {
                Error(BootCodes.DuplicateTask, task.Line, task.Column,
                    $"task:{task.Name} should be unique and only invoked once in {where} (first at {first.Line}:{first.Column}); " +
                    (task.Definition.HasInputList ? "give the first one a list of inputs instead" : "remove one"));
                continue;
            }

            seen.Add(task.Name, task);
            tasks.Add(task);
        }

        return tasks;
    }

    private TaskConfig? ReadTask(YamlValue item, AgentStage stage, string where)
    {
        if (item is not YamlMappingValue entry)
        {
            Error(BootCodes.WrongShape, item, $"a task entry must be a mapping with 'task' and 'inputs', not {item.KindName}");
            return null;
        }

        foreach (var key in entry.Entries.Select(e => e.Key).Where(k => !TaskKeys.Contains(k.Text)))
        {
            Error(BootCodes.UnknownKey, key, $"unknown key '{key.Text}' in a task entry; allowed: {string.Join(", ", TaskKeys)}" + Hint(key.Text, TaskKeys));
        }

        if (entry.Get("task") is not YamlScalarValue { IsNull: false } nameNode)
        {
            var at = entry.Get("task") ?? entry;
            Error(BootCodes.MissingKey, at, "the task entry has no 'task' name");
            return null;
        }

        var definition = _registry.Find(nameNode.Text);
        if (definition is null)
        {
            var hint = KnownMistakes.TryGetValue(nameNode.Text, out var mistake) ? $" ({mistake})"
                : Hint(nameNode.Text, _registry.All.Select(t => t.Name));
            Error(BootCodes.UnknownTask, nameNode, $"unknown task '{nameNode.Text}'{hint}");
            return null;
        }

        if (!definition.RunsIn(stage))
        {
            Error(BootCodes.TaskNotAllowedInStage, nameNode,
                $"task '{definition.Name}' cannot run in {where}; it runs in: {string.Join(", ", definition.Stages.Select(s => s.ToYamlName()))}");
        }

        var frequency = ReadFrequency(entry.Get("frequency"), definition);
        var independent = false;
        if (entry.Get("independent") is { } independentNode && independentNode is not YamlScalarValue { IsNull: true })
        {
            if (independentNode is YamlScalarValue scalar && scalar.AsBoolean() is { } flag)
            {
                independent = flag;
            }
            else
            {
                Error(BootCodes.WrongInputType, independentNode, $"'independent' must be a boolean (true or false), got {Show(independentNode)}");
            }
        }

        InputValue? inputs = null;
        var inputsNode = entry.Get("inputs");
        if (inputsNode is not null && inputsNode is not YamlScalarValue { IsNull: true })
        {
            if (definition.Inputs is null)
            {
                Error(BootCodes.UnknownInput, inputsNode, $"task '{definition.Name}' takes no inputs");
            }
            else
            {
                inputs = ReadValue(inputsNode, definition.Inputs, "inputs");
            }
        }
        else if (definition.Inputs is { Kind: InputKind.Map } schema)
        {
            foreach (var field in schema.Fields.Where(f => f.Required))
            {
                Error(BootCodes.MissingInput, nameNode, $"task '{definition.Name}' needs input '{field.Name}'");
            }
        }
        else if (definition.HasInputList)
        {
            Error(BootCodes.MissingInput, nameNode, $"task '{definition.Name}' needs 'inputs' (a list of entries)");
        }

        var task = new TaskConfig(definition, frequency, independent, inputs, nameNode.Line, nameNode.Column);
        CheckTask(task);
        return task;
    }

    private TaskFrequency? ReadFrequency(YamlValue? node, BootTask definition)
    {
        if (node is null || node is YamlScalarValue { IsNull: true })
        {
            return null;
        }

        if (node is not YamlScalarValue scalar)
        {
            Error(BootCodes.WrongInputType, node, $"'frequency' must be once or always, not {node.KindName}");
            return null;
        }

        if (AgentStageNames.FrequencyFromName(scalar.Text) is not { } frequency)
        {
            Error(BootCodes.BadEnumValue, scalar, $"'frequency' must be once or always, got '{scalar.Text}'" + Hint(scalar.Text, ["once", "always"]));
            return null;
        }

        if (definition.Frequency != FrequencyRule.PerInput && frequency != definition.DefaultFrequency)
        {
            Warning(BootCodes.FrequencyOverride, scalar,
                $"'frequency: {scalar.Text}' overrides the documented frequency of '{definition.Name}' ({definition.DefaultFrequency.ToYamlName()})");
        }

        return frequency;
    }

    /// <summary>Checks <paramref name="node"/> against <paramref name="schema"/>; returns the typed value or null.</summary>
    public InputValue? ReadValue(YamlValue node, InputSchema schema, string path)
    {
        switch (schema.Kind)
        {
            case InputKind.Text:
                if (node is not YamlScalarValue text)
                {
                    return WrongType(node, schema, path);
                }

                if (schema.AllowedValues is { } allowed && !allowed.Contains(text.Text))
                {
                    Error(BootCodes.BadEnumValue, text, IsSecretPath(path)
                        ? $"'{path}' must be {schema.Describe()}, got {text.KindName} (not shown: it is under a password input)"
                        : $"'{path}' must be {schema.Describe()}, got '{text.Text}'" + Hint(text.Text, allowed));
                    return null;
                }

                if (schema.MaxLength is { } max && text.Text.Length > max)
                {
                    Error(BootCodes.BadValue, text, $"'{path}' is {text.Text.Length} characters; at most {max} are allowed");
                    return null;
                }

                return new InputText(text.Text, text.Line, text.Column);
            case InputKind.Number:
                return node is YamlScalarValue number && number.AsInteger() is { } integer
                    ? new InputInteger(integer, node.Line, node.Column)
                    : WrongType(node, schema, path);
            case InputKind.Flag:
                return node is YamlScalarValue flag && flag.AsBoolean() is { } boolean
                    ? new InputBoolean(boolean, node.Line, node.Column)
                    : WrongType(node, schema, path);
            case InputKind.List:
                if (node is YamlSequenceValue sequence)
                {
                    var items = new List<InputValue>();
                    for (var i = 0; i < sequence.Items.Count; i++)
                    {
                        if (ReadValue(sequence.Items[i], schema.Element!, $"{path}[{i}]") is { } value)
                        {
                            items.Add(value);
                        }
                    }

                    return new InputList(items, node.Line, node.Column);
                }

                if (schema.AcceptsSingleItem && node is YamlMappingValue)
                {
                    return ReadValue(node, schema.Element!, path) is { } single ? new InputList([single], node.Line, node.Column) : null;
                }

                return WrongType(node, schema, path);
            default:
                return node is YamlMappingValue mapping ? ReadMap(mapping, schema, path) : WrongType(node, schema, path);
        }
    }

    private InputMap ReadMap(YamlMappingValue mapping, InputSchema schema, string path)
    {
        var fields = new Dictionary<string, InputValue>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            var field = schema.Field(key.Text);
            if (field is null && IsSecretPath(path))
            {
                // Under a password input a "key" may be the password itself (password: {Hunter2!}): never echo it.
                Error(BootCodes.UnknownInput, key,
                    $"an unknown input under '{path}' (name not shown: it is under a password input); allowed: {string.Join(", ", schema.Fields.Select(f => f.Name))}");
                continue;
            }

            if (field is null)
            {
                Error(BootCodes.UnknownInput, key,
                    $"unknown input '{Join(path, key.Text)}'; allowed: {string.Join(", ", schema.Fields.Select(f => f.Name))}" + Hint(key.Text, schema.Fields.Select(f => f.Name)));
                continue;
            }

            if (value is YamlScalarValue { IsNull: true })
            {
                continue; // an empty value is an absent value
            }

            if (ReadValue(value, field.Schema, Join(path, key.Text)) is { } typed)
            {
                fields[key.Text] = typed;
            }
        }

        foreach (var field in schema.Fields.Where(f => f.Required && mapping.Get(f.Name) is null or YamlScalarValue { IsNull: true }))
        {
            Error(BootCodes.MissingInput, mapping, $"'{path}' needs '{field.Name}'");
        }

        return new InputMap(fields, mapping.Line, mapping.Column);
    }

    // Rules that span several inputs of one entry: the task's own.
    private void CheckTask(TaskConfig task)
    {
        var problems = new TaskInputProblems(Error, Warning);
        foreach (var entry in task.Entries)
        {
            task.Definition.Check(entry, problems);
        }
    }

    private InputValue? WrongType(YamlValue node, InputSchema schema, string path)
    {
        Error(BootCodes.WrongInputType, node, $"'{path}' must be {schema.Describe()}, got {(IsSecretPath(path) ? node.KindName : Show(node))}");
        return null;
    }

    // Names of inputs whose values are secrets: a diagnostic about anything under them shows its YAML kind, never its text.
    private static readonly string[] SecretNames = ["password", "passwd", "plain_text_passwd"];

    /// <summary>True when <paramref name="path"/> (<c>inputs.password.data</c>, <c>inputs[0].password</c>…) is at or under a password input.</summary>
    internal static bool IsSecretPath(string path) =>
        path.Split('.').Any(segment => SecretNames.Contains(segment.Split('[')[0], StringComparer.OrdinalIgnoreCase));

    internal static string Show(YamlValue node) => node is YamlScalarValue scalar && !scalar.IsNull
        ? "'" + (scalar.Text.Length > 40 ? scalar.Text[..40] + "…" : scalar.Text) + "'"
        : node.KindName;

    internal static string Hint(string name, IEnumerable<string> candidates) =>
        TaskCatalog.Suggest(name, candidates) is { } suggestion ? $"; did you mean '{suggestion}'?" : string.Empty;

    private static string Join(string path, string key) => path + "." + key;

    internal void Error(string code, YamlValue at, string message) => Error(code, at.Line, at.Column, message);

    internal void Error(string code, int line, int column, string message) =>
        diagnostics.Add(BootDiagnostic.Error(code, line, column, message, source));

    internal void Warning(string code, YamlValue at, string message) => Warning(code, at.Line, at.Column, message);

    internal void Warning(string code, int line, int column, string message) =>
        diagnostics.Add(BootDiagnostic.Warning(code, line, column, message, source));
}
