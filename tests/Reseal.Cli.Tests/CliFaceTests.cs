namespace Reseal.Cli.Tests;

/// <summary>What every command line gets alike: help, usage errors and their exit codes, through the real entry point.</summary>
public class CliFaceTests
{
    [Fact]
    public void Run_NoArguments_PrintsTopLevelHelpAndExitsZero()
    {
        var result = CliRunner.Run([]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
        Assert.Contains("unattend", result.Out, StringComparison.Ordinal);
        Assert.Contains("hive", result.Out, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Error);
    }

    [Theory]
    [InlineData("nosuch|--help", "nosuch", "reseal --help")]
    [InlineData("nosuch|-h", "nosuch", "reseal --help")]
    [InlineData("unattend|nosuch|--help", "nosuch", "reseal unattend --help")]
    [InlineData("hive|frob|-h", "frob", "reseal hive --help")]
    public void Run_UnknownCommandWithHelp_ExitsTwo(string args, string word, string hint)
    {
        var result = CliRunner.Run(args.Split('|'));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
        Assert.Contains($"'{word}'", result.Error, StringComparison.Ordinal);
        Assert.Contains($"run '{hint}' for usage", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus", "reseal")]
    [InlineData("unattend|--bogus", "reseal unattend")]
    [InlineData("unattend|lint|--bogus|a.xml", "reseal unattend lint")]
    [InlineData("hive|get|--bogus|SYSTEM|Select", "reseal hive get")]
    [InlineData("agent|status|--bogus", "reseal agent status")]
    public void Run_UnknownOption_ExitsTwoNamingTheCommand(string args, string command)
    {
        var result = CliRunner.Run(args.Split('|'));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'--bogus'", result.Error, StringComparison.Ordinal);
        Assert.Contains($"run '{command} --help' for usage", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agent|status|--timeout|abc", "--timeout", "a whole number")]
    [InlineData("password|generate|--length|x", "--length", "a whole number")]
    [InlineData("metadata|show|--timeout|1h", "--timeout", "a number")]
    [InlineData("seal|--agent|nope|--dry-run", "'nope'", "'ec2launch-v2'")]
    public void Run_BadOptionValue_ExitsTwoInTheUsersTermsOnOneLine(string args, string names, string expected)
    {
        var result = CliRunner.Run(args.Split('|'));

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
        var line = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("reseal: error:", StringComparison.Ordinal) && l.Contains(names, StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("\t", result.Error, StringComparison.Ordinal);
    }
}
