using Reseal.Registry;
using Reseal.Windows.Offline;

namespace Reseal.Windows.Ports;

/// <summary>
/// The optional capability of a machine that is a directory tree on this host rather than a running Windows (a mounted
/// image, a copied volume): where its files are on the host, and its hives as the files they are. A running Windows
/// keeps SAM and SECURITY locked and has no host path for its files, so it does not offer this; logic asks
/// <see cref="IWindowsMachine.OfflineTree"/> and takes the other road on null, never the machine's type.
/// </summary>
public interface IOfflineTree
{
    /// <summary>The host directory that stands for the system drive.</summary>
    string Root { get; }

    /// <summary>True when the tree has a <c>Windows\System32\config</c> folder (any case), so a registry to read.</summary>
    bool LooksLikeWindows { get; }

    /// <summary>
    /// The host path of a Windows path inside the tree (existing components in their on-disk spelling); throws
    /// <see cref="ArgumentException"/> for another drive or a <c>..</c> component and <see cref="IOException"/> for a link
    /// that leads out of the tree.
    /// </summary>
    string ToHostPath(string windowsPath);

    /// <summary>Whether a hive file is there, loads, and is current (its transaction logs replayed).</summary>
    OfflineHiveStatus GetHiveStatus(RegistryHive hive);

    /// <summary>The loaded hive file, or null when it is missing or unreadable (<see cref="GetHiveStatus"/> says why).</summary>
    Hive? TryGetHive(RegistryHive hive);

    /// <summary>The accounts of the SAM hive with the records that could not be read (a live machine's API hides those).</summary>
    SamDatabase.AccountsResult ReadAccounts();
}
