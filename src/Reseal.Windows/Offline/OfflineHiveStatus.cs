using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>How far a hive of an offline tree could be read.</summary>
public enum HiveLoadState
{
    /// <summary>Read; clean, or dirty and repaired from its logs.</summary>
    Loaded,

    /// <summary>Read, but dirty and without logs to replay: recent changes may be missing, and it is not written to.</summary>
    Stale,

    /// <summary>No such file.</summary>
    Missing,

    /// <summary>The file exists but is not a readable hive (damaged, truncated, not a hive, or not readable).</summary>
    Unreadable,
}

/// <summary>What happened when a hive file was opened.</summary>
/// <param name="Hive">Which hive.</param>
/// <param name="HostPath">The file on the host (null when missing).</param>
/// <param name="State">How far it could be read.</param>
/// <param name="Problem">Why it is missing, unreadable or stale; null when loaded cleanly.</param>
/// <param name="Notes">Other observations (logs replayed, odd structures).</param>
public sealed record OfflineHiveStatus(RegistryHive Hive, string? HostPath, HiveLoadState State, string? Problem, IReadOnlyList<string> Notes)
{
    /// <summary>True when values can be read (perhaps stale).</summary>
    public bool IsReadable => State is HiveLoadState.Loaded or HiveLoadState.Stale;
}
