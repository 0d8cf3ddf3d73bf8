using Reseal.Windows.Layout;

namespace Reseal.Agent.Boot.Config;

/// <summary>
/// The agent's configuration reader as the seal's preflight uses it (<see cref="IAgentConfigValidator"/>): the same
/// diagnostics <c>reseal agent validate</c> prints, so a configuration the seal passes is one the clone's agent accepts.
/// </summary>
public sealed class AgentConfigCheck : IAgentConfigValidator
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
}
