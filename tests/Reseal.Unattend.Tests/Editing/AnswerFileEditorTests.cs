using System.Text;
using Reseal.TestSupport;
using Reseal.Unattend.Editing;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Tests.Editing;

public class AnswerFileEditorTests
{
    private const string Wsim = """
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend">
            <settings pass="specialize">
                <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                    <!-- keep me -->
                    <ComputerName>OLD-NAME</ComputerName>
                    <RegisteredOwner/>
                    <TimeZone>UTC</TimeZone>
                </component>
                <component name="Microsoft-Windows-Deployment" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                    <RunSynchronous>
                        <RunSynchronousCommand wcm:action='add'>
                            <Order>1</Order>
                            <Path>first.cmd</Path>
                        </RunSynchronousCommand>
                    </RunSynchronous>
                </component>
            </settings>
            <settings pass="oobeSystem">
                <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                    <TimeZone>UTC</TimeZone>
                </component>
            </settings>
        </unattend>
        """;

    private static readonly AnswerFileEditor Editor = new();

    private static AnswerFile Read(string xml, Encoding? encoding = null, string newLine = "\r\n")
    {
        var text = xml.ReplaceLineEndings(newLine);
        var bytes = (encoding ?? new UTF8Encoding(true)).GetPreamble().Concat((encoding ?? Encoding.UTF8).GetBytes(text)).ToArray();
        return AnswerFileReader.Read(bytes, "unattend.xml");
    }

    private static string Text(EditOutcome outcome) => Encoding.UTF8.GetString(outcome.Bytes.AsSpan(3));

    private static string Original(string xml) => xml.ReplaceLineEndings("\r\n");

