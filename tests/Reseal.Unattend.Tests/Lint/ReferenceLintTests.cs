using System.Text;
using Reseal.TestSupport;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using static Reseal.Unattend.Tests.Xml;

namespace Reseal.Unattend.Tests.Lint;

/// <summary>Lint against the catalog generated from Microsoft's reference: Windows versions, templates, every documented setting.</summary>
public class ReferenceLintTests
{
    private static LintReport LintFor(string xml, string windows) =>
        Xml.Lint(xml, new LintOptions { Windows = WindowsRelease.TryParse(windows, out var release) ? release : throw new ArgumentException(windows) });

    [Theory]
    [InlineData("7", false)]
    [InlineData("2012r2", false)]
    [InlineData("2016", true)]
    [InlineData("11", true)]
    public void Lint_NetworkLocation_IsDeprecatedFromWindows10Only(string windows, bool deprecated)
    {
        var report = LintFor(Doc(Pass("oobeSystem", Shell("<OOBE><NetworkLocation>Work</NetworkLocation></OOBE>"))), windows);

        Assert.Equal(deprecated, report.Findings.Any(f => f.Rule.Id == "RU061"));
    }

    [Theory]
    [InlineData("2016", false)]
    [InlineData("2019", true)]
    [InlineData("10", true)]
    public void Lint_ScreenSaver_IsRemovedFromVersion1709(string windows, bool removed)
    {
        var report = LintFor(Doc(Pass("oobeSystem", Shell("<Themes><ScreenSaver>a.scr</ScreenSaver></Themes>"))), windows);

        Assert.Equal(removed, report.Findings.Any(f => f.Rule.Id == "RU065" && f.Severity == Severity.Error));
        Assert.Equal(removed, report.Findings.Any(f => f.Reference == SettingCatalog.ReferenceUrl + "microsoft-windows-shell-setup-themes-screensaver"));
    }

    [Theory]
    [InlineData("7", true)]
    [InlineData("2012r2", false)]
    public void Lint_SettingNewInWindows81_IsTooNewForWindows7(string windows, bool tooNew)
    {
        var report = LintFor(Doc(Pass("oobeSystem", Shell("<ShowPowerButtonOnStartScreen>true</ShowPowerButtonOnStartScreen>"))), windows);

        Assert.Equal(tooNew, report.Findings.Any(f => f.Rule.Id == "RU066"));
    }

    [Fact]
    public void Lint_OfflineImage_NamesTheRelease()
    {
        var xml = Doc(Pass("oobeSystem", Shell("<OOBE><NetworkLocation>Work</NetworkLocation></OOBE>")),
            """<cpi:offlineImage cpi:source="wim:c:/wim/install.wim#Windows Server 2012 R2 SERVERSTANDARD" xmlns:cpi="urn:schemas-microsoft-com:cpi" />""");

        var fromFile = Xml.Lint(xml);
        var overridden = LintFor(xml, "2019");

        Assert.Equal(WindowsRelease.Server2012R2, fromFile.Windows);
        Assert.Equal(WindowsReleaseSource.OfflineImage, fromFile.WindowsSource);
        Assert.DoesNotContain(fromFile.Findings, f => f.Rule.Id == "RU061");
        Assert.Equal(WindowsReleaseSource.Option, overridden.WindowsSource);
        Assert.Contains(overridden.Findings, f => f.Rule.Id == "RU061");
    }

    [Fact]
    public void Lint_NoOfflineImage_ChecksAgainstTheNewest()
    {
        var report = Xml.Lint(Doc(Pass("oobeSystem", Shell("<TimeZone>UTC</TimeZone>"))));

        Assert.Equal(WindowsRelease.Newest, report.Windows);
        Assert.Equal(WindowsReleaseSource.Newest, report.WindowsSource);
    }

    [Theory]
    [InlineData("wim:C:/install.wim#Windows Server 2025 SERVERDATACENTER", "2025")]
    [InlineData("wim:c:/wim/windows-11/install.wim#Windows 10 Enterprise Evaluation", "10")]
    [InlineData("wim:c:/wimtoffu/win11_22h2_feb2023_consumer.wim#Windows 11 Pro", "11")]
    [InlineData("wim:d:/hyperv/lab/images/install.wim#Windows Server 2012 R2 SERVERSTANDARD", "2012r2")]
    [InlineData("catalog://server/share/clg/windows_7.clg", null)]
    [InlineData("", null)]
    public void FromImageName_WsimSources_NameTheRelease(string source, string? expected)
    {
        Assert.Equal(expected, WindowsRelease.FromImageName(source)?.Name);
    }

