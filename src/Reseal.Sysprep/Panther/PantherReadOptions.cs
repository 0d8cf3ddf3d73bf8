namespace Reseal.Sysprep.Panther;

/// <summary>Limits for reading one log file.</summary>
public sealed record PantherReadOptions
{
    /// <summary>
    /// At most this many bytes are decoded from the end of each file (64 MiB by default). Sysprep appends, so the latest
    /// run is at the end; the lines before the window are counted (line numbers stay right) but not parsed, and the
    /// source says so.
    /// </summary>
    public long MaxBytesPerFile { get; init; } = 64L * 1024 * 1024;

    /// <summary>Longer lines are cut to this many characters (a file of binary junk has no line breaks).</summary>
    public int MaxLineLength { get; init; } = 16 * 1024;

    /// <summary>The defaults.</summary>
    public static PantherReadOptions Default { get; } = new();
}
