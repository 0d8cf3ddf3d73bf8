namespace Reseal.CatalogGen;

/// <summary>The result of a generation: the catalog text and what looked odd in the reference.</summary>
internal sealed record GeneratedCatalog(string Text, IReadOnlyList<string> Notes, int Pages, int Nodes);

/// <summary>Reads every page of the reference, builds the tree, extracts facts, applies the overlay, writes the catalog.</summary>
internal static class CatalogGenerator
{
    /// <summary>Where the reference was taken from, written into the catalog header.</summary>
    public const string SourceNote = "customize/desktop/unattend/ at commit 34b0f79c7, mirrored in sfigg/commercialization-public";

    public static GeneratedCatalog Generate(string referenceDirectory, string overlayText, string overlayName = "overlay.tsv")
    {
        if (!Directory.Exists(referenceDirectory))
        {
            throw new DirectoryNotFoundException($"{referenceDirectory}: the reference folder does not exist");
        }

        var pages = new SortedDictionary<string, ReferencePage>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(referenceDirectory, "*.md").Order(StringComparer.Ordinal))
        {
            var page = ReferencePage.Parse(Path.GetFileName(path), File.ReadAllText(path));
            if (!pages.TryAdd(page.File, page))
            {
                throw new InvalidDataException($"{path}: two pages differ only in letter case");
            }
        }

        if (pages.Count == 0)
        {
            throw new InvalidDataException($"{referenceDirectory}: no .md pages");
        }

        var tree = new ReferenceTree(pages);
        tree.Build();
        var notes = new List<string>(tree.Notes);
        FactExtractor.Apply(tree, pages.Values, notes);
        new ChangeLog(tree, notes).Apply(pages);
        Overlay.Apply(tree, overlayText, overlayName);
        var text = CatalogWriter.Write(tree, SourceNote);
        return new GeneratedCatalog(text, notes, pages.Count, tree.AllNodes.Count());
    }
}
