using System.Buffers.Text;
using System.Text;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Passwords;

/// <summary>How a password value is kept in an answer file.</summary>
public enum PasswordStorage
{
    /// <summary>No value (a blank password, or nothing set).</summary>
    Empty,

    /// <summary>Replaced by Setup's <c>*SENSITIVE*DATA*DELETED*</c> marker.</summary>
    Scrubbed,

    /// <summary>Readable as it is: <c>PlainText</c> true or absent, or an element that has no obfuscated form.</summary>
    ClearText,

    /// <summary><c>PlainText=false</c>: Base64 of UTF-16LE(password + suffix), which anyone can decode.</summary>
    Obfuscated,

    /// <summary><c>PlainText=false</c> but the value does not decode with the element's suffix (Setup fails with 0x8007000d).</summary>
    Undecodable,
}

/// <summary>
/// A kind of secret an answer file can hold: where it is (component and path below the component), and whether Windows
/// accepts an obfuscated value for it (<c>PlainText=false</c>, with <paramref name="ObfuscationSuffix"/> appended before
/// encoding) or reads it only in clear text.
/// </summary>
/// <param name="Component">The component, e.g. <c>Microsoft-Windows-UnattendedJoin</c>; null for an element found by the
/// name rule only (see <see cref="AnswerFilePasswords.Describe(XElement)"/>).</param>
/// <param name="Path">The setting's path below the component, e.g. <c>Identification/Credentials/Password</c>.</param>
/// <param name="ObfuscationSuffix">The suffix of the obfuscated form (the element's own name: <c>AdministratorPassword</c>,
/// <c>Password</c>, <c>OfflineAdministratorPassword</c>), or null when only clear text is accepted.</param>
/// <param name="What">What the secret is, for messages.</param>
public sealed record PasswordElement(string? Component, string Path, string? ObfuscationSuffix, string What)
{
    /// <summary>True when <c>PlainText=false</c> (obfuscation) is accepted for this element.</summary>
    public bool CanBeObfuscated => ObfuscationSuffix is not null;

    /// <summary>True for a domain's secret (domain join credentials, machine account password, offline join blob).</summary>
    public bool IsDomainSecret => Component == "Microsoft-Windows-UnattendedJoin";
}

/// <summary>How a catalog setting holds a password (<see cref="AnswerFilePasswords.Holding"/>).</summary>
internal enum PasswordHolding
{
    /// <summary>Not a password.</summary>
    None,

    /// <summary>A <c>Value</c>/<c>PlainText</c> pair that Windows can read obfuscated (AdministratorPassword, LocalAccount/Password, AutoLogon/Password).</summary>
    Obfuscatable,

    /// <summary>
    /// A password Windows reads only in clear text: the setting has no <c>PlainText</c> companion
    /// (UnattendedJoin <c>Credentials/Password</c> and <c>MachinePassword</c>, the credentials of RunSynchronous,
    /// driver paths, image sources and Windows Deployment Services).
    /// </summary>
    ClearTextOnly,
}

/// <summary>One secret found in an answer file.</summary>
/// <param name="Element">The setting's element (the one holding <c>Value</c>/<c>PlainText</c>, or the value itself).</param>
/// <param name="Kind">What it is.</param>
/// <param name="Pass">The configuration pass (the <c>settings</c> element's <c>pass</c>), or "?".</param>
/// <param name="Storage">How its value is kept. The value itself is never part of this record.</param>
public sealed record PasswordSetting(XElement Element, PasswordElement Kind, string Pass, PasswordStorage Storage)
{
    /// <summary><c>Component/Path</c>, for messages.</summary>
    public string Location => Kind.Component is null ? Kind.Path : $"{Kind.Component}/{Kind.Path}";

    /// <summary>The element holding the value: <c>Value</c> under <see cref="Element"/>, or <see cref="Element"/> itself.</summary>
    public XElement ValueElement => Element.Elements().FirstOrDefault(e => e.Name.LocalName == "Value") ?? Element;
}

/// <summary>
/// The one classifier of answer-file secrets, used by lint, <c>reseal inspect</c>, the seal and the agent's scrub. It
/// knows every password setting in Microsoft's unattend reference
/// (https://learn.microsoft.com/windows-hardware/customize/desktop/unattend/): the three WSIM can hide
/// (AutoLogon/Password, UserAccounts/AdministratorPassword, UserAccounts/LocalAccounts/LocalAccount/Password — "Hide
/// Sensitive Data in an Answer File"; "You can hide only local account passwords … Domain passwords, product keys, and
/// other sensitive data may still be available as clear text") plus the offline ones, and the clear-text-only domain
/// join credentials (UnattendedJoin Identification/Credentials/Password, MachinePassword, Provisioning/AccountData),
/// RunSynchronous and driver-path credentials. Any other element whose name ends in "Password" counts too (an
/// unknown component's secret is still a secret). A product key is not a password (a license, not a credential) and
/// DomainAccounts holds names only; neither is reported. The same rule classifies the catalog's settings
/// (<see cref="Describe(SettingDefinition, string?)"/>) for lint, explain and edit, so an element and its setting are
/// always the same kind of secret.
/// </summary>
public static class AnswerFilePasswords
{
    /// <summary>The marker Setup writes in place of a used password.</summary>
    public const string ScrubbedMarker = "*SENSITIVE*DATA*DELETED*";

