using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.UserData;

/// <summary>The format the user data was given in (printed as <c>User data format: …</c>).</summary>
public enum UserDataFormat
{
    /// <summary>No user data (<c>no_user_data</c>, as EC2Launch v2 prints it).</summary>
    None,

    /// <summary>EC2 XML tags: <c>&lt;powershell&gt;</c>, <c>&lt;script&gt;</c>, <c>&lt;persist&gt;</c>.</summary>
    Ec2Xml,

    /// <summary>EC2Launch v2 YAML <c>version: 1.0</c> (runs after the postReady tasks).</summary>
    Ec2LaunchYaml10,

    /// <summary>EC2Launch v2 YAML <c>version: 1.1</c> (runs before the postReady tasks).</summary>
    Ec2LaunchYaml11,

    /// <summary>A Cloudbase-Init script with a first-line header (<c>#ps1</c>, <c>#ps1_sysnative</c>, <c>#ps1_x86</c>,
    /// <c>rem cmd</c>, <c>#!</c>).</summary>
    CloudbaseScript,

    /// <summary><c>#cloud-config</c> (the subset Cloudbase-Init runs).</summary>
    CloudConfig,

    /// <summary>MIME multipart; the parts have their own formats.</summary>
    MimeMultipart,

    /// <summary>Something else: nothing runs, and a diagnostic says so.</summary>
    Unrecognized,
}

/// <summary>Where user data runs relative to the agent-config postReady tasks (agents.md §1).</summary>
public enum UserDataPlacement
{
    /// <summary>Before postReady (YAML 1.1, XML, and Reseal's choice for every other format).</summary>
    BeforePostReady,

    /// <summary>After postReady (EC2Launch v2 YAML 1.0, the legacy order).</summary>
    AfterPostReady,
}

/// <summary>The interpreter of a script.</summary>
public enum ScriptLanguage
{
    /// <summary>Windows PowerShell, native bitness (<c>&lt;powershell&gt;</c>, <c>type: powershell</c>, <c>#ps1</c>).</summary>
    PowerShell,

    /// <summary>64-bit PowerShell even from a 32-bit host (<c>#ps1_sysnative</c>).</summary>
    PowerShellSysnative,

    /// <summary>32-bit PowerShell (<c>#ps1_x86</c>).</summary>
    PowerShellX86,

    /// <summary>cmd.exe batch (<c>&lt;script&gt;</c>, <c>type: batch</c>, <c>rem cmd</c>).</summary>
    Batch,

    /// <summary>The interpreter a <c>#!</c> line names (<see cref="ScriptItem.Interpreter"/>).</summary>
    Shebang,
}

/// <summary>The account a script or program runs as.</summary>
public enum RunAs
{
    /// <summary>The administrator account (EC2Launch v2's default).</summary>
    Admin,

    /// <summary>LocalSystem (<c>runAs: localSystem</c>, <c>&lt;runAsLocalSystem&gt;true&lt;/runAsLocalSystem&gt;</c>).</summary>
    LocalSystem,
}

/// <summary>How a script's exit code asks for reboots.</summary>
public enum ExitCodeConvention
{
    /// <summary>EC2Launch v2: 3010 = reboot and run again (at most 5 times).</summary>
    Ec2Launch,

    /// <summary>Cloudbase-Init: 1001 = reboot, don't rerun; 1002 = rerun next boot, no reboot; 1003 = reboot and rerun.</summary>
    CloudbaseInit,
}

/// <summary>One unit of work user data asks for. <paramref name="Origin"/> says where it came from (for logs).</summary>
public abstract record UserDataItem(string Origin);

/// <summary>A script to run.</summary>
/// <param name="Language">Its interpreter.</param>
/// <param name="Content">The script text (without a Cloudbase-Init header line).</param>
/// <param name="RunAs">The account.</param>
/// <param name="Frequency">Once per instance, or every boot (<c>&lt;persist&gt;true&lt;/persist&gt;</c>).</param>
/// <param name="Detach">Do not wait for it (and ignore its exit code).</param>
/// <param name="Arguments">Interpreter arguments (<c>&lt;powershellArguments&gt;</c>) or script arguments.</param>
/// <param name="ExitCodes">Which reboot contract its exit code follows.</param>
/// <param name="Interpreter">For <see cref="ScriptLanguage.Shebang"/>: the <c>#!</c> line without <c>#!</c>.</param>
/// <param name="Origin">Where it came from.</param>
/// <param name="ArgumentsForInterpreter">True when <paramref name="Arguments"/> go to the interpreter, before the script
/// (<c>&lt;powershellArguments&gt;</c>); false when they go to the script.</param>
public sealed record ScriptItem(
    ScriptLanguage Language,
    string Content,
    RunAs RunAs,
    TaskFrequency Frequency,
    bool Detach,
    IReadOnlyList<string> Arguments,
    ExitCodeConvention ExitCodes,
    string? Interpreter,
    string Origin,
    bool ArgumentsForInterpreter = false) : UserDataItem(Origin);

/// <summary>A program to run (EC2Launch v2 <c>executeProgram</c>).</summary>
public sealed record ProgramItem(string Path, IReadOnlyList<string> Arguments, RunAs RunAs, TaskFrequency Frequency, string Origin)
    : UserDataItem(Origin);

