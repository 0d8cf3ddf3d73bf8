using Reseal.Agent.Boot.Tasks;
using Reseal.Windows.Layout;

namespace Reseal.Agent.Boot.Config;

/// <summary>
/// The agent's configuration reader and writer as the seal uses them (<see cref="IAgentConfigValidator"/>,
/// <see cref="IAgentConfigEditor"/>): the same diagnostics <c>reseal agent validate</c> prints, so a configuration the
/// seal passes is one the clone's agent accepts, and the one writer (<see cref="AgentConfigWriter"/>) for its edits.
/// </summary>
public sealed class AgentConfigCheck : IAgentConfigValidator, IAgentConfigEditor
{
    private AgentConfigCheck()
    {
    }

    /// <summary>The one instance.</summary>
    public static AgentConfigCheck Instance { get; } = new();

    /// <inheritdoc/>
    public AgentConfigVerdict Validate(ReadOnlySpan<byte> bytes, string path)
    {
        var report = new AgentValidationReport(AgentConfigReader.Read(bytes, path), null);
        var diagnostics = report.Diagnostics;
        return new AgentConfigVerdict(
            [.. diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString())],
            report.HasErrors,
            diagnostics.Any(d => d.Severity == DiagnosticSeverity.Warning));
    }

    /// <inheritdoc/>
    public AgentConfigEdit WithAdminPassword(byte[]? current, string path, AdminPasswordChoice choice, string? password)
    {
        if (choice == AdminPasswordChoice.Specify && string.IsNullOrEmpty(password))
        {
            throw new ArgumentException("a specified password is needed", nameof(password));
        }

        var read = current is null ? new AgentConfigResult(DefaultAgentConfig.Config, []) : AgentConfigReader.Read(current, path);
        if (read.Config is not { } config || !read.IsValid)
        {
            return new AgentConfigEdit(null, null, $"{path} is invalid, so its password setting cannot be changed: "
                + string.Join("; ", read.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3)));
        }

        var entries = config.Stages.SelectMany(s => s.Tasks).Where(t => t.Name == AdminAccountName).ToList();
        var type = choice switch
        {
            AdminPasswordChoice.Specify => "static",
            AdminPasswordChoice.Keep => "doNothing",
            _ => "random",
        };
        if (entries.Count == 0)
        {
            if (choice == AdminPasswordChoice.Keep)
            {
                return AgentConfigEdit.Unchanged; // no task sets a password: the current one is kept
            }

            config = WithTask(config, AgentStage.PreReady, new TaskConfig(TaskRegistry.BuiltIn.Find(AdminAccountName)!, null, false, PasswordInputs(null, type, password), 0, 0));
        }
        else
        {
            var already = entries.All(e => e.Entries.Count > 0 && e.Entries[0].Map("password") is { } p && p.Text("type") == type && choice != AdminPasswordChoice.Specify);
            if (already)
            {
                return AgentConfigEdit.Unchanged;
            }

            config = AgentConfigWriter.WithInputs(config, AdminAccountName, inputs => PasswordInputs(inputs as InputMap, type, password));
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(AgentConfigWriter.Write(config));
        var what = choice switch
        {
            AdminPasswordChoice.Specify => "setAdminAccount password type static, the password you gave (the agent removes it once the first boot has set it)",
            AdminPasswordChoice.Keep => "setAdminAccount password type doNothing (clones keep this machine's administrator password)",
            _ => "setAdminAccount password type random (each clone gets its own, encrypted to its launch key)",
        };
        return new AgentConfigEdit(bytes, (current is null ? "create it from the built-in default with " : "set ") + what, null);
    }

    private const string AdminAccountName = "setAdminAccount";

    /// <summary>The task's inputs with its password replaced (its other inputs, such as the account name, kept).</summary>
    private static InputMap PasswordInputs(InputMap? inputs, string type, string? password)
    {
        var fields = new List<(string, InputValue)>();
        foreach (var (name, value) in inputs?.Fields ?? new Dictionary<string, InputValue>())
        {
            if (name != "password")
            {
                fields.Add((name, value));
            }
        }

        fields.Add(("password", type == "static"
            ? AgentConfigWriter.Map(("type", AgentConfigWriter.Text(type)), ("data", AgentConfigWriter.Text(password!)))
            : AgentConfigWriter.Map(("type", AgentConfigWriter.Text(type)))));
        return AgentConfigWriter.Map([.. fields]);
    }

    /// <summary>The configuration with <paramref name="task"/> first in <paramref name="stage"/> (the stage added in run order when absent).</summary>
    private static AgentConfig WithTask(AgentConfig config, AgentStage stage, TaskConfig task)
    {
        if (config.Stages.Any(s => s.Stage == stage))
        {
            return config with { Stages = [.. config.Stages.Select(s => s.Stage == stage ? s with { Tasks = [task, .. s.Tasks] } : s)] };
        }

        return config with { Stages = [.. config.Stages.Append(new StageConfig(stage, [task], 0, 0)).OrderBy(s => s.Stage)] };
    }
}
