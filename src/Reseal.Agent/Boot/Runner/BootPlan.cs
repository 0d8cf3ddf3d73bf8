using System.Globalization;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.State;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Runner;

/// <summary>One thing to run: a config task entry or a user-data item, with everything the runner decides by.</summary>
/// <param name="Key">Its state key (<see cref="TaskKey"/>): stage, task, entry and a hash of its content.</param>
/// <param name="Stage">Its stage (UserData for user data).</param>
/// <param name="TaskName">The task name (user-data items map to <c>executeScript</c>, <c>executeProgram</c>, <c>writeFile</c>,
/// <c>setHostName</c>, <c>setTimeZone</c>, <c>createUser</c>, <c>runCommand</c>, or the EC2Launch task they name).</param>
/// <param name="Entry">The entry index within the task (or the item index within user data).</param>
/// <param name="Frequency">Once per instance, or every run.</param>
/// <param name="Independent">May run in parallel with neighbouring independent units of its stage.</param>
/// <param name="MustNotRepeat">Running it twice does harm (a second administrator password, a second Sysprep): skipped
/// when the state is untrusted.</param>
/// <param name="Task">The config task, for config units and EC2Launch YAML user-data tasks.</param>
/// <param name="Inputs">The config entry's inputs, for config units.</param>
/// <param name="Item">The user-data item, for user-data units.</param>
public sealed record BootWorkUnit(
    string Key,
    AgentStage Stage,
    string TaskName,
    int Entry,
    TaskFrequency Frequency,
    bool Independent,
    bool MustNotRepeat,
    TaskConfig? Task,
    InputMap? Inputs,
    UserDataItem? Item)
{
    /// <summary>One line for <c>reseal agent plan</c>: <c>preReady setAdminAccount#0 once independent</c>.</summary>
    public override string ToString() =>
        $"{Stage.ToYamlName()} {TaskName}#{Entry.ToString(CultureInfo.InvariantCulture)} {Frequency.ToYamlName()}{(Independent ? " independent" : string.Empty)}";
}

/// <summary>A step of a run: a stage's units, or the "Windows is Ready to use" point.</summary>
/// <param name="Stage">The stage, or null for the ready point.</param>
/// <param name="Units">The units in run order (empty for the ready point).</param>
public sealed record BootStep(AgentStage? Stage, IReadOnlyList<BootWorkUnit> Units)
{
    /// <summary>True for the "Windows is Ready to use" point.</summary>
    public bool IsReadyPoint => Stage is null;
}

/// <summary>
/// What runs, in which order: boot → network → preReady → "Windows is Ready to use" → user data (YAML 1.1, XML and the
/// other formats) → postReady → user data (YAML 1.0). Pure: the same config and user data give the same plan, which is
/// what <c>reseal agent plan</c> prints.
/// </summary>
/// <param name="Steps">The steps in run order.</param>
/// <param name="UserDataFormatName">For the console line <c>User data format: …</c> (<c>no_user_data</c> when none).</param>
public sealed record BootPlan(IReadOnlyList<BootStep> Steps, string UserDataFormatName = "no_user_data")
{
    /// <summary>
    /// What <c>reseal agent plan</c> prints: one line per unit, the ready point as its console text. A unit whose task
    /// would be skipped on a machine with <paramref name="facts"/> (not built; not on this cloud; not on this Windows
    /// version: <see cref="Tasks.BootTask.WouldSkip"/>) says so and why, instead of reading as if it will run.
    /// </summary>
    public IReadOnlyList<string> Describe(Tasks.PlanFacts? facts = null) =>
        [.. Steps.SelectMany(step => step.IsReadyPoint ? [$"-- {ConsoleOutput.ConsoleLines.Ready}"] : step.Units.Select(u => Describe(u, facts ?? Tasks.PlanFacts.Unknown)))];

    private static string Describe(BootWorkUnit unit, Tasks.PlanFacts facts) =>
        unit.Task?.Definition.WouldSkip(facts) is { } reason ? $"{unit}  (will be skipped: {reason})" : unit.ToString();

    /// <summary>All units in run order.</summary>
    public IEnumerable<BootWorkUnit> Units => Steps.SelectMany(s => s.Units);

