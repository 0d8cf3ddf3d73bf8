using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>The running Windows machine, over Win32: the registry API, processes, netapi32 accounts, the service control manager, COM1, InitiateShutdown.</summary>
[SupportedOSPlatform("windows")]
public sealed partial class LiveWindows : IWindowsMachine
{
    /// <summary>Creates the machine; throws <see cref="PlatformNotSupportedException"/> off Windows.</summary>
    public LiveWindows()
    {
        Guard("LiveWindows");
        Registry = new LiveRegistry();
        Files = new LiveFiles();
        Processes = new LiveProcesses();
        System = new LiveSystemInfo(Registry);
        ILocalAccounts accounts = new LiveAccounts(Registry);
        ReplaceAccountsForWineTests(ref accounts);
        // No account is changed on a domain controller, whichever port keeps them.
        Accounts = new DomainControllerGuard(accounts, System);
        Services = new LiveServices();
        Volumes = new LiveVolumes();
        SerialConsole = new LiveSerialConsole(services: Services);
        Power = new LivePower();
        EventLogs = new LiveEventLogReader();
        Certificates = new LiveCertificates();
        Network = new LiveNetworkInterfaces(Registry, Processes);
        Desktop = new LiveDesktop();
    }

    /// <inheritdoc/>
    public string Description => "this Windows machine (" + Environment.MachineName + ")";

    /// <inheritdoc/>
    public IRegistry Registry { get; }

    /// <inheritdoc/>
    public IWindowsFiles Files { get; }

    /// <inheritdoc/>
    public IProcessRunner Processes { get; }

    /// <inheritdoc/>
    public ILocalAccounts Accounts { get; }

    /// <inheritdoc/>
    public IServices Services { get; }

    /// <inheritdoc/>
    public IVolumes Volumes { get; }

    /// <inheritdoc/>
    public ISerialConsole SerialConsole { get; }

    /// <inheritdoc/>
    public IPower Power { get; }

    /// <inheritdoc/>
    public ISystemInfo System { get; }

    /// <inheritdoc/>
    public IEventLogReader? EventLogs { get; }

    /// <inheritdoc/>
    /// <remarks>Null: a running Windows is not a tree of files on a host, and keeps its hive files locked.</remarks>
    public IOfflineTree? OfflineTree => null;

    /// <inheritdoc/>
    public IMachineCertificates Certificates { get; }
    public IDesktop Desktop { get; }

    /// <summary>
    /// Only in the Wine test build (<c>scripts/publish.sh --folder</c> or <c>--wine-test</c>, MSBuild property <c>ResealWineTestBuild</c>),
    /// which compiles <c>tests/Reseal.TestSupport/Wine/LiveWindows.WineAccountStore.cs</c> into this assembly: Wine has no
    /// account database, so the tests keep accounts in a file instead. The shipped build has no body for this partial
    /// method, so the compiler removes the call and nothing of the test store is in it.
    /// </summary>
    static partial void ReplaceAccountsForWineTests(ref ILocalAccounts accounts);

    internal static PlatformNotSupportedException NotWindows(string what) => LivePlatform.NotWindows(what);

    internal static void Guard(string what) => LivePlatform.Guard(what);

    /// <inheritdoc/>
    public INetworkInterfaces Network { get; }
}
