using System.Collections.Immutable;
using Reseal.Unattend.Lint;
using Reseal.Windows.Layout;

namespace Reseal.Sysprep.Seal;

/// <summary>One step of <c>reseal seal</c>, in order.</summary>
/// <param name="Id">Stable kebab-case id (see <see cref="SealStepIds"/>).</param>
/// <param name="Title">What the step does.</param>
/// <param name="Changes">What it changes on the machine, one line each; empty when it changes nothing.</param>
/// <param name="Undo">How it is undone if Sysprep fails (or <c>reseal seal --rollback</c> is asked).</param>
/// <param name="AppliesOffline">True when the step is a plain file or registry edit an offline apply performs.</param>
/// <param name="Content">The text the step writes or runs (answer file, SetupComplete.cmd, command line), when it helps to see it.</param>
public sealed record SealStep(string Id, string Title, ImmutableArray<string> Changes, string Undo, bool AppliesOffline, string? Content = null);

/// <summary>The ids of the seal steps, in order.</summary>
public static class SealStepIds
{
    /// <summary>Delete the agent state (and with --clean its logs) so once-tasks run again in every clone.</summary>
    public const string ResetAgentState = "reset-agent-state";

    /// <summary>Render (or take) the answer file and write it to %ProgramData%\Reseal\sysprep\unattend.xml.</summary>
    public const string WriteAnswerFile = "write-answer-file";

    /// <summary>Move a cached Panther answer file aside, and clear HKLM\SYSTEM\Setup!UnattendFile when it names another file.</summary>
    public const string MoveStaleAnswerFile = "move-stale-answer-file";

    /// <summary>Deny RDP (fDenyTSConnections=1) so no clone accepts RDP before its password is set.</summary>
    public const string DenyRdp = "deny-rdp";

    /// <summary>Run the user's BeforeSysprep.cmd.</summary>
    public const string BeforeSysprepHook = "before-sysprep-hook";

    /// <summary>Add the agent to SetupComplete.cmd.</summary>
    public const string FirstBootHook = "first-boot-hook";

    /// <summary>Run Sysprep.</summary>
    public const string RunSysprep = "run-sysprep";

    /// <summary>Watch Sysprep, and undo on failure.</summary>
    public const string Watch = "watch";

    /// <summary>Set the administrator password choice in Reseal's agent configuration (<c>--admin-password</c>).</summary>
    public const string SetAdminPassword = "set-admin-password";

    /// <summary>Shut down without Sysprep (<c>--no-sysprep</c>).</summary>
    public const string Shutdown = "shutdown";
}

/// <summary>Where the answer file's locale came from.</summary>
/// <param name="Locale">The locale written (InputLocale, SystemLocale, UILanguage, UserLocale).</param>
/// <param name="Source">Where it came from.</param>
/// <param name="Note">Why a fallback was used, when one was.</param>
public sealed record LocaleChoice(string Locale, string Source, string? Note);

/// <summary>The answer file seal writes.</summary>
/// <param name="Source">Where it comes from: <c>profile generic</c> or the <c>--answer-file</c> path.</param>
/// <param name="TargetPath">Where it is written (Windows path).</param>
/// <param name="Bytes">Its bytes; default when the given file could not be read.</param>
/// <param name="Locale">The locale chosen (null for a given file).</param>
/// <param name="Lint">The lint report of exactly these bytes.</param>
/// <param name="CopyProfile">True when the file sets CopyProfile=true.</param>
public sealed record PlannedAnswerFile(string Source, string TargetPath, ImmutableArray<byte> Bytes, LocaleChoice? Locale, LintReport Lint, bool CopyProfile)
{
    /// <summary>The text (UTF-8 or UTF-16 by its BOM), or null when unreadable.</summary>
    public string? Text => Bytes.IsDefault ? null : ScriptText.Decode(Bytes.AsSpan());
}

/// <summary>A file moved aside.</summary>
/// <param name="From">The file (Windows path).</param>
/// <param name="To">Its new name (Windows path).</param>
public sealed record FileMove(string From, string To);

