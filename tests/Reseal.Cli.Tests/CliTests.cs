using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class CliTests
{
    internal const string Clean = """
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend">
          <settings pass="specialize">
            <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
              <TimeZone>UTC</TimeZone>
            </component>
          </settings>
        </unattend>
        """;

    private const string Broken = """
        <?xml version="1.0" encoding="utf-8"?>
        <unattend xmlns="urn:schemas-microsoft-com:unattend">
          <settings pass="generalize">
            <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
              <TimeZone>UTC</TimeZone>
            </component>
          </settings>
        </unattend>
        """;

    [Fact]
    public void Help_EveryCommand_PrintsUsageAndExitsZero()
    {
        var commands = CliRunner.AllCommands().ToList();
        Assert.True(commands.Count >= 7);
        foreach (var command in commands.Where(c => !c.Hidden))
        {
            var path = new List<string>();
            for (var c = command; c is not null && c.Parents.FirstOrDefault() is not null; c = c.Parents.First() as System.CommandLine.Command)
            {
                path.Insert(0, c.Name);
            }

            var result = CliRunner.Run([.. path, "--help"]);

            Assert.True(result.ExitCode == 0, $"{string.Join(' ', path)} --help exited {result.ExitCode}: {result.Error}");
            Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"{command.Name} has no description");
        }
    }

    [Fact]
    public void Version_PrintsTheVersion()
    {
        var result = CliRunner.Run(["--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Out.Trim());
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("unattend|lint")]
    [InlineData("unattend|lint|--format|xml|a.xml")]
    [InlineData("unattend|new|--profile|azure")]
    [InlineData("unattend|explain|x.xml|--sysprep|/oobe /audit")]
    [InlineData("unattend")]
    public void UsageErrors_ExitTwoWithAMessage(string args)
    {
        using var temp = new TempDirectory();
        var file = temp.Write("x.xml", Clean);
        var result = CliRunner.Run([.. args.Split('|').Select(a => a == "x.xml" ? file : a)]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("reseal: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_CleanFile_ExitsZero()
    {
        using var temp = new TempDirectory();

        var result = CliRunner.Run(["unattend", "lint", temp.Write("a.xml", Clean)]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
        Assert.Contains("1 file: 0 errors, 0 warnings, 0 info", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_Findings_ExitOneAndPrintFileLineColumn()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("a.xml", Broken);

        var result = CliRunner.Run(["unattend", "lint", path]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{path}:5:8: error RU020:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_FailOnNone_ExitsZeroDespiteFindings()
    {
        using var temp = new TempDirectory();

        var result = CliRunner.Run(["unattend", "lint", "--fail-on", "none", temp.Write("a.xml", Broken)]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("RU020", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not xml at all", "not well-formed")]
    [InlineData("<!DOCTYPE u [<!ENTITY e \"x\">]><unattend xmlns=\"urn:schemas-microsoft-com:unattend\">&e;</unattend>", "DOCTYPE")]
    [InlineData("", "empty")]
    public void Lint_MalformedOrHostile_ExitsThree(string content, string reason)
    {
        using var temp = new TempDirectory();
        var path = temp.Write("bad.xml", content);

        var result = CliRunner.Run(["unattend", "lint", path]);

        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(path, line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_MissingFile_ExitsThree()
    {
        var result = CliRunner.Run(["unattend", "lint", "/nonexistent/unattend.xml"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("file not found", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_StandardInput_IsRead()
    {
        var result = CliRunner.Run(["unattend", "lint", "-"], Broken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("<stdin>:5:8: error RU020", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_Json_IsValidAndCarriesFindings()
    {
        using var temp = new TempDirectory();
        var result = CliRunner.Run(["unattend", "lint", "--format", "json", temp.Write("a.xml", Broken), temp.Write("b.xml", Clean)]);

        using var json = JsonDocument.Parse(result.Out);
        var files = json.RootElement.GetProperty("files");
        Assert.Equal(2, files.GetArrayLength());
        var finding = files[0].GetProperty("findings")[0];
        Assert.Equal("RU020", finding.GetProperty("rule").GetString());
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.Equal(5, finding.GetProperty("line").GetInt32());
        Assert.Equal("https://learn.microsoft.com/windows-hardware/customize/desktop/unattend/microsoft-windows-shell-setup-timezone", finding.GetProperty("reference").GetString());
        Assert.Equal("2025", files[0].GetProperty("windows").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("errors").GetInt32());
        Assert.DoesNotContain("RU020", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_Sarif_FollowsTheSchemaShape()
    {
        using var temp = new TempDirectory();
        var result = CliRunner.Run(["unattend", "lint", "--format", "sarif", temp.Write("a.xml", Broken)]);

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("2.1.0", json.RootElement.GetProperty("version").GetString());
        var run = json.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules");
        var sarifResult = run.GetProperty("results")[0];
        Assert.Equal("RU020", sarifResult.GetProperty("ruleId").GetString());
        Assert.Equal("RU020", rules[sarifResult.GetProperty("ruleIndex").GetInt32()].GetProperty("id").GetString());
        Assert.Equal("error", sarifResult.GetProperty("level").GetString());
        var region = sarifResult.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region");
        Assert.Equal(5, region.GetProperty("startLine").GetInt32());
    }

    [Fact]
    public void Output_OnATerminal_IsColouredUnlessNoColor()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("a.xml", Broken);

        var coloured = CliRunner.Run(["unattend", "lint", path], terminal: true);
        var noColor = CliRunner.Run(["unattend", "lint", path], terminal: true, environment: new() { ["NO_COLOR"] = "1" });
        var redirected = CliRunner.Run(["unattend", "lint", path]);

        Assert.Contains("\u001b[", coloured.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", noColor.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", redirected.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordEncode_ReadsStandardInputNotTheCommandLine()
    {
        var result = CliRunner.Run(["unattend", "password", "encode"], "P@ssw0rd\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("UABAAHMAcwB3ADAAcgBkAEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA==", result.Out.Trim());
    }

    [Fact]
    public void PasswordDecode_MicrosoftExample_PrintsPasswordAndSuffix()
    {
        var result = CliRunner.Run(["unattend", "password", "decode", "--field", "password"], "UABhAHMAcwB3AG8AcgBkADEAMgAzADQANgBQAGEAcwBzAHcAbwByAGQA\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Password12346", result.Out.Trim());
        Assert.Contains("suffix: Password", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordDecode_WrongSuffix_ExitsThree()
    {
        var result = CliRunner.Run(["unattend", "password", "decode", "--field", "administrator"], "UABhAHMAcwB3AG8AcgBkADEAMgAzADQANgBQAGEAcwBzAHcAbwByAGQA\n");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("AdministratorPassword", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordEncode_EmptyInput_ExitsThree()
    {
        Assert.Equal(3, CliRunner.Run(["unattend", "password", "encode"], string.Empty).ExitCode);
    }

    [Theory]
    [InlineData("ec2config")]
    [InlineData("ec2launch")]
    [InlineData("ec2launch-v2")]
    [InlineData("cloudbase-init")]
    [InlineData("generic")]
    public void New_EveryProfile_WritesAFileThatLintsClean(string profile)
    {
        using var temp = new TempDirectory();
        var path = temp.File("unattend.xml");

        var created = CliRunner.Run(["unattend", "new", "--profile", profile, "--output", path]);
        var lint = CliRunner.Run(["unattend", "lint", "--fail-on", "info", path]);

        Assert.Equal(0, created.ExitCode);
        Assert.Equal(0, lint.ExitCode);
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void New_ExistingOutput_IsNotOverwrittenWithoutForce()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", "keep me");

        var refused = CliRunner.Run(["unattend", "new", "--output", path]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("keep me", File.ReadAllText(path));

        var forced = CliRunner.Run(["unattend", "new", "--output", path, "--force"]);
        Assert.Equal(0, forced.ExitCode);
        Assert.StartsWith("<?xml", File.ReadAllText(path).TrimStart('\uFEFF'), StringComparison.Ordinal);
    }

    [Fact]
    public void New_StaticPassword_ComesFromStandardInputAndIsNotInTheOutput()
    {
        var result = CliRunner.Run(["unattend", "new", "--admin-password", "static"], "Corr3ct-Horse!\n");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Corr3ct-Horse", result.Out, StringComparison.Ordinal);
        Assert.Contains("<PlainText>false</PlainText>", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--time-zone", "", "--time-zone '' is not a Windows time zone name")]
    [InlineData("--time-zone", "Pacific Time", "did you mean 'Pacific Standard Time', 'Pacific SA Standard Time'")]
    [InlineData("--time-zone", "Europe/Berlin", "--time-zone 'Europe/Berlin' is not a Windows time zone name")]
    [InlineData("--locale", "en_US", "--locale 'en_US' is not a language tag")]
    [InlineData("--locale", "English", "--locale 'English'")]
    public void New_BadOptionValue_IsRefusedNamingTheOptionAndWritesNothing(string option, string value, string message)
    {
        using var temp = new TempDirectory();
        var path = temp.File("unattend.xml");

        var result = CliRunner.Run(["unattend", "new", option, value, "--output", path]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("pacific standard time", "<TimeZone>Pacific Standard Time</TimeZone>")]
    [InlineData("Pacific Standard Time_dstoff", "<TimeZone>Pacific Standard Time_dstoff</TimeZone>")]
    [InlineData("utc", "<TimeZone>UTC</TimeZone>")]
    public void New_TimeZone_IsWrittenInTheRegistrySpelling(string zone, string written)
    {
        var result = CliRunner.Run(["unattend", "new", "--time-zone", zone]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(written, result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short1A\n", "at least 8")]
    [InlineData("alllowercase\n", "character classes")]
    [InlineData("MyAdministrator1\n", "account name")]
    public void New_StaticPasswordFailingComplexity_IsRefused(string typed, string why)
    {
        var result = CliRunner.Run(["unattend", "new", "--admin-password", "static"], typed);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(why, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void New_StaticPasswordOnATerminal_IsAskedTwice()
    {
        var same = CliRunner.Run(["unattend", "new", "--admin-password", "static"], "Corr3ct-Horse!\nCorr3ct-Horse!\n", stdinTerminal: true);
        var different = CliRunner.Run(["unattend", "new", "--admin-password", "static"], "Corr3ct-Horse!\nCorr3ct-Hors3!\n", stdinTerminal: true);

        Assert.Equal(0, same.ExitCode);
        Assert.Contains("Again:", same.Error, StringComparison.Ordinal);
        Assert.Contains("<PlainText>false</PlainText>", same.Out, StringComparison.Ordinal);
        Assert.Equal(3, different.ExitCode);
        Assert.Contains("differ", different.Error, StringComparison.Ordinal);
        Assert.Empty(different.Out);
    }

    [Fact]
    public void Explain_Text_ListsPassesInRunOrder()
    {
        using var temp = new TempDirectory();
        var path = temp.File("unattend.xml");
        CliRunner.Run(["unattend", "new", "--profile", "ec2launch-v2", "--output", path]);

        var result = CliRunner.Run(["unattend", "explain", path]);

        Assert.Equal(0, result.ExitCode);
        var generalize = result.Out.IndexOf("1. generalize", StringComparison.Ordinal);
        var specialize = result.Out.IndexOf("2. specialize", StringComparison.Ordinal);
        var oobe = result.Out.IndexOf("3. oobeSystem", StringComparison.Ordinal);
        Assert.True(generalize >= 0 && generalize < specialize && specialize < oobe, result.Out);
        Assert.Contains("run RunSynchronous #2", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Json_IsValid()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("a.xml", Clean);

        var result = CliRunner.Run(["unattend", "explain", path, "--format", "json", "--sysprep", "/generalize /oobe /quit"]);

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("/generalize /oobe /quit", json.RootElement.GetProperty("sysprep").GetString());
        Assert.Equal("specialize", json.RootElement.GetProperty("steps")[1].GetProperty("pass").GetString());
    }

    [Fact]
    public void Explain_MalformedFile_ExitsThree()
    {
        using var temp = new TempDirectory();

        var result = CliRunner.Run(["unattend", "explain", temp.Write("a.xml", "<unattend")]);

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Rules_Json_ListsEveryRule()
    {
        var result = CliRunner.Run(["unattend", "rules", "--format", "json"]);

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(Reseal.Unattend.Lint.LintRules.All.Count, json.RootElement.GetArrayLength());
    }

    [Fact]
    public void Explain_NotAnAnswerFile_ExitsThree()
    {
        using var temp = new TempDirectory();

        var result = CliRunner.Run(["unattend", "explain", temp.Write("a.xml", "<settings xmlns=\"urn:schemas-microsoft-com:unattend\" pass=\"specialize\"/>")]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("not an answer file", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Explain_Arm64File_SaysItUsesTheFilesArchitecture()
    {
        using var temp = new TempDirectory();
        var xml = Clean.Replace("amd64", "arm64", StringComparison.Ordinal);

        var result = CliRunner.Run(["unattend", "explain", temp.Write("a.xml", xml)]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("on an arm64 image (the file's only architecture)", result.Out, StringComparison.Ordinal);
        Assert.Contains("TimeZone = UTC", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_MicrosoftSamples_ReportDefectsWithoutCrashing()
    {
        var files = SharedData.RequireFiles("answerfiles", "*.xml");

        var result = CliRunner.Run(["unattend", "lint", "--format", "json", .. files]);

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(files.Count, json.RootElement.GetProperty("files").GetArrayLength());
        // Non_OA3.0: <copyprofile> in lower case (RU022); both OEM samples: TaskbarLinks/Link2 empty twice (RU029);
        // the UEFI sample: "[ REPLACE WITH PRODUCT KEY ]" (RU042).
        Assert.Equal(6, json.RootElement.GetProperty("summary").GetProperty("errors").GetInt32());
    }
}

public class DocumentationTests
{
    private static string RepositoryFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, name);
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Reseal.slnx")))
            {
                return candidate;
            }
        }

        Assert.Skip($"{name} not found above {AppContext.BaseDirectory}");
        return string.Empty;
    }

    [Fact]
    public void Readme_ListsEveryLintRuleWithItsSeverity()
    {
        var readme = File.ReadAllText(RepositoryFile("README.md"));

        foreach (var rule in Reseal.Unattend.Lint.LintRules.All)
        {
            Assert.Matches($@"\| {rule.Id} \| [^|]*{rule.DefaultSeverity.ToString().ToLowerInvariant()}", readme);
        }
    }

    [Fact]
    public void Readme_DocumentsEveryExitCode()
    {
        var readme = File.ReadAllText(RepositoryFile("README.md"));

        foreach (var code in new[] { ExitCodes.Success, ExitCodes.Findings, ExitCodes.Usage, ExitCodes.BadInput, ExitCodes.WrongEnvironment })
        {
            Assert.Contains($"| {code} |", readme, StringComparison.Ordinal);
        }
    }
}

public class StandardInputTests
{
    [Fact]
    public void Lint_StandardInputOverTheLimit_ExitsThree()
    {
        var huge = "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">" + new string(' ', 17 * 1024 * 1024) + "</unattend>";

        var result = CliRunner.Run(["unattend", "lint", "-"], huge);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("refused", result.Error, StringComparison.Ordinal);
    }
}
