namespace Reseal.Unattend.Lint;

/// <summary>How serious a finding is.</summary>
public enum Severity
{
    /// <summary>Worth knowing; nothing is wrong.</summary>
    Info,

    /// <summary>Likely a mistake, or works only by accident.</summary>
    Warning,

    /// <summary>Setup or Sysprep will fail, or the result is unsafe.</summary>
    Error,
}

/// <summary>A lint rule: a stable code, what it checks and how to fix what it finds.</summary>
public sealed record LintRule(string Id, string Name, Severity DefaultSeverity, string Description, string Fix);

/// <summary>Every rule <see cref="AnswerFileLinter"/> applies. Codes are stable: never renumbered or reused.</summary>
public static class LintRules
{
    public static readonly LintRule MalformedXml = new("RU001", "malformed-xml", Severity.Error,
        "The file is not well-formed XML, is empty, or cannot be read.", "Fix the XML at the reported line and column.");

    public static readonly LintRule RefusedXml = new("RU002", "refused-xml", Severity.Error,
        "The file uses a DTD or entities, or is too large or too deeply nested to be a real answer file.",
        "Remove the <!DOCTYPE> declaration and entity references; answer files never need them.");

    public static readonly LintRule WrongRoot = new("RU003", "wrong-root", Severity.Error,
        "The root element is not <unattend> in the namespace urn:schemas-microsoft-com:unattend.",
        "Use <unattend xmlns=\"urn:schemas-microsoft-com:unattend\"> as the root.");

    public static readonly LintRule UnexpectedElement = new("RU004", "unexpected-element", Severity.Error,
        "An element in the answer-file namespace other than <settings> or <servicing> sits under <unattend>; Setup's schema rejects it.",
        "Move the content into a <settings pass=\"...\"> section or remove it.");

    public static readonly LintRule UnknownPass = new("RU005", "unknown-pass", Severity.Error,
        "A <settings> element has no pass attribute or names a pass that does not exist (pass names are case-sensitive).",
        "Use one of windowsPE, offlineServicing, generalize, specialize, auditSystem, auditUser, oobeSystem.");

    public static readonly LintRule ComponentAttributes = new("RU010", "component-identity", Severity.Error,
        "A component lacks its name or processorArchitecture, or the architecture is not x86, amd64, wow64 or arm64.",
        "Give every <component> name and processorArchitecture, as WSIM writes them.");

    public static readonly LintRule DuplicateComponent = new("RU011", "duplicate-component", Severity.Error,
        "The same component appears twice in one pass for one architecture; Setup fails with 'A component or non-list setting is specified more than once'.",
        "Merge the two <component> elements into one.");

    public static readonly LintRule MixedArchitecture = new("RU012", "mixed-architecture", Severity.Warning,
        "Components target more than one processor architecture. Setup applies only those matching the image; the others are dead weight or, on ARM64, an error ('Unable to find manifest file').",
        "Keep only the components for the image's architecture (amd64 for cloud images).");

    public static readonly LintRule ComponentIdentityIncomplete = new("RU013", "component-identity-incomplete", Severity.Warning,
        "A component lacks publicKeyToken, language or versionScope, or has an unusual value for them (versionScope is nonSxS or SxS, in any letter case).",
        "Use publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\" as WSIM writes them.");

    public static readonly LintRule ComponentWrongPass = new("RU014", "component-wrong-pass", Severity.Error,
        "A component appears in a pass where none of its settings are valid (per Microsoft's reference).", "Move the component to a pass it supports.");

    public static readonly LintRule ArchitectureMismatch = new("RU016", "architecture-mismatch", Severity.Error,
        "A component targets another processor architecture than the image (--arch); Setup does not apply it (on ARM64 it fails with 'Unable to find manifest file').",
        "Change processorArchitecture to the image's architecture, or remove the component.");

    public static readonly LintRule SettingWrongPass = new("RU020", "setting-wrong-pass", Severity.Error,
        "A setting is in a pass where Microsoft's reference says it is not valid; Setup ignores it or fails to parse the file.", "Move the setting to a pass it supports.");

    public static readonly LintRule DuplicateSetting = new("RU021", "duplicate-setting", Severity.Error,
        "A non-list setting appears more than once in one component; Setup fails with 'A component or non-list setting is specified more than once'.",
        "Keep one occurrence.");

    public static readonly LintRule SettingCase = new("RU022", "setting-name-case", Severity.Error,
        "A setting's name differs only in letter case from a known setting. Names are case-sensitive: Setup reports 'A component or setting specified in the answer file does not exist'.",
        "Spell the name exactly as the catalog does.");

