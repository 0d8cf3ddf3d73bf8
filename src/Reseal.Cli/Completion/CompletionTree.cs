using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;

namespace Reseal.Cli.Completion;

/// <summary>
/// One command of the tree as completion scripts need it. Read from the live <see cref="RootCommand"/> each time a
/// script is generated, so a script can never list a command or option the build does not have, nor miss one.
/// </summary>
/// <param name="Path">The words that name it, from <c>reseal</c>: "reseal unattend lint".</param>
/// <param name="Subcommands">Its visible subcommands' names.</param>
/// <param name="Options">Every name and alias of its visible options, --help and -h included.</param>
/// <param name="Valued">The names of its options that take a value (the next word is that value, not a command).</param>
/// <param name="Values">For an option name with a fixed set of values (format, profile, arch...), those values.</param>
/// <param name="ArgumentValues">Fixed values of its positional arguments, if any.</param>
/// <param name="Files">True when it takes positional arguments without a fixed set of values: files are offered too.</param>
internal sealed record CompletionNode(
    string Path,
    IReadOnlyList<string> Subcommands,
    IReadOnlyList<string> Options,
    IReadOnlyList<string> Valued,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Values,
    IReadOnlyList<string> ArgumentValues,
    bool Files);

internal static class CompletionTree
{
    /// <summary>Every visible command, parents before children, in a stable order. Hidden commands (the ones Setup runs) are left out.</summary>
    public static IReadOnlyList<CompletionNode> Read(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var nodes = new List<CompletionNode>();
        Visit(root, "reseal", [], nodes);
        return nodes;
    }

    private static void Visit(Command command, string path, IReadOnlyList<Option> inherited, List<CompletionNode> nodes)
    {
        var options = command.Options.Concat(inherited).Where(o => !o.Hidden).DistinctBy(o => o.Name).ToList();
        var names = new List<string>();
        var valued = new List<string>();
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            // Help's DOS-style spellings (-?, /?, /h) still work; offering them would only crowd the list.
            var aliases = new[] { option.Name }.Concat(option.Aliases.Order(StringComparer.Ordinal))
                .Where(a => !a.Contains('?', StringComparison.Ordinal) && !a.StartsWith('/')).ToList();
            names.AddRange(aliases);
            if (TakesValue(option))
            {
                valued.AddRange(aliases);
                var fixedValues = FixedValues(option);
                if (fixedValues.Length > 0)
                {
                    foreach (var alias in aliases)
                    {
                        values[alias] = fixedValues;
                    }
                }
            }
        }

        var subcommands = command.Subcommands.Where(c => !c.Hidden).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var argumentValues = command.Arguments.Where(a => !a.Hidden)
            .SelectMany(a => a.GetCompletions(CompletionContext.Empty).Select(c => c.Label)).Distinct(StringComparer.Ordinal).ToList();
        // Files are offered for arguments whose values are not a fixed set (answer files, hives, logs, folders).
        nodes.Add(new CompletionNode(path, [.. subcommands.Select(c => c.Name)], names, valued, values, argumentValues,
            command.Arguments.Any(a => !a.Hidden && !a.GetCompletions(CompletionContext.Empty).Any())));

        // Options marked recursive (--help) apply below too.
        var passDown = inherited.Concat(command.Options.Where(o => o.Recursive)).DistinctBy(o => o.Name).ToList();
        foreach (var sub in subcommands)
        {
            Visit(sub, path + " " + sub.Name, passDown, nodes);
        }
    }

    /// <summary>A flag (bool, or an option that takes no value: --help, --version) is followed by the next word, not its value.</summary>
    private static bool TakesValue(Option option) =>
        option is not (HelpOption or VersionOption) && option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0;

    /// <summary>
    /// The values an option accepts when they are a fixed set: its completion sources (AcceptOnlyFromAmong, an enum's
    /// names), or for <c>--format</c> the formats its help name lists ("text|json"), fewer than the enum it parses to.
    /// </summary>
    private static string[] FixedValues(Option option)
    {
        // Only an enum's help name is a list of values; a string's ("url|folder") describes what to type.
        if (option.ValueType.IsEnum && option.HelpName is { } help && help.Contains('|', StringComparison.Ordinal))
        {
            return help.Split('|');
        }

        return [.. option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).Distinct(StringComparer.Ordinal)];
    }
}