    private const string Shell = "Microsoft-Windows-Shell-Setup";
    private const string Join = "Microsoft-Windows-UnattendedJoin";

    /// <summary>Every password setting of Microsoft's reference, with its obfuscation suffix when it has one.</summary>
    public static IReadOnlyList<PasswordElement> Known { get; } =
    [
        new(Shell, "UserAccounts/AdministratorPassword", "AdministratorPassword", "the built-in administrator's password"),
        new(Shell, "UserAccounts/LocalAccounts/LocalAccount/Password", "Password", "a local account's password"),
        new(Shell, "AutoLogon/Password", "Password", "the automatic logon password"),
        new(Shell, "OfflineUserAccounts/OfflineAdministratorPassword", "OfflineAdministratorPassword", "the built-in administrator's password (offline)"),
        new(Shell, "OfflineUserAccounts/OfflineLocalAccounts/LocalAccount/Password", "Password", "a local account's password (offline)"),
        new(Join, "Identification/Credentials/Password", null, "the domain join account's password"),
        new(Join, "Identification/MachinePassword", null, "the computer account's password (UnsecureJoin)"),
        new(Join, "Identification/Provisioning/AccountData", null, "the offline domain join blob (holds the computer account's password)"),
        new(Join, "OfflineIdentification/Provisioning/AccountData", null, "the offline domain join blob (holds the computer account's password)"),
        new("Microsoft-Windows-Deployment", "RunSynchronous/RunSynchronousCommand/Credentials/Password", null, "a command's run-as password"),
        new("Microsoft-Windows-Deployment", "RunAsynchronous/RunAsynchronousCommand/Credentials/Password", null, "a command's run-as password"),
        new("Microsoft-Windows-Setup", "RunSynchronous/RunSynchronousCommand/Credentials/Password", null, "a command's run-as password"),
        new("Microsoft-Windows-Setup", "RunAsynchronous/RunAsynchronousCommand/Credentials/Password", null, "a command's run-as password"),
        new("Microsoft-Windows-Setup", "WindowsDeploymentServices/Login/Credentials/Password", null, "the Windows Deployment Services logon password"),
        new("Microsoft-Windows-Setup", "ImageInstall/OSImage/InstallFrom/Credentials/Password", null, "a network share password"),
        new("Microsoft-Windows-Setup", "ImageInstall/DataImage/InstallFrom/Credentials/Password", null, "a network share password"),
        new("Microsoft-Windows-PnpCustomizationsNonWinPE", "DriverPaths/PathAndCredentials/Credentials/Password", null, "a driver share password"),
        new("Microsoft-Windows-PnpCustomizationsWinPE", "DriverPaths/PathAndCredentials/Credentials/Password", null, "a driver share password"),
    ];

    /// <summary>
    /// What secret <paramref name="element"/> holds, or null when it holds none. Known settings are matched by component
    /// and path (ignoring case: a mis-cased element that Setup ignores still keeps its secret on disk); any other element
    /// whose name ends in "Password" is a secret of an unknown setting, obfuscatable (suffix: its own name) when it has
    /// <c>Value</c>/<c>PlainText</c> children as the hideable ones do.
    /// </summary>
    public static PasswordElement? Describe(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        var name = element.Name.LocalName;
        if (name is "Value" or "PlainText")
        {
            return null;
        }

        var component = element.Ancestors().FirstOrDefault(a => a.Name.LocalName == "component");
        var componentName = component?.Attribute("name")?.Value;
        var path = string.Join('/', element.AncestorsAndSelf().TakeWhile(e => e != component).Reverse().Select(e => e.Name.LocalName));
        return Describe(component is null ? null : componentName, path, name, element.Elements().Any(e => e.Name.LocalName is "Value" or "PlainText"));
    }

    /// <summary>
    /// What secret a catalog setting holds, or null when none: the rule of <see cref="Describe(XElement)"/> applied to the
    /// setting's path and shape (a group with <c>Value</c>/<c>PlainText</c> children is obfuscatable). Known settings are
    /// matched when <paramref name="componentName"/> is given; the catalog's settings classify the same without it.
    /// </summary>
    public static PasswordElement? Describe(SettingDefinition definition, string? componentName = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var valueShaped = definition.Kind == SettingKind.Group && definition.Children.Keys.Any(k => k is "Value" or "PlainText");
        return Describe(componentName, definition.Path, definition.Name, valueShaped);
    }

