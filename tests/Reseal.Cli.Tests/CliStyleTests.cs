using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// The option naming rules of docs/cli-style.md, checked over the whole command tree, so a new command that breaks
/// one fails here rather than in a user's pipeline.
/// </summary>
public partial class CliStyleTests
{
    /// <summary>Long names whose short form is deliberately absent in some commands, with the reason.</summary>
    private static readonly Dictionary<(string Command, string Option), string> Exceptions = new()
    {
        [("reseal image create", "--profile")] = "an AWS named profile, as the AWS CLI spells it; -p is the answer-file profile elsewhere",
        [("reseal image verify", "--profile")] = "an AWS named profile, as the AWS CLI spells it; -p is the answer-file profile elsewhere",
    };

    private static IEnumerable<(string Path, Command Command)> VisibleCommands() =>
        CliRunner.AllCommands().Where(c => !c.Hidden && !HasHiddenParent(c)).Select(c => (CliApp.CommandPath(c), c));

    private static bool HasHiddenParent(Command command)
    {
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            if (parent.Hidden)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<(string Path, Option Option)> VisibleOptions() =>
        VisibleCommands().SelectMany(c => c.Command.Options.Where(o => !o.Hidden && o is not (HelpOption or VersionOption)).Select(o => (c.Path, o)));

    private static string? Short(Option option) => option.Aliases.SingleOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));

    [GeneratedRegex("^--[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex LongName();

    [GeneratedRegex("^-[a-z]$")]
    private static partial Regex ShortName();

    [Fact]
    public void Options_NamesAreKebabCaseWithAtMostOneOneLetterShortName()
    {
        foreach (var (path, option) in VisibleOptions())
        {
            Assert.Matches(LongName(), option.Name);
            var shorts = option.Aliases.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
            Assert.True(shorts.Count <= 1, $"{path} {option.Name} has several short names: {string.Join(", ", shorts)}");
            Assert.All(shorts, s => Assert.Matches(ShortName(), s));
            Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{path} {option.Name} has no description");
        }
    }

    [Fact]
    public void ShortNames_MeanOneThingAcrossCommands()
    {
        var meanings = VisibleOptions().Where(o => Short(o.Option) is not null)
            .GroupBy(o => Short(o.Option)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(o => o.Option.Name).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        foreach (var (shortName, longNames) in meanings)
        {
            Assert.True(longNames.Count == 1, $"{shortName} stands for {string.Join(" and ", longNames)}");
        }
    }

    [Fact]
    public void LongNames_WithAShortNameSomewhere_HaveItEverywhere()
    {
        var withShort = VisibleOptions().Where(o => Short(o.Option) is not null).Select(o => o.Option.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var (path, option) in VisibleOptions().Where(o => withShort.Contains(o.Option.Name) && Short(o.Option) is null))
        {
            Assert.True(Exceptions.ContainsKey((path, option.Name)), $"{path} {option.Name} lacks the short name it has in other commands");
        }
    }

    [Fact]
    public void FormatOutputAndRoot_AreSpelledTheSameEverywhere()
    {
        var options = VisibleOptions().ToList();

        // --format is -f and lists its formats (text|json...) in its help.
        Assert.All(options.Where(o => o.Option.Name == "--format"), o =>
        {
            Assert.Equal("-f", Short(o.Option));
            Assert.Contains("|", o.Option.HelpName ?? string.Empty, StringComparison.Ordinal);
        });
        // A file a command writes is --output/-o; an offline Windows tree is --root/-r.
        Assert.All(options.Where(o => o.Option.Name == "--output"), o => Assert.Equal("-o", Short(o.Option)));
        Assert.All(options.Where(o => o.Option.Name == "--root"), o => Assert.Equal("-r", Short(o.Option)));
        string[] banned = ["--out", "--outfile", "--output-file", "--dest", "--destination", "--tree", "--dir", "--windows-root", "--fmt", "--json"];
        Assert.DoesNotContain(options, o => banned.Contains(o.Option.Name));
    }

    [Fact]
    public void Docs_ShortNameTableMatchesTheTree()
    {
        var docs = File.ReadAllText(Path.Combine(PublishedBuild.RepositoryRoot, "docs", "cli-style.md"));
        var documented = ShortRow().Matches(docs).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToHashSet();
        var actual = VisibleOptions().Where(o => Short(o.Option) is not null).Select(o => (Short(o.Option)!, o.Option.Name)).ToHashSet();

        Assert.Equal(actual.Order(), documented.Order());
    }

    [GeneratedRegex(@"^\| `(-[a-z])` \| `(--[a-z0-9-]+)` \|", RegexOptions.Multiline)]
    private static partial Regex ShortRow();
}
