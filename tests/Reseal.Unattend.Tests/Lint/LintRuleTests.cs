using Reseal.TestSupport;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Passwords;
using static Reseal.Unattend.Tests.Xml;

namespace Reseal.Unattend.Tests.Lint;

public class LintRuleTests
{
    private static readonly string AdminPassword = UnattendPassword.Encode("S3cret!pass", PasswordField.AdministratorPassword);
    private static readonly string UserPassword = UnattendPassword.Encode("S3cret!pass", PasswordField.Password);

    private static string Image(string name) =>
        $"""<cpi:offlineImage cpi:source="wim:c:/wim/install.wim#{name}" xmlns:cpi="urn:schemas-microsoft-com:cpi" />""";

    private static string Join(string body) => Comp("Microsoft-Windows-UnattendedJoin", $"<Identification>{body}</Identification>");

    /// <summary>For each rule: a file that breaks it, and a file close to it that breaks nothing.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "RU016", Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>", "x86"))) + "<!--arch:amd64-->", Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"))) + "<!--arch:amd64-->" },
        { "RU029", Doc(Pass("specialize", RunSync(Command(1, "a.exe", "<Description></Description>")))), Doc(Pass("specialize", RunSync(Command(1, "a.exe", "<Description>install</Description>")))) },
        { "RU042", Doc(Pass("specialize", Shell("<ProductKey>VK7JG-NPHTM-C97JM-9MPGT3V66T</ProductKey>"))), Doc(Pass("specialize", Shell("<ProductKey>VK7JG-NPHTM-C97JM-9MPGT-3V66T</ProductKey>"))) },
        { "RU053", Doc(Pass("specialize", Join("<Credentials><Domain>contoso.com</Domain><Username>joiner</Username><Password>S3cret!pass</Password></Credentials><JoinDomain>contoso.com</JoinDomain>"))),
                   Doc(Pass("specialize", Join("<JoinWorkgroup>WORKGROUP</JoinWorkgroup>"))) },
        { "RU065", Doc(Pass("oobeSystem", Shell("<Themes><ScreenSaver>%WINDIR%\\system32\\Mystify.scr</ScreenSaver></Themes>"))), Doc(Pass("oobeSystem", Shell("<Themes><ThemeName>Contoso</ThemeName></Themes>"))) },
        { "RU066", Doc(Pass("specialize", Shell("<OEMInformation><SupportProvider>Contoso</SupportProvider></OEMInformation>")), Image("Windows Server 2016 SERVERSTANDARD")),
                   Doc(Pass("specialize", Shell("<OEMInformation><SupportProvider>Contoso</SupportProvider></OEMInformation>")), Image("Windows Server 2019 SERVERSTANDARD")) },
        { "RU070", Doc(Pass("specialize", Shell("<ComputerName>{{ hostname }}</ComputerName>"))), Doc(Pass("specialize", Shell("<ComputerName>WEB01</ComputerName>"))) },
        { "RU001", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\"></unattend>", Doc(Pass("specialize")) },
        { "RU002", "<!DOCTYPE unattend [<!ENTITY a \"b\">]><unattend xmlns=\"urn:schemas-microsoft-com:unattend\">&a;</unattend>", Doc() },
        { "RU003", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend-wrong\"/>", Doc() },
        { "RU004", Doc("<Extensions><x/></Extensions>"), Doc("<x:Extensions xmlns:x=\"urn:other\"/>") },
        { "RU005", Doc(Pass("Specialize", Shell("<TimeZone>UTC</TimeZone>"))), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"))) },
        { "RU010", Doc(Pass("specialize", "<component name=\"Microsoft-Windows-Shell-Setup\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\"><TimeZone>UTC</TimeZone></component>")), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"))) },
        { "RU011", Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"), Shell("<CopyProfile>true</CopyProfile>"))), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone><CopyProfile>true</CopyProfile>"))) },
        { "RU012", Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"), Shell("<TimeZone>UTC</TimeZone>", "x86"))), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"), Shell("<TimeZone>UTC</TimeZone>", "wow64"))) },
        { "RU013", Doc(Pass("specialize", "<component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"amd64\"><TimeZone>UTC</TimeZone></component>")), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"))) },
        { "RU014", Doc(Pass("specialize", Comp("Microsoft-Windows-PnpSysprep", "<PersistAllDeviceInstalls>true</PersistAllDeviceInstalls>"))), Doc(Pass("generalize", Comp("Microsoft-Windows-PnpSysprep", "<PersistAllDeviceInstalls>true</PersistAllDeviceInstalls>"))) },
        { "RU020", Doc(Pass("generalize", Shell("<TimeZone>UTC</TimeZone>"))), Doc(Pass("oobeSystem", Shell("<TimeZone>UTC</TimeZone>"))) },
        { "RU021", Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone><TimeZone>UTC</TimeZone>"))), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"))) },
        { "RU022", Doc(Pass("specialize", Shell("<copyprofile>true</copyprofile>"))), Doc(Pass("specialize", Shell("<CopyProfile>true</CopyProfile>"))) },
        { "RU023", Doc(Pass("specialize", Comp("Contoso-Agent", "<Setting>1</Setting>"))), Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>"))) },
        { "RU024", Doc(Pass("oobeSystem", Shell("<OOBE><HideEULAPage>yes</HideEULAPage><ProtectYourPC>3</ProtectYourPC></OOBE>"))), Doc(Pass("oobeSystem", Shell("<OOBE><HideEULAPage>true</HideEULAPage><ProtectYourPC>3</ProtectYourPC></OOBE>"))) },
        { "RU025", Doc(Pass("specialize", Shell($"<RegisteredOwner>{new string('x', 257)}</RegisteredOwner>"))), Doc(Pass("specialize", Shell($"<RegisteredOwner>{new string('x', 256)}</RegisteredOwner>"))) },
        { "RU026", Doc(Pass("specialize", RunSync(Command(1, "cmd.exe /c exit 0", action: false)))), Doc(Pass("specialize", RunSync(Command(1, "cmd.exe /c exit 0")))) },
        { "RU027", Doc(Pass("oobeSystem", Shell($"<UserAccounts><LocalAccounts><LocalAccount wcm:action=\"add\"><Group>Administrators</Group><Password><Value>{UserPassword}</Value><PlainText>false</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>"))),
                   Doc(Pass("oobeSystem", Shell($"<UserAccounts><LocalAccounts><LocalAccount wcm:action=\"add\"><Name>ops</Name><Group>Administrators</Group><Password><Value>{UserPassword}</Value><PlainText>false</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>"))) },
        { "RU030", Doc(Pass("specialize", RunSync(Command(null, "cmd.exe /c exit 0")))), Doc(Pass("specialize", RunSync(Command(1, "cmd.exe /c exit 0")))) },
        { "RU031", Doc(Pass("specialize", RunSync(Command(1, "a.exe"), Command(1, "b.exe")))), Doc(Pass("specialize", RunSync(Command(1, "a.exe"), Command(2, "b.exe")))) },
        { "RU032", Doc(Pass("specialize", RunSync(Command(501, "a.exe")))), Doc(Pass("specialize", RunSync(Command(500, "a.exe")))) },
        { "RU033", Doc(Pass("specialize", RunSync(Command(1, "")))), Doc(Pass("specialize", RunSync(Command(1, "a.exe")))) },
        { "RU034", Doc(Pass("specialize", RunSync(Command(1, new string('a', 260))))), Doc(Pass("specialize", RunSync(Command(1, new string('a', 259))))) },
        { "RU035", Doc(Pass("specialize", RunSync(Command(1, "a.exe", "<WillReboot>Sometimes</WillReboot>")))), Doc(Pass("specialize", RunSync(Command(1, "a.exe", "<WillReboot>OnRequest</WillReboot>")))) },
        { "RU036", Doc(Pass("specialize", RunSync(Command(1, "cmd /c setup.exe &amp;&amp; shutdown /r /t 0")))), Doc(Pass("specialize", RunSync(Command(1, "cmd /c setup.exe", "<WillReboot>Always</WillReboot>")))) },
        { "RU040", Doc(Pass("specialize", Shell("<ComputerName>WEB-SERVER-PROD01</ComputerName>"))), Doc(Pass("specialize", Shell("<ComputerName>WEB-SRV-PROD-01</ComputerName>"))) },
        { "RU041", Doc(Pass("specialize", Shell("<ComputerName>web server</ComputerName>"))), Doc(Pass("specialize", Shell("<ComputerName>*</ComputerName>"))) },
        { "RU050", Doc(Pass("oobeSystem", Shell("<UserAccounts><AdministratorPassword><Value>S3cret!pass</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>"))),
                   Doc(Pass("oobeSystem", Shell($"<UserAccounts><AdministratorPassword><Value>{AdminPassword}</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>"))) },
        { "RU051", Doc(Pass("oobeSystem", Shell($"<UserAccounts><AdministratorPassword><Value>{UserPassword}</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>"))),
                   Doc(Pass("oobeSystem", Shell($"<UserAccounts><AdministratorPassword><Value>{AdminPassword}</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>"))) },
        { "RU052", Doc(Pass("oobeSystem", Shell("<UserAccounts><AdministratorPassword><Value>cGFzc3dvcmQxMjM=</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>"))),
                   Doc(Pass("oobeSystem", Shell($"<UserAccounts><AdministratorPassword><Value>{AdminPassword}</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>"))) },
        { "RU060", Doc(Pass("oobeSystem", Shell("<CopyProfile>true</CopyProfile>"))), Doc(Pass("specialize", Shell("<CopyProfile>true</CopyProfile>"))) },
        { "RU061", Doc(Pass("oobeSystem", Shell("<OOBE><NetworkLocation>Work</NetworkLocation><SkipMachineOOBE>true</SkipMachineOOBE></OOBE>"))), Doc(Pass("oobeSystem", Shell("<OOBE><HideEULAPage>true</HideEULAPage></OOBE>"))) },
        { "RU062", Doc(Pass("oobeSystem", Shell($"<AutoLogon><Enabled>true</Enabled><Username>Administrator</Username><Password><Value>{UserPassword}</Value><PlainText>false</PlainText></Password></AutoLogon>"))),
                   Doc(Pass("oobeSystem", Shell($"<AutoLogon><Enabled>true</Enabled><LogonCount>1</LogonCount><Username>Administrator</Username><Password><Value>{UserPassword}</Value><PlainText>false</PlainText></Password></AutoLogon>"))) },
        { "RU063", Doc(Pass("auditSystem", Deployment("<Reseal><Mode>Audit</Mode><ForceShutdownNow>true</ForceShutdownNow></Reseal>"))), Doc(Pass("auditSystem", Deployment("<Reseal><Mode>OOBE</Mode><ForceShutdownNow>true</ForceShutdownNow></Reseal>"))) },
        { "RU064", Doc(Pass("auditUser", Deployment("<Reseal><Mode>OOBE</Mode></Reseal><Generalize><Mode>OOBE</Mode></Generalize>"))), Doc(Pass("auditUser", Deployment("<Generalize><Mode>OOBE</Mode></Generalize>"))) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Lint_FileBreakingRule_ReportsTheRule(string rule, string breaking, string keeping)
    {
        _ = keeping;
        var report = Xml.Lint(breaking, OptionsFor(breaking));

        Assert.Contains(report.Findings, f => f.Rule.Id == rule);
        var finding = report.Findings.First(f => f.Rule.Id == rule);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
        if (rule is not ("RU001" or "RU002"))
        {
            Assert.True(finding.Position.IsKnown, $"{rule} has no position");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Lint_FileKeepingRule_ReportsNothing(string rule, string breaking, string keeping)
    {
        _ = breaking;
        var report = Xml.Lint(keeping, OptionsFor(keeping));

        Assert.True(report.Findings.Count == 0, $"{rule}: the clean file has findings: {string.Join("; ", report.Findings)}");
    }

    /// <summary>A case that needs --arch says so in a trailing comment.</summary>
    private static LintOptions? OptionsFor(string xml) =>
        xml.EndsWith("<!--arch:amd64-->", StringComparison.Ordinal) ? new LintOptions { Architecture = "amd64" } : null;

    [Fact]
    public void Cases_CoverEveryRule()
    {
        var covered = Cases().Select(row => row.Data.Item1).ToHashSet();

        Assert.Equal(LintRules.All.Select(r => r.Id).Order(StringComparer.Ordinal), covered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Rules_Codes_AreUniqueAndStable()
    {
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Id).Distinct().Count());
        Assert.All(LintRules.All, r => Assert.Matches("^RU[0-9]{3}$", r.Id));
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Name).Distinct().Count());
    }

    [Fact]
    public void Lint_PlainTextPasswordInCachedFile_IsAnError()
    {
        var xml = Doc(Pass("oobeSystem", Shell("<UserAccounts><AdministratorPassword><Value>S3cret!pass</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>")));

        var byPath = Xml.Lint(xml, path: @"C:\Windows\Panther\unattend.xml");
        var byOption = Xml.Lint(xml, new LintOptions { Cached = true });
        var notCached = Xml.Lint(xml);

        Assert.Equal(Severity.Error, byPath.Findings.Single(f => f.Rule.Id == "RU050").Severity);
        Assert.Equal(Severity.Error, byOption.Findings.Single(f => f.Rule.Id == "RU050").Severity);
        Assert.Equal(Severity.Warning, notCached.Findings.Single(f => f.Rule.Id == "RU050").Severity);
    }

    [Fact]
    public void Lint_PlainTextPassword_NeverPrintsThePassword()
    {
        var report = Xml.Lint(Doc(Pass("oobeSystem", Shell("<UserAccounts><AdministratorPassword><Value>Hunter2!Secret</Value></AdministratorPassword></UserAccounts>"))));

        Assert.Single(report.Findings);
        Assert.DoesNotContain("Hunter2", report.Findings[0].ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("a.b")]
    [InlineData("name_with*star")]
    public void Lint_BadComputerNames_AreErrors(string name)
    {
        var report = Xml.Lint(Doc(Pass("specialize", Shell($"<ComputerName>{name}</ComputerName>"))));

        Assert.Contains(report.Findings, f => f.Rule.Id == "RU041" && f.Severity == Severity.Error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("-1")]
    public void Lint_FirstLogonCommandOrderOutOfRange_IsReported(string order)
    {
        var report = Xml.Lint(Doc(Pass("oobeSystem", Shell($"<FirstLogonCommands><SynchronousCommand wcm:action=\"add\"><Order>{order}</Order><CommandLine>cmd /c echo hi</CommandLine></SynchronousCommand></FirstLogonCommands>"))));

        Assert.Contains(report.Findings, f => f.Rule.Id == "RU032");
    }

    [Fact]
    public void Lint_FirstLogonCommandLineOverLimit_IsReported()
    {
        var report = Xml.Lint(Doc(Pass("oobeSystem", Shell($"<FirstLogonCommands><SynchronousCommand wcm:action=\"add\"><Order>1</Order><CommandLine>{new string('c', 1025)}</CommandLine></SynchronousCommand></FirstLogonCommands>"))));

        Assert.Contains(report.Findings, f => f.Rule.Id == "RU034" && f.Message.Contains("1025", StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_MicrosoftSamples_ReportTheirRealDefectsOnly()
    {
        var linter = new AnswerFileLinter();
        var reports = SharedData.RequireFiles("answerfiles", "*.xml").ToDictionary(path => Path.GetFileName(path), path => linter.LintFile(path));

        Assert.All(reports.Values, r => Assert.True(r.Readable));
        // The Non_OA3.0 sample has <copyprofile> in lower case, which Setup does not recognise.
        var nonOa = reports["mssample-Non_OA3.0-UnattendSysprep.xml"].Findings;
        Assert.Contains(nonOa, f => f.Rule.Id == "RU022" && f.Message.Contains("copyprofile", StringComparison.Ordinal));
        // Both OEM Sysprep samples carry x86 and amd64 components side by side.
        Assert.Contains(reports["mssample-OA3.0-UnattendSysprep.xml"].Findings, f => f.Rule.Id == "RU012");
        Assert.Contains(nonOa, f => f.Rule.Id == "RU012");
        // The single-purpose samples are clean.
        Assert.Empty(reports["mssample-BootToAudit-x64.xml"].Findings);
        Assert.Empty(reports["mssample-CopyProfile-x64.xml"].Findings);
        // The UEFI sample leaves "[ REPLACE WITH PRODUCT KEY ]" for the reader to fill in, and sets OEMInformation/Manufacturer,
        // which the reference deprecates from Windows 10 version 1709 (the sample names no image, so the newest is assumed).
        var uefi = reports["mssample-Autounattend_x64_UEFI_sample.xml"].Findings;
        Assert.Equal(["RU042", "RU061"], uefi.Select(f => f.Rule.Id).Order(StringComparer.Ordinal));
        Assert.Contains("Manufacturer", uefi.Single(f => f.Rule.Id == "RU061").Message, StringComparison.Ordinal);
        // The OEM samples leave TaskbarLinks/Link2 empty, which the reference forbids.
        Assert.Contains(nonOa, f => f.Rule.Id == "RU029" && f.Message.Contains("Link2", StringComparison.Ordinal));
    }
}

public class LintValueShapeTests
{
    [Theory]
    [InlineData("en-US", true)]
    [InlineData("0409:00000409", true)]
    [InlineData("en-US;de-DE;0407:00000407", true)]
    [InlineData("en_US", false)]
    [InlineData("en-US,de-DE", false)]
    [InlineData("0409-00000409", false)]
    public void Lint_InputLocale_ChecksTheListForm(string value, bool valid)
    {
        var report = Xml.Lint(Xml.Doc(Xml.Pass("oobeSystem", Xml.Comp("Microsoft-Windows-International-Core", $"<InputLocale>{value}</InputLocale>"))));

        Assert.Equal(!valid, report.Findings.Any(f => f.Rule.Id == "RU024"));
    }

    [Theory]
    [InlineData("de-de", true)]
    [InlineData("English", false)]
    public void Lint_UILanguage_IsALanguageTag(string value, bool valid)
    {
        var report = Xml.Lint(Xml.Doc(Xml.Pass("oobeSystem", Xml.Comp("Microsoft-Windows-International-Core", $"<UILanguage>{value}</UILanguage>"))));

        Assert.Equal(!valid, report.Findings.Any(f => f.Rule.Id == "RU024"));
    }

    [Theory]
    [InlineData("ops", true)]
    [InlineData("ops@contoso", false)]
    [InlineData("none", false)]
    public void Lint_LocalAccountName_RefusesForbiddenNames(string name, bool valid)
    {
        var password = Reseal.Unattend.Passwords.UnattendPassword.Encode("x", Reseal.Unattend.Passwords.PasswordField.Password);
        var report = Xml.Lint(Xml.Doc(Xml.Pass("oobeSystem", Xml.Shell(
            $"<UserAccounts><LocalAccounts><LocalAccount wcm:action=\"add\"><Name>{name}</Name><Password><Value>{password}</Value><PlainText>false</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>"))));

        Assert.Equal(!valid, report.Findings.Any(f => f.Rule.Id == "RU024"));
    }
}
