using System.Text.RegularExpressions;

namespace Reseal.CatalogGen;

/// <summary>
/// Reads the "Changed answer file settings" pages (Windows 8.1; Windows 10 builds 1511 to 1809) and the "Deprecated and
/// removed components" table of the Components page, and marks the settings they name as new, deprecated or removed
/// in that build. Rows name a setting by a link to its page, by a dashed title, or by a backslash path
/// (<c>Microsoft-Windows-IE-InternetExplorer\SearchScopes\Scope\ShowTopResult</c>); a removed setting that has no page
/// of its own is added to the catalog so the linter can say it was removed rather than "unknown".
/// </summary>
internal sealed partial class ChangeLog(ReferenceTree tree, List<string> notes)
{
    private enum Change
    {
        None,
        New,
        Deprecated,
        Removed,
    }

    /// <summary>The build the Components page's "deprecated in Windows 10 and Windows Server 2016" table means.</summary>
    private const int Windows10 = 10240;

    public void Apply(IReadOnlyDictionary<string, ReferencePage> pages)
    {
        foreach (var page in pages.Values.Where(p => p.File.StartsWith("changed-", StringComparison.Ordinal)).OrderBy(p => p.File, StringComparer.Ordinal))
        {
            var pageBuild = BuildOf(page.Title);
            int? sectionBuild = null;
            foreach (var section in page.Sections)
            {
                if (section.Level == 2 && BuildOf(section.Heading) is { } build)
                {
                    sectionBuild = build;
                }

                var change = ChangeOf(section.Heading);
                var effective = sectionBuild ?? pageBuild;
                if (change == Change.None || effective is null)
                {
                    continue;
                }

                foreach (var row in ReferencePage.TableRows(section.Body))
                {
                    foreach (var node in Resolve(row[0], change == Change.Removed))
                    {
                        Mark(node, change, effective.Value);
                    }
                }
            }
        }

        if (pages.GetValueOrDefault("components-b-unattend.md")?.Section("deprecated and removed components") is { } components)
        {
            foreach (var row in ReferencePage.TableRows(components.Body).Where(r => r.Count >= 2))
            {
                var status = ReferencePage.Plain(row[1]);
                var change = status.Contains("removed", StringComparison.OrdinalIgnoreCase) ? Change.Removed
                    : status.Contains("deprecated", StringComparison.OrdinalIgnoreCase) ? Change.Deprecated : Change.None;
                if (change == Change.None)
                {
                    continue;
                }

                foreach (var node in Resolve(row[0], change == Change.Removed))
                {
                    Mark(node, change, Windows10);
                }
            }
        }
    }

    private static void Mark(CatalogNode node, Change change, int build)
    {
        switch (change)
        {
            case Change.New:
                node.Since = node.Since is { } since ? Math.Min(since, build) : build;
                break;
            case Change.Deprecated:
                node.Deprecated = FactExtractor.Earliest(node.Deprecated, build);
                break;
            case Change.Removed:
                node.Removed = FactExtractor.Earliest(node.Removed, build);
                break;
        }
    }

