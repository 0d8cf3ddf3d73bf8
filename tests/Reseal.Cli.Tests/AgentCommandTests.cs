using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class AgentCommandTests
{
    [Fact]
    public void Validate_MisspeltTaskAndBadEnum_ExitOneWithLineAndColumn()
    {
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAcount\n  - task: setHostName\n    inputs:\n      hostName: this-name-is-far-too-long\n");

        var result = CliRunner.Run(["agent", "validate", "--config", config]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{config}:5:", result.Out, StringComparison.Ordinal);
        Assert.Contains("setAdminAccount", result.Out, StringComparison.Ordinal);
        Assert.Contains($"{config}:8:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_DefaultConfiguration_ValidatesClean()
    {
        using var temp = new TempDirectory();
        var printed = CliRunner.Run(["agent", "config"]);
        var path = temp.Write("agent-config.yml", printed.Out);

        var result = CliRunner.Run(["agent", "validate", "--config", path, "--format", "json"]);

        Assert.Equal(0, printed.ExitCode);
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.DoesNotContain(json.RootElement.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("severity").GetString() == "error");
    }

    [Fact]
    public void Validate_Ec2PowershellUserData_IsRecognised()
    {
        using var temp = new TempDirectory();
        var userData = temp.Write("user-data", "<powershell>\nNew-Item -Path C:\\ok.txt\n</powershell>\n<persist>true</persist>\n");

        var result = CliRunner.Run(["agent", "validate", "--user-data", userData]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("user data format: xml", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_YamlAliasBomb_IsRefusedWithoutHanging()
    {
        using var temp = new TempDirectory();
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        var config = temp.Write("agent-config.yml", bomb);

        var result = CliRunner.Run(["agent", "validate", "--config", config]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("alias", result.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Validate_MissingFile_ExitsThree()
    {
        Assert.Equal(3, CliRunner.Run(["agent", "validate", "--config", "/nonexistent/agent-config.yml"]).ExitCode);
    }
}

public class InternalCommandTests
{
    [Fact]
    public void ScramblePassword_OffWindows_ExitsFourWithoutPretending()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "this checks the behaviour off Windows");

        var result = CliRunner.Run(["internal", "scramble-password", "--user", "Administrator"]);

        Assert.Equal(4, result.ExitCode);
        Assert.DoesNotContain("scrambled", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Internal_IsHiddenFromRootHelp()
    {
        var help = CliRunner.Run(["--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.DoesNotContain("internal", help.Out, StringComparison.Ordinal);
        Assert.Contains("unattend", help.Out, StringComparison.Ordinal);
    }
}
