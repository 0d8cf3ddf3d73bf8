using Reseal.Unattend.Explain;
using Reseal.Unattend.Model;
using Reseal.Unattend.Profiles;
using static Reseal.Unattend.Tests.Xml;

namespace Reseal.Unattend.Tests.Explain;

public class ExplainTests
{
    [Theory]
    [InlineData("/generalize /oobe /shutdown", true, true, SysprepShutdownAction.Shutdown)]
    [InlineData("/OOBE /Generalize /Quit /Quiet /mode:VM", true, true, SysprepShutdownAction.Quit)]
    [InlineData("-audit -reboot", false, false, SysprepShutdownAction.Reboot)]
    public void Parse_ValidSwitches_AreUnderstood(string line, bool oobe, bool generalize, SysprepShutdownAction action)
    {
        var switches = SysprepSwitches.Parse(line);

        Assert.Equal(oobe, switches.Oobe);
        Assert.Equal(!oobe, switches.Audit);
        Assert.Equal(generalize, switches.Generalize);
        Assert.Equal(action, switches.Action);
    }

    [Fact]
    public void Parse_UnattendWithQuotedPath_KeepsThePath()
    {
        var switches = SysprepSwitches.Parse("/generalize /oobe /unattend:\"C:\\Program Files\\Reseal\\unattend.xml\"");

        Assert.Equal(@"C:\Program Files\Reseal\unattend.xml", switches.Unattend);
        Assert.Equal(switches, SysprepSwitches.Parse(switches.ToString()));
    }

    [Theory]
    [InlineData("/generalize /oobe /audit", "cannot be used together")]
    [InlineData("/generalize", "needs /oobe or /audit")]
    [InlineData("/oobe /reboot /shutdown", "choose one")]
    [InlineData("/oobe /mode:vm", "only valid with /generalize")]
    [InlineData("/oobe /frobnicate", "not a Sysprep switch")]
    [InlineData("/oobe generalize", "switches start with /")]
    [InlineData("/oobe /unattend:", "needs a file")]
    public void Parse_InvalidSwitches_SayWhy(string line, string reason)
    {
        var e = Assert.Throws<FormatException>(() => SysprepSwitches.Parse(line));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_GeneralizeOobe_RunsGeneralizeSpecializeOobeInOrderAndIgnoresTheRest()
    {
        var file = AnswerFileReader.ReadText(Doc(
            Pass("oobeSystem", Shell("<TimeZone>UTC</TimeZone>")),
            Pass("windowsPE", Comp("Microsoft-Windows-Setup", "<UserData><AcceptEula>true</AcceptEula></UserData>")),
            Pass("specialize", Shell("<ComputerName>*</ComputerName>")),
            Pass("auditUser", RunSync(Command(1, "audit.cmd"))),
            Pass("generalize", Comp("Microsoft-Windows-PnpSysprep", "<PersistAllDeviceInstalls>true</PersistAllDeviceInstalls>"))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);

        Assert.Equal([ConfigurationPass.Generalize, ConfigurationPass.Specialize, ConfigurationPass.OobeSystem], explanation.Steps.Select(s => s.Pass));
        Assert.Contains("shuts the machine down", explanation.Steps[0].After, StringComparison.Ordinal);
        Assert.Contains(explanation.Ignored, i => i.What == "pass windowsPE" && i.Reason.Contains("installation media", StringComparison.Ordinal));
        Assert.Contains(explanation.Ignored, i => i.What == "pass auditUser" && i.Reason.Contains("/audit", StringComparison.Ordinal));
    }

    [Fact]
    public void Explain_Audit_RunsAuditPassesNotOobe()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("oobeSystem", Shell("<TimeZone>UTC</TimeZone>")), Pass("auditUser", RunSync(Command(1, "audit.cmd")))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.Parse("/audit /reboot"));

        Assert.Equal([ConfigurationPass.AuditSystem, ConfigurationPass.AuditUser], explanation.Steps.Select(s => s.Pass));
        Assert.Contains(explanation.Ignored, i => i.What == "pass oobeSystem");
        Assert.Contains(explanation.Notes, n => n.Contains("Without /generalize", StringComparison.Ordinal));
    }

