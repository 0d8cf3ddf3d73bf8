using Reseal.Unattend.Profiles;
using Reseal.Windows.Layout;

namespace Reseal.Sysprep.Seal;

/// <summary>What Sysprep does when it has finished (<c>/shutdown</c>, <c>/reboot</c> or <c>/quit</c>).</summary>
public enum SysprepCompletion
{
    /// <summary><c>/shutdown</c>: power off, ready to be captured (the default, as <c>ec2launch sysprep --shutdown</c>).</summary>
    Shutdown,

    /// <summary><c>/reboot</c>: restart into specialize and OOBE at once.</summary>
    Reboot,

    /// <summary><c>/quit</c>: leave the machine running (GCESysprep's choice; the caller shuts it down).</summary>
    Quit,
}

/// <summary>The options of <c>reseal seal</c>. The defaults are what <c>reseal seal</c> does with no option.</summary>
public sealed record SealOptions
{
    /// <summary>
    /// The answer-file profile (<c>--profile</c>); null means the agent's own (<see cref="SealAgents.Profile"/>). Ignored
    /// when <see cref="AnswerFileOverride"/> is given.
    /// </summary>
    public ProfileName? Profile { get; init; }

    /// <summary>
    /// The launch agent the image boots into (<c>--agent</c>): Reseal's, or an installed agent kept with its own answer-file
    /// commands, state reset and first-boot hook. The default, <see cref="SealAgent.Auto"/>, takes the one active agent
    /// (Reseal's included) and refuses when there is none or several.
    /// </summary>
    public SealAgent Agent { get; init; } = SealAgent.Auto;

    /// <summary>
    /// Extra profile options (time zone, owner, CopyProfile…). A null <see cref="ProfileOptions.Locale"/> means "read
    /// it from <c>HKU\.DEFAULT\Control Panel\International\LocaleName</c>".
    /// </summary>
    public ProfileOptions ProfileOptions { get; init; } = ProfileOptions.Default;

    /// <summary>What Sysprep does when done (<c>--shutdown|--reboot|--quit</c>).</summary>
    public SysprepCompletion Completion { get; init; } = SysprepCompletion.Shutdown;

    /// <summary><c>--mode-vm</c>: Sysprep's <c>/mode:vm</c> (clones run on the same hypervisor and virtual hardware).</summary>
    public bool ModeVm { get; init; }

    /// <summary><c>--clean</c>: also delete the agent's logs (as <c>ec2launch sysprep --clean</c>).</summary>
    public bool Clean { get; init; }

    /// <summary><c>--answer-file F</c>: a host path of an answer file to use instead of rendering one; it is linted.</summary>
    public string? AnswerFileOverride { get; init; }

    /// <summary><c>--force</c>: error checks do not block.</summary>
    public bool Force { get; init; }

    /// <summary>Free space below which the disk-space check warns (default 2 GiB).</summary>
    public long LowDiskSpaceBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// How the agent configuration left in the image is checked when Reseal's agent is kept: the agent's reader, given by
    /// the composition root (sealing cannot reference the agent). Null: the configuration is not validated and the
    /// check warns that it was not.
    /// </summary>
    public IAgentConfigValidator? AgentConfigValidator { get; init; }

    /// <summary>
    /// <c>--no-sysprep</c> (EC2Config's and EC2Launch v2's "Shutdown without Sysprep"): reset the agent's state so its
    /// once-tasks run again at the next boot, apply the password choice, keep RDP as it is, and shut down; no answer
    /// file, no first-boot hook, no Sysprep.
    /// </summary>
    public bool NoSysprep { get; init; }

    /// <summary>
    /// <c>--admin-password</c>: the administrator password clones get, written into Reseal's agent configuration
    /// (<see cref="AgentConfigEditor"/>); with Keep the answer file does not scramble it either. Null (the default) leaves
    /// the configuration as it is (the built-in default is random).
    /// </summary>
    public AdminPasswordChoice? AdminPassword { get; init; }

    /// <summary>The password for <see cref="AdminPasswordChoice.Specify"/>.</summary>
    public SecretText? SpecifiedPassword { get; init; }

    /// <summary>How the agent configuration is edited for <see cref="AdminPassword"/>; given by the composition root, like <see cref="AgentConfigValidator"/>.</summary>
    public IAgentConfigEditor? AgentConfigEditor { get; init; }

    /// <summary>The defaults.</summary>
    public static SealOptions Default { get; } = new();

    /// <summary>Sysprep's switch for <see cref="Completion"/>.</summary>
    public string CompletionSwitch => Completion switch
    {
        SysprepCompletion.Reboot => "/reboot",
        SysprepCompletion.Quit => "/quit",
        _ => "/shutdown",
    };
}

/// <summary>A secret held in memory: <see cref="object.ToString"/> never shows it (records print their members).</summary>
public sealed class SecretText
{
    private readonly string _value;

    /// <summary>Wraps <paramref name="value"/>.</summary>
    public SecretText(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        _value = value;
    }

    /// <summary>The secret itself, for the one place that must write it.</summary>
    public string Reveal() => _value;

    /// <inheritdoc/>
    public override string ToString() => "(secret, not shown)";
}
