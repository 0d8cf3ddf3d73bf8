using System.Text;
using Reseal.SysprepEmulator;

namespace Reseal.Wine.Tests.Emulator;

/// <summary>What the emulator reads from an answer file; no Wine needed.</summary>
public sealed class AnswerFileTests
{
    internal const string Component = """processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" """;

    private static AnswerFile Specialize(string commands) => AnswerFile.Parse($"""
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
          <settings pass="specialize">
            <component name="Microsoft-Windows-Deployment" {Component}>
              <RunSynchronous>{commands}</RunSynchronous>
            </component>
            <component name="Microsoft-Windows-Deployment" processorArchitecture="x86" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
              <RunSynchronous><RunSynchronousCommand wcm:action="add"><Order>1</Order><Path>x86 only</Path></RunSynchronousCommand></RunSynchronous>
            </component>
          </settings>
        </unattend>
        """);

    [Fact]
    public void SynchronousCommands_OutOfOrder_SortedByOrderWithDefaults()
    {
        var file = Specialize("""
            <RunSynchronousCommand wcm:action="add"><Order>10</Order><Path>cmd /c echo ten</Path><WillReboot>Always</WillReboot></RunSynchronousCommand>
            <RunSynchronousCommand wcm:action="add"><Order>2</Order><Path>cmd /c echo two</Path><Description>Two</Description></RunSynchronousCommand>
            <RunSynchronousCommand wcm:action="add"><Order>5</Order><Path>cmd /c exit 2</Path><WillReboot>OnRequest</WillReboot></RunSynchronousCommand>
            """);

        var commands = file.SynchronousCommands("specialize");

        Assert.Equal([2, 5, 10], commands.Select(c => c.Order));
        Assert.Equal([WillReboot.Never, WillReboot.OnRequest, WillReboot.Always], commands.Select(c => c.WillReboot));
        Assert.Equal("Two", commands[0].Description);
        Assert.Empty(file.SynchronousCommands("auditUser"));
    }

    [Theory]
    [InlineData("<Order>0</Order><Path>a</Path>", "not a whole number from 1 to 500")]
    [InlineData("<Order>501</Order><Path>a</Path>", "not a whole number from 1 to 500")]
    [InlineData("<Path>a</Path>", "not a whole number")]
    [InlineData("<Order>1</Order>", "has no Path")]
    [InlineData("<Order>1</Order><Path>a</Path><WillReboot>Sometimes</WillReboot>", "is not Always, OnRequest or Never")]
    public void SynchronousCommands_InvalidItem_NamesDeployment(string item, string reason)
    {
        var file = Specialize($"<RunSynchronousCommand>{item}</RunSynchronousCommand>");

        var error = Assert.Throws<AnswerFileException>(() => file.SynchronousCommands("specialize"));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal("Microsoft-Windows-Deployment", error.Component);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void SynchronousCommands_DuplicateOrder_Refused() =>
        Assert.Contains("used twice", Assert.Throws<AnswerFileException>(() => Specialize(
            "<RunSynchronousCommand><Order>1</Order><Path>a</Path></RunSynchronousCommand><RunSynchronousCommand><Order>1</Order><Path>b</Path></RunSynchronousCommand>")
            .SynchronousCommands("specialize")).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_Doctype_Refused()
    {
        var error = Assert.Throws<AnswerFileException>(() => AnswerFile.Parse(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e \"boom\">]>\n<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">&e;</unattend>"));
        Assert.Contains("DTD is prohibited", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongRoot_Refused() =>
        Assert.Contains("not <unattend>", Assert.Throws<AnswerFileException>(() => AnswerFile.Parse("<unattend/>")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("UABAAHMAcwB3ADAAcgBkAEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA==", "AdministratorPassword", "P@ssw0rd")]
    [InlineData("UABAAHMAcwB3ADAAcgBkAFAAYQBzAHMAdwBvAHIAZAA=", "Password", "P@ssw0rd")]
    [InlineData("UABAAHMAcwB3ADAAcgBkAFAAYQBzAHMAdwBvAHIAZAA=", "AdministratorPassword", null)]
    [InlineData("cGFzc3dvcmQxMjM=", "Password", null)]
    [InlineData("not base64!", "Password", null)]
    public void DecodeObfuscated_AnswerfilesSection3Examples(string value, string field, string? expected) =>
        Assert.Equal(expected, AnswerFile.DecodeObfuscated(value, field));

    [Fact]
    public void ScrubPasswords_OobeSystem_ReplacesEveryValueAndKeepsTheRest()
    {
        var file = AnswerFile.Parse($"""
            <unattend xmlns="urn:schemas-microsoft-com:unattend">
              <settings pass="oobeSystem">
                <component name="Microsoft-Windows-Shell-Setup" {Component}>
                  <UserAccounts>
                    <AdministratorPassword><Value>Clear-Text-1</Value><PlainText>true</PlainText></AdministratorPassword>
                    <LocalAccounts><LocalAccount><Name>ops</Name><Password><Value>Clear-Text-2</Value></Password></LocalAccount></LocalAccounts>
                  </UserAccounts>
                  <AutoLogon><Password><Value>Clear-Text-3</Value></Password><Username>ops</Username><LogonCount>1</LogonCount></AutoLogon>
                  <TimeZone>UTC</TimeZone>
                </component>
              </settings>
            </unattend>
            """);

        Assert.True(file.ScrubPasswords("oobeSystem"));
        Assert.False(file.ScrubPasswords("oobeSystem"));

        var text = file.Document.ToString();
        Assert.DoesNotContain("Clear-Text", text, StringComparison.Ordinal);
        Assert.Equal(3, text.Split(AnswerFile.SensitiveDataDeleted).Length - 1);
        Assert.Equal("UTC", file.Setting("oobeSystem", "Microsoft-Windows-Shell-Setup", "TimeZone"));
    }

    [Fact]
    public void Load_Utf16File_Read()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?><unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\"/></unattend>";
        using var stream = new MemoryStream([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)]);
        Assert.True(AnswerFile.Load(stream).HasPass("specialize"));
    }
}
