using System.IO.Compression;
using Xunit;

namespace Reseal.TestSupport;

/// <summary>
/// Finds the real test files in <c>../shared/data</c> (or <c>RESEAL_TEST_DATA</c>). A test that needs them and cannot
/// find them skips with the reason; it never passes silently. <c>scripts/fetch-test-data.sh</c> downloads them.
/// </summary>
public static class SharedData
{
    public const string EnvironmentVariable = "RESEAL_TEST_DATA";

    private static readonly Lazy<string?> Root = new(Locate);

    /// <summary>The data folder, or null when it cannot be found.</summary>
    public static string? Directory => Root.Value;

    /// <summary>The data folder; skips the calling test when it is missing.</summary>
    public static string RequireDirectory()
    {
        var dir = Root.Value;
        Assert.SkipWhen(dir is null,
            $"test data not found: set {EnvironmentVariable} or place shared/data beside the repository (scripts/fetch-test-data.sh downloads it)");
        return dir!;
    }

    /// <summary>Path of a file under the data folder; skips the test when it is missing.</summary>
    public static string RequireFile(string relativePath)
    {
        var path = Path.Combine(RequireDirectory(), relativePath);
        Assert.SkipUnless(File.Exists(path), $"test data file missing: {path}");
        return path;
    }

    /// <summary>Reads a data file, decompressing it when its name ends in .gz.</summary>
    public static byte[] ReadBytes(string relativePath)
    {
        var path = RequireFile(relativePath);
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return File.ReadAllBytes(path);
        }

        using var input = File.OpenRead(path);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Files in a data sub-folder matching a pattern; skips when the folder is missing or empty.</summary>
    public static IReadOnlyList<string> RequireFiles(string subFolder, string pattern)
    {
        var dir = Path.Combine(RequireDirectory(), subFolder);
        Assert.SkipUnless(System.IO.Directory.Exists(dir), $"test data folder missing: {dir}");
        var files = System.IO.Directory.GetFiles(dir, pattern).Order(StringComparer.Ordinal).ToArray();
        Assert.SkipWhen(files.Length == 0, $"no {pattern} files in {dir}");
        return files;
    }

    private static string? Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return System.IO.Directory.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
        }

        // Walk up from the test binary to the repository root, then look for ../shared/data beside it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (File.Exists(Path.Combine(candidate, "SOURCES.md")))
            {
                return candidate;
            }

            var cache = Path.Combine(dir.FullName, "data-cache");
            if (File.Exists(Path.Combine(cache, "SOURCES.md")))
            {
                return cache;
            }
        }

        return null;
    }
}
