using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Reseal.CatalogGen;

/// <summary>A heading and the Markdown under it, up to the next heading of any level.</summary>
internal sealed record PageSection(int Level, string Heading, string Body);

/// <summary>A link to another page of the reference: its text and the target file name (lower case).</summary>
internal sealed record PageLink(string Text, string Target);

/// <summary>
/// One page of the Unattended Windows Setup Reference as mirrored from MicrosoftDocs: a YAML front matter between
/// <c>---</c> lines, a <c># Title</c>, then sections under <c>##</c>/<c>###</c> headings ("Values", "Valid Configuration
/// Passes", "Parent Hierarchy", "Child Elements", "XML Example"...). Tables are Markdown pipe tables or HTML
/// <c>&lt;table&gt;</c>; links are Markdown links or HTML anchors carrying the Markdown link in <c>data-raw-source</c>.
/// Fenced code blocks (the XML examples) are kept apart so their lines are never read as headings or prose.
/// </summary>
internal sealed partial class ReferencePage
{
    private ReferencePage(string file, string title, IReadOnlyList<PageSection> sections, IReadOnlyList<string> codeBlocks, string lead)
    {
        File = file;
        Title = title;
        Sections = sections;
        CodeBlocks = codeBlocks;
        Lead = lead;
    }

    /// <summary>The file name, lower case (links between pages are matched ignoring case).</summary>
    public string File { get; }

    /// <summary>The file name without <c>.md</c>, as the page's URL ends.</summary>
    public string Stem => File[..^3];

    /// <summary>The title: the element name for setting and component pages.</summary>
    public string Title { get; }

    public IReadOnlyList<PageSection> Sections { get; }

    /// <summary>The fenced code blocks, in order.</summary>
    public IReadOnlyList<string> CodeBlocks { get; }

    /// <summary>The Markdown between the title and the first section.</summary>
    public string Lead { get; }

    /// <summary>The first section whose heading, lower case, is one of <paramref name="headings"/>.</summary>
    public PageSection? Section(params string[] headings) =>
        Sections.FirstOrDefault(s => headings.Contains(s.Heading, StringComparer.Ordinal));

    /// <summary>Everything but the code blocks and the "Related topics" and "Applies To" sections, as plain text.</summary>
    public string ProseText =>
        Plain(Lead + "\n" + string.Join("\n", Sections
            .Where(s => s.Heading is not ("related topics" or "applies to" or "xml example" or "xml examples" or "parent hierarchy"))
            .Select(s => s.Body)));

    public static ReferencePage Parse(string file, string markdown)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(markdown);
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var index = 0;
        string? frontTitle = null;
        if (lines.Length > 0 && lines[0].Trim() == "---")
        {
            index = 1;
            while (index < lines.Length && lines[index].Trim() != "---")
            {
                if (lines[index].StartsWith("title:", StringComparison.Ordinal))
                {
                    frontTitle = lines[index]["title:".Length..].Trim().Trim('\'', '"');
                }

                index++;
            }

            index++;
        }

        string? title = null;
        var sections = new List<PageSection>();
        var codeBlocks = new List<string>();
        var lead = new StringBuilder();
        var body = new StringBuilder();
        (int Level, string Heading)? current = null;
        StringBuilder? code = null;
        for (; index < lines.Length; index++)
        {
            var line = lines[index];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (code is null)
                {
                    code = new StringBuilder();
                }
                else
                {
                    codeBlocks.Add(code.ToString());
                    code = null;
                }

                continue;
            }

            if (code is not null)
            {
                code.Append(line).Append('\n');
                continue;
            }

            var heading = Heading().Match(line);
            if (heading.Success)
            {
                var level = heading.Groups[1].Length;
                var text = Plain(heading.Groups[2].Value).Trim();
                if (level == 1 && title is null)
                {
                    title = text;
                    continue;
                }

                if (current is { } open)
                {
                    sections.Add(new PageSection(open.Level, open.Heading, body.ToString()));
                }

                body.Clear();
                current = (level, text.ToLowerInvariant());
                continue;
            }

