using Reseal.Windows.Offline;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// <c>reseal seal --root DIR</c>: the file and registry part of a seal plan on an offline tree — agent state reset,
/// answer file, cached answer files moved aside, RDP denied, SetupComplete.cmd — and nothing that needs a running
/// Windows (no hook, no Sysprep). The work is <see cref="SealApplier"/>'s, the same that seals a running Windows; this
/// class opens the tree and runs the preflight first.
/// </summary>
public static class OfflineSealer
{
    /// <summary>Runs the preflight on the tree at <paramref name="root"/> and applies the plan when nothing blocks it.</summary>
    public static SealChangeResult Apply(string root, SealOptions? options = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        time ??= TimeProvider.System;
        var report = SealPlanner.DryRun(root, options, time);
        return report.Plan is null ? SealChangeResult.NotWindows("apply", SealReport.NotWindowsSummary) : Apply(OfflineWindows.Open(root, time), report, time);
    }

    /// <summary>Applies a report's plan to the tree it was made from. Refuses a blocked report (unless it was forced).</summary>
    public static SealChangeResult Apply(OfflineWindows windows, SealReport report, TimeProvider? time = null) =>
        SealApplier.Apply(windows, report, time);

    /// <summary>Undoes an offline apply of the tree at <paramref name="root"/>; refuses when files changed after apply.</summary>
    public static SealChangeResult Rollback(string root, TimeProvider? time = null) => Rollback(root, force: false, time);

    /// <summary>
    /// Undoes an offline apply of the tree at <paramref name="root"/>. Unless <paramref name="force"/>, refuses (changing
    /// nothing) when a file apply wrote, deleted or moved is no longer as apply left it.
    /// </summary>
    public static SealChangeResult Rollback(string root, bool force, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return Directory.Exists(root)
            ? SealApplier.Rollback(OfflineWindows.Open(root, time), force)
            : SealChangeResult.NotWindows("rollback", $"{root} does not exist or is not a directory");
    }

    /// <summary>Undoes an offline apply from its journal; refuses when files changed after apply.</summary>
    public static SealChangeResult Rollback(OfflineWindows windows) => SealApplier.Rollback(windows, force: false);

    /// <summary>
    /// Undoes an offline apply from its journal: files and registry values get their previous bytes back (see
    /// <see cref="SealApplier.Rollback"/>).
    /// </summary>
    public static SealChangeResult Rollback(OfflineWindows windows, bool force) => SealApplier.Rollback(windows, force);
}
