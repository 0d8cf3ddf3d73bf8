using System.Text;
using System.Text.Json.Nodes;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Inspection;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;

namespace Reseal.Cli.Tests;

/// <summary>
/// The inspection and preflight reports as the CLI prints them: the secrets the library found are never printed (the
/// rendering is where they could leak), the verdict line and the exit code it gives.
/// </summary>
public sealed class ReportRenderingTests
{
    private const string Secret = "Hunter2!CachedSecret";

    private static readonly SealOptions ReadyOptions = new() { LowDiskSpaceBytes = 0 };

    [Fact]
    public void Inspection_EverySecretTheInspectorFinds_NeverPrinted()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var obfuscated = Convert.ToBase64String(Encoding.Unicode.GetBytes("P@ssw0rdAdministratorPassword"));
        // A clear and an obfuscated administrator password, domain-join credentials, an EC2Launch v1 password: each in a
        // place the inspector reads and reports (by element, never by value).
        WindowsTree.Write(root, @"Windows\Panther\unattend.xml", Unattend("<AdministratorPassword><Value>P@ssw0rd</Value><PlainText>true</PlainText></AdministratorPassword>"));
        WindowsTree.Write(root, @"Windows\System32\sysprep\unattend.XML", Unattend($"<AdministratorPassword><Value>{obfuscated}</Value><PlainText>false</PlainText></AdministratorPassword>"));
        WindowsTree.Write(root, @"$Windows.~BT\Sources\Panther\unattend.xml",
            "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\"><component name=\"Microsoft-Windows-UnattendedJoin\"><Identification>" +
            "<Credentials><Domain>corp</Domain><Password>J0in!Secret</Password><Username>joiner</Username></Credentials><MachinePassword>Mach!neSecret</MachinePassword>" +
            "</Identification></component></settings></unattend>");
        WindowsTree.Write(root, @"ProgramData\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json", """{"adminPasswordType": "Specify", "adminPassword": "Hunter2!"}""");

        var report = WindowsInspector.Inspect(root);

