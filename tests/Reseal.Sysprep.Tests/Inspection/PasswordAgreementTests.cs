using System.Text;
using System.Xml.Linq;
using Reseal.Sysprep.Inspection;
using Reseal.TestSupport;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Sysprep.Tests.Inspection;

/// <summary>
/// Issue 14: <c>reseal inspect</c> once had password rules of its own and missed MachinePassword. Now inspect, the
/// seal's scrub of moved-aside answer files and lint all ask Reseal.Unattend's one classifier; every secret setting the
/// catalog knows, put in clear text into a cached answer file, is seen the same way by all three (lint reports the
/// offline join blob, which it recommends, as no clear-text credential).
/// </summary>
public sealed class PasswordAgreementTests
{
    private const string Secret = "Hunter2!Secret";

    public static TheoryData<string> CatalogPasswords() => [.. Locations()];

    /// <summary>Component/path of every catalog setting the classifier calls a secret.</summary>
    private static List<string> Locations()
    {
        var data = new List<string>();
        foreach (var component in SettingCatalog.Default.Components.Values)
        {
            var pending = new Stack<SettingDefinition>(component.Settings.Values);
            while (pending.TryPop(out var setting))
            {
                if (AnswerFilePasswords.Describe(setting, component.Name) is not null)
                {
                    data.Add($"{component.Name}/{setting.Path}");
                }

                foreach (var child in setting.Children.Values)
                {
                    pending.Push(child);
                }
            }
        }

        return data;
    }

    /// <summary>An answer file holding the setting's secret in clear text (a Value element with PlainText true when it has one).</summary>
    private static string AnswerFileWith(string component, SettingDefinition setting)
    {
        var parts = setting.Path.Split('/');
        XElement leaf = setting.Children.ContainsKey("Value")
            ? new XElement(parts[^1], new XElement("Value", Secret), new XElement("PlainText", "true"))
            : new XElement(parts[^1], Secret);
        var element = leaf;
        foreach (var name in parts[..^1].Reverse())
        {
            element = new XElement(name, element);
        }

        XNamespace ns = "urn:schemas-microsoft-com:unattend";
        var document = new XElement("unattend", new XElement("settings", new XAttribute("pass", setting.Passes.Order().First().ToXmlName()),
            new XElement("component", new XAttribute("name", component), element)));
        foreach (var e in document.DescendantsAndSelf())
        {
            e.Name = ns + e.Name.LocalName;
        }

        return document.ToString();
    }

    [Theory]
    [MemberData(nameof(CatalogPasswords))]
    public void Classify_EveryCatalogPassword_SameForInspectSealScrubAndLint(string location)
    {
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        var component = location[..slash];
        var setting = SettingCatalog.Default.Find(component)!.Find(location[(slash + 1)..])!;
        var kind = AnswerFilePasswords.Describe(setting, component)!;
        var xml = AnswerFileWith(component, setting);

        // inspect: the file cached in %WINDIR%\Panther, read through the machine's ports.
        var machine = new FakeWindows();
        machine.Files.WriteText(@"C:\Windows\Panther\unattend.xml", xml);
        var inspected = Assert.Single(Assert.Single(WindowsInspector.Inspect(machine).Facts.AnswerFiles).Passwords);
        Assert.Equal(location, inspected.Element);
        Assert.Equal(PasswordStorage.ClearText, inspected.Storage);
        Assert.Equal(kind.CanBeObfuscated, inspected.CanBeObfuscated);

        // the seal's scrub of a moved-aside file: the one secret replaced, nothing of it left.
        var scrubbed = AnswerFileScrubber.Scrub(Encoding.UTF8.GetBytes(xml), "unattend.xml");
        Assert.Equal(1, scrubbed.Scrubbed);
        Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(scrubbed.Bytes), StringComparison.Ordinal);

        // lint: a clear-text finding, of the obfuscatable rule or the clear-text-only one as the classifier says; the
        // offline join blob (AccountData) is the remedy lint recommends for a clear-text join password, so none for it.
        var report = new AnswerFileLinter().Lint(AnswerFileReader.ReadText(xml, @"C:\Windows\Panther\unattend.xml"));
        var clearText = report.Findings.Where(f => f.Rule == LintRules.PlainTextPassword || f.Rule == LintRules.ClearTextCredential).Select(f => f.Rule).ToList();
        if (setting.Name == "AccountData")
        {
            Assert.Empty(clearText);
        }
        else
        {
            Assert.Equal([kind.CanBeObfuscated ? LintRules.PlainTextPassword : LintRules.ClearTextCredential], clearText);
        }
    }

    [Fact]
    public void CatalogPasswords_IncludeMachinePasswordAndAdministratorPassword()
    {
        var all = Locations();

        Assert.Contains("Microsoft-Windows-UnattendedJoin/Identification/MachinePassword", all);
        Assert.Contains("Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword", all);
        Assert.Contains("Microsoft-Windows-Shell-Setup/AutoLogon/Password", all);
        Assert.Contains("Microsoft-Windows-UnattendedJoin/Identification/Credentials/Password", all);
        Assert.Contains("Microsoft-Windows-UnattendedJoin/Identification/Provisioning/AccountData", all);
        Assert.Equal(19, all.Count);
    }
}