    public static readonly LintRule NotInCatalog = new("RU023", "not-in-catalog", Severity.Info,
        "A component or setting is not in Microsoft's Unattended Windows Setup Reference (Reseal's catalog), so it was not checked.", "Nothing to fix if it exists in your image; check its spelling, and validate it with WSIM against the image's catalog if unsure.");

    public static readonly LintRule InvalidValue = new("RU024", "invalid-value", Severity.Error,
        "A value does not fit the setting's type or form: not true/false, not a number in range, not one of the allowed values (compared ignoring case), a forbidden character, or not a language tag.",
        "Use a value of the documented type and range.");

    public static readonly LintRule ValueLength = new("RU025", "value-length", Severity.Error,
        "A value is longer than the limit the reference gives, or not the exact length it gives. (Empty elements are RU029.)", "Shorten the value.");

    public static readonly LintRule ListItemAction = new("RU026", "list-item-action", Severity.Warning,
        "A list item lacks wcm:action, or its action is not add, remove or modify.", "Write list items as <Item wcm:action=\"add\">.");

    public static readonly LintRule RequiredMissing = new("RU027", "required-missing", Severity.Error,
        "A list item lacks a setting it requires (for example LocalAccount without Name).", "Add the missing setting.");

    public static readonly LintRule EmptyForbidden = new("RU029", "empty-forbidden", Severity.Error,
        "An element is empty where Microsoft's reference says the setting does not support empty elements (Setup fails on it).",
        "Give the setting a value, or remove the element.");

    public static readonly LintRule OrderMissing = new("RU030", "order-missing", Severity.Error,
        "A command has no Order; Setup cannot sequence it.", "Give each command a unique Order from 1 to 500.");

    public static readonly LintRule OrderDuplicate = new("RU031", "order-duplicate", Severity.Error,
        "Two items of one list share an Order or key.", "Give each item a unique Order or key.");

    public static readonly LintRule OrderRange = new("RU032", "order-range", Severity.Error,
        "An Order is not a whole number from 1 to 500.", "Use a whole number from 1 to 500.");

    public static readonly LintRule CommandEmpty = new("RU033", "command-empty", Severity.Error,
        "A command's Path or CommandLine is missing or empty.", "Give the command what to run, or remove it.");

    public static readonly LintRule CommandTooLong = new("RU034", "command-too-long", Severity.Error,
        "A RunSynchronous/RunAsynchronous Path is over 259 characters, or a FirstLogonCommands/LogonCommands CommandLine is over 1,024; Setup fails to parse the pass.",
        "Move the work into a script and call the script.");

    public static readonly LintRule WillRebootValue = new("RU035", "will-reboot-value", Severity.Error,
        "WillReboot is not one of Always, OnRequest, Never.", "Use Always, OnRequest or Never.");

    public static readonly LintRule CommandReboots = new("RU036", "command-reboots", Severity.Warning,
        "A RunSynchronous command restarts the machine itself (shutdown /r, Restart-Computer); Setup loses track of the pass.",
        "Remove the restart and set WillReboot to Always or OnRequest (exit code 1 or 2).");

    public static readonly LintRule ComputerNameLength = new("RU040", "computer-name-length", Severity.Error,
        "ComputerName is longer than 15 bytes (the NetBIOS limit).", "Use at most 15 characters, or * for a random name.");

    public static readonly LintRule ComputerNameCharacters = new("RU041", "computer-name-characters", Severity.Error,
        "ComputerName has a space or a character Windows forbids ({|}~[\\]^':;<=>?@!\"#$%`()+/.,*&), or is only digits.",
        "Use letters, digits and hyphens, not digits only; or * for a random name.");

    public static readonly LintRule ProductKeyFormat = new("RU042", "product-key-format", Severity.Error,
        "A product key is not five groups of five letters or digits separated by dashes (xxxxx-xxxxx-xxxxx-xxxxx-xxxxx); Setup reports 'Windows cannot read the <ProductKey> setting'.",
        "Write the key as xxxxx-xxxxx-xxxxx-xxxxx-xxxxx, without spaces.");

    public static readonly LintRule PlainTextPassword = new("RU050", "plaintext-password", Severity.Warning,
        "A password is stored in clear text (PlainText true or absent). Setup caches answer files in %WINDIR%\\Panther, where anyone who can read the disk finds it. Error for a file Setup caches (a path under Panther).",
        "Use `reseal unattend password encode` and PlainText=false, or better, set the password at first boot with the agent.");