    [Fact]
    public void Lint_DeprecatedComponent_IsReportedOnceNotForEachSetting()
    {
        var report = Xml.Lint(Doc(Pass("specialize", Comp("Microsoft-Windows-OutOfBoxExperience",
            "<DoNotOpenInitialConfigurationTasksAtLogon>true</DoNotOpenInitialConfigurationTasksAtLogon>"))));

        Assert.Single(report.Findings, f => f.Rule.Id == "RU061");
    }

    [Fact]
    public void Lint_ComponentNameInAnotherCase_IsTheSameComponent()
    {
        // Microsoft's page says Microsoft-Windows-SQMAPI; working files say Microsoft-Windows-SQMApi.
        var report = Xml.Lint(Doc(Pass("specialize", Comp("Microsoft-Windows-SQMApi", "<CEIPEnabled>0</CEIPEnabled>"))));

        Assert.Empty(report.Findings);
    }

    [Fact]
    public void Lint_VersionScopeNonSxS_AsMicrosoftWritesIt_IsAccepted()
    {
        var xml = Doc(Pass("specialize", """<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="NonSxS"><TimeZone>UTC</TimeZone></component>"""));

        Assert.Empty(Xml.Lint(xml).Findings);
    }

    [Theory]
    [InlineData("<InputLocale></InputLocale>")]
    [InlineData("<InputLocale>en-US; fr-FR; es-ES</InputLocale>")]
    [InlineData("<UserLocale></UserLocale>")]
    public void Lint_LocaleValuesTheReferenceAllows_AreClean(string setting)
    {
        var report = Xml.Lint(Doc(Pass("oobeSystem", Comp("Microsoft-Windows-International-Core", setting))));

        Assert.Empty(report.Findings);
    }

