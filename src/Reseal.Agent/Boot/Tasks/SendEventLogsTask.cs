using System.ComponentModel;
using System.Globalization;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>sendEventLogs</c> (EC2Launch v1's EventLogConfig.json with SendEventLogs.ps1, EC2Config's Ec2EventLog plug-in):
/// copies the newest entries of the selected Event Logs to the console, one line each in EC2Launch v1's shape
/// <c>EventLogEntry: System  Error  Service Control Manager  12/07/2026 03:04:05 AM  The … service terminated…</c>, oldest
/// first. <c>level</c> is one level name or several joined by <c>|</c> or <c>,</c> (Critical, Error, Warning,
/// Information, Verbose); <c>numEntries</c> is per event selection, 1 to 1000, default 3.
/// </summary>
public sealed class SendEventLogsTask() : BootTask(
    "sendEventLogs",
    FrequencyRule.Always,
    [AgentStage.PostReady, AgentStage.UserData],
    InputSchema.MapOf(new InputField("events", InputSchema.ListOf(InputSchema.MapOf(
        new InputField("logName", InputSchema.TextUpTo(255), Required: true),
        new InputField("source", InputSchema.TextUpTo(255)),
        new InputField("level", InputSchema.TextUpTo(64)),
        new InputField("numEntries", InputSchema.Number))), Required: true)),
    "copy selected Event Log entries to the console")
{
    /// <summary>numEntries when not given (EC2Launch v1's sample).</summary>
    public const int DefaultEntries = 3;

    /// <summary>The most entries one selection may ask for: the console is for a glance, not a log dump.</summary>
    public const int MaxEntries = 1000;

    /// <summary>The level names and the levels they select (Information is 4, and 0 for LogAlways events, as Event Viewer shows them).</summary>
    public static IReadOnlyDictionary<string, int[]> LevelNames { get; } = new Dictionary<string, int[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["Critical"] = [1],
        ["Error"] = [2],
        ["Warning"] = [3],
        ["Information"] = [0, 4],
        ["Verbose"] = [5],
    };

    /// <summary>The levels a <c>level</c> text selects (empty: all), or null when a name is unknown.</summary>
    public static IReadOnlyList<int>? Levels(string? text, out string? unknown)
    {
        unknown = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var levels = new SortedSet<int>();
        foreach (var name in text.Split(['|', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!LevelNames.TryGetValue(name, out var values))
            {
                unknown = name;
                return null;
            }

            levels.UnionWith(values);
        }

        return [.. levels];
    }

    /// <summary>The name Event Viewer gives a level (LevelDisplayName).</summary>
    public static string LevelName(int level) => level switch
    {
        1 => "Critical",
        2 => "Error",
        3 => "Warning",
        0 or 4 => "Information",
        5 => "Verbose",
        _ => "Level " + level.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>One console line in EC2Launch v1's shape (two spaces between fields; time as M/dd/yyyy hh:mm:ss tt, here in UTC).</summary>
    public static string Line(EventLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var time = entry.TimeCreated.UtcDateTime.ToString("M/dd/yyyy hh:mm:ss tt", CultureInfo.InvariantCulture);
        return ConsoleOutput.ConsoleLines.OneLine($"EventLogEntry: {entry.LogName}  {LevelName(entry.Level)}  {entry.Provider}  {time}  {entry.Message}");
    }

    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var selection in (entry.Fields.GetValueOrDefault("events") as InputList)?.Items.OfType<InputMap>() ?? [])
        {
            if (selection.Fields.GetValueOrDefault("logName") is InputText { Value: var log } logName && string.IsNullOrWhiteSpace(log))
            {
                problems.Error(BootCodes.BadValue, logName, "'logName' is empty; name a log such as System or Application");
            }

            if (selection.Fields.GetValueOrDefault("level") is InputText level && Levels(level.Value, out var unknown) is null)
            {
                problems.Error(BootCodes.BadValue, level, $"unknown level '{unknown}'; use Critical, Error, Warning, Information or Verbose, several joined by '|'");
            }

            if (selection.Fields.GetValueOrDefault("source") is InputText source && source.Value.Contains('\'', StringComparison.Ordinal) && source.Value.Contains('"', StringComparison.Ordinal))
            {
                problems.Error(BootCodes.BadValue, source, "a source name cannot hold both ' and \"");
            }

            if (selection.Fields.GetValueOrDefault("numEntries") is InputInteger { Value: < 1 or > MaxEntries } count)
            {
                problems.Error(BootCodes.BadValue, count, $"'numEntries' must be 1 to {MaxEntries}, not {count.Value}");
            }
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Context.Machine.EventLogs is not { } reader)
        {
            return Task.FromResult(TaskExecutionResult.Skip($"{run.Context.Machine.Description} has no Event Log to read"));
        }

        var lines = new List<string>();
        var problems = new List<string>();
        foreach (var selection in (run.Inputs.Fields.GetValueOrDefault("events") as InputList)?.Items.OfType<InputMap>() ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            var log = selection.Text("logName")?.Trim();
            var levels = Levels(selection.Text("level"), out _);
            if (string.IsNullOrEmpty(log) || levels is null)
            {
                continue;
            }

            var source = selection.Text("source") is { Length: > 0 } s ? s.Trim() : null;
            var count = selection.Fields.GetValueOrDefault("numEntries") is InputInteger n ? (int)Math.Clamp(n.Value, 1, MaxEntries) : DefaultEntries;
            try
            {
                lines.AddRange(reader.ReadNewest(log, source, levels, count).Select(Line));
            }
            catch (Exception e) when (e is KeyNotFoundException or Win32Exception or ArgumentException or PlatformNotSupportedException)
            {
                problems.Add($"{log}: {e.Message}");
            }
        }

        // EC2Launch v1 collects newest first per selection and sends the whole list backwards: oldest first.
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            run.Console.WriteLine(lines[i]);
        }

        var sent = $"{lines.Count} event log entr{(lines.Count == 1 ? "y" : "ies")} sent to the console";
        return Task.FromResult(problems.Count == 0 ? TaskExecutionResult.Done(sent) : TaskExecutionResult.Failed(sent + "; could not read " + string.Join("; ", problems)));
    }
}