    /// <summary>The nodes a table cell names; a removed setting without a page is created.</summary>
    private List<CatalogNode> Resolve(string cell, bool create)
    {
        var plain = ReferencePage.Plain(cell).Trim();
        var result = new List<CatalogNode>();
        if (plain.Contains('\\', StringComparison.Ordinal))
        {
            if (ResolvePath(plain, create) is { } byPath)
            {
                result.Add(byPath);
            }

            return result;
        }

        var links = ReferencePage.Links(cell).Select(l => tree.NodeOf(l.Target)).OfType<CatalogNode>().ToList();
        if (links.Count == 2 && Through().IsMatch(plain))
        {
            result.AddRange(Expand(links[0], links[1]));
        }
        else
        {
            result.AddRange(links.Where(n => n.Parent is not null || links.Count == 1));
        }

        if (result.Count == 0 && ComponentList().Match(plain) is { Success: true } listed)
        {
            // "Microsoft-Windows-IE-InternetExplorer: EnableLinksBar, ShowCommandBar, ShowMenuBar, and ShowStatusBar."
            foreach (var name in listed.Groups["names"].Value.TrimEnd('.').Split([",", " and "], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (ResolvePath(listed.Groups["component"].Value + "\\" + name.Replace("and ", string.Empty, StringComparison.Ordinal), create) is { } node)
                {
                    result.Add(node);
                }
            }

            return result;
        }

        if (result.Count == 0 && ResolveDashed(plain) is { } dashed)
        {
            result.Add(dashed);
            return result;
        }

        if (result.Count == 0 && !plain.Contains('-', StringComparison.Ordinal))
        {
            // A header row ("Setting name").
            return result;
        }

        if (result.Count == 0)
        {
            // "Microsoft-Windows-ehome-reg-inf component and settings": a removed component with no page.
            var word = plain.Split(' ')[0].TrimEnd('-');
            if (create && ReferenceTree.IsElementName(word, allowHyphen: true) && word.Contains('-', StringComparison.Ordinal))
            {
                result.Add(Component(word, create)!);
            }
            else if (plain.Length > 0)
            {
                notes.Add($"changed settings: cannot resolve '{plain}'");
            }
        }

        return result;
    }

    /// <summary>"Microsoft-Windows-Setup-ImageInstall-OSImage-Compact": a component name, then element names joined by dashes.</summary>
    private CatalogNode? ResolveDashed(string plain)
    {
        var word = plain.Split(' ')[0];
        foreach (var component in tree.Components.Values.OrderByDescending(c => c.Name.Length))
        {
            if (!word.StartsWith(component.Name + "-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            CatalogNode? node = component;
            foreach (var part in word[(component.Name.Length + 1)..].Split('-'))
            {
                node = node?.Children.Find(c => string.Equals(c.Name, part, StringComparison.OrdinalIgnoreCase))
                    ?? (node is null ? null : ReferenceTree.Descendants(node).FirstOrDefault(d => string.Equals(d.Name, part, StringComparison.OrdinalIgnoreCase)));
            }

            return node;
        }

        return null;
    }

    /// <summary>"Component\A\B" (the component may be written lower case with a trailing dash).</summary>
    private CatalogNode? ResolvePath(string plain, bool create)
    {
        var parts = plain.Split('\\').Select(p => p.Trim().TrimEnd('-').Trim()).ToList();
        var node = Component(parts[0], create);
        if (node is null)
        {
            notes.Add($"changed settings: unknown component in '{plain}'");
            return null;
        }

        foreach (var part in parts.Skip(1))
        {
            var name = part.Split(' ')[0];
            if (!ReferenceTree.IsElementName(name, allowHyphen: false))
            {
                notes.Add($"changed settings: cannot read '{plain}'");
                return null;
            }

            var child = node.Children.Find(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (child is null)
            {
                if (!create)
                {
                    notes.Add($"changed settings: {node.Path}/{name} is not in the reference");
                    return null;
                }

                child = new CatalogNode(name, null, node) { Kind = NodeKind.Open };
                node.Children.Add(child);
                node.Children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            }

            node = child;
        }

        return node;
    }

    private CatalogNode? Component(string name, bool create)
    {
        var known = tree.Components.Values.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        if (known is not null || !create || !ReferenceTree.IsElementName(name, allowHyphen: true) || !name.Contains('-', StringComparison.Ordinal))
        {
            return known;
        }

        var added = new CatalogNode(name, null, null) { Kind = NodeKind.Component };
        tree.Components.Add(name, added);
        return added;
    }

    /// <summary>"SquareOrDesktopTile7 thru SquareOrDesktopTile12": every sibling numbered in between.</summary>
    private List<CatalogNode> Expand(CatalogNode first, CatalogNode last)
    {
        var a = first.Path.Split('/');
        var b = last.Path.Split('/');
        var at = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], -1);
        var from = at >= 0 ? Digits().Match(a[at]) : Match.Empty;
        var to = at >= 0 ? Digits().Match(b[at]) : Match.Empty;
        if (a.Length != b.Length || !from.Success || !to.Success)
        {
            notes.Add($"changed settings: cannot expand {first.Path} through {last.Path}");
            return [first, last];
        }

        var nodes = new List<CatalogNode>();
        for (var n = int.Parse(from.Value, System.Globalization.CultureInfo.InvariantCulture); n <= int.Parse(to.Value, System.Globalization.CultureInfo.InvariantCulture); n++)
        {
            var path = (string[])a.Clone();
            path[at] = string.Concat(a[at].AsSpan(0, from.Index), n.ToString(System.Globalization.CultureInfo.InvariantCulture), a[at].AsSpan(from.Index + from.Length));
            if (Find(path) is { } node)
            {
                nodes.Add(node);
            }
        }

        return nodes;
    }

    private CatalogNode? Find(string[] path)
    {
        var node = tree.Components.GetValueOrDefault(path[0]);
        foreach (var part in path.Skip(1))
        {
            node = node?.Children.Find(c => string.Equals(c.Name, part, StringComparison.OrdinalIgnoreCase));
        }

        return node;
    }

    private static int? BuildOf(string heading)
    {
        var match = Build().Match(heading);
        if (match.Success)
        {
            return Reseal.Unattend.Catalog.WindowsRelease.Windows10VersionBuild(match.Groups[1].Value);
        }

        return heading.Contains("Windows 8.1", StringComparison.OrdinalIgnoreCase) ? 9600 : null;
    }

    private static Change ChangeOf(string heading) =>
        heading.Contains("new", StringComparison.OrdinalIgnoreCase) ? Change.New
        : heading.Contains("deprecated", StringComparison.OrdinalIgnoreCase) ? Change.Deprecated
        : heading.Contains("removed", StringComparison.OrdinalIgnoreCase) ? Change.Removed
        : Change.None;

    [GeneratedRegex(@"\b(?:build|version) (\d{4})\b", RegexOptions.IgnoreCase)]
    private static partial Regex Build();

    [GeneratedRegex(@"\b(thru|through)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Through();

    [GeneratedRegex(@"^(?<component>[A-Za-z][\w.-]*-[\w.-]+):\s+(?<names>.+)$")]
    private static partial Regex ComponentList();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();
}
