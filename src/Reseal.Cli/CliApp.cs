using System.CommandLine;
using System.Reflection;
using Reseal.Cli.Commands;
using Reseal.Unattend.Model;

namespace Reseal.Cli;

/// <summary>Builds the command tree, runs one command line, and maps failures to the documented exit codes.</summary>
internal static class CliApp
{
    /// <summary>The product version (from the assembly's informational version, without build metadata).</summary>
    public static string Version { get; } =
        (typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>The top-level commands, each built only when needed.</summary>
    private static readonly (string Name, Func<CliContext, Command> Create)[] Commands =
    [
        ("unattend", UnattendCommands.Create),
        ("hive", HiveCommands.Create),
        ("password", CloudCommands.Password),
        ("metadata", CloudCommands.Metadata),
        ("inspect", InspectCommand.Create),
        ("seal", SealCommand.Create),
        ("diagnose", DiagnoseCommand.Create),
        ("agent", AgentCommands.Create),
        ("image", ImageCommands.Create),
        ("internal", InternalCommands.Create),
    ];

    /// <summary>
    /// The command tree. With <paramref name="only"/>, just that top-level command is built: building every command's
    /// options is most of reseal's start-up time, and a command line names one of them.
    /// </summary>
    public static RootCommand BuildRoot(CliContext context, string? only = null)
    {
        var root = new RootCommand("Reseal turns Windows machines into cloud images and brings every clone to life. This build has answer files (unattend), registry hives (hive), the password exchange (password), metadata (metadata), offline inspection (inspect), sealing (seal: an offline tree with --root from any OS, the running Windows on Windows), Sysprep log diagnosis (diagnose), agent configuration checks (agent validate) and image capture and proof (image create, image verify); see the README for what is built.");
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
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var error in parse.Errors)
            {
                context.Message($"error: {error.Message}");
            }

            var name = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse().Append(parse.CommandResult.Command)
                .Select(c => c is RootCommand ? "reseal" : c.Name));
            context.Message($"run '{name} --help' for usage");
            return ExitCodes.Usage;
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
        catch (Exception e) when (ExitCodeFor(e) is { } code)
        {
            context.Message($"error: {e.Message}");
            return code;
        }
    }

    /// <summary>The documented exit code for an expected failure; null for a bug, which is left to crash loudly.</summary>
    private static int? ExitCodeFor(Exception e) => e switch
    {
        UsageException => ExitCodes.Usage,
        AnswerFileFormatException or BadInputException or IOException or UnauthorizedAccessException => ExitCodes.BadInput,
        EnvironmentException or PlatformNotSupportedException => ExitCodes.WrongEnvironment,
        ImageFailedException => ExitCodes.Findings,
        _ => null,
    };
}
