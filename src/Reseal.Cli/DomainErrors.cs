using Reseal.Cloud;
using Reseal.Images;
using Reseal.Registry;
using Reseal.Unattend.Editing;
using Reseal.Unattend.Model;
using Reseal.Windows.Ports;

namespace Reseal.Cli;

/// <summary>
/// The one place an exception that escapes a command is recognised: every expected failure — the CLI's own
/// (<see cref="CommandException"/>) and each library's domain exceptions — has its row in the exit-code table
/// (docs/exit-codes.md); anything else is a bug in reseal (exit 70, <see cref="CliApp"/>).
/// </summary>
/// <remarks>
/// Why one table here and not one exception root every library derives from: Registry, Unattend and Cloud depend on
/// nothing of ours (DESIGN.md), and a root type compiled into each of them (as <c>src/Shared</c> is) would be a different
/// type in each assembly, so it could not be caught as one. Each library instead throws its own few, named domain
/// exceptions, and this table lists them; a test holds every public exception type of the libraries to it.
/// A command that knows more (which file was being read, that a metadata failure means the service is unreachable)
/// catches the library's exception where it calls it and rethrows a <see cref="CommandException"/> naming that.
/// </remarks>
internal static class DomainErrors
{
    /// <summary>The exit code for an expected failure; null for a bug.</summary>
    public static int? ExitCodeFor(Exception e) => e switch
    {
        CommandException command => command.ExitCode,

        // Input that cannot be used: a file missing, unreadable, malformed or refused.
        HiveFormatException or RegFileFormatException => ExitCodes.BadInput,
        AnswerFileFormatException or AnswerFileEditException => ExitCodes.BadInput,
        CloudException => ExitCodes.BadInput,
        Reseal.Cloud.LoneSurrogateJsonException => ExitCodes.BadInput,
        Reseal.Windows.Ports.WallpaperImageException => ExitCodes.BadInput,
        IOException or UnauthorizedAccessException => ExitCodes.BadInput,

        // The machine or the cloud is not what the command needs.
        PlatformNotSupportedException or AccountChangeRefusedException or NetApiException => ExitCodes.WrongEnvironment,
        ImageCloudException image => image.Kind switch
        {
            ImageFailureKind.NotFound or ImageFailureKind.InvalidRequest => ExitCodes.BadInput,
            ImageFailureKind.Unreachable or ImageFailureKind.Credentials => ExitCodes.WrongEnvironment,
            _ => ExitCodes.Findings,
        },
        _ => null,
    };

    /// <summary>
    /// Library exception types that are bugs, not expected failures, when they escape a command: the agent's report of a
    /// task's bug, a seal stopped by a bug (undone first), and a service host started outside the service control manager (a command checks that first).
    /// </summary>
    public static IReadOnlySet<Type> Bugs { get; } = new HashSet<Type>
    {
        typeof(Reseal.Agent.Boot.Runner.AgentBugException),
        typeof(Reseal.Windows.Service.NotStartedAsServiceException),
        typeof(Reseal.Sysprep.Seal.SealBugException),
    };
}
