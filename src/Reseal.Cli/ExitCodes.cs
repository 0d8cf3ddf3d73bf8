using Reseal.Agent.Boot.Host;
using Reseal.Sysprep.Inspection;
using Reseal.Sysprep.Seal;

namespace Reseal.Cli;

/// <summary>
/// The process exit codes of <c>reseal</c>, the same for every command; docs/exit-codes.md and the README's "Exit codes"
/// section document them. Two commands add codes of their own that cannot be mistaken for these: <c>agent run</c> (the
/// reboot signals, Windows' 1641 and 3010) and <c>agent status</c> (EC2Launch v2's status codes, for scripts written for
/// <c>ec2launch status</c>).
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>Findings at or above the threshold, or a failed check.</summary>
    public const int Findings = 1;

    /// <summary>Usage error: unknown command or option, missing or invalid argument.</summary>
    public const int Usage = 2;

    /// <summary>Unreadable or malformed input.</summary>
    public const int BadInput = 3;

    /// <summary>Wrong environment: missing tool, not admin, wrong OS.</summary>
    public const int WrongEnvironment = 4;

    /// <summary>A bug in reseal (an exception no command expects); sysexits.h's EX_SOFTWARE.</summary>
    public const int InternalError = 70;

    /// <summary>Ended by Ctrl-C (SIGINT), as shells report a process a SIGINT ended (128 + 2).</summary>
    public const int Interrupted = 130;

    /// <summary><c>seal --dry-run</c> preflight: 0 ready (or forced), 1 blocking checks, 3 not a Windows tree.</summary>
    public static int For(SealReadiness readiness) => readiness switch
    {
        SealReadiness.Ready or SealReadiness.Forced => Success,
        SealReadiness.Blocked => Findings,
        _ => BadInput,
    };

    /// <summary><c>inspect</c>: 0 ready, 1 findings block sealing, 3 not a Windows tree or unreadable.</summary>
    public static int For(Readiness readiness) => readiness switch
    {
        Readiness.Ready => Success,
        Readiness.NotReady => Findings,
        _ => BadInput,
    };

    /// <summary><c>seal --root</c> apply or rollback: 0 done, 1 refused or failed (a failed apply is undone), 3 not a Windows tree.</summary>
    public static int For(SealChangeStatus status) => status switch
    {
        SealChangeStatus.Done or SealChangeStatus.NothingToDo => Success,
        SealChangeStatus.NotWindows => BadInput,
        _ => Findings,
    };

    /// <summary><c>seal</c> of the running machine: 0 sealed (or shutting down without Sysprep), 3 refused because it is not a Windows machine, 1 otherwise.</summary>
    public static int For(SealRunResult result) => result switch
    {
        { Outcome: SealRunOutcome.Sealed or SealRunOutcome.ShutDownWithoutSysprep } => Success,
        { Outcome: SealRunOutcome.Refused, Report.Readiness: SealReadiness.NotWindows } => BadInput,
        _ => Findings,
    };

    /// <summary><c>agent run</c>: a task asked for a reboot and the agent started it (ERROR_SUCCESS_REBOOT_INITIATED).</summary>
    public const int RebootStarted = AgentExitCodes.RebootStarted;

    /// <summary><c>agent run</c>: a task asked for a reboot the agent did not start (ERROR_SUCCESS_REBOOT_REQUIRED).</summary>
    public const int RebootRequired = AgentExitCodes.RebootRequired;
}

/// <summary>
/// The CLI's own expected failures, each carrying its row of the exit-code table. Library failures keep their own
/// exception types (each library depends on nothing of ours); <see cref="DomainErrors"/> maps both in one place.
/// </summary>
internal abstract class CommandException(string message, int exitCode) : Exception(message)
{
    /// <summary>The exit code from <see cref="ExitCodes"/>.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>A usage error found after parsing (bad combination of options); exit code 2.</summary>
internal sealed class UsageException(string message) : CommandException(message, ExitCodes.Usage);

/// <summary>Input that cannot be used (unreadable, malformed); exit code 3.</summary>
internal sealed class BadInputException(string message) : CommandException(message, ExitCodes.BadInput);

/// <summary>The environment is wrong for the command (no metadata service, wrong OS, missing tool); exit code 4.</summary>
internal sealed class EnvironmentException(string message) : CommandException(message, ExitCodes.WrongEnvironment);

/// <summary>The image or the clone failed (a refused state, a cloud-side failure); exit code 1.</summary>
internal sealed class ImageFailedException(string message) : CommandException(message, ExitCodes.Findings);
