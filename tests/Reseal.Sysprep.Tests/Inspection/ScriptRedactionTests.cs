using Reseal.Sysprep.Inspection;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Inspection;

public class ScriptRedactionTests
{
    [Theory]
    [InlineData("net user Administrator S3cret-net1!", "net user Administrator ")]
    [InlineData("net user Administrator S3cret-net2! /add", "/add")]
    [InlineData("NET.EXE USER \"Local Admin\" \"S3cret net3\" /ADD /Y", "\"Local Admin\"")]
    [InlineData("net user /add reseal S3cret-net4! & echo done", "echo done")]
    [InlineData("net1 user Administrator S3cret-net5!>nul", "Administrator")]
    [InlineData("cmdkey /add:server /user:admin /p:S3cret-slash1", "/user:admin")]
    [InlineData("tool.exe /password:\"S3cret slash2\"", "tool.exe")]
    [InlineData("Set-LocalUser -Name Administrator -Password 'S3cret-ps1'", "-Name Administrator")]
    [InlineData("New-LocalUser reseal -Password:\"S3cret-ps2\"", "New-LocalUser reseal")]
    [InlineData("$pw = ConvertTo-SecureString 'S3cret-ps3' -AsPlainText -Force", "$pw")]
    [InlineData("$pw = ConvertTo-SecureString -String \"S3cret-ps4\" -AsPlainText -Force", "-AsPlainText")]
    [InlineData("$pw = ConvertTo-SecureString -AsPlainText -Force -String \"S3cret-ps5\"", "-Force")]
    [InlineData("echo <AdministratorPassword><Value>S3cret-xml1</Value><PlainText>true</PlainText></AdministratorPassword> >> u.xml", "u.xml")]
    [InlineData("<Password><Value>S3cret-xml2</Value></Password>", "<Password>")]
    [InlineData("<AdministratorPassword>S3cret-xml3</AdministratorPassword>", "</AdministratorPassword>")]
    [InlineData("AdministratorPassword=S3cret-ini1", "AdministratorPassword=")]
    [InlineData("set ADMIN_PASSWORD=S3cret-set1", "set ADMIN_PASSWORD=")]
    public void Redact_HidesThePassword(string line, string kept)
    {
        var redacted = ScriptRedaction.Redact("@echo off\r\n" + line + "\r\nexit /b 0\r\n");

        Assert.DoesNotContain("S3cret", redacted, StringComparison.Ordinal);
        Assert.Contains(ScriptRedaction.Mask, redacted, StringComparison.Ordinal);
        Assert.Contains(kept, redacted, StringComparison.Ordinal);
        Assert.Contains("exit /b 0", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("net user Administrator /active:yes")]
    [InlineData("net user Administrator *")]
    [InlineData("net user Administrator %NEWPW%")]
    [InlineData("Set-LocalUser -Name Administrator -Password $secure")]
    [InlineData("call PostSysprep.cmd")]
    public void Redact_LeavesWhatHoldsNoPassword(string line) =>
        Assert.Equal(line, ScriptRedaction.Redact(line));

    [Fact]
    public void Inspect_SetupCompleteWithPasswords_PrintsNone()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        WindowsTree.Write(root, @"Windows\Setup\Scripts\SetupComplete.cmd", string.Join("\r\n",
            "@echo off",
            "net user Administrator Pa55-one",
            "net user reseal Pa55-two /add",
            "cmdkey /add:srv /user:x /p:Pa55-three",
            "powershell -Command \"Set-LocalUser Administrator -Password (ConvertTo-SecureString 'Pa55-four' -AsPlainText -Force)\"",
            "powershell -Command \"$p = ConvertTo-SecureString -String 'Pa55-five' -AsPlainText -Force\"",
            "echo ^<AdministratorPassword^>^<Value^>x^</Value^>^</AdministratorPassword^>",
            "echo <Password><Value>Pa55-six</Value></Password> > u.xml",
            "call PostSysprep.cmd",
            ""));

        var report = WindowsInspector.Inspect(root);

        // What the report holds; the CLI prints only this (ReportRenderingTests in Reseal.Cli.Tests).
        Assert.DoesNotContain("Pa55", report.Facts.SetupComplete, StringComparison.Ordinal);
        Assert.Contains("PostSysprep.cmd", report.Facts.SetupComplete, StringComparison.Ordinal);
    }
}
