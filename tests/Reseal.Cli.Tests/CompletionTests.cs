using System.CommandLine;
using System.CommandLine.Help;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// <c>reseal completion</c>: the scripts are run by the real shells. Expectations come from walking the command tree
/// here, independently of the generator, so a command or option the script missed fails the test.
/// </summary>
public sealed class CompletionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Every visible command with the words that name it (after "reseal").</summary>
    private static IEnumerable<(string[] Words, Command Command)> Commands()
    {
        var root = CliApp.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, TextReader.Null, true, true, _ => null));
        var stack = new Stack<(string[], Command)>([([], root)]);
        while (stack.Count > 0)
        {
            var (words, command) = stack.Pop();
            yield return (words, command);
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
            {
                stack.Push(([.. words, sub.Name], sub));
            }
        }
    }

    private static IEnumerable<string> OptionNames(Command command) =>
        command.Options.Where(o => !o.Hidden && o is not HelpOption).SelectMany(o => o.Aliases.Append(o.Name)).Append("--help").Append("-h");

    /// <summary>Sources the bash script, then for each probe sets COMP_WORDS/COMP_CWORD as bash does and calls the function.</summary>
    private Dictionary<string, HashSet<string>> Bash(IReadOnlyList<string[]> probes)
    {
        var bash = ExternalTool.Require("bash", "bash");
        var generated = CliRunner.Run(["completion", "bash"]);
        Assert.Equal(0, generated.ExitCode);
        var script = _temp.Write("reseal.bash", generated.Out);
        var driver = new System.Text.StringBuilder();
        driver.Append("set -u\nsource '").Append(script).Append("'\ncomplete -p reseal >/dev/null || exit 9\ncd '").Append(_temp.Path).Append("'\n");
        foreach (var probe in probes)
        {
            var words = string.Join(' ', probe.Select(w => "'" + w + "'"));
            driver.Append("COMP_WORDS=(reseal ").Append(words).Append("); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _reseal\n");
            driver.Append("printf '@@%s\\n' \"").Append(string.Join(' ', probe)).Append("\"; printf '%s\\n' \"${COMPREPLY[@]}\"\n");
        }

        var run = ExternalTool.Run(bash, ["--norc", "--noprofile", _temp.Write("driver.sh", driver.ToString())], string.Empty, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, $"bash exited {run.ExitCode}: {run.StandardError}");
        Assert.Equal(string.Empty, run.StandardError);
        var replies = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string>? current = null;
        foreach (var line in run.StandardOutput.Split('\n'))
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                current = replies[line[2..]] = new HashSet<string>(StringComparer.Ordinal);
            }
            else if (line.Length > 0)
            {
                current!.Add(line);
            }
        }

        return replies;
    }

    [Fact]
    public void Bash_CompletesUnattendSubcommandsAndFormatValues()
    {
        _temp.Write("answer.xml", "<unattend/>");
        string[][] probes = [["unattend", ""], ["unattend", "lint", "--f"], ["unattend", "lint", "--format", ""], ["unattend", "lint", "-f", "j"],
            ["unattend", "lint", "--format", "json", "an"], ["unattend", "lint", "--format", "json", "-"], ["un"], ["seal", "--agent", "ec2l"]];

        var replies = Bash(probes);

        Assert.Superset(new HashSet<string> { "lint", "explain", "new", "get", "set", "remove", "password", "rules" }, replies["unattend "]);
        Assert.Equal(["--fail-on", "--format"], replies["unattend lint --f"].Order(StringComparer.Ordinal));
        Assert.Equal(["json", "sarif", "text"], replies["unattend lint --format "].Order(StringComparer.Ordinal));
        Assert.Equal(["json"], replies["unattend lint -f j"]);
        Assert.Equal(["answer.xml"], replies["unattend lint --format json an"]); // the option's value was skipped; files for the argument
        Assert.Contains("--windows", replies["unattend lint --format json -"]);
        Assert.Equal(["unattend"], replies["un"]);
        Assert.Equal(["ec2launch", "ec2launch-v2"], replies["seal --agent ec2l"].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Bash_EveryCommandAndOptionOfTheTreeCompletes()
    {
        var commands = Commands().ToList();
        var probes = commands.SelectMany(c => new[] { (string[])[.. c.Words, ""], [.. c.Words, "-"] }).ToList();

        var replies = Bash(probes);

        foreach (var (words, command) in commands)
        {
            var key = string.Join(' ', words);
            var path = key.Length == 0 ? "reseal" : "reseal " + key;
            var subcommands = replies[(key + " ").TrimStart()];
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
            {
                Assert.True(subcommands.Contains(sub.Name), $"'{path} <TAB>' does not offer {sub.Name}");
            }

            Assert.DoesNotContain(subcommands, s => command.Subcommands.Any(c => c.Hidden && c.Name == s));
            var options = replies[(key + " -").TrimStart()];
            foreach (var name in OptionNames(command).Where(n => n.StartsWith('-')))
            {
                Assert.True(options.Contains(name), $"'{path} -<TAB>' does not offer {name}");
            }
        }
    }

    [Fact]
    public void Zsh_ScriptParsesAndItsTablesAnswer()
    {
        var zsh = ExternalTool.Find("zsh");
        if (zsh is null)
        {
            Assert.Skip("zsh is not installed (Debian: zsh; .ci/run installs it)");
        }

        var generated = CliRunner.Run(["completion", "zsh"]);
        Assert.Equal(0, generated.ExitCode);
        Assert.StartsWith("#compdef reseal\n", generated.Out, StringComparison.Ordinal);
        var script = _temp.Write("_reseal", generated.Out);

        var parse = ExternalTool.Run(zsh, ["-n", script]);
        Assert.True(parse.ExitCode == 0, $"zsh -n: {parse.StandardError}");

        // Sourced after compinit, as the README says: it registers itself, and its tables answer in zsh.
        var run = ExternalTool.Run(zsh, ["-f", "-c", $"autoload -U compinit && compinit -u -D && source '{script}' && print -r -- ${{_comps[reseal]}} && _reseal_commands 'reseal unattend' && _reseal_values 'reseal unattend lint --format'"],
            string.Empty, TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, $"zsh: {run.StandardError}");
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("_reseal", lines[0]);
        Assert.Contains("lint", lines[1].Split(' '));
        Assert.Equal("text json sarif", lines[2]);
    }

    [Fact]
    public void Pwsh_ScriptParses()
    {
        var pwsh = ExternalTool.Find("pwsh");
        if (pwsh is null)
        {
            Assert.Skip("PowerShell (pwsh) is not installed and Debian does not package it: the pwsh script is checked by the generator's shape test only");
        }

        var script = _temp.Write("reseal.ps1", CliRunner.Run(["completion", "pwsh"]).Out);
        var run = ExternalTool.Run(pwsh, ["-NoProfile", "-Command", $"$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile('{script}', [ref]$null, [ref]$e); if ($e) {{ $e; exit 1 }}"]);
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
    }

    [Fact]
    public void Pwsh_ScriptListsEveryCommandAndOption()
    {
        var script = CliRunner.Run(["completion", "pwsh"]).Out;

        Assert.Contains("Register-ArgumentCompleter -Native -CommandName 'reseal', 'reseal.exe'", script, StringComparison.Ordinal);
        foreach (var (words, command) in Commands())
        {
            var path = string.Join(' ', words.Prepend("reseal"));
            // The options table comes second; its row for this command lists every option name.
            var table = script[script.IndexOf("$options = @{", StringComparison.Ordinal)..];
            var row = table.Split('\n').First(l => l.StartsWith($"        '{path}' = @(", StringComparison.Ordinal));
            Assert.All(OptionNames(command).Where(n => n.StartsWith('-')), o => Assert.Contains($"'{o}'", row, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("fish")]
    [InlineData("")]
    public void Completion_UnknownShell_ExitsTwo(string shell)
    {
        var result = CliRunner.Run(shell.Length == 0 ? ["completion"] : ["completion", shell]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public void CompletionHelp_SaysHowToInstall()
    {
        var help = CliRunner.Run(["completion", "--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("~/.local/share/bash-completion/completions/reseal", help.Out, StringComparison.Ordinal);
        Assert.Contains("${fpath[1]}/_reseal", help.Out, StringComparison.Ordinal);
        Assert.Contains("$PROFILE", help.Out, StringComparison.Ordinal);
    }
}
