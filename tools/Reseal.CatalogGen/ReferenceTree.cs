using System.Text.RegularExpressions;

namespace Reseal.CatalogGen;

/// <summary>
/// Builds the component/setting tree from the pages. Each page names its parent twice: in its "Parent Hierarchy" line
/// (links to the ancestors' pages, then the element in bold) and by being linked from its parent's "Child Elements" or
/// "In This Section" table. The two disagree on a few pages (copied hierarchy lines), so the parent whose path matches
/// the page's file name (which the docs derive from the path) wins; the components are those the "Components" page lists.
/// </summary>
internal sealed partial class ReferenceTree
{
    private static readonly string[] ChildSections = ["child elements", "child element", "in this section"];

    private readonly Dictionary<string, ReferencePage> _pages;
    private readonly Dictionary<string, CatalogNode> _byFile = new(StringComparer.Ordinal);

    public ReferenceTree(IReadOnlyDictionary<string, ReferencePage> pages)
    {
        _pages = new Dictionary<string, ReferencePage>(pages, StringComparer.Ordinal);
    }

    /// <summary>Top-level nodes, by component name.</summary>
    public SortedDictionary<string, CatalogNode> Components { get; } = new(StringComparer.Ordinal);

    /// <summary>Things that looked wrong while building, for the generator's report.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The node a page describes.</summary>
    public CatalogNode? NodeOf(string file) => _byFile.GetValueOrDefault(file.ToLowerInvariant());

    public IEnumerable<CatalogNode> AllNodes => Components.Values.SelectMany(Descendants);

    public static IEnumerable<CatalogNode> Descendants(CatalogNode node)
    {
        yield return node;
        foreach (var child in node.Children)
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    public void Build()
    {
        var index = _pages.GetValueOrDefault("components-b-unattend.md")
            ?? throw new InvalidDataException("components-b-unattend.md (the list of components) is missing from the reference");
        var componentNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var link in ReferencePage.Links(index.Section("in this section")?.Body ?? string.Empty))
        {
            if (_pages.TryGetValue(link.Target, out var page) && ComponentTitle(page, link.Text) is { } name)
            {
                componentNames.TryAdd(link.Target, name);
            }
        }

        var settingPages = _pages.Values.Where(IsSettingOrComponentPage).ToList();

        // Some component pages are missing from the list (KeyboardFilterService): a page with no parent link whose
        // title is a component name is a component too.
        foreach (var page in settingPages.Where(p => !componentNames.ContainsKey(p.File) && p.Section("parent hierarchy") is null))
        {
            if (ComponentTitle(page, null) is { } name && name.Contains('-', StringComparison.Ordinal))
            {
                componentNames.Add(page.File, name);
            }
        }

        // Who lists whom as a child, with the link text (the element name as the parent page writes it).
        var listedBy = new Dictionary<string, List<(string Parent, string Text)>>(StringComparer.Ordinal);
        foreach (var page in settingPages)
        {
            foreach (var section in page.Sections.Where(s => ChildSections.Contains(s.Heading)))
            {
                foreach (var link in ReferencePage.Links(section.Body))
                {
                    if (link.Target != page.File && _pages.ContainsKey(link.Target))
                    {
                        if (!listedBy.TryGetValue(link.Target, out var parents))
                        {
                            listedBy[link.Target] = parents = [];
                        }

                        parents.Add((page.File, link.Text));
                    }
                }
            }
        }

        foreach (var (file, name) in componentNames)
        {
            var node = new CatalogNode(name, _pages[file], null) { Kind = NodeKind.Component };
            _byFile[file] = node;
            if (!Components.TryAdd(name, node))
            {
                Notes.Add($"component {name} is listed twice");
            }
        }

        // Resolve parents, then attach children in a deterministic order.
        var parentOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var page in settingPages.Where(p => !componentNames.ContainsKey(p.File)))
        {
            var candidates = new List<string>();
            var hierarchy = page.Section("parent hierarchy")?.Body;
            if (hierarchy is not null)
            {
                var links = ReferencePage.Links(hierarchy).Where(l => l.Target != page.File && _pages.ContainsKey(l.Target)).ToList();
                if (links.Count > 0)
                {
                    candidates.Add(links[^1].Target);
                }
            }

            candidates.AddRange(listedBy.GetValueOrDefault(page.File)?.Select(p => p.Parent) ?? []);
            candidates = [.. candidates.Distinct()];
            // The candidate whose file name is the longest prefix of this page's file name: file names spell the path.
            var chosen = candidates.Where(c => page.Stem.StartsWith(_pages[c].Stem + "-", StringComparison.Ordinal))
                .OrderByDescending(c => _pages[c].Stem.Length).FirstOrDefault()
                ?? candidates.FirstOrDefault();
            if (chosen is null)
            {
                Notes.Add($"{page.File}: no parent found; left out");
                continue;
            }

            if (candidates.Count > 1 && chosen != candidates[0])
            {
                Notes.Add($"{page.File}: parent {chosen} (listed as child there) instead of {candidates[0]} (Parent Hierarchy)");
            }

            parentOf[page.File] = chosen;
        }

