using System.Collections.Immutable;

namespace Reseal.Windows.Layout;

/// <summary>
/// What the agent's reader says about a configuration file (<see cref="SealPaths.AgentConfig"/>): its warnings and errors
/// as printed (<c>path:line:column: severity: message</c>).
/// </summary>
/// <param name="Findings">Every warning and error, in the reader's order.</param>
/// <param name="HasErrors">True when the configuration is invalid.</param>
/// <param name="HasWarnings">True when the reader warned.</param>
public sealed record AgentConfigVerdict(ImmutableArray<string> Findings, bool HasErrors, bool HasWarnings);

/// <summary>
/// Checks the agent configuration a seal leaves in the image. The agent owns the reader; the seal cannot reference it
/// (the agent's boot side and sealing depend only on this contract), so the composition root (the CLI) gives the agent's.
/// </summary>
public interface IAgentConfigValidator
{
    /// <summary>The verdict on a configuration file's bytes; <paramref name="path"/> names it in findings.</summary>
    AgentConfigVerdict Validate(ReadOnlySpan<byte> bytes, string path);
}
