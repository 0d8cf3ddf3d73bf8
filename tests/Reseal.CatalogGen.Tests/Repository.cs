namespace Reseal.CatalogGen.Tests;

/// <summary>Files of this repository, found by walking up from the test binary to Reseal.slnx.</summary>
internal static class Repository
{
    public static string File(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Reseal.slnx")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        Assert.Skip($"the repository (Reseal.slnx) is not above {AppContext.BaseDirectory}");
        return string.Empty;
    }

    public static string Overlay => System.IO.File.ReadAllText(File("tools/Reseal.CatalogGen/overlay.tsv"));
}