            (current is null ? lead : body).Append(line).Append('\n');
        }

        if (current is { } last)
        {
            sections.Add(new PageSection(last.Level, last.Heading, body.ToString()));
        }

        // A few pages have no "# Title" line: the first line of text names the element, or the front matter does.
        title ??= lead.ToString().Split('\n').Select(l => Plain(l).Trim()).FirstOrDefault(l => l.Length > 0 && !l.Contains(' ', StringComparison.Ordinal))
            ?? frontTitle ?? string.Empty;
        return new ReferencePage(file.ToLowerInvariant(), Unescape(title).Trim('`', ' '), sections, codeBlocks, lead.ToString());
    }

    /// <summary>Links to other <c>.md</c> pages in <paramref name="markdown"/>, in order.</summary>
    public static IReadOnlyList<PageLink> Links(string markdown)
    {
        var links = new List<PageLink>();
        foreach (Match match in LinkPattern().Matches(markdown))
        {
            var html = match.Groups["htarget"].Success;
            var target = (html ? match.Groups["htarget"] : match.Groups["mtarget"]).Value.Trim();
            var text = (html ? match.Groups["htext"] : match.Groups["mtext"]).Value;
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            target = hash >= 0 ? target[..hash] : target;
            if (target.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !target.Contains('/', StringComparison.Ordinal))
            {
                links.Add(new PageLink(Plain(text).Trim().Trim('`', ' '), target.ToLowerInvariant()));
            }
        }

        return links;
    }

    /// <summary>The rows of every table in <paramref name="markdown"/>, each row its raw cells (HTML or Markdown).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> TableRows(string markdown)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (Match row in HtmlRow().Matches(markdown))
        {
            var cells = HtmlCell().Matches(row.Groups[1].Value).Select(c => c.Groups[1].Value).ToList();
            if (cells.Count > 0 && !row.Value.Contains("<th", StringComparison.OrdinalIgnoreCase))
            {
                rows.Add(cells);
            }
        }

        foreach (var line in markdown.Split('\n'))
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith('|') || PipeSeparator().IsMatch(trimmed))
            {
                continue;
            }

            var cells = trimmed.Trim('|').Split('|').Select(c => c.Trim()).ToList();
            rows.Add(cells);
        }

        return rows;
    }

    /// <summary>Markdown or HTML as plain text: tags, link targets, emphasis and escapes removed, entities decoded.</summary>
    public static string Plain(string markdown)
    {
        var text = MarkdownLink().Replace(markdown, "$1");
        text = Tag().Replace(text, " ");
        text = WebUtility.HtmlDecode(text);
        // An escaped backtick (\`) is a character of the text (ComputerName's forbidden list); the others mark code.
        text = text.Replace("\\`", "\u0001", StringComparison.Ordinal);
        text = text.Replace("**", string.Empty, StringComparison.Ordinal).Replace("`", string.Empty, StringComparison.Ordinal);
        text = Note().Replace(text, " ");
        text = Unescape(text).Replace('\u0001', '`');
        return Spaces().Replace(text, " ");
    }

    /// <summary>Markdown backslash escapes removed (<c>\_</c> → <c>_</c>).</summary>
    public static string Unescape(string text) => MarkdownEscape().Replace(text, "$1");

    [GeneratedRegex(@"^(#{1,4})\s+(.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[([^\]]*)\]\(([^)\s]*)\)")]
    private static partial Regex MarkdownLink();

    // An HTML anchor (which may carry the Markdown link again in data-raw-source) or a Markdown link.
    [GeneratedRegex(@"<a\s[^>]*?href=""(?<htarget>[^""]*)""[^>]*>(?<htext>.*?)</a>|\[(?<mtext>[^\]]*)\]\((?<mtarget>[^)\s]*)\)", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex HtmlRow();

    [GeneratedRegex(@"<t[dh][^>]*>(.*?)</t[dh]>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex HtmlCell();

    [GeneratedRegex(@"^\|?\s*:?-{2,}")]
    private static partial Regex PipeSeparator();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@">?\s*\[!(Note|Important|Warning|Tip|Caution)\]", RegexOptions.IgnoreCase)]
    private static partial Regex Note();

    [GeneratedRegex(@"\\([\\`*_{}\[\]()#+\-.!<>|&])")]
    private static partial Regex MarkdownEscape();

    [GeneratedRegex(@"[ \t\u00a0]+")]
    private static partial Regex Spaces();
}
