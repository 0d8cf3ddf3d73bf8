using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// A Windows installation that is not running: a directory tree (a mounted image, a copied volume) whose root is the
/// system drive. Hives are read and written with Reseal.Registry, files through the tree with Windows' case-insensitive
/// names. What needs a running Windows (processes, services starting, power, the serial console, passwords) throws
/// <see cref="PlatformNotSupportedException"/> naming the operation.
/// </summary>
public sealed class OfflineWindows : IWindowsMachine, IOfflineTree
{
    private readonly OfflineNothingRuns _nothingRuns = new();

    private OfflineWindows(OfflineFiles files, TimeProvider time, string? backupDirectory)
    {
        Files = files;
        Registry = backupDirectory is null
            ? new OfflineRegistry(files, time)
            : new OfflineRegistry(files, time) { BackupDirectory = backupDirectory };
        Accounts = new OfflineAccounts(Registry);
        Services = new OfflineServices(Registry);
        Volumes = new OfflineVolumes(files);
        System = new OfflineSystemInfo(Registry);
    }

    /// <summary>
    /// Opens the tree rooted at <paramref name="root"/> (which must exist; whether it holds Windows is for
    /// <see cref="LooksLikeWindows"/> to say). Hive backups go to <paramref name="backupDirectory"/>, or by default to
    /// <see cref="OfflineRegistry.DefaultBackupDirectory"/>.
    /// </summary>
    public static OfflineWindows Open(string root, TimeProvider? time = null, char systemDrive = 'C', string? backupDirectory = null) =>
        new(new OfflineFiles(root, systemDrive), time ?? TimeProvider.System, backupDirectory);

    /// <inheritdoc/>
    public string Description => $"offline Windows tree at {Files.Root}";

    /// <summary>The tree's files.</summary>
    public OfflineFiles Files { get; }

    /// <summary>The tree's hives.</summary>
    public OfflineRegistry Registry { get; }

    /// <inheritdoc cref="IWindowsMachine.Accounts"/>
    public OfflineAccounts Accounts { get; }

    /// <inheritdoc/>
    public IServices Services { get; }

    /// <inheritdoc/>
    public IVolumes Volumes { get; }

    /// <inheritdoc/>
    public ISystemInfo System { get; }

    /// <inheritdoc/>
    public IProcessRunner Processes => _nothingRuns;

    /// <inheritdoc/>
    public ISerialConsole SerialConsole => _nothingRuns;

    /// <inheritdoc/>
    public IPower Power => _nothingRuns;

    IRegistry IWindowsMachine.Registry => Registry;

    IWindowsFiles IWindowsMachine.Files => Files;

    ILocalAccounts IWindowsMachine.Accounts => Accounts;

    /// <inheritdoc/>
    public bool LooksLikeWindows => Files.DirectoryExists(@"C:\Windows\System32\config");

    IOfflineTree? IWindowsMachine.OfflineTree => this;

    /// <inheritdoc/>
    public IMachineCertificates Certificates { get; } = new OfflineCertificates();

    string IOfflineTree.Root => Files.Root;

    string IOfflineTree.ToHostPath(string windowsPath) => Files.ToHostPath(windowsPath);

    OfflineHiveStatus IOfflineTree.GetHiveStatus(RegistryHive hive) => Registry.GetStatus(hive);

    Reseal.Registry.Hive? IOfflineTree.TryGetHive(RegistryHive hive) => Registry.TryGetHive(hive);

    SamDatabase.AccountsResult IOfflineTree.ReadAccounts() => Accounts.Read();

    /// <inheritdoc/>
    public IDesktop Desktop { get; } = new OfflineDesktop();

    internal static PlatformNotSupportedException NeedsRunningWindows(string operation, string hint) =>
        new($"{operation} needs a running Windows; this is an offline Windows tree ({hint})");

    /// <summary>Refuses: an image's interfaces exist only once it runs, and Reseal does not write their settings offline.</summary>
    public INetworkInterfaces Network { get; } = new NoNetworkInterfaces(
        "an offline Windows tree has no network stack running; its interfaces and their GUIDs exist only once it boots");
}
