using System.Security;

namespace Reseal.Wine.Tests.Emulator;

/// <summary>A RunSynchronousCommand for a test answer file.</summary>
public sealed record TestCommand(int Order, string Path, string? WillReboot = null);

/// <summary>Small answer files for the emulator's tests, in the layout every profile writes.</summary>
internal static class TestAnswerFiles
{
    public const string Amd64 = """processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" """;

    /// <summary>P@ssw0rd as an AdministratorPassword with PlainText false (answerfiles.md §3's worked example).</summary>
    public const string ObfuscatedAdminPassword = "UABAAHMAcwB3ADAAcgBkAEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA==";

    public static string Create(IEnumerable<TestCommand> specialize, string? computerName = "CLONE-01", string locale = "de-DE",
        bool skipRearm = false, string? adminPasswordValue = ObfuscatedAdminPassword)
    {
        var commands = string.Concat(specialize.Select(c => $"""

                    <RunSynchronousCommand wcm:action="add">
                      <Order>{c.Order}</Order>
                      <Path>{SecurityElement.Escape(c.Path)}</Path>{(c.WillReboot is null ? string.Empty : $"\n          <WillReboot>{c.WillReboot}</WillReboot>")}
                    </RunSynchronousCommand>
            """));
        var rearm = skipRearm
            ? $"""

                <component name="Microsoft-Windows-Security-SPP" {Amd64}>
                  <SkipRearm>1</SkipRearm>
                </component>
              """
            : string.Empty;
        var name = computerName is null ? string.Empty : $"\n      <ComputerName>{computerName}</ComputerName>";
        var password = adminPasswordValue is null ? string.Empty : $"""

                  <UserAccounts>
                    <AdministratorPassword>
                      <Value>{adminPasswordValue}</Value>
                      <PlainText>false</PlainText>
                    </AdministratorPassword>
                  </UserAccounts>
            """;
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
              <settings pass="generalize">
                <component name="Microsoft-Windows-PnpSysprep" {Amd64}>
                  <PersistAllDeviceInstalls>true</PersistAllDeviceInstalls>
                </component>{rearm}
              </settings>
              <settings pass="specialize">
                <component name="Microsoft-Windows-Shell-Setup" {Amd64}>{name}
                  <TimeZone>Pacific Standard Time</TimeZone>
                </component>
                <component name="Microsoft-Windows-Deployment" {Amd64}>
                  <RunSynchronous>{commands}
                  </RunSynchronous>
                </component>
              </settings>
              <settings pass="oobeSystem">
                <component name="Microsoft-Windows-International-Core" {Amd64}>
                  <InputLocale>{locale}</InputLocale>
                  <SystemLocale>{locale}</SystemLocale>
                  <UILanguage>{locale}</UILanguage>
                  <UserLocale>{locale}</UserLocale>
                </component>
                <component name="Microsoft-Windows-Shell-Setup" {Amd64}>
                  <OOBE>
                    <HideEULAPage>true</HideEULAPage>
                    <ProtectYourPC>3</ProtectYourPC>
                  </OOBE>
                  <TimeZone>UTC</TimeZone>
                  <RegisteredOwner>Reseal Tests</RegisteredOwner>
                  <RegisteredOrganization>Reseal</RegisteredOrganization>{password}
                </component>
              </settings>
            </unattend>
            """;
    }

    /// <summary>
    /// <c>C:\Setup\exit.cmd NAME CODE</c>: appends "NAME CODE" to C:\Setup\runs.txt and exits with CODE. The redirection
    /// goes first: <c>echo x 2&gt;&gt; f</c> would redirect standard error (wine-findings.md).
    /// </summary>
    public const string ExitScript = "@echo off\r\n>> C:\\Setup\\runs.txt echo %1 %2\r\nexit /b %2\r\n";

    /// <summary><c>C:\Setup\twice.cmd</c>: the first run asks for "reboot and run me again" (2), the second for "reboot, then go on" (1).</summary>
    public const string TwiceScript =
        "@echo off\r\nif exist C:\\Setup\\twice.flag goto second\r\n> C:\\Setup\\twice.flag echo first\r\n>> C:\\Setup\\runs.txt echo twice 2\r\nexit /b 2\r\n" +
        ":second\r\n>> C:\\Setup\\runs.txt echo twice 1\r\nexit /b 1\r\n";
}
