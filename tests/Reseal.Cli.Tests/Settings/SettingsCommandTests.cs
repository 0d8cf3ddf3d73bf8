using Reseal.TestSupport;

namespace Reseal.Cli.Tests.Settings;

/// <summary><c>reseal settings</c> before any view opens: the refusals, each with its exit code and one line.</summary>
public class SettingsCommandTests
{
    [Fact]
    public void Settings_NoTerminal_ExitsTwoAndSaysWhy()
    {
        using var temp = new TempDirectory();

        var result = CliRunner.Run(["settings", "--config", temp.File("agent-config.yml")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("needs a terminal", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("agent-config.yml")));
    }

    [Fact]
    public void Settings_RootIsNotAFolder_ExitsThree()
    {
        using var temp = new TempDirectory();

        var result = CliRunner.Run(["settings", "--root", temp.File("missing")], terminal: true, stdinTerminal: true);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("not a folder", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_NoRootNoConfigOffWindows_ExitsFour()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "on Windows the running machine's file is edited");

        var result = CliRunner.Run(["settings"], terminal: true, stdinTerminal: true);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("--root DIR", result.Error, StringComparison.Ordinal);
    }
}