        Assert.Equal(3, report.Facts.AnswerFiles.Length);
        Assert.Equal(4, report.Facts.AnswerFiles.Sum(f => f.Passwords.Length));
        Assert.Contains(report.Findings, f => f.Code == "agent-clear-password");
        Assert.Equal(1, ExitCodes.For(report.Readiness));
        foreach (var secret in new[] { "P@ssw0rd", obfuscated, "J0in!Secret", "Mach!neSecret", "Hunter2!" })
        {
            AssertNotPrinted(report, secret);
        }
    }

    [Fact]
    public void Inspection_SetupCompleteWithPasswords_RedactedButTheRestShown()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        const string script = "net user Administrator Pa55-one\r\ncmdkey /add:srv /user:x /p:Pa55-two\r\n" +
            "echo <Password><Value>Pa55-three</Value></Password> > u.xml\r\ncall PostSysprep.cmd\r\n";
        WindowsTree.Write(root, @"Windows\Setup\Scripts\SetupComplete.cmd", script);

        var report = WindowsInspector.Inspect(root);

        foreach (var text in new[] { InspectionRendering.Text(report), ReportJson.Text(InspectionRendering.Json(report)) })
        {
            Assert.DoesNotContain("Pa55", text, StringComparison.Ordinal);
            Assert.Contains("PostSysprep.cmd", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Inspection_SetupCompleteLinkedToAHostFile_NotPrinted()
    {
        using var temp = new TempDirectory();
        using var host = new TempDirectory();
        var secret = host.Write("shadow", "root:host-secret-hash");
        var root = WindowsTree.Full(temp);
        var link = new OfflineFiles(root).ToHostPath(@"C:\Windows\Setup\Scripts\SetupComplete.cmd");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, secret);

        var report = WindowsInspector.Inspect(root);

        Assert.Null(report.Facts.SetupComplete);
        AssertNotPrinted(report, "host-secret-hash");
    }

    [Fact]
    public void InspectionJson_FullTree_CarriesVerdictFactsAndFindings()
    {
        using var temp = new TempDirectory();
        var report = WindowsInspector.Inspect(WindowsTree.Full(temp));

        var json = JsonNode.Parse(ReportJson.Text(InspectionRendering.Json(report)))!.AsObject();

        Assert.Equal(["root", "readiness", "exitCode", "summary", "facts", "findings"], json.Select(p => p.Key));
        Assert.Equal("Ready", json["readiness"]!.GetValue<string>());
        Assert.Equal(0, json["exitCode"]!.GetValue<int>());
        Assert.StartsWith("READY to seal (", json["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("WKS-WIN732BITA", json["facts"]!["identity"]!["computerName"]!.GetValue<string>());
        Assert.Equal(3, json["facts"]!["accounts"]!.AsArray().Count);
        Assert.Equal(report.Findings.Length, json["findings"]!.AsArray().Count);
        Assert.EndsWith($"\n{ReportSummary.Of(report)}\n", InspectionRendering.Text(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Preflight_ReadyTree_TextAndJsonShowChecksPlanAndExitCode()
    {
        using var temp = new TempDirectory();
        var report = SealPlanner.DryRun(ReadyTree(temp), ReadyOptions with { Completion = SysprepCompletion.Reboot });

        var text = SealRendering.Text(report);
        var json = JsonNode.Parse(ReportJson.Text(SealRendering.Json(report)))!.AsObject();

        Assert.Contains("OK      sysprep-missing", text, StringComparison.Ordinal);
        Assert.Contains("N/A     not-admin", text, StringComparison.Ordinal);
        Assert.Contains("/reboot", text, StringComparison.Ordinal);
        Assert.Contains($"| {SealPaths.FirstBootHookLine}", text, StringComparison.Ordinal);
        Assert.EndsWith("\nREADY to seal (2 warnings)\n", text, StringComparison.Ordinal); // the real hives give two warnings (one is the SAM's enabled user)
        Assert.Equal(["root", "readiness", "exitCode", "summary", "options", "checks", "plan"], json.Select(p => p.Key));
        Assert.Equal(0, (int)json["exitCode"]!);
        Assert.Equal("Ready", (string)json["readiness"]!);
        Assert.Equal(PreflightCodes.All.Length, json["checks"]!.AsArray().Count);
        Assert.Equal("reboot", (string)json["options"]!["completion"]!);
        Assert.Contains("/reboot", (string)json["plan"]!["sysprep"]!["commandLine"]!, StringComparison.Ordinal);
        Assert.Equal("en-US", (string)json["plan"]!["answerFile"]!["locale"]!);
    }

    [Fact]
    public void Preflight_GivenAnswerFileWithPassword_NeitherItNorItsBytesPrinted()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);
        var content = "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"oobeSystem\"><component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\">" +
            $"<UserAccounts><AdministratorPassword><Value>{Secret}</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts></component></settings></unattend>";
        var answerFile = temp.Write("given.xml", content);

        var report = SealPlanner.DryRun(root, ReadyOptions with { AnswerFileOverride = answerFile, Force = true });

        var json = ReportJson.Text(SealRendering.Json(report));
        Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, SealRendering.Text(report), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(content))[..40], json, StringComparison.Ordinal);
    }

    [Fact]
    public void Preflight_NotWindows_SaysSoAndExitCode3()
    {
        using var temp = new TempDirectory();
        temp.Write("home/user/notes.txt", "hello");

        var report = SealPlanner.DryRun(temp.Path, ReadyOptions);

        Assert.EndsWith($"\n{SealReport.NotWindowsSummary}\n", SealRendering.Text(report), StringComparison.Ordinal);
        Assert.StartsWith("NOT A WINDOWS TREE", SealReport.NotWindowsSummary, StringComparison.Ordinal);
        var json = SealRendering.Json(report);
        Assert.Equal(3, (int)json["exitCode"]!);
        Assert.Null(json["plan"]);
    }

    [Theory]
    [InlineData(SealReadiness.Ready, 0)]
    [InlineData(SealReadiness.Forced, 0)]
    [InlineData(SealReadiness.Blocked, 1)]
    [InlineData(SealReadiness.NotWindows, 3)]
    public void ExitCodesFor_SealReadiness_DocumentedCode(SealReadiness readiness, int expected) =>
        Assert.Equal(expected, ExitCodes.For(readiness));

    [Theory]
    [InlineData(Readiness.Ready, 0)]
    [InlineData(Readiness.NotReady, 1)]
    [InlineData(Readiness.Unreadable, 3)]
    public void ExitCodesFor_InspectionReadiness_DocumentedCode(Readiness readiness, int expected) =>
        Assert.Equal(expected, ExitCodes.For(readiness));

    [Fact]
    public void Summary_BlockedAndForcedPreflight_CountsAndHint()
    {
        using var temp = new TempDirectory();
        var root = ReadyTree(temp);
        File.Delete(Path.Combine(root, "Windows", "System32", "Sysprep", "sysprep.exe"));

        var blocked = SealPlanner.DryRun(root, ReadyOptions);
        var forced = SealPlanner.DryRun(root, ReadyOptions with { Force = true });

        Assert.Equal(SealReadiness.Blocked, blocked.Readiness);
        Assert.Single(blocked.Errors);
        Assert.Equal(2, blocked.Checks.Count(c => c.Severity == CheckSeverity.Warning));
        Assert.Equal("NOT READY to seal: 1 error, 2 warnings (--force to seal anyway)", ReportSummary.Of(blocked));
        Assert.Equal("FORCED: 1 error ignored (--force), 2 warnings", ReportSummary.Of(forced));
    }

    private static void AssertNotPrinted(InspectionReport report, string secret)
    {
        Assert.DoesNotContain(secret, InspectionRendering.Text(report), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ReportJson.Text(InspectionRendering.Json(report)), StringComparison.Ordinal);
    }

    /// <summary>A tree nothing blocks, as the seal tests build it: real hives, sysprep.exe and reseal.exe present.</summary>
    private static string ReadyTree(TempDirectory temp)
    {
        var root = WindowsTree.Full(temp);
        WindowsTree.Write(root, @"Windows\System32\Sysprep\sysprep.exe", "MZ sysprep stand-in");
        WindowsTree.Write(root, @"Program Files\Reseal\reseal.exe", "MZ reseal stand-in");
        return root;
    }

    private static string Unattend(string accounts) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend">
          <settings pass="oobeSystem">
            <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
              <UserAccounts>{accounts}</UserAccounts>
            </component>
          </settings>
        </unattend>
        """;
}
