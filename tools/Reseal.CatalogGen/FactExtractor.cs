using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;

namespace Reseal.CatalogGen;

/// <summary>
/// Reads the facts each page states about its element: valid passes, value type, allowed values, ranges, length
/// limits, whether an empty element is allowed, forbidden characters, list keys (from the XML examples), and
/// deprecation or removal with the Windows version when the page names one. Only explicit statements count; a page
/// that says nothing about an aspect leaves it unset, and the linter leaves it unchecked.
/// </summary>
internal static partial class FactExtractor
{
    private static readonly string[] ValueSections = ["values", "value"];

    /// <summary>The build a deprecation note without a version refers to: the reference documents Windows 10 and Server 2016.</summary>
    public const int UnversionedNote = 0;

    public static void Apply(ReferenceTree tree, IReadOnlyCollection<ReferencePage> pages, List<string> notes)
    {
        var examples = new ExampleShapes();
        foreach (var page in pages)
        {
            foreach (var code in page.CodeBlocks)
            {
                examples.Add(code);
            }
        }

        foreach (var node in tree.AllNodes.ToList())
        {
            if (node.Page is { } page)
            {
                node.Passes = ParsePasses(page);
                ReadValueFacts(node, page);
                ReadLifecycle(node, page);
            }
        }

        foreach (var component in tree.Components.Values)
        {
            Shape(component, examples, notes);
            var passes = ReferenceTree.Descendants(component).Where(n => n.Passes is not null).SelectMany(n => n.Passes!).ToHashSet();
            component.Passes = passes.Count > 0 ? new SortedSet<ConfigurationPass>(passes.Concat(component.Passes ?? [])) : component.Passes;
        }
    }

    /// <summary>The passes listed one per line under "Valid Configuration Passes" (notes below the list are ignored).</summary>
    public static SortedSet<ConfigurationPass>? ParsePasses(ReferencePage page)
    {
        var section = page.Section("valid configuration passes");
        if (section is null)
        {
            return null;
        }

        var passes = new SortedSet<ConfigurationPass>();
        foreach (var line in section.Body.Split('\n'))
        {
            var word = ReferencePage.Plain(line).Trim().TrimStart('*', '-', ' ').Trim();
            var pass = ConfigurationPasses.All.Cast<ConfigurationPass?>()
                .FirstOrDefault(p => string.Equals(p!.Value.ToXmlName(), word, StringComparison.OrdinalIgnoreCase));
            if (pass is { } found)
            {
                passes.Add(found);
            }
        }

        return passes.Count > 0 ? passes : null;
    }

    /// <summary>Decides group, list, item, value or open from the child pages and the XML examples.</summary>
    private static void Shape(CatalogNode node, ExampleShapes examples, List<string> notes)
    {
        foreach (var child in node.Children.ToList())
        {
            Shape(child, examples, notes);
        }

        if (node.Kind == NodeKind.Component || node.Page is null)
        {
            if (node.Page is null && node.Kind != NodeKind.Component)
            {
                node.Kind = NodeKind.Open;
            }

            return;
        }

        var items = node.Children.Where(c => examples.Find(node.Name, c.Name)?.HasAction == true).ToList();
        foreach (var item in items)
        {
            MakeItem(item, examples.Find(node.Name, item.Name)!);
        }

        if (items.Count > 0)
        {
            // A list holds only items; a group may hold items beside plain settings (DiskConfiguration: Disk items and WillShowUI).
            node.Kind = items.Count == node.Children.Count ? NodeKind.List : NodeKind.Group;
            return;
        }

        if (node.Children.Count > 0)
        {
            node.Kind = node.Kind == NodeKind.Item ? NodeKind.Item : NodeKind.Group;
            return;
        }

        var shape = examples.Find(node.Parent?.Name ?? string.Empty, node.Name);
        node.Kind = shape is { HasChildren: true, HasText: false } ? NodeKind.Open : NodeKind.Value;
    }

