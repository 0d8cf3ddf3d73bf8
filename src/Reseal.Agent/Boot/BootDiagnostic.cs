namespace Reseal.Agent.Boot;

/// <summary>How serious a <see cref="BootDiagnostic"/> is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Worth knowing; nothing is wrong.</summary>
    Info,

    /// <summary>Likely a mistake, or something is skipped; the rest still works.</summary>
    Warning,

    /// <summary>The file (or the part) cannot be used as written.</summary>
    Error,
}

/// <summary>
/// One problem found in an agent configuration, user data or agent state. Bad input is always reported this way, never
/// thrown. Line and column are 1-based; 0 means unknown (a binary part, say).
/// </summary>
/// <param name="Code">A stable code from <see cref="BootCodes"/> (<c>RA…</c>).</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Line">1-based line, or 0 when unknown.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
/// <param name="Message">What is wrong and, where it helps, how to fix it.</param>
/// <param name="Source">The file, or the part of the user data (<c>user-data part 2 (text/cloud-config)</c>), or null.</param>
public sealed record BootDiagnostic(string Code, DiagnosticSeverity Severity, int Line, int Column, string Message, string? Source = null)
{
    /// <summary>True for <see cref="DiagnosticSeverity.Error"/>.</summary>
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>source:line:col: severity CODE: message</c>, the form editors and CI logs understand.</summary>
    public override string ToString()
    {
        var where = Source ?? "<input>";
        if (Line > 0)
        {
            where += $":{Line}:{Column}";
        }

        return $"{where}: {Severity.ToString().ToLowerInvariant()} {Code}: {Message}";
    }

    internal static BootDiagnostic Error(string code, int line, int column, string message, string? source) =>
        new(code, DiagnosticSeverity.Error, line, column, message, source);

    internal static BootDiagnostic Warning(string code, int line, int column, string message, string? source) =>
        new(code, DiagnosticSeverity.Warning, line, column, message, source);

    internal static BootDiagnostic Info(string code, int line, int column, string message, string? source) =>
        new(code, DiagnosticSeverity.Info, line, column, message, source);
}

/// <summary>Helpers over a list of diagnostics.</summary>
public static class BootDiagnostics
{
    /// <summary>True when any diagnostic is an error.</summary>
    public static bool HasErrors(this IEnumerable<BootDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        return diagnostics.Any(d => d.IsError);
    }

    /// <summary>Sorted for printing: by source, line, column, then code (stable for equal positions).</summary>
    public static IReadOnlyList<BootDiagnostic> InPrintOrder(this IEnumerable<BootDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        return [.. diagnostics.OrderBy(d => d.Source ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Code, StringComparer.Ordinal)];
    }
}

/// <summary>
/// The diagnostic codes. Stable: never renumbered or reused. RA0xx YAML, RA1xx agent-config.yml, RA2xx user data,
/// RA3xx agent state, RA4xx network configuration, RA5xx settings of the agents <c>agent migrate</c> reads.
/// </summary>
public static class BootCodes
{
    /// <summary>The YAML is not well-formed.</summary>
    public const string YamlSyntax = "RA001";

    /// <summary>An alias (<c>*name</c>) was used; aliases are refused (they are how "billion laughs" bombs are built).</summary>
    public const string YamlAlias = "RA002";

    /// <summary>The input is larger than the limit.</summary>
    public const string TooLarge = "RA003";

    /// <summary>The YAML is nested deeper than the limit.</summary>
    public const string YamlTooDeep = "RA004";

    /// <summary>The YAML has more nodes than the limit.</summary>
    public const string YamlTooManyNodes = "RA005";

    /// <summary>A mapping has the same key twice.</summary>
    public const string YamlDuplicateKey = "RA006";

    /// <summary>More than one YAML document, or none.</summary>
    public const string YamlDocumentCount = "RA007";

    /// <summary>A construct the agent does not read (complex keys, custom tags).</summary>
    public const string YamlUnsupported = "RA008";

    /// <summary>The text is not valid UTF-8.</summary>
    public const string NotText = "RA009";

    /// <summary>The file does not exist or cannot be read.</summary>
    public const string FileNotReadable = "RA010";

    /// <summary><c>version</c> is missing.</summary>
    public const string MissingVersion = "RA101";

    /// <summary><c>version</c> has a value this agent does not know.</summary>
    public const string UnsupportedVersion = "RA102";

    /// <summary>A key the schema does not have (top level, stage entry or task entry).</summary>
    public const string UnknownKey = "RA103";

    /// <summary>A required key (<c>config</c>, <c>stage</c>, <c>task</c>, <c>tasks</c>) is missing.</summary>
    public const string MissingKey = "RA104";

