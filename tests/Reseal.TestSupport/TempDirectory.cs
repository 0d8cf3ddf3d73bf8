namespace Reseal.TestSupport;

/// <summary>A unique temporary folder deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reseal-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string contents)
    {
        var full = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, contents);
        return full;
    }

    public string Write(string name, byte[] contents)
    {
        var full = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, contents);
        return full;
    }

    /// <summary>Writes <paramref name="unit"/> over and over until the file holds at least <paramref name="totalBytes"/>.</summary>
    public string WriteRepeated(string name, ReadOnlySpan<byte> unit, long totalBytes)
    {
        var full = File(name);
        using var stream = System.IO.File.Create(full);
        for (var written = 0L; written < totalBytes; written += unit.Length)
        {
            stream.Write(unit);
        }

        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
