using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>The real executable: exit codes and the split between standard output and standard error.</summary>
public class ProcessTests
{
    [Fact]
    public void Reseal_FiftyMegabytesOfNesting_ExitsThreeWithOneLine()
    {
        using var temp = new TempDirectory();
        var path = temp.WriteRepeated("nest.xml", "<a>"u8, 50L * 1024 * 1024);

        var result = CliRunner.RunProcess(["unattend", "explain", path]);

        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("larger than", line, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public void Reseal_GenerateThenExplain_WorksEndToEnd()
    {
        using var temp = new TempDirectory();
        var path = temp.File("unattend.xml");

        var created = CliRunner.RunProcess(["unattend", "new", "--profile", "cloudbase-init", "-o", path]);
        var explained = CliRunner.RunProcess(["unattend", "explain", path]);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("wrote", created.Error, StringComparison.Ordinal);
        Assert.Equal(0, explained.ExitCode);
        Assert.Contains("2 = restart and run this command again", explained.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Reseal_UnknownOption_ExitsTwo()
    {
        var result = CliRunner.RunProcess(["unattend", "lint", "--no-such-option", "x.xml"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-option", result.Error, StringComparison.Ordinal);
    }
}
