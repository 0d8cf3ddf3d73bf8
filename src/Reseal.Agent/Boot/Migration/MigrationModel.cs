namespace Reseal.Agent.Boot.Migration;

/// <summary>The launch agents whose settings <c>reseal agent migrate</c> reads.</summary>
public enum MigrationAgent
{
    /// <summary>EC2Config (Windows Server 2012 R2 and earlier): <c>Settings\config.xml</c> and its sibling files.</summary>
    Ec2Config,

    /// <summary>EC2Launch v1 (Windows Server 2016 and 2019): <c>Launch\Config\LaunchConfig.json</c> and its siblings.</summary>
    Ec2Launch,

    /// <summary>Cloudbase-Init: <c>conf\cloudbase-init.conf</c> and <c>conf\cloudbase-init-unattend.conf</c>.</summary>
    CloudbaseInit,
}

/// <summary>What became of one setting.</summary>
public enum SettingFate
{
    /// <summary>Written into agent-config.yml as a task input (or the <c>metadata:</c> section), or deliberately left out.</summary>
    Mapped,

    /// <summary>Reseal does this whatever its configuration says (the console's RDP certificate lines, user data).</summary>
    Default,

    /// <summary>Not carried over; the reason says why and what to do instead.</summary>
    NotMigrated,
}

/// <summary>One setting as read from an old agent's file.</summary>
/// <param name="File">The Windows path of the file.</param>
/// <param name="Line">1-based line where the setting is written (0 when unknown).</param>
/// <param name="Name">The setting's name as the file spells it (a plug-in, a key, <c>section.option</c>, a list item).</param>
/// <param name="Value">Its value as shown in the report; a password is never shown (<c>(set, not shown)</c>).</param>
public sealed record FoundSetting(string File, int Line, string Name, string Value);

/// <summary>One setting and what became of it.</summary>
/// <param name="Setting">The setting.</param>
/// <param name="Fate">Mapped, already Reseal's default, or not migrated.</param>
/// <param name="Target">For a mapped setting: the task and input (<c>setAdminAccount.password.type = random</c>),
/// <c>metadata.sources</c>, or <c>(left out)</c>; null otherwise.</param>
/// <param name="Reason">Why, in one sentence.</param>
public sealed record SettingOutcome(FoundSetting Setting, SettingFate Fate, string? Target, string Reason);

/// <summary>What <see cref="AgentMigrator"/> made of an agent's settings.</summary>
/// <param name="Agent">The agent migrated.</param>
/// <param name="Files">The settings files read (Windows paths), in reading order.</param>
/// <param name="Settings">Every setting found, in file order, with its fate.</param>
/// <param name="Diagnostics">Problems in the settings files (errors stop the migration: nothing is written), and the
/// validation of the produced agent-config.yml.</param>
/// <param name="Yaml">The agent-config.yml text; null when an error stopped the migration or it did not validate.</param>
public sealed record MigrationResult(
    MigrationAgent Agent, IReadOnlyList<string> Files, IReadOnlyList<SettingOutcome> Settings, IReadOnlyList<BootDiagnostic> Diagnostics, string? Yaml)
{
    /// <summary>True when there is a configuration to write (no errors; it validated).</summary>
    public bool Succeeded => Yaml is not null && !Diagnostics.HasErrors();

    /// <summary>True when the produced configuration holds a clear-text password (EC2Launch v1's <c>Specify</c>).</summary>
    public bool HasClearTextPassword { get; init; }
}