    /// <summary>
    /// How a catalog setting holds a password: lint's clear-text rules, explain and edit ask this. It is
    /// <see cref="Describe(SettingDefinition, string?)"/> without the component, so the known settings it matches are the
    /// ones named as passwords: the offline domain join blob (<c>Provisioning/AccountData</c>) is a secret to inspect and
    /// the scrubs, but lint recommends it over a clear-text join password and does not report it as one.
    /// </summary>
    internal static PasswordHolding Holding(SettingDefinition definition) => Describe(definition) switch
    {
        null => PasswordHolding.None,
        { CanBeObfuscated: true } => PasswordHolding.Obfuscatable,
        _ => PasswordHolding.ClearTextOnly,
    };

    /// <summary>The obfuscation field of a password <c>Value</c> setting.</summary>
    internal static PasswordField FieldOf(SettingDefinition value) => value.PasswordSuffix switch
    {
        "AdministratorPassword" => PasswordField.AdministratorPassword,
        "OfflineAdministratorPassword" => PasswordField.OfflineAdministratorPassword,
        _ => PasswordField.Password,
    };

    private static PasswordElement? Describe(string? componentName, string path, string name, bool valueShaped)
    {
        if (name is "Value" or "PlainText")
        {
            return null;
        }

        if (componentName is not null)
        {
            foreach (var known in Known)
            {
                if (string.Equals(known.Component, componentName, StringComparison.OrdinalIgnoreCase) && string.Equals(known.Path, path, StringComparison.OrdinalIgnoreCase))
                {
                    return known;
                }
            }
        }

        if (!name.EndsWith("Password", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new PasswordElement(componentName, path, valueShaped ? name : null, $"a password ({name})");
    }

    /// <summary>Every secret in an answer file, in document order. Values are classified, never copied out.</summary>
    public static IReadOnlyList<PasswordSetting> Find(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var found = new List<PasswordSetting>();
        foreach (var element in document.Descendants())
        {
            if (Describe(element) is not { } kind)
            {
                continue;
            }

            var pass = element.Ancestors().FirstOrDefault(a => a.Name.LocalName == "settings")?.Attribute("pass")?.Value ?? "?";
            found.Add(new PasswordSetting(element, kind, pass, Classify(element, kind)));
        }

        return found;
    }

    /// <summary>Every secret in an answer file.</summary>
    public static IReadOnlyList<PasswordSetting> Find(AnswerFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Find(file.Document);
    }

    /// <summary>How the secret in <paramref name="element"/> (of kind <paramref name="kind"/>) is kept.</summary>
    public static PasswordStorage Classify(XElement element, PasswordElement kind)
    {
        ArgumentNullException.ThrowIfNull(element);
        ArgumentNullException.ThrowIfNull(kind);
        var valueElement = element.Elements().FirstOrDefault(e => e.Name.LocalName == "Value");
        var value = valueElement?.Value ?? (element.HasElements ? string.Empty : element.Value);
        var plainText = element.Elements().FirstOrDefault(e => e.Name.LocalName == "PlainText")?.Value;
        return Classify(value, kind, plainText);
    }

    /// <summary>How a value is kept, given its setting's kind and its <c>PlainText</c> text (null when absent).</summary>
    public static PasswordStorage Classify(string value, PasswordElement kind, string? plainText)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(kind);
        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            return PasswordStorage.Empty;
        }

        if (trimmed.Contains(ScrubbedMarker, StringComparison.Ordinal))
        {
            return PasswordStorage.Scrubbed;
        }

        // PlainText defaults to true; an element without an obfuscated form is read as it is whatever PlainText says.
        if (kind.ObfuscationSuffix is not { } suffix || !string.Equals(plainText?.Trim(), "false", StringComparison.OrdinalIgnoreCase))
        {
            return PasswordStorage.ClearText;
        }

        return Decode(trimmed, suffix).Success ? PasswordStorage.Obfuscated : PasswordStorage.Undecodable;
    }

    /// <summary>
    /// Decodes an obfuscated value whose setting's suffix is <paramref name="suffix"/> (Base64 of UTF-16LE(password +
    /// suffix), "Hide Sensitive Data in an Answer File").
    /// </summary>
    public static PasswordDecodeResult Decode(string value, string suffix)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(suffix);
        PasswordField? field = suffix switch
        {
            "AdministratorPassword" => PasswordField.AdministratorPassword,
            "Password" => PasswordField.Password,
            "OfflineAdministratorPassword" => PasswordField.OfflineAdministratorPassword,
            _ => null,
        };
        if (field is { } known)
        {
            return UnattendPassword.Decode(value, known);
        }

        // A suffix outside the three documented ones (an unknown setting): the same rule, checked here.
        var trimmed = value.Trim();
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(trimmed.Length)];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var length) || length % 2 != 0)
        {
            return new(PasswordDecodeError.NotBase64, null, null, "the value is not Base64 of UTF-16LE text");
        }

        var text = Encoding.Unicode.GetString(buffer, 0, length);
        return text.EndsWith(suffix, StringComparison.Ordinal)
            ? new(PasswordDecodeError.None, text[..^suffix.Length], suffix, "ok")
            : new(PasswordDecodeError.WrongSuffix, null, null, $"the decoded text does not end with '{suffix}'");
    }
}
