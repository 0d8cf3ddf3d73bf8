using System.CommandLine;

namespace Reseal.Cli;

/// <summary>How a command prints its data.</summary>
internal enum OutputFormat
{
    Text,
    Json,
    Sarif,

    /// <summary>YAML (agent-config.yml as written).</summary>
    Yaml,
}

internal static class FormatOption
{
    /// <summary>A <c>--format</c> option limited to the formats a command supports.</summary>
    public static Option<OutputFormat> Create(params OutputFormat[] supported)
    {
        var names = supported.Select(f => f.ToString().ToLowerInvariant()).ToArray();
        var option = new Option<OutputFormat>("--format", "-f")
        {
            Description = $"Output format: {string.Join(", ", names)}. JSON goes to standard output, messages to standard error.",
            DefaultValueFactory = _ => OutputFormat.Text,
            HelpName = string.Join("|", names),
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "text";
                var match = supported.FirstOrDefault(f => string.Equals(f.ToString(), token, StringComparison.OrdinalIgnoreCase), (OutputFormat)(-1));
                if ((int)match < 0)
                {
                    result.AddError($"'{token}' is not a format for this command; use one of {string.Join(", ", names)}");
                    return OutputFormat.Text;
                }

                return match;
            },
        };
        return option;
    }
}

internal static class PathArgument
{
    /// <summary>
    /// Rejects tokens that look like options. System.CommandLine hands an unknown <c>--option</c> to a path argument
    /// as if it were a file name, which would turn a typo into "file not found" (exit 3) instead of a usage error (exit 2).
    /// </summary>
    public static TArgument RejectOptionLikeTokens<TArgument>(this TArgument argument)
        where TArgument : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                {
                    result.AddError($"unknown option '{token.Value}'");
                }
            }
        });
        return argument;
    }
}
