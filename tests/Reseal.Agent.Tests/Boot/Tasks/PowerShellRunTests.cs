using Reseal.Agent.Boot.Tasks;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// The command the agent gives powershell.exe (<see cref="ScriptTasks.PowerShellCommand"/>), run in a real PowerShell 7
/// (pwsh, installed by .ci/run as a .NET tool) with the switches the agent uses: the script's <c>exit N</c> is the
/// process's exit code, a normal end is 0, a terminating error is 1, and arguments arrive as literals, never evaluated.
/// Windows PowerShell 5.1 is what runs on a real Windows; its -EncodedCommand and exit-code rules are the ones documented
/// for pwsh too (docs/windows-behaviour.md, item 7).
/// </summary>
public sealed class PowerShellRunTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private ProcessResult Run(string script, params string[] arguments)
    {
        var pwsh = ExternalTool.Find("pwsh");
        Assert.SkipWhen(pwsh is null, "pwsh (PowerShell 7) is not installed; .ci/run installs it with `dotnet tool install PowerShell --version 7.6.10`");
        var path = _temp.Write("it's a script.ps1", script);
        return ExternalTool.Run(pwsh!, ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", ScriptTasks.PowerShellCommand(path, arguments)],
            timeout: TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void PowerShellCommand_ScriptExitsWithACode_TheProcessExitsWithIt()
    {
        var result = Run("param($a) Write-Output \"got $a\"; exit 7", "one");

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("got one", result.StandardOutput.Trim());
    }

    [Fact]
    public void PowerShellCommand_ScriptEndsNormally_ExitsZero()
    {
        var result = Run("Write-Output done");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("done", result.StandardOutput.Trim());
    }

    [Fact]
    public void PowerShellCommand_TerminatingError_ExitsOne()
    {
        var result = Run("Write-Output before; throw 'broken'; Write-Output after");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("before", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("after", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("broken", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void PowerShellCommand_ArgumentsWithQuotesAndSubexpressions_ArriveAsLiterals()
    {
        var canary = Path.Combine(_temp.Path, "canary");
        string[] arguments = ["it's", $"$(New-Item -ItemType File '{canary}')", "\u2019typographic\u2019", "a b", ""];

        var result = Run("foreach ($a in $args) { Write-Output \"[$a]\" }", arguments);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(arguments.Select(a => $"[{a}]"), result.StandardOutput.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(canary), "an argument was evaluated");
    }

    [Fact]
    public void PowerShellCommand_NonTerminatingErrorThenExit_KeepsTheScriptsCode()
    {
        // $ErrorActionPreference is 'Stop' only while the script is read; the script itself runs with PowerShell's default.
        var result = Run("Get-Item '/no/such/file'; Write-Output still-running; exit 3");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("still-running", result.StandardOutput, StringComparison.Ordinal);
    }
}