    [Fact]
    public void Set_ExistingValue_ChangesOnlyThoseCharacters()
    {
        var outcome = Editor.Set(Read(Wsim), ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Shell-Setup/ComputerName"), "WEB-01");

        Assert.Equal(Original(Wsim).Replace("OLD-NAME", "WEB-01", StringComparison.Ordinal), Text(outcome));
        Assert.Equal([0xEF, 0xBB, 0xBF], outcome.Bytes[..3]);
    }

    [Fact]
    public void Set_SelfClosingElement_KeepsItsTagAndEverythingElse()
    {
        var outcome = Editor.Set(Read(Wsim), ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Shell-Setup/RegisteredOwner"), "Ops & Co <IT>");

        Assert.Equal(Original(Wsim).Replace("<RegisteredOwner/>", "<RegisteredOwner>Ops &amp; Co &lt;IT&gt;</RegisteredOwner>", StringComparison.Ordinal), Text(outcome));
        Assert.Equal("Ops & Co <IT>", outcome.File.Passes.First().Components.First().Find("RegisteredOwner")!.Value);
    }

    [Fact]
    public void Set_MissingGroupAndSetting_AreAddedIndentedLikeTheirSiblings()
    {
        var outcome = Editor.Set(Read(Wsim), ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/OOBE/HideEULAPage"), "true");

        var expected = Original(Wsim).Replace(
            "            <TimeZone>UTC</TimeZone>\r\n        </component>\r\n    </settings>\r\n</unattend>",
            "            <TimeZone>UTC</TimeZone>\r\n            <OOBE>\r\n                <HideEULAPage>true</HideEULAPage>\r\n            </OOBE>\r\n        </component>\r\n    </settings>\r\n</unattend>",
            StringComparison.Ordinal);
        Assert.Equal(expected, Text(outcome));
        Assert.Empty(new AnswerFileLinter().Lint(outcome.File).Findings);
    }

    [Fact]
    public void Set_MissingComponent_IsAddedWithWsimAttributes()
    {
        var outcome = Editor.Set(Read(Wsim), ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-International-Core/UserLocale"), "de-DE");

        var text = Text(outcome);
        Assert.Contains("""
                    <component name="Microsoft-Windows-International-Core" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                        <UserLocale>de-DE</UserLocale>
                    </component>
            """.ReplaceLineEndings("\r\n"), text, StringComparison.Ordinal);
        Assert.Empty(new AnswerFileLinter().Lint(outcome.File).Findings);
    }

    [Theory]
    [InlineData(ConfigurationPass.Generalize, "<settings pass=\"generalize\">", "<settings pass=\"specialize\">")]
    [InlineData(ConfigurationPass.AuditSystem, "<settings pass=\"auditSystem\">", "<settings pass=\"oobeSystem\">")]
    [InlineData(ConfigurationPass.WindowsPE, "<settings pass=\"windowsPE\">", "<settings pass=\"specialize\">")]
    public void Set_MissingPass_IsAddedInSetupsOrder(ConfigurationPass pass, string added, string before)
    {
        var component = pass == ConfigurationPass.Generalize ? "Microsoft-Windows-Security-SPP/SkipRearm" : pass == ConfigurationPass.WindowsPE
            ? "Microsoft-Windows-Setup/EnableNetwork" : "Microsoft-Windows-Shell-Setup/TimeZone";
        var outcome = Editor.Set(Read(Wsim), pass, SettingPath.Parse(component), pass == ConfigurationPass.Generalize ? "1" : pass == ConfigurationPass.WindowsPE ? "true" : "UTC");

        var text = Text(outcome);
        Assert.True(text.IndexOf(added, StringComparison.Ordinal) < text.IndexOf(before, StringComparison.Ordinal), text);
        Assert.Contains("\r\n    " + added + "\r\n        <component ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_ListItems_ByKey_ChangeOrAddTheItem()
    {
        var file = Read(Wsim);

        var changed = Editor.Set(file, ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand[1]/Path"), "again.cmd");
        var added = Editor.Set(file, ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand[2]/Path"), "second.cmd");

        Assert.Equal(Original(Wsim).Replace("first.cmd", "again.cmd", StringComparison.Ordinal), Text(changed));
        Assert.Contains(
            "                </RunSynchronousCommand>\r\n                <RunSynchronousCommand wcm:action=\"add\">\r\n                    <Order>2</Order>\r\n" +
            "                    <Path>second.cmd</Path>\r\n                </RunSynchronousCommand>\r\n            </RunSynchronous>", Text(added), StringComparison.Ordinal);
        Assert.Empty(new AnswerFileLinter().Lint(added.File).Findings);
    }

    [Fact]
    public void Set_KeyValueItem_WritesTheAttribute()
    {
        var outcome = Editor.Set(Read(Wsim), ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-DNS-Client/DNSSuffixSearchOrder/DomainName[1]"), "corp.contoso.com");

        Assert.Contains("<DomainName wcm:action=\"add\" wcm:keyValue=\"1\">corp.contoso.com</DomainName>", Text(outcome), StringComparison.Ordinal);
        Assert.Empty(new AnswerFileLinter().Lint(outcome.File).Findings);
    }

    [Fact]
    public void Set_ItemWithoutDocumentedKey_NeedsAChildKey()
    {
        var path = SettingPath.Parse("Microsoft-Windows-Shell-Setup/UserAccounts/LocalAccounts/LocalAccount[2]/Group");

        var e = Assert.Throws<AnswerFileEditException>(() => Editor.Set(Read(Wsim), ConfigurationPass.OobeSystem, path, "Administrators"));

        Assert.Contains("LocalAccount[Name=", e.Message, StringComparison.Ordinal);
        var outcome = Editor.Set(Read(Wsim), ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/UserAccounts/LocalAccounts/LocalAccount[Name=ops]/Group"), "Administrators");
        Assert.Contains("<LocalAccount wcm:action=\"add\">\r\n                        <Name>ops</Name>\r\n                        <Group>Administrators</Group>", Text(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public void Set_ListItemWithoutKey_IsRefused()
    {
        var e = Assert.Throws<AnswerFileEditException>(() =>
            Editor.Set(Read(Wsim), ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand/Path"), "x.cmd"));

        Assert.Contains("is a list item", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_ValueOnAGroup_IsRefused()
    {
        var e = Assert.Throws<AnswerFileEditException>(() =>
            Editor.Set(Read(Wsim), ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Deployment/RunSynchronous"), "x"));

        Assert.Contains("holds settings", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_Setting_TakesItsLineAndNothingElse()
    {
        var outcome = Editor.Remove(Read(Wsim), ConfigurationPass.Specialize, SettingPath.Parse("Microsoft-Windows-Shell-Setup/TimeZone"));

        Assert.Equal(Original(Wsim).Replace("            <RegisteredOwner/>\r\n            <TimeZone>UTC</TimeZone>\r\n", "            <RegisteredOwner/>\r\n", StringComparison.Ordinal), Text(outcome));
    }

    [Fact]
    public void Remove_Missing_SaysSo()
    {
        var e = Assert.Throws<AnswerFileEditException>(() =>
            Editor.Remove(Read(Wsim), ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/ComputerName")));

        Assert.Contains("nothing to remove", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_SeveralArchitectures_NeedsArch()
    {
        var xml = Xml.Doc(Xml.Pass("specialize", Xml.Shell("<TimeZone>UTC</TimeZone>"), Xml.Shell("<TimeZone>GMT Standard Time</TimeZone>", "x86")));
        var file = AnswerFileReader.ReadText(xml);
        var path = SettingPath.Parse("Microsoft-Windows-Shell-Setup/TimeZone");

        var e = Assert.Throws<AnswerFileEditException>(() => Editor.Find(file, ConfigurationPass.Specialize, path));

        Assert.Contains("--arch", e.Message, StringComparison.Ordinal);
        Assert.Equal("GMT Standard Time", Editor.Find(file, ConfigurationPass.Specialize, path, "x86")!.Value);
    }

    [Fact]
    public void Set_Utf16FileWithLfEndings_KeepsEncodingAndLineEndings()
    {
        var xml = Wsim.Replace("utf-8", "utf-16", StringComparison.Ordinal);
        var file = Read(xml, new UnicodeEncoding(false, true), "\n");

        var outcome = Editor.Set(file, ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/OOBE/HideEULAPage"), "true");

        Assert.Equal([0xFF, 0xFE], outcome.Bytes[..2]);
        var text = Encoding.Unicode.GetString(outcome.Bytes.AsSpan(2));
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        Assert.Contains("\n            <OOBE>\n                <HideEULAPage>true</HideEULAPage>\n            </OOBE>\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_PrefixedNamespace_WritesThePrefix()
    {
        var xml = """<u:unattend xmlns:u="urn:schemas-microsoft-com:unattend"><u:settings pass="oobeSystem"><u:component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"><u:TimeZone>UTC</u:TimeZone></u:component></u:settings></u:unattend>""";

        var outcome = Editor.Set(AnswerFileReader.ReadText(xml), ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/OOBE/HideEULAPage"), "true");

        Assert.Contains("<u:OOBE>", Encoding.UTF8.GetString(outcome.Bytes), StringComparison.Ordinal);
        Assert.Equal("true", Editor.Find(outcome.File, ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/OOBE/HideEULAPage"))!.Value);
    }

    [Fact]
    public void SetPassword_WritesItObfuscatedWithPlainTextFalse()
    {
        var outcome = Editor.SetPassword(Read(Wsim), ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword"), "Corr3ct-Horse!");

        var text = Text(outcome);
        Assert.DoesNotContain("Corr3ct-Horse", text, StringComparison.Ordinal);
        var value = Editor.Find(outcome.File, ConfigurationPass.OobeSystem, SettingPath.Parse("Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword/Value"))!.Value;
        Assert.Equal("Corr3ct-Horse!", UnattendPassword.Decode(value, PasswordField.AdministratorPassword).Password);
        Assert.Contains("<PlainText>false</PlainText>", text, StringComparison.Ordinal);
        Assert.Empty(new AnswerFileLinter().Lint(outcome.File).Findings);
    }

    [Theory]
    [InlineData("", "empty step")]
    [InlineData("Microsoft-Windows-Shell-Setup", "names no setting")]
    [InlineData("Microsoft-Windows-Shell-Setup//TimeZone", "empty step")]
    [InlineData("Microsoft-Windows-Shell-Setup/Item[1", "must close")]
    [InlineData("Microsoft-Windows-Shell-Setup/Item[]", "key is empty")]
    [InlineData("Microsoft-Windows-Shell-Setup/1Bad", "not an element name")]
    public void Parse_BadPaths_SayWhy(string path, string why)
    {
        var e = Assert.Throws<FormatException>(() => SettingPath.Parse(path));

        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    /// <summary>On every readable public answer file, changing each value touches only that value's characters.</summary>
    [Fact]
    public void Set_EveryValueOfThePublicFiles_ChangesOnlyThatValue()
    {
        var edits = 0;
        foreach (var gz in SharedData.RequireFiles("answerfiles/public", "*.xml.gz"))
        {
            var bytes = SharedData.ReadBytes(Path.Combine("answerfiles", "public", Path.GetFileName(gz)));
            AnswerFile file;
            try
            {
                file = AnswerFileReader.Read(bytes, Path.GetFileName(gz));
            }
            catch (AnswerFileFormatException)
            {
                continue;
            }

            foreach (var settings in file.Passes.Where(p => p.Pass is not null))
            {
                foreach (var component in settings.Components.Where(c => c.Name is not null))
                {
                    foreach (var value in component.Element.Descendants().Where(e => !e.HasElements && e.Name.Namespace == UnattendNames.Unattend).Take(5))
                    {
                        var path = PathOf(component.Element, value);
                        if (path is null || file.Passes.Where(p => p.Pass == settings.Pass).SelectMany(p => p.Components).Count(c => c.Name == component.Name) > 1)
                        {
                            continue;
                        }

                        var outcome = Editor.Set(file, settings.Pass!.Value, path, "Reseal-Test-Value", component.ProcessorArchitecture);
                        AssertOnlyChanged(bytes, outcome.Bytes, file.Format.Encoding.GetByteCount(value.Value));
                        edits++;
                    }
                }
            }
        }

        Assert.True(edits > 100, $"only {edits} edits");
    }

    /// <summary>The path of an element that is not inside a list item (items need keys).</summary>
    private static SettingPath? PathOf(System.Xml.Linq.XElement component, System.Xml.Linq.XElement value)
    {
        var steps = value.AncestorsAndSelf().TakeWhile(e => e != component).Reverse().ToList();
        if (steps.Any(e => e.Attribute(UnattendNames.WcmAction) is not null || e.Parent!.Elements(e.Name).Count() > 1))
        {
            return null;
        }

        return new SettingPath(component.Attribute("name")!.Value, [.. steps.Select(e => new PathStep(e.Name.LocalName, null, null))]);
    }

    private static void AssertOnlyChanged(byte[] before, byte[] after, int oldValueBytes)
    {
        var prefix = 0;
        while (prefix < before.Length && prefix < after.Length && before[prefix] == after[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < before.Length - prefix && suffix < after.Length - prefix && before[^(suffix + 1)] == after[^(suffix + 1)])
        {
            suffix++;
        }

        // What differs is at most the old value (escaped forms may be longer: allow its entities) plus a self-closing tag's rewrite.
        Assert.True(before.Length - prefix - suffix <= oldValueBytes * 6 + 16, $"{before.Length - prefix - suffix} bytes changed around offset {prefix}");
    }
}