    public static readonly LintRule PasswordSuffix = new("RU051", "password-suffix", Severity.Error,
        "An obfuscated password (PlainText false) does not end with the suffix Windows expects for its element; Setup fails with 'Failed to decode password (0x8007000d)'.",
        "Re-encode with `reseal unattend password encode --field administrator|password`.");

    public static readonly LintRule PasswordUndecodable = new("RU052", "password-undecodable", Severity.Error,
        "An obfuscated password (PlainText false) is not Base64 of UTF-16LE text.", "Re-encode with `reseal unattend password encode`.");

    public static readonly LintRule ClearTextCredential = new("RU053", "credential-plaintext", Severity.Warning,
        "A credential password Windows can only read in clear text (no PlainText companion): the domain join's Credentials/Password or MachinePassword, or the Credentials of commands, driver paths or image sources. Setup caches the file in %WINDIR%\\Panther. Error for a file Setup caches.",
        "Join the domain with an offline provisioning blob (UnattendedJoin Provisioning/AccountData, djoin.exe) or at first boot; use an account with only the rights it needs; delete the cached file after Setup.");

    public static readonly LintRule CopyProfilePass = new("RU060", "copyprofile-pass", Severity.Error,
        "CopyProfile is outside the specialize pass, where Setup ignores it or fails.", "Put CopyProfile in specialize, once.");

    public static readonly LintRule Deprecated = new("RU061", "deprecated-setting", Severity.Warning,
        "A setting Microsoft's reference marks deprecated for the Windows version checked (--windows): Microsoft says not to use it; it may be ignored, and later releases may remove it.", "Remove it or use its replacement.");

    public static readonly LintRule AutoLogonCount = new("RU062", "autologon-logoncount", Severity.Error,
        "AutoLogon has no LogonCount; Setup requires it, and without it the automatic logons never stop or never start.",
        "Add <LogonCount>1</LogonCount> (or the number of logons needed).");

    public static readonly LintRule ResealLoop = new("RU063", "reseal-reboot-loop", Severity.Error,
        "Reseal with ForceShutdownNow=true in auditSystem (Mode not OOBE) shuts down before audit completes and loops on every boot.",
        "Move Reseal to auditUser or oobeSystem, or set ForceShutdownNow to false.");

    public static readonly LintRule GeneralizeWithReseal = new("RU064", "generalize-overrides-reseal", Severity.Warning,
        "Generalize and Reseal are both set in auditUser; Setup ignores Reseal.", "Keep one of them.");

    public static readonly LintRule RemovedSetting = new("RU065", "removed-setting", Severity.Error,
        "A component or setting Microsoft's reference says was removed in or before the Windows version checked (--windows); Setup reports 'A component or setting specified in the answer file does not exist'.",
        "Remove it (the message names the release that removed it), or check the file with --windows for the release it targets.");

    public static readonly LintRule SettingTooNew = new("RU066", "setting-too-new", Severity.Error,
        "A setting Microsoft's reference says first appeared in a later Windows release than the one checked (--windows); that release does not know it.",
        "Remove it for this release, or check the file with --windows for the release it targets.");

    public static readonly LintRule Templated = new("RU070", "templated", Severity.Info,
        "Values hold template placeholders ({{ var }}, {% if %}, $Var$, %VAR% where a literal is expected); they were not checked. Reported once per file.",
        "Lint the file the template produces to check those values.");

    /// <summary>All rules, by code.</summary>
    public static IReadOnlyList<LintRule> All { get; } =
    [
        MalformedXml, RefusedXml, WrongRoot, UnexpectedElement, UnknownPass,
        ComponentAttributes, DuplicateComponent, MixedArchitecture, ComponentIdentityIncomplete, ComponentWrongPass, ArchitectureMismatch,
        SettingWrongPass, DuplicateSetting, SettingCase, NotInCatalog, InvalidValue, ValueLength, ListItemAction, RequiredMissing, EmptyForbidden,
        OrderMissing, OrderDuplicate, OrderRange, CommandEmpty, CommandTooLong, WillRebootValue, CommandReboots,
        ComputerNameLength, ComputerNameCharacters, ProductKeyFormat,
        PlainTextPassword, PasswordSuffix, PasswordUndecodable, ClearTextCredential,
        CopyProfilePass, Deprecated, AutoLogonCount, ResealLoop, GeneralizeWithReseal, RemovedSetting, SettingTooNew,
        Templated,
    ];
}
