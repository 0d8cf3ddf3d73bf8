using Reseal.CatalogGen;

// Usage: Reseal.CatalogGen --reference DIR --output FILE [--overlay FILE] [--check] [--notes]
//   --check  compare with FILE instead of writing it; exit 1 when they differ (the committed catalog is stale)
//   --notes  print what looked odd in the reference (pages whose path and file name disagree, unresolved rows)
var options = new Dictionary<string, string?>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--check" or "--notes")
    {
        options[args[i]] = null;
    }
    else if (args[i] is "--reference" or "--output" or "--overlay" && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"catalog-gen: unexpected argument '{args[i]}'");
        Console.Error.WriteLine("usage: Reseal.CatalogGen --reference DIR --output FILE [--overlay FILE] [--check] [--notes]");
        return 2;
    }
}

if (options.GetValueOrDefault("--reference") is not { } reference || options.GetValueOrDefault("--output") is not { } output)
{
    Console.Error.WriteLine("usage: Reseal.CatalogGen --reference DIR --output FILE [--overlay FILE] [--check] [--notes]");
    return 2;
}

var overlay = options.GetValueOrDefault("--overlay") ?? Path.Combine(AppContext.BaseDirectory, "overlay.tsv");
try
{
    var result = CatalogGenerator.Generate(reference, File.ReadAllText(overlay), Path.GetFileName(overlay));
    if (options.ContainsKey("--notes"))
    {
        foreach (var note in result.Notes)
        {
            Console.WriteLine("note: " + note);
        }
    }

    if (options.ContainsKey("--check"))
    {
        var committed = File.Exists(output) ? File.ReadAllText(output) : string.Empty;
        if (committed != result.Text)
        {
            Console.Error.WriteLine($"catalog-gen: {output} differs from what the generator makes from {reference}; run scripts/generate-catalog.sh");
            return 1;
        }

        Console.WriteLine($"catalog-gen: {output} is up to date ({result.Pages} pages, {result.Nodes} nodes)");
        return 0;
    }

    var temp = output + ".tmp";
    File.WriteAllText(temp, result.Text);
    File.Move(temp, output, overwrite: true);
    Console.WriteLine($"catalog-gen: wrote {output} ({result.Pages} pages, {result.Nodes} nodes, {result.Notes.Count} notes)");
    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine("catalog-gen: " + e.Message);
    return 3;
}
