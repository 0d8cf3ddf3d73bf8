namespace Reseal.Sysprep.Panther;

/// <summary>
/// The <c>ImageState</c> Windows Setup records in <c>HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State</c>
/// and mirrors in <c>%WINDIR%\Setup\State\State.ini</c> (answerfiles.md §6).
/// </summary>
/// <param name="Value">The value as written (<c>IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE</c>...).</param>
/// <param name="Source">Where it was read (a State.ini path), or null.</param>
public sealed record SysprepImageState(string Value, string? Source)
{
    /// <summary>Specialize and oobeSystem are done; the image is hardware-bound.</summary>
    public const string Complete = "IMAGE_STATE_COMPLETE";

    /// <summary>A phase is running, or (seen offline, or when Setup is not running) a phase failed.</summary>
    public const string Undeployable = "IMAGE_STATE_UNDEPLOYABLE";

    /// <summary>Generalize done; the next boot goes to OOBE.</summary>
    public const string GeneralizeResealToOobe = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE";

    /// <summary>Generalize done; the next boot goes to audit mode.</summary>
    public const string GeneralizeResealToAudit = "IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT";

    /// <summary>Specialize done; the next boot goes to OOBE.</summary>
    public const string SpecializeResealToOobe = "IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE";

    /// <summary>Specialize done; the next boot goes to audit mode.</summary>
    public const string SpecializeResealToAudit = "IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT";

    /// <summary>Generalize finished (the state a pipeline waits for before capturing the image).</summary>
    public bool IsGeneralized => Is(GeneralizeResealToOobe) || Is(GeneralizeResealToAudit);

    /// <summary>A phase is running or failed.</summary>
    public bool IsUndeployable => Is(Undeployable);

    /// <summary>What the value means, in one sentence.</summary>
    public string Meaning => Value.ToUpperInvariant() switch
    {
        Complete => "specialize and oobeSystem are done; the image is hardware-bound (not generalized)",
        Undeployable => "a Setup or Sysprep phase is running, or (offline, or with Setup not running) it failed: reinstall or restore the snapshot",
        GeneralizeResealToOobe => "generalize is done; the next boot goes to OOBE (ready to capture)",
        GeneralizeResealToAudit => "generalize is done; the next boot goes to audit mode",
        SpecializeResealToOobe => "specialize is done; the next boot goes to OOBE",
        SpecializeResealToAudit => "specialize is done; the next boot goes to audit mode",
        _ => "not a documented ImageState value",
    };

    private bool Is(string value) => Value.Equals(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads <c>State.ini</c>: an INI file whose <c>[State]</c> section has <c>ImageState=</c>. Null when the key is
    /// missing. Encoding is detected like a log's (UTF-16 or UTF-8/ANSI).
    /// </summary>
    public static SysprepImageState? ParseStateIni(string text, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var inState = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim().Trim('\0');
            if (line.StartsWith('['))
            {
                inState = line.Equals("[State]", StringComparison.OrdinalIgnoreCase);
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (inState && eq > 0 && line[..eq].Trim().Equals("ImageState", StringComparison.OrdinalIgnoreCase))
            {
                var value = line[(eq + 1)..].Trim().Trim('"');
                return value.Length == 0 ? null : new SysprepImageState(value, source);
            }
        }

        return null;
    }

    /// <summary>Reads a State.ini file (at most 64 KiB); null when it has no ImageState.</summary>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static SysprepImageState? ReadStateIni(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var text = PantherLogReader.ReadSmallText(path, 64 * 1024);
        return ParseStateIni(text, path);
    }
}
