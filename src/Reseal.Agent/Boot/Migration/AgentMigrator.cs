using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Tasks;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Migration;

/// <summary>
/// The entry point of <c>reseal agent migrate</c>: finds which old agent a machine has, reads its settings files through
/// the machine's file port (a running Windows, an offline tree or the in-memory test machine), maps every setting, and
/// validates the agent-config.yml it produced with the same reader <c>reseal agent validate</c> uses. Writes nothing.
/// </summary>
public static class AgentMigrator
{
    /// <summary>The <c>--from</c> values; <c>auto</c> maps to null.</summary>
    public static IReadOnlyDictionary<string, MigrationAgent?> ByCliName { get; } = new Dictionary<string, MigrationAgent?>(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = null,
        ["ec2config"] = MigrationAgent.Ec2Config,
        ["ec2launch"] = MigrationAgent.Ec2Launch,
        ["cloudbase-init"] = MigrationAgent.CloudbaseInit,
    };

    /// <summary>The agent's name for people.</summary>
    public static string DisplayName(MigrationAgent agent) => agent switch
    {
        MigrationAgent.Ec2Config => "EC2Config",
        MigrationAgent.Ec2Launch => "EC2Launch v1",
        _ => "Cloudbase-Init",
    };

    /// <summary>The <c>--from</c> spelling of the agent.</summary>
    public static string CliName(MigrationAgent agent) => ByCliName.First(p => p.Value == agent).Key;

    /// <summary>The settings file whose presence means the agent is installed (Windows path, environment variables unexpanded).</summary>
    public static string MainFile(MigrationAgent agent) => agent switch
    {
        MigrationAgent.Ec2Config => Ec2ConfigMigration.ConfigXml,
        MigrationAgent.Ec2Launch => Ec2LaunchMigration.LaunchConfigJson,
        _ => CloudbaseInitMigration.Conf,
    };

    /// <summary>The agents whose main settings file is on the machine.</summary>
    public static IReadOnlyList<MigrationAgent> Detect(IWindowsFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return [.. Enum.GetValues<MigrationAgent>().Where(a => Exists(files, MainFile(a)))];
    }

    /// <summary>
    /// The agent to migrate: <paramref name="requested"/>, or (null: auto) the one agent installed. Null with a reason
    /// naming what was found when auto finds none or several.
    /// </summary>
    public static MigrationAgent? Resolve(MigrationAgent? requested, IWindowsFiles files, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(files);
        problem = null;
        if (requested is { } agent)
        {
            return agent;
        }

        var found = Detect(files);
        if (found.Count == 1)
        {
            return found[0];
        }

        var looked = string.Join(", ", Enum.GetValues<MigrationAgent>().Select(a => files.Expand(MainFile(a))));
        problem = found.Count == 0
            ? $"--from auto: no EC2Config, EC2Launch v1 or Cloudbase-Init settings were found (looked for {looked}); name the agent with --from ec2config|ec2launch|cloudbase-init"
            : $"--from auto: {found.Count} agents' settings were found ({string.Join(", ", found.Select(a => $"{DisplayName(a)}: {files.Expand(MainFile(a))}"))}); choose one with --from {string.Join("|", found.Select(CliName))}";
        return null;
    }

    /// <summary>
    /// Reads <paramref name="agent"/>'s settings from <paramref name="files"/> and makes an agent-config.yml for the tasks
    /// in <paramref name="registry"/> (the built-in ones when null). Never throws for bad files: every problem is a
    /// diagnostic naming the file and line, and any error leaves <see cref="MigrationResult.Yaml"/> null.
    /// </summary>
    public static MigrationResult Migrate(IWindowsFiles files, MigrationAgent agent, TaskRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        registry ??= TaskRegistry.BuiltIn;
        var builder = new MigrationBuilder(registry);
        string? ReadText(string path, bool required) => Read(files, path, required, builder);
        switch (agent)
        {
            case MigrationAgent.Ec2Config:
                Ec2ConfigMigration.Read(ReadText, builder);
                break;
            case MigrationAgent.Ec2Launch:
                Ec2LaunchMigration.Read(ReadText, builder);
                break;
            default:
                CloudbaseInitMigration.Read(ReadText, builder);
                break;
        }

        // The readers name files by their unexpanded Windows paths; the report shows where they are on this machine.
        var diagnostics = builder.Diagnostics.Select(d => d.Source is { } source && source.Contains('%', StringComparison.Ordinal) ? d with { Source = files.Expand(source) } : d).ToList();
        var outcomes = builder.Outcomes.Select(o => o with { Setting = o.Setting with { File = files.Expand(o.Setting.File) } }).ToList();
        string? yaml = null;
        if (!diagnostics.HasErrors())
        {
            var text = builder.ToYaml($"Migrated from {DisplayName(agent)} by 'reseal agent migrate' ({string.Join(", ", builder.Files)}).\nCheck it with 'reseal agent validate' and 'reseal agent plan'.");
            var check = AgentConfigReader.Read(text, "migrated agent-config.yml", registry);
            diagnostics.AddRange(check.Diagnostics.Where(d => d.Code != BootCodes.ClearTextPassword));
            yaml = check.IsValid ? text : null;
            if (!outcomes.Any(o => o.Fate == SettingFate.Mapped && o.Target is { } t && !t.StartsWith("(no ", StringComparison.Ordinal)))
            {
                diagnostics.Add(BootDiagnostic.Warning(BootCodes.MigrationNote, 0, 0, "no setting maps to a task: the migrated configuration runs no tasks", "migrated agent-config.yml"));
            }
        }

        return new MigrationResult(agent, builder.Files, outcomes, diagnostics, yaml) { HasClearTextPassword = builder.HasClearTextPassword };
    }

    private static string? Read(IWindowsFiles files, string path, bool required, MigrationBuilder builder)
    {
        var shown = files.Expand(path);
        try
        {
            if (!Exists(files, path))
            {
                if (required)
                {
                    builder.Error(BootCodes.FileNotReadable, shown, 0, "the file does not exist: is the agent installed here?");
                }

                return null;
            }

            if (files.GetFileLength(path) is > SettingsText.MaxFileBytes and var length)
            {
                builder.Error(BootCodes.MigrationMalformed, shown, 0, $"the file is {length} bytes, more than the {SettingsText.MaxFileBytes} a settings file may have; refused unread");
                return null;
            }

            var bytes = files.ReadAllBytes(path, SettingsText.MaxFileBytes);
            builder.Files.Add(shown);
            return SettingsText.Decode(bytes, shown, builder.Diagnostics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException)
        {
            builder.Error(BootCodes.FileNotReadable, shown, 0, "cannot read the file: " + e.Message);
            return null;
        }
    }

    private static bool Exists(IWindowsFiles files, string path)
    {
        try
        {
            return files.FileExists(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