        // Create nodes top-down; a page whose ancestors do not reach a component is reported and left out.
        foreach (var file in parentOf.Keys.Order(StringComparer.Ordinal))
        {
            Resolve(file, parentOf, listedBy, []);
        }

        foreach (var node in AllNodes.ToList())
        {
            node.Children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }

        foreach (var node in AllNodes.Where(n => n.Page is not null && n.Parent is not null))
        {
            var flat = Flatten(node.Path);
            if (flat != Flatten(node.Page!.Stem))
            {
                Notes.Add($"{node.Page.File}: path {node.Path} does not match the file name");
            }
        }
    }

    private CatalogNode? Resolve(string file, Dictionary<string, string> parentOf, Dictionary<string, List<(string Parent, string Text)>> listedBy,
        HashSet<string> visiting)
    {
        if (_byFile.TryGetValue(file, out var existing))
        {
            return existing;
        }

        if (!parentOf.TryGetValue(file, out var parentFile) || !visiting.Add(file))
        {
            return null;
        }

        var parent = Resolve(parentFile, parentOf, listedBy, visiting);
        if (parent is null)
        {
            Notes.Add($"{file}: its parent {parentFile} is not under any component; left out");
            return null;
        }

        var page = _pages[file];
        var name = NameOf(page, listedBy.GetValueOrDefault(file)?.FirstOrDefault(l => l.Parent == parentFile).Text);
        if (name is null)
        {
            Notes.Add($"{file}: no element name in the title '{page.Title}'; left out");
            return null;
        }

        if (parent.Child(name) is { } twin)
        {
            Notes.Add($"{file}: {parent.Path}/{name} is also described by {twin.Page?.File}; the first page is kept");
            _byFile[file] = twin;
            return twin;
        }

        var node = new CatalogNode(name, page, parent);
        parent.Children.Add(node);
        _byFile[file] = node;
        return node;
    }

    /// <summary>
    /// The element name: the title when it is one; otherwise the link text the parent uses, or the last part of a
    /// title written as a dashed path ("Microsoft-Windows-TPM-Tasks-ClearTpm").
    /// </summary>
    private static string? NameOf(ReferencePage page, string? linkText)
    {
        var title = page.Title.Trim();
        if (IsElementName(title, allowHyphen: false))
        {
            return title;
        }

        if (linkText is not null && IsElementName(linkText, allowHyphen: false))
        {
            return linkText;
        }

        var hierarchy = page.Section("parent hierarchy")?.Body;
        if (hierarchy is not null && Bold().Matches(hierarchy).LastOrDefault() is { } bold && IsElementName(bold.Groups[1].Value.Trim(), allowHyphen: false))
        {
            return bold.Groups[1].Value.Trim();
        }

        var last = title.Split('-').Last();
        return IsElementName(last, allowHyphen: false) ? last : null;
    }

    /// <summary>A component's name: its page title ("Microsoft-Windows-Setup"), else the link text without the trailing dash some lists write.</summary>
    private static string? ComponentTitle(ReferencePage page, string? linkText)
    {
        if (IsElementName(page.Title, allowHyphen: true))
        {
            return page.Title;
        }

        // "Microsoft-Windows-WDF-Kernel Library": the page's text writes the name as Microsoft-Windows-WDF-KernelLibrary.
        var joined = page.Title.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (page.Title.Contains(' ', StringComparison.Ordinal) && IsElementName(joined, allowHyphen: true)
            && page.Lead.Contains(joined, StringComparison.Ordinal))
        {
            return joined;
        }

        var text = linkText?.TrimEnd('-');
        return text is not null && IsElementName(text, allowHyphen: true) ? text : null;
    }

    private static bool IsSettingOrComponentPage(ReferencePage page) =>
        page.File is not ("toc.md" or "index.md" or "components-b-unattend.md") && !page.File.StartsWith("changed-", StringComparison.Ordinal);

    public static bool IsElementName(string text, bool allowHyphen) =>
        (allowHyphen ? ComponentName() : ElementName()).IsMatch(text);

    public static string Flatten(string text) => NotAlphanumeric().Replace(text, string.Empty).ToLowerInvariant();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex ElementName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.-]*[A-Za-z0-9]$")]
    private static partial Regex ComponentName();

    [GeneratedRegex(@"\*\*`?([^*`]+)`?\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"[^A-Za-z0-9]")]
    private static partial Regex NotAlphanumeric();
}
