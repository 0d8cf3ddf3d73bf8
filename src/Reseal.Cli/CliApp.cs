using System.CommandLine;
using Reseal.Cli.Commands;

namespace Reseal.Cli;

/// <summary>Builds the command tree, runs one command line, and maps failures to the documented exit codes.</summary>
internal static class CliApp
{
    /// <summary>The product version (Directory.Build.props' Version, a constant generated at build time: no reflection at start).</summary>
    public const string Version = ProductVersion.Value;

    /// <summary>The top-level commands, each built only when needed.</summary>
    private static readonly (string Name, Func<CliContext, Command> Create)[] Commands =
    [
        ("unattend", UnattendCommands.Create),
        ("hive", HiveCommands.Create),
        ("password", CloudCommands.Password),
        ("metadata", CloudCommands.Metadata),
        ("inspect", InspectCommand.Create),
        ("seal", SealCommand.Create),
        ("settings", SettingsCommand.Create),
        ("diagnose", DiagnoseCommand.Create),
        ("agent", AgentCommands.Create),
        ("image", ImageCommands.Create),
        ("internal", InternalCommands.Create),
        ("version", VersionCommand.Create),
        ("completion", Completion.CompletionCommand.Create),
    ];

    /// <summary>
    /// The command tree. With <paramref name="only"/>, just that top-level command is built: building every command's
    /// options is most of reseal's start-up time, and a command line names one of them.
    /// </summary>
    public static RootCommand BuildRoot(CliContext context, string? only = null)
    {
        var root = new RootCommand("Reseal turns Windows machines into cloud images and brings every clone to life. This build has answer files (unattend), registry hives (hive), the password exchange (password), metadata (metadata), offline inspection (inspect), sealing (seal: an offline tree with --root from any OS, the running Windows on Windows), the agent's settings in a terminal UI (settings), Sysprep log diagnosis (diagnose), agent configuration checks (agent validate) and image capture and proof (image create, image verify); see the README for what is built.");
        foreach (var (name, create) in Commands)
        {
            if (only is null || only == name)
            {
                root.Subcommands.Add(create(context));
            }
        }

        return root;
    }

    public static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        // Pipelines ask `reseal --version` thousands of times: answer before building any command or parser.
        if (args is ["--version"])
        {
            context.Out.WriteLine(Version);
            return ExitCodes.Success;
        }

        var first = args.Length > 0 ? args[0] : null;
        // A command line that names a command needs only that one.
        var only = Array.Exists(Commands, c => c.Name == first) ? first : null;
        var root = BuildRoot(context, only);
        // Plain `reseal` is a question ("what can this do?"): the top-level help, exit 0.
        root.SetAction(parse => ShowHelp(parse));
        var parse = root.Parse(args);
        // --help clears parse errors, so `reseal nosuch --help` would print the top-level help and exit 0; a word nobody
        // recognised is still a usage error, whatever else the line asks for.
        if (parse.UnmatchedTokens.Count > 0 || (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true }))
        {
            return UsageError(parse, context);
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
                // After Ctrl-C, image verify still terminates its clone: give that call time before the process is ended.
                ProcessTerminationTimeout = only == "image" ? ImageCommands.TerminationGrace : TimeSpan.FromSeconds(2),
            });
        }
        catch (Exception e) when (DomainErrors.ExitCodeFor(e) is { } code)
        {
            context.Message($"error: {e.Message}");
            return code;
        }
        catch (OperationCanceledException e) when (e.InnerException is not TimeoutException)
        {
            context.Message("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            return Bug(e, context);
        }
    }

    /// <summary>
    /// An exception no command expects is a bug in reseal, not the user's fault: one plain line says so, and the details a
    /// bug report needs (exception and stack) follow on standard error only, so standard output never carries a trace
    /// and a pipeline reading JSON from it sees none.
    /// </summary>
    private static int Bug(Exception e, CliContext context)
    {
        context.Message($"internal error: {FirstLine(e.Message)}");
        context.Message("this is a bug in reseal, not a problem with your input; please report it with the details below (written to standard error only)");
        context.Error.WriteLine(e.ToString());
        return ExitCodes.InternalError;
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    private static int ShowHelp(ParseResult parse)
    {
        var help = parse.RootCommandResult.Command.Options.OfType<System.CommandLine.Help.HelpOption>().First();
        return help.Action is System.CommandLine.Invocation.SynchronousCommandLineAction action ? action.Invoke(parse) : ExitCodes.Success;
    }

    private static int UsageError(ParseResult parse, CliContext context)
    {
        // With unrecognised words, only the errors naming them: "Required command was not provided" beside
        // "Unrecognized command or argument 'x'" only repeats the problem.
        var unmatched = parse.UnmatchedTokens;
        var errors = parse.Errors.Where(e => unmatched.Count == 0 || unmatched.Any(t => e.Message.Contains(t, StringComparison.Ordinal))).ToList();
        foreach (var error in errors.Count > 0 ? errors : [.. parse.Errors])
        {
            context.Message($"error: {Friendly(error.Message)}");
        }

        if (errors.Count == 0)
        {
            // --help cleared the parser's own errors: name the words ourselves.
            foreach (var token in unmatched)
            {
                context.Message($"error: unknown command or option '{token}'");
            }
        }

        context.Message($"run '{CommandPath(parse.CommandResult.Command)} --help' for usage");
        return ExitCodes.Usage;
    }

    /// <summary>
    /// The parser's messages in the user's terms: System.CommandLine names the .NET type a value failed to convert to
    /// ("as expected type 'System.Int32'") and lists allowed values on tab-indented lines; say "a whole number" and keep
    /// one line per error.
    /// </summary>
    internal static string Friendly(string message)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(message, @"'System\.(?:Nullable`1\[)?([A-Za-z0-9.]+)\]?'", m => m.Groups[1].Value switch
        {
            "Int32" or "Int64" or "Int16" or "UInt32" or "UInt64" or "Byte" => "a whole number",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            "TimeSpan" => "a duration",
            _ => "a valid value",
        }, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s*[\r\n]+\s*", " ", System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>The words that name <paramref name="command"/>, from <c>reseal</c> down (Parents holds only the direct parent).</summary>
    internal static string CommandPath(Command command)
    {
        var words = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            words.Insert(0, c is RootCommand ? "reseal" : c.Name);
        }

        return string.Join(' ', words);
    }
}