    /// <summary>The document has the wrong shape (a list where a mapping belongs, say).</summary>
    public const string WrongShape = "RA105";

    /// <summary>A stage name that does not exist (names are case-sensitive).</summary>
    public const string UnknownStage = "RA111";

    /// <summary>The same stage is listed twice.</summary>
    public const string DuplicateStage = "RA112";

    /// <summary>Stages are listed out of their run order (they still run in order).</summary>
    public const string StageOrder = "RA113";

    /// <summary>A task name that does not exist (names are case-sensitive).</summary>
    public const string UnknownTask = "RA120";

    /// <summary>A task in a stage it cannot run in.</summary>
    public const string TaskNotAllowedInStage = "RA121";

    /// <summary>A task appears twice in one stage (script tasks take a list of inputs instead).</summary>
    public const string DuplicateTask = "RA122";

    /// <summary>A required input is missing.</summary>
    public const string MissingInput = "RA123";

    /// <summary>An input the task does not have.</summary>
    public const string UnknownInput = "RA124";

    /// <summary>An input has the wrong type (string, integer, boolean, list, mapping).</summary>
    public const string WrongInputType = "RA125";

    /// <summary>An input's value is not one of the allowed values.</summary>
    public const string BadEnumValue = "RA126";

    /// <summary>An input's value is out of range or malformed (host name longer than 15 characters, say).</summary>
    public const string BadValue = "RA127";

    /// <summary>A task-level <c>frequency</c> overrides the frequency the task is documented with.</summary>
    public const string FrequencyOverride = "RA128";

    /// <summary>A clear-text password in a file (static passwords stay readable on every clone).</summary>
    public const string ClearTextPassword = "RA129";

    /// <summary>User data in a format that is recognised but not supported (reported, never silently dropped).</summary>
    public const string UserDataUnsupported = "RA201";

    /// <summary>User data (or a part of it) is malformed.</summary>
    public const string UserDataMalformed = "RA202";

    /// <summary>User data whose format is not recognised at all; nothing runs.</summary>
    public const string UserDataUnrecognized = "RA203";

    /// <summary>A compressed part inflates beyond the limit (a gzip bomb) or is corrupt.</summary>
    public const string UserDataDecompression = "RA204";

    /// <summary>MIME nested too deep or with too many parts.</summary>
    public const string UserDataMimeLimit = "RA205";

    /// <summary>A <c>#cloud-config</c> key outside the supported subset.</summary>
    public const string CloudConfigUnsupportedKey = "RA206";

    /// <summary>A fact about the user data worth showing (format, size beyond what EC2 accepts, base64 wrapping).</summary>
    public const string UserDataNote = "RA207";

    /// <summary>The state file was corrupt and was moved aside.</summary>
    public const string StateCorrupt = "RA301";

    /// <summary>The state was restored from <c>previous-state.json</c>.</summary>
    public const string StateRecovered = "RA302";

    /// <summary>A leftover temporary state file (a write interrupted by a crash) was discarded.</summary>
    public const string StateTornWrite = "RA303";

    /// <summary>The state belongs to another instance id; once-tasks run again.</summary>
    public const string StateNewInstance = "RA304";

    /// <summary>A task was running when the agent stopped (crash or reboot mid-task).</summary>
    public const string StateInterruptedTask = "RA305";

    /// <summary>The network description (network_data.json, network-config) is not well-formed or has the wrong shape.</summary>
    public const string NetworkMalformed = "RA401";

    /// <summary>A network entry Reseal does not configure (a bond, a VLAN, a bridge, an unknown type): left as Windows has it.</summary>
    public const string NetworkUnsupported = "RA402";

    /// <summary>A network value is invalid (an address, a prefix, a netmask, a MAC, an MTU): that interface is left as it is.</summary>
    public const string NetworkBadValue = "RA403";

    /// <summary>Two interfaces name the same MAC address: neither is configured.</summary>
    public const string NetworkDuplicateMac = "RA404";

    /// <summary>An old agent's settings file is not well-formed (XML, JSON or INI), not text, or too large.</summary>
    public const string MigrationMalformed = "RA501";

    /// <summary>An old agent's settings file names a plug-in, key or option migration does not know.</summary>
    public const string MigrationUnknownSetting = "RA502";

    /// <summary>A settings file belongs to another agent than the one being migrated (or to none).</summary>
    public const string MigrationWrongAgent = "RA503";

    /// <summary>A known setting has a value migration cannot use.</summary>
    public const string MigrationBadValue = "RA504";

    /// <summary>A note about a settings file (its encoding, a clear-text password it holds).</summary>
    public const string MigrationNote = "RA505";
}