    /// <summary>
    /// An item written <c>&lt;Item wcm:action="add" wcm:keyValue="1"&gt;</c> is keyed by the attribute: its "Key" page
    /// describes the attribute, and when the item holds text its "Value" page describes that text.
    /// </summary>
    private static void MakeItem(CatalogNode item, ElementShape shape)
    {
        item.Kind = NodeKind.Item;
        if (shape.HasKeyValue)
        {
            item.Key = "@keyValue";
            item.Children.RemoveAll(c => c.Name == "Key");
            if (item.Child("Value") is { } value && shape.HasText)
            {
                CopyValueFacts(value, item);
                item.Children.Remove(value);
            }
        }
        else
        {
            item.Key = item.Children.FirstOrDefault(c => c.Page is not null && SaysUnique(c))?.Name;
        }
    }

    private static void CopyValueFacts(CatalogNode from, CatalogNode to)
    {
        to.Type = from.Type;
        to.Min = from.Min;
        to.Max = from.Max;
        to.MaxLength = from.MaxLength;
        to.MaxBytes = from.MaxBytes;
        to.AllowEmpty = from.AllowEmpty ?? to.AllowEmpty;
        to.Values.AddRange(from.Values);
        to.Forbidden = from.Forbidden;
    }

    /// <summary>A key child says so of itself: "Order specifies a unique value for each command", "Identifier is a unique integer".</summary>
    private static bool SaysUnique(CatalogNode child)
    {
        var page = child.Page!;
        var first = FactExtractor.Sentences(ReferencePage.Plain(page.Lead)).FirstOrDefault() ?? string.Empty;
        var values = page.Section(ValueSections) is { } section ? ReferencePage.Plain(section.Body) : string.Empty;
        var self = new Regex(@"\b" + Regex.Escape(child.Name) + @"\b (specifies|contains|is) (a |an |the )?unique\b", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        return self.IsMatch(first) || self.IsMatch(values);
    }

    /// <summary>Type, allowed values, range, length and empty-element facts.</summary>
    private static void ReadValueFacts(CatalogNode node, ReferencePage page)
    {
        var valuesBody = page.Section(ValueSections)?.Body ?? string.Empty;
        var own = OwnText(page);
        var statement = ReferencePage.Plain(valuesBody) + " " + own;

        if (statement.Contains("does not support empty elements", StringComparison.OrdinalIgnoreCase))
        {
            node.AllowEmpty = false;
        }
        else if (statement.Contains("supports empty elements", StringComparison.OrdinalIgnoreCase))
        {
            node.AllowEmpty = true;
        }

        var declared = page.Section("type") is { } typeSection ? ReferencePage.Plain(typeSection.Body).Trim() : null;
        var literals = Literals(valuesBody);
        if (literals is not null && literals.All(v => v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase)))
        {
            node.Type = ValueType.Boolean;
        }
        else if (literals is not null)
        {
            node.Type = ValueType.Choice;
            node.Values.AddRange(literals);
        }
        else if (string.Equals(declared, "Boolean", StringComparison.OrdinalIgnoreCase))
        {
            node.Type = ValueType.Boolean;
        }
        else if (Integer().IsMatch(statement))
        {
            node.Type = ValueType.Integer;
            var range = Range().Match(statement);
            if (range.Success)
            {
                node.Min = Number(range.Groups["min"].Value);
                node.Max = Number(range.Groups["max"].Value);
            }
        }
        else if (Text().IsMatch(statement) || string.Equals(declared, "String", StringComparison.OrdinalIgnoreCase))
        {
            node.Type = ValueType.Text;
        }

        if (node.Type is ValueType.Text or ValueType.Any)
        {
            var length = MaxLength().Match(statement);
            if (length.Success)
            {
                var count = (int)Number(length.Groups["count"].Value);
                if (length.Groups["unit"].Value.StartsWith("byte", StringComparison.OrdinalIgnoreCase))
                {
                    node.MaxBytes = count;
                }
                else
                {
                    node.MaxLength = count;
                }

                node.Type = ValueType.Text;
            }
        }

        node.Forbidden = ForbiddenCharacters(statement);
        if (statement.Contains("language-tagging conventions of RFC 3066", StringComparison.Ordinal))
        {
            node.Extra["format"] = "languageTag";
        }
        else if (statement.Contains("0409:00000409", StringComparison.Ordinal) && statement.Contains("separated by semicolons", StringComparison.Ordinal))
        {
            node.Extra["format"] = "inputLocale";
        }

        if (ProductKeyForm().IsMatch(statement))
        {
            node.Extra["format"] = "productKey";
        }

        if (ExactLength().Match(statement) is { Success: true } exact)
        {
            node.Extra["length"] = exact.Groups[1].Value;
            node.Type = ValueType.Text;
        }

        var reserved = Reserved().Matches(statement).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        if (reserved.Count > 0)
        {
            node.Extra["reserved"] = string.Join('|', reserved);
        }
    }

