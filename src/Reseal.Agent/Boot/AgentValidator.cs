using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot;

/// <summary>What <c>reseal agent validate</c> found.</summary>
/// <param name="Config">The configuration result (the default configuration's when no file was given).</param>
/// <param name="UserData">The user-data result, or null when no user data was given.</param>
public sealed record AgentValidationReport(AgentConfigResult Config, UserDataResult? UserData)
{
    /// <summary>Every diagnostic, configuration first, each group in print order.</summary>
    public IReadOnlyList<BootDiagnostic> Diagnostics =>
        [.. Config.Diagnostics.InPrintOrder(), .. UserData?.Diagnostics.InPrintOrder() ?? []];

    /// <summary>True when any diagnostic is an error.</summary>
    public bool HasErrors => Diagnostics.HasErrors();

    /// <summary>
    /// The tasks of the configuration that will be skipped wherever it runs (not built in this version), each as
    /// <c>file:line:column: note: 'setWallpaper' will be skipped: why</c>. Empty for a configuration with errors.
    /// </summary>
    public IReadOnlyList<string> Skips { get; init; } = [];

    /// <summary>The notes for <paramref name="config"/>'s tasks that <paramref name="facts"/> say will be skipped.</summary>
    public static IEnumerable<string> SkipNotes(AgentConfig config, string source, Tasks.PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(facts);
        foreach (var task in config.Stages.SelectMany(s => s.Tasks))
        {
            if (task.Definition.WouldSkip(facts) is { } reason)
            {
                yield return $"{source}:{task.Line}:{task.Column}: note: '{task.Name}' will be skipped: {reason}";
            }
        }
    }

    /// <summary>The process exit code: 0 clean or warnings only, 1 errors (as EC2Launch v2's <c>validate</c>).</summary>
    public int ExitCode => HasErrors ? 1 : 0;
}

/// <summary>The entry point for <c>reseal agent validate [--config F] [--user-data F]</c>.</summary>
public static class AgentValidator
{
    /// <summary>
    /// Validates the configuration file (or the built-in default when <paramref name="configPath"/> is null) and the
    /// user-data file, if given. Never throws for bad files; print <see cref="AgentValidationReport.Diagnostics"/> one per
    /// line with <see cref="BootDiagnostic.ToString"/> and exit with <see cref="AgentValidationReport.ExitCode"/>.
    /// </summary>
    public static AgentValidationReport Validate(string? configPath, string? userDataPath)
    {
        var config = configPath is null ? AgentConfigReader.Read(DefaultAgentConfig.Yaml, "default agent-config.yml") : AgentConfigReader.ReadFile(configPath);
        var userData = userDataPath is null ? null : UserDataParser.ParseFile(userDataPath);
        return new AgentValidationReport(config, userData)
        {
            Skips = config.IsValid ? [.. AgentValidationReport.SkipNotes(config.Config!, configPath ?? "default agent-config.yml", Tasks.PlanFacts.Unknown)] : [],
        };
    }
}
