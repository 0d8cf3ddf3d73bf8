using Reseal.Agent.Boot.Tasks;

namespace Reseal.Agent.Boot.Config;

/// <summary>A validated task input value, with its 1-based position in the file.</summary>
public abstract record InputValue(int Line, int Column);

/// <summary>A string input.</summary>
/// <remarks>
/// Any string input may be a secret (<c>password.data</c>), so <see cref="object.ToString"/> shows its length, never
/// its text.
/// </remarks>
public sealed record InputText(string Value, int Line, int Column) : InputValue(Line, Column)
{
    /// <summary>Members for <see cref="object.ToString"/>: the position and the length of the value, not the value.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Value = (").Append(Value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" characters, not shown)");
        return true;
    }
}

/// <summary>An integer input.</summary>
public sealed record InputInteger(long Value, int Line, int Column) : InputValue(Line, Column);

/// <summary>A boolean input.</summary>
public sealed record InputBoolean(bool Value, int Line, int Column) : InputValue(Line, Column);

/// <summary>A list input.</summary>
public sealed record InputList(IReadOnlyList<InputValue> Items, int Line, int Column) : InputValue(Line, Column);

/// <summary>A mapping input (only the fields its schema knows; absent and null fields are left out).</summary>
public sealed record InputMap(IReadOnlyDictionary<string, InputValue> Fields, int Line, int Column) : InputValue(Line, Column)
{
    /// <summary>An empty map at an unknown position.</summary>
    public static InputMap Empty { get; } = new(new Dictionary<string, InputValue>(), 0, 0);

    /// <summary>The string field <paramref name="name"/>, or null.</summary>
    public string? Text(string name) => Fields.GetValueOrDefault(name) is InputText text ? text.Value : null;

    /// <summary>The boolean field <paramref name="name"/>, or null.</summary>
    public bool? Flag(string name) => Fields.GetValueOrDefault(name) is InputBoolean flag ? flag.Value : null;

    /// <summary>The map field <paramref name="name"/>, or null.</summary>
    public InputMap? Map(string name) => Fields.GetValueOrDefault(name) as InputMap;

    /// <summary>The strings of list field <paramref name="name"/> (empty when absent).</summary>
    public IReadOnlyList<string> Texts(string name) =>
        Fields.GetValueOrDefault(name) is InputList list ? [.. list.Items.OfType<InputText>().Select(t => t.Value)] : [];
}

/// <summary>One task entry of a stage (or of YAML user data).</summary>
/// <param name="Definition">The registered task the entry names.</param>
/// <param name="Frequency">The task-level <c>frequency</c> (Reseal addition), or null for the task's default.</param>
/// <param name="Independent"><c>independent: true</c> (Reseal addition): the task may run in parallel with the other
/// independent tasks next to it in its stage; console output stays in file order.</param>
/// <param name="Inputs">The validated inputs, or null when none were given.</param>
/// <param name="Line">Where the entry starts.</param>
/// <param name="Column">Where the entry starts.</param>
public sealed record TaskConfig(BootTask Definition, TaskFrequency? Frequency, bool Independent, InputValue? Inputs, int Line, int Column)
{
    /// <summary>The task name.</summary>
    public string Name => Definition.Name;

    /// <summary>
    /// The input entries: for list tasks (executeScript, executeProgram, writeFile) each list item; otherwise the one
    /// inputs map (empty when none was given).
    /// </summary>
    public IReadOnlyList<InputMap> Entries => Inputs switch
    {
        InputList list => [.. list.Items.OfType<InputMap>()],
        InputMap map => [map],
        _ => Definition.HasInputList ? [] : [InputMap.Empty],
    };

    /// <summary>
    /// How often <paramref name="entry"/> runs: the entry's own <c>frequency</c>, else the task-level one, else the
    /// task's documented frequency (once for per-input tasks).
    /// </summary>
    public TaskFrequency FrequencyOf(InputMap entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (Definition.Frequency == FrequencyRule.PerInput && entry.Text("frequency") is { } own
            && AgentStageNames.FrequencyFromName(own) is { } parsed)
        {
            return parsed;
        }

        return Frequency ?? Definition.DefaultFrequency;
    }
}

/// <summary>One stage entry: the stage and its tasks in file order.</summary>
public sealed record StageConfig(AgentStage Stage, IReadOnlyList<TaskConfig> Tasks, int Line, int Column);

/// <summary>
/// A parsed <c>agent-config.yml</c> (EC2Launch v2's schema: <c>version</c>, <c>config: [{stage, tasks: [{task, inputs}]}]</c>).
/// Stages are kept in run order, whatever order the file lists them in.
/// </summary>
/// <param name="Version">The schema version.</param>
/// <param name="Stages">The stages in run order.</param>
/// <param name="Metadata">The <c>metadata</c> section (Reseal addition), or null for the defaults.</param>
public sealed record AgentConfig(string Version, IReadOnlyList<StageConfig> Stages, MetadataSettings? Metadata = null)
{
    /// <summary>The tasks of <paramref name="stage"/> in file order (empty when the stage is absent).</summary>
    public IReadOnlyList<TaskConfig> TasksOf(AgentStage stage) => Stages.FirstOrDefault(s => s.Stage == stage)?.Tasks ?? [];
}

/// <summary>The result of reading an agent config: the config (null when unusable) and every problem found.</summary>
public sealed record AgentConfigResult(AgentConfig? Config, IReadOnlyList<BootDiagnostic> Diagnostics)
{
    /// <summary>True when there is a config and no error (warnings allowed).</summary>
    public bool IsValid => Config is not null && !Diagnostics.HasErrors();
}

/// <summary>
/// The <c>metadata</c> section of agent-config.yml (a Reseal addition; EC2Launch v2 has none): which metadata sources to
/// try, in order, where each lives, and how long to wait for one to answer.
/// </summary>
/// <param name="Sources">Source names in the order to try (<c>ec2</c>, <c>openstack</c>, <c>configdrive</c>, <c>nocloud</c>,
/// <c>gce</c>, <c>azure</c>); empty for the default order.</param>
/// <param name="Endpoints">A URL (HTTP sources) or folder (config drive, NoCloud) per source name, overriding the
/// documented address.</param>
/// <param name="WaitSeconds">How long to wait for a source to answer before going on without metadata (null: 120).</param>
public sealed record MetadataSettings(IReadOnlyList<string> Sources, IReadOnlyDictionary<string, string> Endpoints, int? WaitSeconds)
{
    /// <summary>The source names this section accepts.</summary>
    public static IReadOnlyList<string> SourceNames { get; } = ["ec2", "openstack", "configdrive", "nocloud", "gce", "azure"];
}
