using System.Collections.Immutable;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <summary>How much a finding matters to sealing.</summary>
public enum FindingSeverity
{
    /// <summary>A fact worth knowing; nothing to do.</summary>
    Info,

    /// <summary>Sealing works, but the image or its clones will have a problem.</summary>
    Warning,

    /// <summary>Sealing would fail or produce a broken or unsafe image: fix this first.</summary>
    Error,
}

/// <summary>One observation with what to do about it.</summary>
/// <param name="Code">Stable kebab-case identifier, e.g. <c>pending-reboot</c>.</param>
/// <param name="Severity">How much it matters.</param>
/// <param name="Message">What was found.</param>
/// <param name="Fix">What to do; null for plain facts.</param>
/// <param name="Location">The hive key or file it was found in.</param>
public sealed record Finding(string Code, FindingSeverity Severity, string Message, string? Fix = null, string? Location = null);

/// <summary>The overall answer.</summary>
public enum Readiness
{
    /// <summary>Nothing blocks sealing (exit code 0).</summary>
    Ready,

    /// <summary>At least one error finding (exit code 1).</summary>
    NotReady,

    /// <summary>Not a Windows tree, or its SYSTEM and SOFTWARE hives cannot be read (exit code 3).</summary>
    Unreadable,
}

/// <summary>Setup's progress markers.</summary>
public sealed record SetupFacts(ImageState ImageState, string? ImageStateText, string? StateIniImageState, uint? SystemSetupInProgress,
    uint? OobeInProgress, uint? SetupType, string? CmdLine, uint? GeneralizationState, string? UnattendFile);

/// <summary>Names and regional settings.</summary>
public sealed record IdentityFacts(string? ComputerName, string? HostName, string? DnsDomain, string? TimeZone, int? TimeZoneBiasMinutes,
    string? LocaleName, string? Locale, string? SystemLanguage, string? MachineGuid);

/// <summary>The machine SID as SAM and SECURITY record it, and domain membership.</summary>
public sealed record DomainFacts(WindowsSid? MachineSidFromSam, WindowsSid? MachineSidFromSecurity, string? PrimaryDomainName,
    bool? DomainJoined, string? DnsDomainName);

/// <summary>A launch agent found in the tree.</summary>
/// <param name="Name">Its name: EC2Config, EC2Launch v1, EC2Launch v2, Cloudbase-Init, GCE, Reseal.</param>
/// <param name="Evidence">What showed it is installed (files, services, keys).</param>
/// <param name="Services">Its services with their start modes.</param>
/// <param name="ConfigPath">Its main configuration file (Windows path), when found.</param>
/// <param name="Config">Salient settings from that configuration, as <c>name = value</c> lines.</param>
public sealed record AgentFacts(string Name, ImmutableArray<string> Evidence, ImmutableArray<ServiceInfo> Services, string? ConfigPath, ImmutableArray<string> Config);

/// <summary>A password setting in an answer file (never its value).</summary>
/// <param name="Element">Where it is: component and path, e.g. <c>Microsoft-Windows-UnattendedJoin/Identification/MachinePassword</c>.</param>
/// <param name="Pass">The configuration pass.</param>
/// <param name="Storage">How its value is kept (Reseal.Unattend's one classifier, <see cref="AnswerFilePasswords"/>).</param>
/// <param name="CanBeObfuscated">False for secrets Windows reads only in clear text (domain join credentials): for them
/// <c>PlainText=false</c> is no remedy, only removing them is.</param>
public sealed record AnswerFilePassword(string Element, string Pass, PasswordStorage Storage, bool CanBeObfuscated = true);

/// <summary>An answer file found where Setup or an agent looks.</summary>
/// <param name="Path">Windows path.</param>
/// <param name="Role">Why it matters: <c>registry UnattendFile</c>, <c>Panther cache</c>, <c>Sysprep folder</c>, an agent's name…</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="Passwords">The password settings it holds.</param>
/// <param name="Problem">Why it could not be read, if so.</param>
public sealed record AnswerFileFacts(string Path, string Role, long Length, ImmutableArray<AnswerFilePassword> Passwords, string? Problem)
{
    /// <summary>True when Setup reads it before <c>%WINDIR%\System32\Sysprep</c> (the Panther folders; the registry's file).</summary>
    public bool WinsOverSysprepFolder { get; init; }

    /// <summary>True for a launch agent's own answer file.</summary>
    public bool IsAgentFile { get; init; }
}

/// <summary>A log or marker file Setup or Sysprep left.</summary>
public sealed record LogFileFacts(string Path, long Length, ImmutableArray<string> ErrorLines);

/// <summary>Per-user Store app registrations (AppxAllUserStore).</summary>
public sealed record StoreAppFacts(ImmutableDictionary<string, ImmutableArray<string>> PerUserPackages, ImmutableArray<string> Provisioned,
    ImmutableArray<string> Deprovisioned);

/// <summary>Everything read from the tree. Parts that could not be read are null or empty, and a finding says why.</summary>
public sealed record InspectionFacts
{
    /// <summary>How each hive could be read.</summary>
    public ImmutableArray<OfflineHiveStatus> Hives { get; init; } = [];

    /// <summary>OS product, edition, version.</summary>
    public OsVersion? Os { get; init; }

    /// <summary>Setup state.</summary>
    public SetupFacts? Setup { get; init; }

    /// <summary>Names, time zone, locale.</summary>
    public IdentityFacts? Identity { get; init; }

    /// <summary>Machine SID and domain.</summary>
    public DomainFacts? Domain { get; init; }

    /// <summary>Local accounts (SAM).</summary>
    public ImmutableArray<LocalAccount> Accounts { get; init; } = [];

    /// <summary>Profiles (ProfileList).</summary>
    public ImmutableArray<UserProfile> Profiles { get; init; } = [];

    /// <summary>Launch agents installed.</summary>
    public ImmutableArray<AgentFacts> Agents { get; init; } = [];

    /// <summary>fDenyTSConnections = 1 (RDP off); null when unknown.</summary>
    public bool? RdpDenied { get; init; }

    /// <summary>Pending reboot markers present.</summary>
    public ImmutableArray<string> PendingReboot { get; init; } = [];

    /// <summary>Licensing facts.</summary>
    public ActivationInfo? Activation { get; init; }

    /// <summary>Store app registrations.</summary>
    public StoreAppFacts? StoreApps { get; init; }

    /// <summary>Signs of BitLocker.</summary>
    public ImmutableArray<string> BitLocker { get; init; } = [];

    /// <summary>Answer files found.</summary>
    public ImmutableArray<AnswerFileFacts> AnswerFiles { get; init; } = [];

    /// <summary>SetupComplete.cmd contents (up to 8 KiB) with passwords masked (<see cref="ScriptRedaction"/>), or null when absent.</summary>
    public string? SetupComplete { get; init; }

    /// <summary>Setup and Sysprep logs and markers present.</summary>
    public ImmutableArray<LogFileFacts> SysprepLogs { get; init; } = [];
}