    /// <summary>
    /// The literal values of a "Values" table: at least two rows, every first cell a literal (plain or bold, not an
    /// italic placeholder such as <c>*Order*</c> or <c>&lt;em&gt;Time_zone&lt;/em&gt;</c>). Null when the table is not such a list.
    /// </summary>
    public static IReadOnlyList<string>? Literals(string valuesBody)
    {
        var values = new List<string>();
        foreach (var row in ReferencePage.TableRows(valuesBody))
        {
            var raw = row[0].Trim();
            var token = ReferencePage.Plain(raw).Trim();
            if (token.Length == 0 || token is "Value" or "Setting" or "Description" or "Values")
            {
                continue;
            }

            if (raw.Contains("<em>", StringComparison.OrdinalIgnoreCase) || Italic().IsMatch(raw) || !LiteralToken().IsMatch(token))
            {
                return null;
            }

            values.Add(token);
        }

        return values.Count >= 2 ? values.Distinct(StringComparer.Ordinal).ToList() : null;
    }

    /// <summary>The characters a page forbids: "cannot use ... the following characters: { | } ~ ..." or "...: "/[]:|&lt;&gt;+=;,?*%@".</summary>
    public static string? ForbiddenCharacters(string statement)
    {
        var match = Following().Match(statement);
        if (!match.Success)
        {
            return null;
        }

        var list = WebUtility.HtmlDecode(WebUtility.HtmlDecode(match.Groups["list"].Value)).Trim();
        var cut = list.IndexOf(", or contain", StringComparison.Ordinal);
        list = cut >= 0 ? list[..cut] : list;
        var characters = new SortedSet<char>();
        var tokens = list.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length > 0 && tokens[0].Length > 1)
        {
            // A run written without spaces: every character of the first word.
            characters.UnionWith(tokens[0]);
        }
        else
        {
            foreach (var token in tokens)
            {
                if (token.Length != 1)
                {
                    break;
                }

                characters.Add(token[0]);
            }
        }

        if (match.Groups["spaces"].Success || statement.Contains("or contain any spaces", StringComparison.Ordinal))
        {
            characters.Add(' ');
        }

