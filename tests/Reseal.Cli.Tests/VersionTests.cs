using System.Runtime.InteropServices;
using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary><c>reseal --version</c> stays one plain line; <c>reseal version</c> says which build this is.</summary>
public class VersionTests
{
    [Fact]
    public void VersionOption_IsOnePlainLine()
    {
        var result = CliRunner.Run(["--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+\r?\n$", result.Out);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public void VersionCommand_NamesCommitRuntimeRidAndAot()
    {
        var result = CliRunner.Run(["version"]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"reseal {PublishedBuild.Version}", lines[0]);
        Assert.Equal($"runtime:    {RuntimeInformation.FrameworkDescription}", lines[2]);
        Assert.Equal($"rid:        {RuntimeInformation.RuntimeIdentifier}", lines[3]);
        Assert.Equal("native AOT: no", lines[4]); // the tests run the JIT build
        AssertRealCommit(lines[1]["commit:".Length..].Trim());
    }

    [Fact]
    public void VersionCommand_Json_CarriesTheSameFields()
    {
        var result = CliRunner.Run(["version", "--format", "json"]);

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(PublishedBuild.Version, json.RootElement.GetProperty("version").GetString());
        Assert.Equal(RuntimeInformation.RuntimeIdentifier, json.RootElement.GetProperty("rid").GetString());
        Assert.False(json.RootElement.GetProperty("nativeAot").GetBoolean());
        AssertRealCommit(json.RootElement.GetProperty("commit").GetString()!);
    }

    /// <summary>
    /// The commit is one git knows in this repository (built from a checkout), or "unknown" when the repository is not
    /// a git checkout (a source tarball): never a made-up value.
    /// </summary>
    internal static void AssertRealCommit(string commit)
    {
        var git = ExternalTool.Find("git");
        var inCheckout = git is not null && ExternalTool.Run(git, ["-C", PublishedBuild.RepositoryRoot, "rev-parse", "--git-dir"]).ExitCode == 0;
        if (!inCheckout)
        {
            Assert.Equal("unknown", commit);
            return;
        }

        Assert.Matches("^[0-9a-f]{40}(-dirty)?$", commit);
        var sha = commit[..40];
        Assert.True(ExternalTool.Run(git!, ["-C", PublishedBuild.RepositoryRoot, "cat-file", "-e", sha + "^{commit}"]).ExitCode == 0,
            $"{sha} is not a commit of this repository");
    }
}