/// <summary>A file to write (<c>writeFile</c>, cloud-config <c>write_files</c>).</summary>
/// <param name="Path">Destination.</param>
/// <param name="Content">The bytes, already decoded (base64/gzip encodings undone).</param>
/// <param name="Append">Append instead of replacing.</param>
/// <param name="Permissions">cloud-config <c>permissions</c> as given (POSIX modes have no Windows meaning; kept for logs).</param>
/// <param name="Frequency">How often.</param>
/// <param name="Origin">Where it came from.</param>
public sealed record WriteFileItem(string Path, ReadOnlyMemory<byte> Content, bool Append, string? Permissions, TaskFrequency Frequency, string Origin)
    : UserDataItem(Origin);

/// <summary>Set the computer name (<c>set_hostname</c>, <c>setHostName</c>).</summary>
public sealed record HostNameItem(string HostName, bool Reboot, string Origin) : UserDataItem(Origin);

/// <summary>Set the time zone (<c>set_timezone</c>; an IANA or Windows name, mapped when run).</summary>
public sealed record TimeZoneItem(string TimeZone, string Origin) : UserDataItem(Origin);

/// <summary>Create or update a local user (cloud-config <c>users</c>).</summary>
/// <param name="Name">The account name.</param>
/// <param name="Groups">Groups to add it to.</param>
/// <param name="SshAuthorizedKeys">OpenSSH public keys for it.</param>
/// <param name="PasswordHash">A <c>passwd</c> value as given (a crypt hash on Linux; reported as unusable on Windows), or null.</param>
/// <param name="FullName"><c>gecos</c>, or null.</param>
/// <param name="Origin">Where it came from.</param>
/// <remarks><see cref="object.ToString"/> says whether a password was given, never what it is.</remarks>
public sealed record UserItem(string Name, IReadOnlyList<string> Groups, IReadOnlyList<string> SshAuthorizedKeys, string? PasswordHash, string? FullName, string Origin)
    : UserDataItem(Origin)
{
    /// <summary>Members for <see cref="object.ToString"/>, with the password left out.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Name = ").Append(Name)
            .Append(", Groups = [").AppendJoin(", ", Groups).Append(']')
            .Append(", SshAuthorizedKeys = ").Append(SshAuthorizedKeys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append(", PasswordHash = ").Append(PasswordHash is null ? "(none)" : "(set, not shown)")
            .Append(", FullName = ").Append(FullName);
        return true;
    }
}

/// <summary>A command (cloud-config <c>runcmd</c>): either a shell line or an argument vector.</summary>
public sealed record CommandItem(string? ShellLine, IReadOnlyList<string>? Arguments, string Origin) : UserDataItem(Origin);

/// <summary>Another agent task given in EC2Launch v2 YAML user data (initializeVolume, startSsm, sysprep…).</summary>
public sealed record AgentTaskItem(TaskConfig Task, string Origin) : UserDataItem(Origin);

/// <summary>What user data asks for.</summary>
/// <param name="Format">The top-level format.</param>
/// <param name="Placement">When it runs relative to the postReady tasks.</param>
/// <param name="Items">The work, in the order it is to run.</param>
/// <param name="Diagnostics">Everything unsupported, malformed or notable; nothing is dropped silently.</param>
/// <param name="RawBytes">The size as fetched.</param>
public sealed record UserDataResult(
    UserDataFormat Format,
    UserDataPlacement Placement,
    IReadOnlyList<UserDataItem> Items,
    IReadOnlyList<BootDiagnostic> Diagnostics,
    long RawBytes)
{
    /// <summary>The name for the console line <c>User data format: …</c>.</summary>
    public string FormatName => Format switch
    {
        UserDataFormat.None => "no_user_data",
        UserDataFormat.Ec2Xml => "xml",
        UserDataFormat.Ec2LaunchYaml10 => "yaml_1.0",
        UserDataFormat.Ec2LaunchYaml11 => "yaml_1.1",
        UserDataFormat.CloudbaseScript => "script",
        UserDataFormat.CloudConfig => "cloud_config",
        UserDataFormat.MimeMultipart => "mime_multipart",
        _ => "unrecognized",
    };

    /// <summary>True when no diagnostic is an error.</summary>
    public bool IsValid => !Diagnostics.HasErrors();
}

/// <summary>Bounds for <see cref="UserDataParser"/>.</summary>
public sealed record UserDataLimits
{
    /// <summary>Raw user data larger than this (16 MiB) is refused unread.</summary>
    public long MaxRawBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>All decoded bytes together (gzip inflated, base64 decoded, every part) stay under this (16 MiB).</summary>
    public long MaxDecodedBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Raw user data above this (16 KiB, the EC2Config/EC2Launch v1 limit) gets an informational note.</summary>
    public long Ec2RawLimitBytes { get; init; } = 16 * 1024;

    /// <summary>MIME multipart nested deeper than this (4) is refused.</summary>
    public int MaxMimeDepth { get; init; } = 4;

    /// <summary>More MIME parts than this (100, over all levels) are refused.</summary>
    public int MaxMimeParts { get; init; } = 100;

    /// <summary>Encodings wrapped in each other (gzip in base64 in gzip…) deeper than this (3) are refused.</summary>
    public int MaxEncodingLayers { get; init; } = 3;

    /// <summary>The defaults.</summary>
    public static UserDataLimits Default { get; } = new();
}