    [Fact]
    public void Explain_ResealToAuditInOobe_AddsTheAuditPasses()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("oobeSystem", Deployment("<Reseal><Mode>Audit</Mode></Reseal>"))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);

        Assert.Equal(
            [ConfigurationPass.Generalize, ConfigurationPass.Specialize, ConfigurationPass.OobeSystem, ConfigurationPass.AuditSystem, ConfigurationPass.AuditUser],
            explanation.Steps.Select(s => s.Pass));
    }

    [Fact]
    public void Explain_Commands_AreListedInOrderWithTheirRebootRule()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("specialize", RunSync(
            Command(3, "third.cmd"),
            Command(1, "first.cmd", "<WillReboot>OnRequest</WillReboot>"),
            Command(2, "second.cmd", "<WillReboot>Always</WillReboot>")))));

        var specialize = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault).Steps.Single(s => s.Pass == ConfigurationPass.Specialize);
        var commands = specialize.Items.Where(i => i.Kind == ExplainItemKind.Command).ToList();

        Assert.Equal(["first.cmd", "second.cmd", "third.cmd"], commands.Select(c => c.Value));
        Assert.Contains("2 = restart and run this command again", commands[0].Detail, StringComparison.Ordinal);
        Assert.Contains("whatever the exit code", commands[1].Detail, StringComparison.Ordinal);
        Assert.Contains("WillReboot Never", commands[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Passwords_AreNeverShown()
    {
        var file = AnswerFileProfiles.Create(ProfileName.Generic, new ProfileOptions { AdminPassword = AdminPasswordMode.Static, StaticPassword = "Visible!Secret1" });
        var plain = AnswerFileReader.ReadText(Doc(Pass("oobeSystem", Shell("<UserAccounts><AdministratorPassword><Value>Visible!Secret2</Value></AdministratorPassword></UserAccounts>"))));

        var all = new[] { file, plain }
            .Select(f => new AnswerFileExplainer().Explain(f, SysprepSwitches.CloudDefault))
            .SelectMany(e => e.Steps.SelectMany(s => s.Items))
            .ToList();

        Assert.DoesNotContain(all, i => (i.Value ?? string.Empty).Contains("Visible!Secret", StringComparison.Ordinal));
        Assert.Contains(all, i => i.Value == "(hidden; obfuscated, decodes correctly)");
        Assert.Contains(all, i => i.Value == "(hidden; stored in CLEAR TEXT in the file)");
    }

    [Fact]
    public void Explain_OtherArchitectureAndWrongPass_AreIgnoredWithReasons()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("specialize",
            Shell("<TimeZone>UTC</TimeZone>", "x86"),
            Shell("<TimeZone>UTC</TimeZone><BluetoothTaskbarIconEnabled>false</BluetoothTaskbarIconEnabled><UserAccounts><AdministratorPassword><Value>x</Value></AdministratorPassword></UserAccounts>"))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);

        Assert.Contains(explanation.Ignored, i => i.What.Contains("(x86)", StringComparison.Ordinal) && i.Reason.Contains("x86 images", StringComparison.Ordinal));
        Assert.Contains(explanation.Ignored, i => i.What.EndsWith("/UserAccounts", StringComparison.Ordinal) && i.Reason.Contains("not valid in specialize", StringComparison.Ordinal));
        var items = explanation.Steps.Single(s => s.Pass == ConfigurationPass.Specialize).Items;
        Assert.Equal(["TimeZone", "BluetoothTaskbarIconEnabled"], items.Select(i => i.Path));
    }

    [Theory]
    [InlineData("x86")]
    [InlineData("arm64")]
    public void Explain_FileWithOneArchitecture_UsesIt(string arch)
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>", arch)), Pass("oobeSystem", Shell("<TimeZone>UTC</TimeZone>", arch))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);

        Assert.Equal(arch, explanation.Architecture);
        Assert.True(explanation.ArchitectureFromFile);
        Assert.Empty(explanation.Ignored);
        Assert.Contains(explanation.Steps.SelectMany(s => s.Items), i => i.Path == "TimeZone");
    }

    [Fact]
    public void Explain_ArchitectureGiven_WinsOverTheFile()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("specialize", Shell("<TimeZone>UTC</TimeZone>", "x86"))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault, "amd64");

        Assert.False(explanation.ArchitectureFromFile);
        Assert.Contains(explanation.Ignored, i => i.Reason.Contains("x86 images", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("<settings xmlns=\"urn:schemas-microsoft-com:unattend\" pass=\"specialize\"/>")]
    [InlineData("<unattend xmlns=\"urn:other\"/>")]
    public void Explain_NotAnAnswerFile_IsAnError(string xml)
    {
        var file = AnswerFileReader.ReadText(xml, "fragment.xml");

        var e = Assert.Throws<AnswerFileFormatException>(() => new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault));

        Assert.Contains("not an answer file", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("fragment.xml:1:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_ComponentsOutsideSettings_AreReported()
    {
        var file = AnswerFileReader.ReadText(Doc(Shell("<TimeZone>UTC</TimeZone>"), Pass("specialize", Shell("<ComputerName>*</ComputerName>"))));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);

        var stray = Assert.Single(explanation.Ignored);
        Assert.Contains("Microsoft-Windows-Shell-Setup directly under <unattend>", stray.What, StringComparison.Ordinal);
        Assert.Contains("outside any <settings", stray.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(explanation.Steps.SelectMany(s => s.Items), i => i.Path == "TimeZone");
    }

    [Theory]
    [InlineData("<RunSynchronousCommand wcm:action=\"add\"><Order>1</Order></RunSynchronousCommand>")]
    [InlineData("<RunSynchronousCommand wcm:action=\"add\"><Order>1</Order><Path>  </Path></RunSynchronousCommand>")]
    public void Explain_CommandWithoutPath_IsShownAsFailing(string command)
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("specialize", RunSync(command, Command(2, "next.cmd")))));

        var items = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault).Steps.Single(s => s.Pass == ConfigurationPass.Specialize).Items;

        var failing = Assert.Single(items, i => i.Kind == ExplainItemKind.FailingCommand);
        Assert.Contains("no Path", failing.Detail, StringComparison.Ordinal);
        Assert.Equal(["next.cmd"], items.Where(i => i.Kind == ExplainItemKind.Command).Select(i => i.Value));
    }

    [Fact]
    public void Explain_ClearTextCredentials_AreHidden()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("specialize",
            Comp("Microsoft-Windows-UnattendedJoin", "<Identification><Credentials><Domain>contoso</Domain><Username>joiner</Username><Password>Visible!Join1</Password></Credentials><JoinDomain>contoso.com</JoinDomain><MachinePassword>Visible!Machine1</MachinePassword></Identification>"),
            Comp("Contoso-Agent", "<ServicePassword>Visible!Unknown1</ServicePassword>"))));

        var items = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault).Steps.SelectMany(s => s.Items).ToList();

        Assert.DoesNotContain(items, i => (i.Value ?? string.Empty).Contains("Visible!", StringComparison.Ordinal));
        Assert.Contains(items, i => i.Path == "Identification/Credentials/Password" && i.Value!.Contains("CLEAR TEXT", StringComparison.Ordinal));
        Assert.Contains(items, i => i.Path == "Identification/JoinDomain" && i.Value == "contoso.com");
    }

    [Fact]
    public void Explain_RemovedSettingOnTheTarget_IsIgnoredWithTheReason()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("oobeSystem", Shell("<Themes><ScreenSaver>a.scr</ScreenSaver><ThemeName>Contoso</ThemeName></Themes>"))));

        var newest = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);
        var server2016 = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault, windows: Reseal.Unattend.Catalog.WindowsRelease.Server2016);

        Assert.Contains(newest.Ignored, i => i.What.EndsWith("Themes/ScreenSaver", StringComparison.Ordinal) && i.Reason.Contains("removed", StringComparison.Ordinal));
        Assert.DoesNotContain(server2016.Ignored, i => i.What.EndsWith("Themes/ScreenSaver", StringComparison.Ordinal));
    }

    [Fact]
    public void Explain_TemplatedArchitecture_IsTakenToBeTheImages()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("oobeSystem", """<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="%ARCH%" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"><TimeZone>UTC</TimeZone></component>""")));

        var explanation = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault);

        Assert.Empty(explanation.Ignored);
        Assert.Contains(explanation.Steps.SelectMany(s => s.Items), i => i.Path == "TimeZone");
    }

    [Fact]
    public void Explain_DeprecatedSetting_IsAppliedWithAWarningDetail()
    {
        var file = AnswerFileReader.ReadText(Doc(Pass("oobeSystem", Shell("<OOBE><NetworkLocation>Work</NetworkLocation></OOBE>"))));

        var item = new AnswerFileExplainer().Explain(file, SysprepSwitches.CloudDefault).Steps.SelectMany(s => s.Items).Single();

        Assert.Equal("OOBE/NetworkLocation", item.Path);
        Assert.Contains("deprecated", item.Detail, StringComparison.Ordinal);
    }
}