    /// <summary>Builds the plan.</summary>
    public static BootPlan Create(AgentConfig config, UserDataResult? userData = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var steps = new List<BootStep>();
        foreach (var stage in new[] { AgentStage.Boot, AgentStage.Network, AgentStage.PreReady })
        {
            steps.Add(new BootStep(stage, [.. ConfigUnits(config, stage)]));
        }

        steps.Add(new BootStep(null, []));
        var userDataUnits = userData is null ? [] : UserDataUnits(userData).ToList();
        if (userData?.Placement != UserDataPlacement.AfterPostReady)
        {
            steps.Add(new BootStep(AgentStage.UserData, userDataUnits));
        }

        steps.Add(new BootStep(AgentStage.PostReady, [.. ConfigUnits(config, AgentStage.PostReady)]));
        if (userData?.Placement == UserDataPlacement.AfterPostReady)
        {
            steps.Add(new BootStep(AgentStage.UserData, userDataUnits));
        }

        return new BootPlan(steps, userData?.FormatName ?? "no_user_data");
    }

    private static IEnumerable<BootWorkUnit> ConfigUnits(AgentConfig config, AgentStage stage)
    {
        foreach (var task in config.TasksOf(stage))
        {
            var entries = task.Entries;
            for (var i = 0; i < entries.Count; i++)
            {
                var content = KeyContent(task, entries[i]);
                yield return new BootWorkUnit(TaskKey.For(stage, task.Name, i, content), stage, task.Name, i, task.FrequencyOf(entries[i]),
                    task.Independent, task.Definition.MustNotRepeat, task, entries[i], null);
            }
        }
    }

    private static IEnumerable<BootWorkUnit> UserDataUnits(UserDataResult userData)
    {
        for (var i = 0; i < userData.Items.Count; i++)
        {
            var item = userData.Items[i];
            var (name, frequency, content) = item switch
            {
                ScriptItem s => ("executeScript", s.Frequency, $"{s.Language}|{s.RunAs}|{s.Detach}|{string.Join(' ', s.Arguments)}|{s.Content}"),
                ProgramItem p => ("executeProgram", p.Frequency, $"{p.RunAs}|{p.Path}|{string.Join(' ', p.Arguments)}"),
                WriteFileItem w => ("writeFile", w.Frequency, $"{w.Path}|{w.Append}|{Convert.ToBase64String(w.Content.Span)}"),
                HostNameItem h => ("setHostName", TaskFrequency.Always, h.HostName),
                TimeZoneItem t => ("setTimeZone", TaskFrequency.Once, t.TimeZone),
                UserItem u => ("createUser", TaskFrequency.Once, $"{u.Name}|{string.Join(',', u.Groups)}|{string.Join(',', u.SshAuthorizedKeys)}"),
                CommandItem c => ("runCommand", TaskFrequency.Once, c.ShellLine ?? string.Join('\u0001', c.Arguments ?? [])),
                AgentTaskItem a => (a.Task.Name, a.Task.FrequencyOf(a.Task.Entries.Count > 0 ? a.Task.Entries[0] : InputMap.Empty),
                    a.Task.Definition.Frequency == FrequencyRule.PerInput ? Canonical(a.Task.Inputs) : string.Empty),
                _ => throw new InvalidOperationException($"unknown user-data item {item.GetType().Name}"),
            };
            var task = (item as AgentTaskItem)?.Task;
            yield return new BootWorkUnit(TaskKey.For(AgentStage.UserData, name, i, content), AgentStage.UserData, name, i, frequency, false,
                task?.Definition.MustNotRepeat ?? false, task, null, item);
        }
    }

    /// <summary>
    /// What the state key hashes. Scripts, programs and files (per-input tasks) are keyed by their content: edit one and
    /// it is new work that runs once more. Every other task is keyed by name alone: editing setAdminAccount's inputs in
    /// the configuration never makes it run twice for one instance.
    /// </summary>
    private static string KeyContent(TaskConfig task, InputMap entry) =>
        task.Definition.Frequency == FrequencyRule.PerInput ? Canonical(entry) : string.Empty;

    /// <summary>A canonical text of an input value (sorted keys), hashed into the task key.</summary>
    internal static string Canonical(InputValue? value)
    {
        var text = new StringBuilder();
        Write(value);
        return text.ToString();

        void Write(InputValue? node)
        {
            switch (node)
            {
                case null:
                    text.Append('~');
                    break;
                case InputText t:
                    text.Append('"').Append(t.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
                case InputInteger n:
                    text.Append(n.Value.ToString(CultureInfo.InvariantCulture));
                    break;
                case InputBoolean b:
                    text.Append(b.Value ? "true" : "false");
                    break;
                case InputList l:
                    text.Append('[');
                    foreach (var item in l.Items)
                    {
                        Write(item);
                        text.Append(',');
                    }

                    text.Append(']');
                    break;
                case InputMap m:
                    text.Append('{');
                    foreach (var (key, field) in m.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
                    {
                        text.Append(key).Append(':');
                        Write(field);
                        text.Append(',');
                    }

                    text.Append('}');
                    break;
                default:
                    throw new InvalidOperationException($"unknown input value {node.GetType().Name}");
            }
        }
    }
}
