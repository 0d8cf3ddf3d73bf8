using Reseal.Unattend.Catalog;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Lint;

/// <summary>How an answer-file element holds a password.</summary>
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

/// <summary>
/// The one place lint and explain decide whether an element is a password and how it is held. Reseal.Unattend/Passwords
/// is gaining one classifier for lint, inspect, seal and the agent (issue 12); when it lands, this class forwards to it.
/// </summary>
internal static class PasswordClassification
{
    /// <summary>Classifies a catalog setting.</summary>
    public static PasswordHolding Classify(SettingDefinition definition)
    {
        if (definition.Kind == SettingKind.Group && definition.Children.Values.Any(c => c.PasswordSuffix is not null))
        {
            return PasswordHolding.Obfuscatable;
        }

        if (definition.Kind == SettingKind.Value && definition.PasswordSuffix is null
            && definition.Name.EndsWith("Password", StringComparison.Ordinal))
        {
            return PasswordHolding.ClearTextOnly;
        }

        return PasswordHolding.None;
    }

    /// <summary>The obfuscation field of a password <c>Value</c>.</summary>
    public static PasswordField FieldOf(SettingDefinition value) => value.PasswordSuffix switch
    {
        "AdministratorPassword" => PasswordField.AdministratorPassword,
        "OfflineAdministratorPassword" => PasswordField.OfflineAdministratorPassword,
        _ => PasswordField.Password,
    };
}
