using System.CommandLine;

namespace Reseal.Cli.Completion;

/// <summary><c>reseal completion bash|zsh|pwsh</c>: the shell's completion script, from this build's command tree.</summary>
internal static class CompletionCommand
{
    public static Command Create(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or pwsh." };
        shell.AcceptOnlyFromAmong(CompletionScripts.Shells);
        var command = new Command("completion", """
            Print a completion script for bash, zsh or PowerShell: every command, subcommand and option of this build (and the values of options with a fixed set, such as --format), read from the command tree itself. Install it once, and again after upgrading reseal:
              bash:  reseal completion bash > ~/.local/share/bash-completion/completions/reseal   (or in ~/.bashrc: source <(reseal completion bash))
              zsh:   reseal completion zsh > "${fpath[1]}/_reseal"   then start a new shell   (or in ~/.zshrc, after compinit: source <(reseal completion zsh))
              pwsh:  reseal completion pwsh >> $PROFILE   (or: reseal completion pwsh | Out-String | Invoke-Expression)
            """)
        {
            shell,
        };
        command.SetAction(parse =>
        {
            // The whole tree, not just this command (CliApp builds only the command a line names).
            var tree = CompletionTree.Read(CliApp.BuildRoot(context));
            context.Out.Write(CompletionScripts.Write(parse.GetValue(shell)!, tree, CliApp.Version));
            return ExitCodes.Success;
        });
        return command;
    }
}