    [Theory]
    [InlineData("<ComputerName>$HostName$</ComputerName>")]
    [InlineData("<ComputerName>{{ hostname }}</ComputerName>")]
    [InlineData("<ComputerName>%HOSTNAME%</ComputerName>")]
    [InlineData("<ComputerName>{ComputerName}</ComputerName>")]
    [InlineData("<ComputerName>@@NAME@@</ComputerName>")]
    [InlineData("<CopyProfile>{{ copy_profile }}</CopyProfile>")]
    public void Lint_PlaceholderWhereALiteralIsExpected_IsReportedOnceAsTemplated(string setting)
    {
        var report = Xml.Lint(Doc(Pass("specialize", Shell(setting)), Pass("generalize", Comp("Microsoft-Windows-Security-SPP", "<SkipRearm>$Rearm$</SkipRearm>"))));

        var finding = Assert.Single(report.Findings);
        Assert.Equal("RU070", finding.Rule.Id);
        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Contains("2 values", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_TemplateBranches_AreNotDuplicates()
    {
        var report = Xml.Lint(Doc(Pass("windowsPE", Comp("Microsoft-Windows-Setup",
            "<UserData><ProductKey>{% if key %}<Key>{{ key }}</Key>{% else %}<Key>VK7JG-NPHTM-C97JM-9MPGT-3V66T</Key>{% endif %}</ProductKey><AcceptEula>true</AcceptEula></UserData>"))));

        Assert.DoesNotContain(report.Findings, f => f.Rule.Id == "RU021");
        Assert.Single(report.Findings, f => f.Rule.Id == "RU070");
    }

    [Fact]
    public void Lint_TemplatedArchitecture_IsNotAnInvalidArchitecture()
    {
        var xml = Doc(Pass("specialize", """<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="%ARCH%" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"><TimeZone>UTC</TimeZone></component>"""));

        Assert.Equal(["RU070"], Xml.Lint(xml).Findings.Select(f => f.Rule.Id));
    }

    [Fact]
    public void Lint_EnvironmentVariableInACommand_IsNotATemplateUnlessForced()
    {
        var xml = Doc(Pass("specialize", RunSync(Command(1, "%SystemRoot%\\System32\\cmd.exe /c %INSTALLDIR%\\setup.cmd"))));

        Assert.Empty(Xml.Lint(xml).Findings);
        Assert.Equal(["RU070"], Xml.Lint(xml, new LintOptions { Template = true }).Findings.Select(f => f.Rule.Id));
    }

    [Fact]
    public void Lint_PlaceholderInAPassword_IsNotCheckedAsAnObfuscatedPassword()
    {
        var report = Xml.Lint(Doc(Pass("oobeSystem", Shell("<UserAccounts><AdministratorPassword><Value>{{ admin_password }}</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>"))));

        Assert.DoesNotContain(report.Findings, f => f.Rule.Id is "RU050" or "RU051" or "RU052");
    }

    [Fact]
    public void Lint_ClearTextCredential_IsAnErrorInACachedFileAndNeverPrinted()
    {
        var xml = Doc(Pass("specialize", Comp("Microsoft-Windows-UnattendedJoin",
            "<Identification><MachinePassword>Hunter2!Machine</MachinePassword><UnsecureJoin>true</UnsecureJoin><JoinDomain>contoso.com</JoinDomain></Identification>")));

        var plain = Xml.Lint(xml);
        var cached = Xml.Lint(xml, new LintOptions { Cached = true });

        Assert.Equal(Severity.Warning, plain.Findings.Single(f => f.Rule.Id == "RU053").Severity);
        Assert.Equal(Severity.Error, cached.Findings.Single(f => f.Rule.Id == "RU053").Severity);
        Assert.DoesNotContain("Hunter2", string.Join("\n", plain.Findings), StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_CommandCredentials_AreClearTextCredentials()
    {
        var report = Xml.Lint(Doc(Pass("specialize", RunSync(Command(1, "\\\\server\\share\\setup.cmd",
            "<Credentials><Domain>contoso</Domain><Username>deploy</Username><Password>S3cret!</Password></Credentials>")))));

        Assert.Single(report.Findings, f => f.Rule.Id == "RU053");
    }

    [Theory]
    [InlineData("VK7JG-NPHTM-C97JM-9MPGT-3V66T", true)]
    [InlineData("00000-00000-00000-00000-00000", true)]
    [InlineData("VK7JGNPHTMC97JM9MPGT3V66T", false)]
    [InlineData("VK7JG NPHTM C97JM 9MPGT 3V66T", false)]
    [InlineData("[ REPLACE WITH PRODUCT KEY ]", false)]
    public void Lint_SetupProductKey_IsFiveGroupsOfFive(string key, bool valid)
    {
        var report = Xml.Lint(Doc(Pass("windowsPE", Comp("Microsoft-Windows-Setup", $"<UserData><ProductKey><Key>{key}</Key></ProductKey><AcceptEula>true</AcceptEula></UserData>"))));

        Assert.Equal(!valid, report.Findings.Any(f => f.Rule.Id == "RU042"));
    }

    [Fact]
    public void Lint_SettingOfAComponentOutsideTheOldHandCatalog_IsCheckedForItsPass()
    {
        // Microsoft-Windows-LUA-Settings/EnableLUA is valid in offlineServicing only.
        var report = Xml.Lint(Doc(Pass("specialize", Comp("Microsoft-Windows-LUA-Settings", "<EnableLUA>false</EnableLUA>"))));

        Assert.Contains(report.Findings, f => f.Rule.Id is "RU014" or "RU020");
    }

    [Fact]
    public void Lint_ArchitectureOption_ReportsEachComponentForAnotherArchitecture()
    {
        var xml = Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>", "x86"), Comp("Microsoft-Windows-Security-SPP", "<SkipRearm>1</SkipRearm>", "wow64")));

        var amd64 = Xml.Lint(xml, new LintOptions { Architecture = "amd64" });
        var arm64 = Xml.Lint(xml, new LintOptions { Architecture = "arm64" });

        Assert.Single(amd64.Findings, f => f.Rule.Id == "RU016");
        Assert.Equal(2, arm64.Findings.Count(f => f.Rule.Id == "RU016"));
    }

    /// <summary>The public answer files: templates are not called invalid, and no file crashes the linter.</summary>
    [Fact]
    public void Lint_PublicAnswerFiles_TemplatesAreUncheckedNotInvalid()
    {
        var files = SharedData.RequireFiles("answerfiles/public", "*.xml.gz");
        var linter = new AnswerFileLinter();
        var reports = new Dictionary<string, LintReport>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var name = Path.GetFileName(path)[..^3];
            var bytes = SharedData.ReadBytes(Path.Combine("answerfiles", "public", Path.GetFileName(path)));
            try
            {
                reports[name] = linter.Lint(AnswerFileReader.Read(bytes, name));
            }
            catch (AnswerFileFormatException e)
            {
                reports[name] = AnswerFileLinter.Unreadable(e);
            }
        }

        Assert.Equal(40, reports.Count);
        // Cloudbase's installer template: processorArchitecture="%ARCH%".
        var cloudbase = reports["13-cloudbase-init-installer-Unattend.xml"].Findings;
        Assert.Contains(cloudbase, f => f.Rule.Id == "RU070");
        Assert.DoesNotContain(cloudbase, f => f.Rule.Id == "RU010");
        // VMware's Jinja template: {% if %} branches with two <Key> and {{ }} passwords.
        var vmware = reports["21-vmware-gos-validation-win_server-efi-Autounattend.xml"].Findings;
        Assert.Single(vmware, f => f.Rule.Id == "RU070");
        Assert.DoesNotContain(vmware, f => f.Rule.Id is "RU021" or "RU052");
        // {ComputerName} filled in by a script.
        Assert.DoesNotContain(reports["42-CodeblackNL-Labs.DscPull-unattend.xml"].Findings, f => f.Rule.Id == "RU041");
        // Microsoft-Windows-SQMApi as the image builders write it.
        Assert.DoesNotContain(reports["09-k8s-image-builder-ova-2019-autounattend.xml"].Findings, f => f.Rule.Id is "RU022" or "RU023");
        // Three files are not well-formed XML.
        Assert.Equal(3, reports.Values.Count(r => !r.Readable));
        Assert.All(reports.Values, r => Assert.True(r.Findings.Count(f => f.Rule.Id == "RU070") <= 1));
    }

    /// <summary>
    /// "No more RU023 for documented settings": every value the catalog holds, written in a pass it allows, is known
    /// to the linter (never "not in the catalog" or "wrong case").
    /// </summary>
    [Fact]
    public void Lint_EveryDocumentedSetting_IsKnown()
    {
        var linter = new AnswerFileLinter();
        var checkedSettings = 0;
        foreach (var component in SettingCatalog.Default.Components.Values)
        {
            foreach (var (path, setting) in Values(component.Settings, string.Empty))
            {
                var pass = setting.Passes.Intersect(component.Passes).Order().First();
                var body = Wrap(path, setting.Kind == SettingKind.Value ? "x" : string.Empty);
                var file = AnswerFileReader.ReadText(Doc(Pass(pass.ToXmlName(), Comp(component.Name, body))));
                var report = linter.Lint(file);
                Assert.DoesNotContain(report.Findings, f => f.Rule.Id is "RU022" or "RU023" or "RU020" or "RU014");
                checkedSettings++;
            }
        }

        Assert.True(checkedSettings > 850, $"only {checkedSettings} settings in the catalog");
    }

    private static IEnumerable<(IReadOnlyList<SettingDefinition> Path, SettingDefinition Setting)> Values(IReadOnlyDictionary<string, SettingDefinition> level, string prefix)
    {
        _ = prefix;
        foreach (var setting in level.Values)
        {
            if (setting.Kind == SettingKind.Value)
            {
                yield return ([setting], setting);
            }

            foreach (var (path, leaf) in Values(setting.Children, string.Empty))
            {
                yield return ([setting, .. path], leaf);
            }
        }
    }

    /// <summary>Nested elements for a path, list items with wcm:action.</summary>
    private static string Wrap(IReadOnlyList<SettingDefinition> path, string value)
    {
        var text = new StringBuilder();
        foreach (var step in path)
        {
            text.Append('<').Append(step.Name);
            if (step.IsListItem)
            {
                text.Append(" wcm:action=\"add\"");
            }

            text.Append('>');
        }

        text.Append(value);
        foreach (var step in path.Reverse())
        {
            text.Append("</").Append(step.Name).Append('>');
        }

        return text.ToString();
    }
}