/// <summary>SetupComplete.cmd before and after.</summary>
/// <param name="Path">Windows path.</param>
/// <param name="Before">Its bytes before, or default when it does not exist.</param>
/// <param name="After">Its bytes after.</param>
public sealed record SetupCompleteChange(string Path, ImmutableArray<byte> Before, ImmutableArray<byte> After)
{
    /// <summary>True when our line is already there: the file is not changed.</summary>
    public bool Unchanged => !Before.IsDefault && Before.AsSpan().SequenceEqual(After.AsSpan());

    /// <summary>The resulting file as text (UTF-16 by its byte-order mark, UTF-8, or Latin-1 for other ANSI bytes).</summary>
    public string AfterText => ScriptText.DecodeScript(After.AsSpan());
}

/// <summary>
/// Everything <c>reseal seal</c> would do, in order, with what each step changes and how it is undone. Built by
/// <see cref="SealPlanner"/>; its file and registry steps are performed by <see cref="SealApplier"/> (offline trees through
/// <see cref="OfflineSealer"/>), and the whole of it on a running Windows by <see cref="SealRunner"/>.
/// </summary>
public sealed record SealPlan
{
    /// <summary>The steps, in order.</summary>
    public required ImmutableArray<SealStep> Steps { get; init; }

    /// <summary>Agent state files to delete (Windows paths of those present).</summary>
    public required ImmutableArray<string> StateFiles { get; init; }

    /// <summary>Agent log files to delete (with --clean).</summary>
    public required ImmutableArray<string> LogFiles { get; init; }

    /// <summary>The answer file; null with <see cref="WithoutSysprep"/>.</summary>
    public required PlannedAnswerFile? AnswerFile { get; init; }

    /// <summary>True for <c>--no-sysprep</c>: only the agent state and the password choice change, then the machine shuts down.</summary>
    public bool WithoutSysprep { get; init; }

    /// <summary>The agent configuration rewritten for <c>--admin-password</c> (its bytes hold a specified password: never shown), or null.</summary>
    public RewriteAgentFile? AdminPasswordConfig { get; init; }

    /// <summary>Why the <c>--admin-password</c> choice cannot be applied, or null.</summary>
    public string? AdminPasswordProblem { get; init; }

    /// <summary>Cached answer files moved aside.</summary>
    public required ImmutableArray<FileMove> StaleAnswerFiles { get; init; }

    /// <summary>
    /// <c>HKLM\SYSTEM\Setup!UnattendFile</c> when it points at an answer file other than ours (Setup reads it before any
    /// other): the value is cleared, and restored if sealing fails. Null when absent or already ours.
    /// </summary>
    public string? UnattendFileToClear { get; init; }

    /// <summary>fDenyTSConnections before sealing, when known.</summary>
    public uint? RdpDenyBefore { get; init; }

    /// <summary>The user's BeforeSysprep hook (Windows path), when present.</summary>
    public string? BeforeSysprepHook { get; init; }

    /// <summary>SetupComplete.cmd before and after.</summary>
    public required SetupCompleteChange SetupComplete { get; init; }

    /// <summary>The launch agent the image boots into, or null when <c>--agent auto</c> could not choose (<see cref="AgentProblem"/>).</summary>
    public SealAgent? Agent { get; init; }

    /// <summary>Why the agent could not be chosen, or null.</summary>
    public string? AgentProblem { get; init; }

    /// <summary>The changes that reset the kept agent's state (besides Reseal's own state files).</summary>
    public ImmutableArray<AgentStateChange> AgentStateChanges { get; init; } = [];

    /// <summary>The SetupComplete.cmd lines of the agent's first-boot hook.</summary>
    public ImmutableArray<string> HookLines { get; init; } = [];

    /// <summary>Sysprep's path.</summary>
    public required string SysprepPath { get; init; }

    /// <summary>Sysprep's arguments.</summary>
    public required ImmutableArray<string> SysprepArguments { get; init; }

    /// <summary>The command line as typed.</summary>
    public string SysprepCommandLine => SysprepPath + " " + string.Join(' ', SysprepArguments);
}