        return characters.Count > 0 ? string.Concat(characters) : null;
    }

    /// <summary>Deprecation and removal the page states about its own element, with the version when it names one.</summary>
    private static void ReadLifecycle(CatalogNode node, ReferencePage page)
    {
        foreach (var sentence in Sentences(OwnText(page)))
        {
            var version = VersionIn(sentence);
            if (RemovedSentence().IsMatch(sentence))
            {
                node.Removed = Earliest(node.Removed, version ?? UnversionedNote);
            }
            else if (DeprecatedSentence().IsMatch(sentence) || UnsupportedSentence().IsMatch(sentence))
            {
                node.Deprecated = Earliest(node.Deprecated, version ?? UnversionedNote);
            }
        }
    }

    /// <summary>
    /// The page's own prose: lead, notes, values, and what follows the table of child elements ("This string type does
    /// not support empty elements" sits there on list pages); tables, whose rows describe children, are left out.
    /// </summary>
    private static string OwnText(ReferencePage page)
    {
        var parts = new List<string> { page.Lead };
        parts.AddRange(page.Sections
            .Where(s => s.Heading is not ("related topics" or "applies to" or "xml example" or "xml examples"
                or "parent hierarchy" or "valid configuration passes"))
            .Select(s => s.Body));
        var text = string.Join("\n", parts);
        text = HtmlTable().Replace(text, " ");
        text = string.Join("\n", text.Split('\n').Where(l => !l.TrimStart().StartsWith('|')));
        return ReferencePage.Plain(text);
    }

    public static IEnumerable<string> Sentences(string text) =>
        SentenceEnd().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>The first Windows release a sentence names, as a build number.</summary>
    public static int? VersionIn(string sentence)
    {
        var match = Version().Match(sentence);
        if (!match.Success)
        {
            return null;
        }

        if (match.Groups["w10version"].Success)
        {
            return WindowsRelease.Windows10VersionBuild(match.Groups["w10version"].Value);
        }

        return match.Groups["name"].Value.Replace("  ", " ", StringComparison.Ordinal) switch
        {
            "8.1" or "Server 2012 R2" => 9600,
            "8" or "Server 2012" => 9200,
            "10" => 10240,
            "Server 2016" => 14393,
            "Server 2019" => 17763,
            "7" or "Server 2008 R2" => 7601,
            _ => null,
        };
    }

    public static int Earliest(int? current, int candidate) => current is { } c && c != UnversionedNote && (candidate == UnversionedNote || c < candidate) ? c : candidate;

    private static long Number(string text) => long.Parse(text.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\b(is|as) an? (unsigned |whole )?integer\b|\binteger (value|between|from)\b|\bis an int\b", RegexOptions.IgnoreCase)]
    private static partial Regex Integer();

    [GeneratedRegex(@"(?:between\s+(?<min>-?\d[\d,]*)\s+and\s+(?<max>-?\d[\d,]*))|(?:from\s+(?<min>-?\d[\d,]*)(?:\s*\([^)]*\))?\s+(?:through|to)\s+(?<max>-?\d[\d,]*))|(?:(?<min>-?\d+)\s*[-–]\s*(?<max>-?\d+),\s*inclusive)", RegexOptions.IgnoreCase)]
    private static partial Regex Range();

    [GeneratedRegex(@"\bis a string\b|\bstring type\b|\bis a string value\b", RegexOptions.IgnoreCase)]
    private static partial Regex Text();

    [GeneratedRegex(@"maximum (?:length|value) of (?<count>\d[\d,]*) (?<unit>characters|bytes)", RegexOptions.IgnoreCase)]
    private static partial Regex MaxLength();

    [GeneratedRegex(@"^\*[^*].*\*$|^_[^_].*_$")]
    private static partial Regex Italic();

    [GeneratedRegex(@"^(-?\d+|[A-Za-z][A-Za-z0-9_.:+-]*)$")]
    private static partial Regex LiteralToken();

    [GeneratedRegex(@"(?:cannot use|do not use)(?<spaces> spaces or)? (?:any of )?the following characters:\s*(?<list>[^\n]*)", RegexOptions.IgnoreCase)]
    private static partial Regex Following();

    [GeneratedRegex(@"\bx{5}-x{5}-x{5}-x{5}-x{5}\b", RegexOptions.IgnoreCase)]
    private static partial Regex ProductKeyForm();

    [GeneratedRegex(@"\bis an? (\d+)-character string\b", RegexOptions.IgnoreCase)]
    private static partial Regex ExactLength();

    [GeneratedRegex(@"Do not use the name ""([A-Za-z0-9_]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Reserved();

    [GeneratedRegex(@"<table.*?</table>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex HtmlTable();

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z>*])|\n")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\bthis (setting|component) (is|has been) (now )?removed\b|\bremoved from unattend\b", RegexOptions.IgnoreCase)]
    private static partial Regex RemovedSentence();

    [GeneratedRegex(@"\bthis (setting|component) (is|has been) (now )?deprecated\b|\bthis setting and other \w+ settings are deprecated\b|\bthe \w+ settings are deprecated\b", RegexOptions.IgnoreCase)]
    private static partial Regex DeprecatedSentence();

    [GeneratedRegex(@"^(>\s*)?(this setting is|these settings are) not supported\.?$", RegexOptions.IgnoreCase)]
    private static partial Regex UnsupportedSentence();

    [GeneratedRegex(@"Windows (?:10,? version (?<w10version>\d{4})|(?<name>Server 2008 R2|Server 2012 R2|Server 2012|Server 2016|Server 2019|8\.1|8|10|7)\b)")]
    private static partial Regex Version();
}
