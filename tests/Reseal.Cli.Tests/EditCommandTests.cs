using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary><c>reseal unattend get|set|remove</c> on files on disk.</summary>
public class EditCommandTests
{
    private const string File1 = """
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend">
            <settings pass="oobeSystem">
                <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
                    <TimeZone>UTC</TimeZone>
                    <OOBE/>
                </component>
            </settings>
        </unattend>
        """;

    [Fact]
    public void Set_TimeZone_ChangesOnlyItAndKeepsABackup()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var result = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/TimeZone", "W. Europe Standard Time"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(File1.Replace("<TimeZone>UTC</TimeZone>", "<TimeZone>W. Europe Standard Time</TimeZone>", StringComparison.Ordinal), File.ReadAllText(path));
        Assert.Equal(File1, File.ReadAllText(path + ".bak"));
        Assert.Contains("oobeSystem: Microsoft-Windows-Shell-Setup/TimeZone changed", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public void Set_SettingInAPassWhereItIsNotValid_IsRefusedUnlessForced()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var refused = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/CopyProfile", "true"]);
        var unchanged = File.ReadAllText(path);
        var forced = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/CopyProfile", "true", "--force"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("would add: ", refused.Error, StringComparison.Ordinal);
        Assert.Contains("RU060", refused.Error, StringComparison.Ordinal);
        Assert.Contains("not written", refused.Error, StringComparison.Ordinal);
        Assert.Equal(File1, unchanged);
        Assert.Equal(0, forced.ExitCode);
        Assert.Contains("<CopyProfile>true</CopyProfile>", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Set_IntoSelfClosingGroup_ExpandsIt()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var result = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/OOBE/HideEULAPage", "true"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("<OOBE>\n                <HideEULAPage>true</HideEULAPage>\n            </OOBE>", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Get_PrintsTheValue_AndExitsOneWhenAbsent()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var found = CliRunner.Run(["unattend", "get", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/TimeZone"]);
        var absent = CliRunner.Run(["unattend", "get", path, "specialize", "Microsoft-Windows-Shell-Setup/TimeZone"]);

        Assert.Equal(0, found.ExitCode);
        Assert.Equal("UTC", found.Out.Trim());
        Assert.Equal(1, absent.ExitCode);
        Assert.Contains("not in pass specialize", absent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SetPassword_FromStandardInput_IsObfuscatedAndNeverPrinted()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var onCommandLine = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword", "Corr3ct-Horse!"]);
        var fromInput = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword", "-"], "Corr3ct-Horse!\n");
        var get = CliRunner.Run(["unattend", "get", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword/Value"]);

        Assert.Equal(2, onCommandLine.ExitCode);
        Assert.Contains("give - and type it", onCommandLine.Error, StringComparison.Ordinal);
        Assert.Equal(0, fromInput.ExitCode);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("Corr3ct-Horse", text, StringComparison.Ordinal);
        Assert.Contains("<PlainText>false</PlainText>", text, StringComparison.Ordinal);
        Assert.Equal(2, get.ExitCode);
        Assert.Contains("does not print passwords", get.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run(["unattend", "lint", path]).ExitCode);
    }

    [Fact]
    public void SetPassword_OverAClearTextOne_KeepsNoBackupHoldingIt()
    {
        using var temp = new TempDirectory();
        var withSecret = File1.Replace("<OOBE/>", "<OOBE/>\n                <UserAccounts><AdministratorPassword><Value>Old-Secret-42!</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>", StringComparison.Ordinal);
        var path = temp.Write("unattend.xml", withSecret);

        var result = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/UserAccounts/AdministratorPassword", "-"], "Corr3ct-Horse!\n");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Old-Secret-42!", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".bak"), "a .bak would keep the replaced clear-text password on disk");
        Assert.Contains("no .bak kept", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Old-Secret-42!", result.Error + result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(temp.Path), f => File.ReadAllText(f).Contains("Old-Secret-42!", StringComparison.Ordinal));
    }

    [Fact]
    public void Remove_DeletesTheSetting_AndExitsOneWhenAbsent()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var removed = CliRunner.Run(["unattend", "remove", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/TimeZone"]);
        var again = CliRunner.Run(["unattend", "remove", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/TimeZone"]);

        Assert.Equal(0, removed.ExitCode);
        Assert.DoesNotContain("TimeZone", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
    }

    [Theory]
    [InlineData("OobeSystem", "Microsoft-Windows-Shell-Setup/TimeZone", 2, "did you mean 'oobeSystem'")]
    [InlineData("oobeSystem", "Microsoft-Windows-Shell-Setup", 2, "names no setting")]
    [InlineData("oobeSystem", "Microsoft-Windows-Shell-Setup/FirstLogonCommands/SynchronousCommand/CommandLine", 3, "is a list item")]
    public void Set_BadArguments_ExitWithTheReason(string pass, string setting, int code, string message)
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", File1);

        var result = CliRunner.Run(["unattend", "set", path, pass, setting, "x"]);

        Assert.Equal(code, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(File1, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("<settings xmlns=\"urn:schemas-microsoft-com:unattend\" pass=\"specialize\"/>", "not an answer file")]
    [InlineData("<unattend", "not well-formed")]
    public void Set_NotAnAnswerFile_ExitsThree(string xml, string message)
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", xml);

        var result = CliRunner.Run(["unattend", "set", path, "oobeSystem", "Microsoft-Windows-Shell-Setup/TimeZone", "UTC"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(xml, File.ReadAllText(path));
    }
}
