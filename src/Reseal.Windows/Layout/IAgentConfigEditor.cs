namespace Reseal.Windows.Layout;

/// <summary>How clones get their administrator password (<c>reseal seal --admin-password</c>, EC2Config's Image tab).</summary>
public enum AdminPasswordChoice
{
    /// <summary>A new random password in every clone, set by the agent, encrypted to the launch key and published (the default).</summary>
    Random,

    /// <summary>A password the user gives, set by the agent at first boot and then removed from its configuration.</summary>
    Specify,

    /// <summary>Keep the password the machine has now (EC2Config's "Keep Existing", EC2Launch's DoNothing).</summary>
    Keep,
}

/// <summary>What editing the agent configuration gave: the new bytes, or why it could not be edited.</summary>
/// <param name="Bytes">The configuration to write, or null when nothing needs to change or it could not be edited.</param>
/// <param name="Change">What changes, for the plan (never the password), or null.</param>
/// <param name="Problem">Why it could not be edited (an invalid file, with its findings), or null.</param>
public sealed record AgentConfigEdit(byte[]? Bytes, string? Change, string? Problem)
{
    /// <summary>Nothing to change.</summary>
    public static AgentConfigEdit Unchanged { get; } = new(null, null, null);
}

/// <summary>
/// Edits the agent configuration a seal leaves in the image (<see cref="SealPaths.AgentConfig"/>). As with
/// <see cref="IAgentConfigValidator"/>, the agent owns the reader and writer and the composition root gives them.
/// </summary>
public interface IAgentConfigEditor
{
    /// <summary>
    /// The configuration with <c>setAdminAccount</c> set to <paramref name="choice"/> (<paramref name="password"/> for
    /// <see cref="AdminPasswordChoice.Specify"/>). <paramref name="current"/> is the file's bytes, or null when there is none
    /// (the built-in default is then the base). A random choice on a configuration with no <c>setAdminAccount</c> adds one.
    /// </summary>
    AgentConfigEdit WithAdminPassword(byte[]? current, string path, AdminPasswordChoice choice, string? password);
}
