using System.Text.RegularExpressions;
using Spectre.Console;

namespace Reseal.Cli.Tests;

/// <summary>
/// <see cref="CliContext.WriteLine(ReadOnlySpan{Styled})"/>: redirected output is written without Spectre.Console and
/// must be what Spectre prints there; on a terminal the same text comes with its colours.
/// </summary>
public partial class StyledLineTests
{
    private static readonly Styled[] Parts =
    [
        @"C:\answer [1].xml:12:4: ", new Styled("error", "red"), " ", new Styled("RU062", "bold"),
        ": a message with [brackets], [red]markup-like text[/], 100 % and a long tail " + new string('x', 300),
    ];

    private static (CliContext Context, StringWriter Out) Context(bool redirected, string? noColor = null)
    {
        var output = new StringWriter();
        var context = new CliContext(output, new StringWriter(), new StringReader(string.Empty), redirected, inputRedirected: true,
            name => name == "NO_COLOR" ? noColor : null);
        return (context, output);
    }

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [Fact]
    public void Redirected_PlainTextWrittenAsItIs_SameAsSpectrePrintsThere()
    {
        var (plain, plainOut) = Context(redirected: true);
        plain.WriteLine(Parts);
        plain.WriteLine();

        // What Spectre itself prints to redirected output for the same line, built as markup.
        var (spectre, spectreOut) = Context(redirected: true);
        spectre.Console.MarkupLine(string.Concat(Parts.Select(p =>
            p.Style is null ? Markup.Escape(p.Text) : $"[{p.Style}]{Markup.Escape(p.Text)}[/]")));
        spectre.Console.WriteLine();

        var expected = string.Concat(Parts.Select(p => p.Text)) + Environment.NewLine + Environment.NewLine;
        Assert.Equal(expected, plainOut.ToString());
        Assert.Equal(expected, spectreOut.ToString());
    }

    [Fact]
    public void Terminal_ThroughSpectre_SameTextMarkupNotInterpreted()
    {
        // Through Spectre.Console (colour where the terminal has it; a StringWriter has none, and is wrapped at 80
        // columns as a terminal of unknown width would be).
        var (context, output) = Context(redirected: false);

        context.WriteLine(Parts);

        var text = output.ToString();
        Assert.True(text.Split('\n').Length > 2, "a line of 400 characters on an 80-column console is wrapped:\n" + text);
        var withoutColour = AnsiEscape().Replace(text, string.Empty);
        static string NoSpace(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c))); // wrapping turns a space into a line break
        Assert.Equal(NoSpace(string.Concat(Parts.Select(p => p.Text))), NoSpace(withoutColour));
    }

    [Fact]
    public void NoColorOnATerminal_NoEscapes()
    {
        var (context, output) = Context(redirected: false, noColor: "1");

        context.WriteLine(new Styled("warning", "yellow"), " text");

        Assert.DoesNotMatch(AnsiEscape(), output.ToString());
        Assert.Equal("warning text", output.ToString().TrimEnd());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EmojiCodesInText_PrintedAsTheyAre(bool redirected)
    {
        var (context, output) = Context(redirected);

        context.WriteLine(@"C:\x:smile:y.xml: ", new Styled(":warning:", "yellow"), " a value of ':+1:'");

        Assert.Equal(@"C:\x:smile:y.xml: :warning: a value of ':+1:'", AnsiEscape().Replace(output.ToString(), string.Empty).TrimEnd());
    }
}
