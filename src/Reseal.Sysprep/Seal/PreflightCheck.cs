using System.Collections.Immutable;

namespace Reseal.Sysprep.Seal;

/// <summary>The outcome of one preflight check.</summary>
public enum CheckSeverity
{
    /// <summary>Checked; nothing wrong.</summary>
    Ok,

    /// <summary>Does not apply here (a check of a running Windows against an offline tree).</summary>
    NotApplicable,

    /// <summary>A fact worth knowing, or a check that could not be decided.</summary>
    Info,

    /// <summary>Sealing works, but the image or its clones will have a problem, or seal will change something.</summary>
    Warning,

    /// <summary>Sealing would fail or produce a broken or unsafe image: blocks unless forced.</summary>
    Error,
}

/// <summary>One preflight check and its outcome.</summary>
/// <param name="Code">Stable kebab-case code, e.g. <c>pending-reboot</c> (see <see cref="PreflightCodes"/>).</param>
/// <param name="Severity">The outcome.</param>
/// <param name="Title">What is checked.</param>
/// <param name="Message">What was found.</param>
/// <param name="Evidence">The registry values, files and facts the outcome rests on.</param>
/// <param name="Fix">What to do; null when nothing is to be done.</param>
public sealed record PreflightCheck(string Code, CheckSeverity Severity, string Title, string Message, ImmutableArray<string> Evidence, string? Fix)
{
    /// <summary>True for an error: it blocks sealing unless forced.</summary>
    public bool IsError => Severity == CheckSeverity.Error;
}

/// <summary>The codes of the preflight checks, in the order they run. Codes are stable: never renamed or reused.</summary>
public static class PreflightCodes
{
    /// <summary>The tree is a Windows installation whose SYSTEM and SOFTWARE hives can be read.</summary>
    public const string WindowsTree = "windows-tree";

    /// <summary>Running as an administrator (live only).</summary>
    public const string NotAdmin = "not-admin";

    /// <summary>No other Sysprep is running (live only).</summary>
    public const string SysprepRunning = "sysprep-running";

    /// <summary><c>%WINDIR%\System32\Sysprep\sysprep.exe</c> is present.</summary>
    public const string SysprepMissing = "sysprep-missing";

    /// <summary>ImageState is IMAGE_STATE_COMPLETE and Setup is not in progress.</summary>
    public const string ImageState = "image-state";

    /// <summary>No reboot is pending.</summary>
    public const string PendingReboot = "pending-reboot";

    /// <summary>BitLocker is off.</summary>
    public const string BitLocker = "bitlocker";

    /// <summary>A rearm is left, or SkipRearm is set.</summary>
    public const string Rearm = "rearm";

    /// <summary>No local account or profile besides the built-in ones.</summary>
    public const string ExtraAccounts = "extra-accounts";

    /// <summary>No Store app installed for one user only.</summary>
    public const string StoreApps = "store-apps";

    /// <summary>Not joined to a domain.</summary>
    public const string DomainMember = "domain-member";

    /// <summary>The answer file that would be used lints without errors.</summary>
    public const string AnswerFileLint = "answer-file-lint";

    /// <summary>Enough free disk space.</summary>
    public const string DiskSpace = "disk-space";

    /// <summary>Reseal's agent is installed and its configuration valid.</summary>
    public const string Agent = "agent";

    /// <summary>No cached <c>%WINDIR%\Panther\unattend.xml</c> that would win over ours.</summary>
    public const string StalePantherAnswerFile = "stale-panther-answer-file";

    /// <summary>The <c>--admin-password</c> choice can be written into Reseal's agent configuration.</summary>
    public const string AdminPassword = "admin-password";

    /// <summary>The first-boot scripts and tasks call no tool this Windows lacks (WMIC, off by default from build 26100).</summary>
    public const string MissingTools = "missing-tools";

    /// <summary>An image for Azure is not given an answer file of its own (Azure provisions through its own).</summary>
    public const string AzureAnswerFile = "azure-answer-file";

    /// <summary>All codes in run order.</summary>
    public static ImmutableArray<string> All { get; } =
    [
        WindowsTree, NotAdmin, SysprepRunning, SysprepMissing, ImageState, PendingReboot, BitLocker, Rearm, ExtraAccounts,
        StoreApps, DomainMember, AnswerFileLint, DiskSpace, Agent, StalePantherAnswerFile, AdminPassword, MissingTools, AzureAnswerFile,
    ];
}

/// <summary>Facts about the machine running <c>reseal seal</c> that the Windows tree cannot tell.</summary>
/// <param name="IsOffline">True when sealing an offline tree (admin and running-Sysprep checks do not apply).</param>
/// <param name="IsAdministrator">Whether the process runs elevated, when known.</param>
/// <param name="RunningSysprepProcessIds">Process ids of sysprep.exe instances already running, when known.</param>
public sealed record PreflightEnvironment(bool IsOffline, bool? IsAdministrator, ImmutableArray<int>? RunningSysprepProcessIds)
{
    /// <summary>An offline tree.</summary>
    public static PreflightEnvironment Offline { get; } = new(true, null, null);
}
