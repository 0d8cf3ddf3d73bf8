using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Tests.Passwords;

/// <summary>
/// One classifier for elements and catalog settings: every setting of Microsoft's reference (the catalog) is the same kind
/// of secret whether it is asked about as a setting or found as an element (inspect, the seal's scrub, the agent's
/// scrub). Lint, explain and edit ask without the component, which differs only for the offline join blob.
/// </summary>
public sealed class PasswordSettingsTests
{
    /// <summary>Every password setting the catalog knows: component/path, and whether Windows accepts it obfuscated.</summary>
    private static readonly (string Setting, bool Obfuscatable)[] Expected =
    [
        ("Microsoft-Windows-Deployment/RunAsynchronous/RunAsynchronousCommand/Credentials/Password", false),
        ("Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand/Credentials/Password", false),
        ("Microsoft-Windows-Fax-Service/Receipts/FaxUserPassword", false),
        ("Microsoft-Windows-PnpCustomizationsNonWinPE/DriverPaths/PathAndCredentials/Credentials/Password", false),
        ("Microsoft-Windows-PnpCustomizationsWinPE/DriverPaths/PathAndCredentials/Credentials/Password", false),
        ("Microsoft-Windows-Setup/ImageInstall/DataImage/InstallFrom/Credentials/Password", false),
        ("Microsoft-Windows-Setup/ImageInstall/OSImage/InstallFrom/Credentials/Password", false),
        ("Microsoft-Windows-Setup/RunAsynchronous/RunAsynchronousCommand/Credentials/Password", false),
        ("Microsoft-Windows-Setup/RunSynchronous/RunSynchronousCommand/Credentials/Password", false),
        ("Microsoft-Windows-Setup/WindowsDeploymentServices/Login/Credentials/Password", false),
        ("Microsoft-Windows-Shell-Setup/AutoLogon/Password", true),
        ("Microsoft-Windows-Shell-Setup/OfflineUserAccounts/OfflineAdministratorPassword", true),
        ("Microsoft-Windows-Shell-Setup/OfflineUserAccounts/OfflineLocalAccounts/LocalAccount/Password", true),
        ("Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword", true),
        ("Microsoft-Windows-Shell-Setup/UserAccounts/LocalAccounts/LocalAccount/Password", true),
        ("Microsoft-Windows-UnattendedJoin/Identification/Credentials/Password", false),
        ("Microsoft-Windows-UnattendedJoin/Identification/MachinePassword", false),
        ("Microsoft-Windows-UnattendedJoin/Identification/Provisioning/AccountData", false),
        ("Microsoft-Windows-UnattendedJoin/OfflineIdentification/Provisioning/AccountData", false),
    ];

    private static IEnumerable<(string Component, SettingDefinition Setting)> EverySetting()
    {
        foreach (var component in SettingCatalog.Default.Components.Values)
        {
            var pending = new Stack<SettingDefinition>(component.Settings.Values);
            while (pending.TryPop(out var setting))
            {
                yield return (component.Name, setting);
                foreach (var child in setting.Children.Values)
                {
                    pending.Push(child);
                }
            }
        }
    }

    /// <summary>The setting as an element in an answer file, with its children's names (Value, PlainText…) as empty elements.</summary>
    private static XElement ElementOf(string component, SettingDefinition setting)
    {
        var leaf = new XElement(setting.Path.Split('/')[^1], setting.Children.Keys.Select(k => new XElement(k)));
        var element = leaf;
        foreach (var name in setting.Path.Split('/')[..^1].Reverse())
        {
            element = new XElement(name, element);
        }

        _ = new XElement("unattend", new XElement("settings", new XAttribute("pass", "oobeSystem"),
            new XElement("component", new XAttribute("name", component), element)));
        return leaf;
    }

    [Fact]
    public void Describe_EveryCatalogSetting_SameAsItsElement()
    {
        var secrets = new List<(string, bool)>();
        var lintDiffers = new List<string>();
        foreach (var (component, setting) in EverySetting())
        {
            var location = $"{component}/{setting.Path}";
            var fromElement = AnswerFilePasswords.Describe(ElementOf(component, setting));
            var fromSetting = AnswerFilePasswords.Describe(setting, component);

            Assert.True(fromElement == fromSetting, $"{location}: the element is {fromElement}, the setting {fromSetting}");
            if (fromSetting is not null)
            {
                secrets.Add((location, fromSetting.CanBeObfuscated));
            }

            // Lint, explain and edit ask without the component: the same answer but for the offline join blob.
            var holding = fromSetting switch
            {
                null => PasswordHolding.None,
                { CanBeObfuscated: true } => PasswordHolding.Obfuscatable,
                _ => PasswordHolding.ClearTextOnly,
            };
            if (AnswerFilePasswords.Holding(setting) != holding)
            {
                lintDiffers.Add(location);
            }
        }

        Assert.Equal(Expected.Order(), secrets.Order());
        Assert.Equal(
            ["Microsoft-Windows-UnattendedJoin/Identification/Provisioning/AccountData", "Microsoft-Windows-UnattendedJoin/OfflineIdentification/Provisioning/AccountData"],
            lintDiffers.Order());
    }

    [Fact]
    public void Holding_MachinePassword_ClearTextOnly_AdministratorPassword_Obfuscatable()
    {
        var join = SettingCatalog.Default.Find("Microsoft-Windows-UnattendedJoin")!.Find("Identification/MachinePassword")!;
        var shell = SettingCatalog.Default.Find("Microsoft-Windows-Shell-Setup")!;

        Assert.Equal(PasswordHolding.ClearTextOnly, AnswerFilePasswords.Holding(join));
        Assert.Equal(PasswordHolding.Obfuscatable, AnswerFilePasswords.Holding(shell.Find("UserAccounts/AdministratorPassword")!));
        Assert.Equal(PasswordHolding.None, AnswerFilePasswords.Holding(shell.Find("UserAccounts/AdministratorPassword/Value")!));
        Assert.Equal(PasswordHolding.None, AnswerFilePasswords.Holding(shell.Find("UserAccounts/DomainAccounts/DomainAccountList/DomainAccount/Name")!));
    }
}
