using System.Text;

namespace Reseal.Cli.Completion;

/// <summary>
/// Writes the completion script of one shell from the command tree. bash and zsh share the lookup tables (shell
/// <c>case</c> functions, valid in both) and differ only in how a candidate list is handed to the shell; PowerShell gets
/// the same tables as hashtables. No script runs reseal while completing: each is a snapshot of this build's tree,
/// which is why the README says to regenerate it after an upgrade.
/// </summary>
internal static class CompletionScripts
{
    public static readonly string[] Shells = ["bash", "zsh", "pwsh"];

    public static string Write(string shell, IReadOnlyList<CompletionNode> nodes, string version) => shell switch
    {
        "bash" => Bash(nodes, version),
        "zsh" => Zsh(nodes, version),
        "pwsh" => Pwsh(nodes, version),
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "not a shell this command writes for"),
    };

    /// <summary>Words go into single-quoted shell strings; none of reseal's names may contain a quote or a space.</summary>
    private static string Words(IEnumerable<string> words)
    {
        var list = words.ToList();
        foreach (var word in list)
        {
            if (word.Length == 0 || word.Any(c => c is '\'' or '\\' or '"' or '`' or '$' || char.IsWhiteSpace(c)))
            {
                throw new InvalidOperationException($"the command tree has a name completion scripts cannot quote: [{word}]");
            }
        }

        return string.Join(' ', list);
    }

    /// <summary>The lookup functions, for bash and zsh: each prints the words for a command path (or "path option").</summary>
    private static void ShellTables(StringBuilder s, IReadOnlyList<CompletionNode> nodes)
    {
        Table(s, "_reseal_commands", "the subcommands of a command", nodes.Where(n => n.Subcommands.Count > 0).Select(n => (n.Path, Words(n.Subcommands))));
        Table(s, "_reseal_options", "every option name of a command", nodes.Select(n => (n.Path, Words(n.Options))));
        Table(s, "_reseal_valued", "the options of a command that take a value", nodes.Where(n => n.Valued.Count > 0).Select(n => (n.Path, Words(n.Valued))));
        Table(s, "_reseal_values", "the values an option accepts, by \"command option\"",
            nodes.SelectMany(n => n.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (n.Path + " " + v.Key, Words(v.Value)))));
        Table(s, "_reseal_argument_values", "fixed values of a command's arguments", nodes.Where(n => n.ArgumentValues.Count > 0).Select(n => (n.Path, Words(n.ArgumentValues))));
        s.Append("# Commands whose arguments are files (status 0).\n_reseal_files() {\n  case \"$1\" in\n");
        var files = nodes.Where(n => n.Files).Select(n => $"'{n.Path}'").ToList();
        if (files.Count > 0)
        {
            s.Append("    ").Append(string.Join('|', files)).Append(") return 0 ;;\n");
        }

        s.Append("  esac\n  return 1\n}\n\n");
    }

    private static void Table(StringBuilder s, string name, string what, IEnumerable<(string Key, string Words)> rows)
    {
        s.Append("# ").Append(what).Append('\n').Append(name).Append("() {\n  case \"$1\" in\n");
        foreach (var (key, words) in rows)
        {
            s.Append("    '").Append(key).Append("') echo '").Append(words).Append("' ;;\n");
        }

        s.Append("  esac\n}\n\n");
    }

    private static string Header(string shell, string version, string install) =>
        $"# reseal completion for {shell}, written by 'reseal completion {(shell == "PowerShell" ? "pwsh" : shell)}' from the command tree of reseal {version}.\n" +
        $"# Install: {install}\n# Regenerate it after upgrading reseal.\n\n";

    private static string Bash(IReadOnlyList<CompletionNode> nodes, string version)
    {
        var s = new StringBuilder(Header("bash", version,
            "reseal completion bash > ~/.local/share/bash-completion/completions/reseal (or: source <(reseal completion bash) in ~/.bashrc)"));
        ShellTables(s, nodes);
        s.Append("""
            _reseal() {
              local cur=${COMP_WORDS[COMP_CWORD]} cmd=reseal word i skip=0
              COMPREPLY=()
              # Walk the words before the cursor: subcommands narrow the command; an option that takes a value swallows the next word.
              for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                if ((skip)); then skip=0; continue; fi
                if [[ " $(_reseal_valued "$cmd") " == *" $word "* ]]; then skip=1; continue; fi
                if [[ " $(_reseal_commands "$cmd") " == *" $word "* ]]; then cmd="$cmd $word"; fi
              done
              if ((skip)); then
                local values
                values=$(_reseal_values "$cmd ${COMP_WORDS[COMP_CWORD - 1]}")
                if [[ -n $values ]]; then
                  mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
                else
                  compopt -o filenames 2>/dev/null
                  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                fi
                return 0
              fi
              if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_reseal_options "$cmd")" -- "$cur")
                return 0
              fi
              mapfile -t COMPREPLY < <(compgen -W "$(_reseal_commands "$cmd") $(_reseal_argument_values "$cmd")" -- "$cur")
              if _reseal_files "$cmd"; then
                compopt -o filenames 2>/dev/null
                local files
                mapfile -t files < <(compgen -f -- "$cur")
                COMPREPLY+=("${files[@]}")
              fi
              return 0
            }
            complete -F _reseal reseal

            """);
        return s.ToString();
    }

    private static string Zsh(IReadOnlyList<CompletionNode> nodes, string version)
    {
        var s = new StringBuilder("#compdef reseal\n");
        s.Append(Header("zsh", version,
            "reseal completion zsh > \"${fpath[1]}/_reseal\", then start a new shell (or, after compinit in ~/.zshrc: source <(reseal completion zsh))"));
        ShellTables(s, nodes);
        s.Append("""
            _reseal() {
              local cmd=reseal word i skip=0 cur=${words[CURRENT]}
              local -a candidates
              # Walk the words before the cursor: subcommands narrow the command; an option that takes a value swallows the next word.
              for (( i = 2; i < CURRENT; i++ )); do
                word=${words[i]}
                if (( skip )); then skip=0; continue; fi
                if [[ " $(_reseal_valued $cmd) " == *" $word "* ]]; then skip=1; continue; fi
                if [[ " $(_reseal_commands $cmd) " == *" $word "* ]]; then cmd="$cmd $word"; fi
              done
              if (( skip )); then
                candidates=(${=$(_reseal_values "$cmd ${words[CURRENT-1]}")})
                if (( ${#candidates} )); then compadd -a candidates; else _files; fi
                return
              fi
              if [[ $cur == -* ]]; then
                candidates=(${=$(_reseal_options $cmd)})
                compadd -a candidates
                return
              fi
              candidates=(${=$(_reseal_commands $cmd)} ${=$(_reseal_argument_values $cmd)})
              (( ${#candidates} )) && compadd -a candidates
              _reseal_files $cmd && _files
              return 0
            }

            # Autoloaded from $fpath, this file is the body of _reseal; sourced, it registers the function.
            if [[ ${funcstack[1]} == _reseal ]]; then
              _reseal "$@"
            else
              compdef _reseal reseal
            fi

            """);
        return s.ToString();
    }

    private static string Pwsh(IReadOnlyList<CompletionNode> nodes, string version)
    {
        var s = new StringBuilder(Header("PowerShell", version,
            "reseal completion pwsh >> $PROFILE (or: reseal completion pwsh | Out-String | Invoke-Expression)"));
        s.Append("Register-ArgumentCompleter -Native -CommandName 'reseal', 'reseal.exe' -ScriptBlock {\n");
        s.Append("    param($wordToComplete, $commandAst, $cursorPosition)\n");
        PwshTable(s, "commands", nodes.Where(n => n.Subcommands.Count > 0).Select(n => (n.Path, (IEnumerable<string>)n.Subcommands)));
        PwshTable(s, "options", nodes.Select(n => (n.Path, (IEnumerable<string>)n.Options)));
        PwshTable(s, "valued", nodes.Where(n => n.Valued.Count > 0).Select(n => (n.Path, (IEnumerable<string>)n.Valued)));
        PwshTable(s, "values", nodes.SelectMany(n => n.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (n.Path + " " + v.Key, (IEnumerable<string>)v.Value))));
        PwshTable(s, "argumentValues", nodes.Where(n => n.ArgumentValues.Count > 0).Select(n => (n.Path, (IEnumerable<string>)n.ArgumentValues)));
        s.Append("""
                # The words before the one being completed (that one is $wordToComplete, possibly empty).
                $before = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition -or ($_.Extent.EndOffset -eq $cursorPosition -and $wordToComplete -eq '') } | ForEach-Object { $_.Extent.Text })
                $cmd = 'reseal'
                $skip = $false
                foreach ($word in ($before | Select-Object -Skip 1)) {
                    if ($skip) { $skip = $false; continue }
                    if ($valued[$cmd] -contains $word) { $skip = $true; continue }
                    if ($commands[$cmd] -contains $word) { $cmd = "$cmd $word" }
                }
                if ($skip) {
                    $candidates = $values["$cmd $($before[-1])"]
                    if (-not $candidates) { return } # no fixed values: PowerShell completes paths
                } elseif ($wordToComplete -like '-*') {
                    $candidates = $options[$cmd]
                } else {
                    $candidates = @($commands[$cmd]) + @($argumentValues[$cmd]) | Where-Object { $_ }
                    if (-not $candidates) { return }
                }
                $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """);
        return s.ToString();
    }

    private static void PwshTable(StringBuilder s, string name, IEnumerable<(string Key, IEnumerable<string> Words)> rows)
    {
        s.Append("    $").Append(name).Append(" = @{\n");
        foreach (var (key, words) in rows)
        {
            s.Append("        '").Append(key).Append("' = @(").Append(string.Join(", ", Words(words).Split(' ').Select(w => $"'{w}'"))).Append(")\n");
        }

        s.Append("    }\n");
    }
}
