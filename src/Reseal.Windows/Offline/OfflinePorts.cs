using System.Globalization;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>Local accounts of an offline tree, from its SAM hive; profiles from SOFTWARE's ProfileList.</summary>
public sealed class OfflineAccounts(OfflineRegistry registry) : ILocalAccounts
{
    /// <summary>The ProfileList key in SOFTWARE.</summary>
    public const string ProfileListPath = @"Microsoft\Windows NT\CurrentVersion\ProfileList";

    /// <inheritdoc/>
    public IReadOnlyList<LocalAccount> ListAccounts() => Read().Accounts;

    /// <summary>Accounts and the records that could not be read.</summary>
    public SamDatabase.AccountsResult Read()
    {
        var sam = registry.TryGetHive(RegistryHive.Sam)
            ?? throw new HiveUnavailableException(RegistryHive.Sam, registry.GetStatus(RegistryHive.Sam).Problem ?? "not readable");
        try
        {
            return SamDatabase.ReadAccounts(sam);
        }
        catch (Reseal.Registry.HiveFormatException e)
        {
            throw new HiveUnavailableException(RegistryHive.Sam, "damaged: " + e.Message, e);
        }
    }

    /// <inheritdoc/>
    public LocalAccount? FindAccount(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ListAccounts().FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc/>
    public LocalAccount? FindByRid(uint rid) => ListAccounts().FirstOrDefault(a => a.Rid == rid);

    /// <inheritdoc/>
    public bool AddToGroup(LocalGroup group, string userName) =>
        throw OfflineWindows.NeedsRunningWindows($"adding '{userName}' to the group {group}", "add it when the image boots (the agent's users task does)");

    /// <inheritdoc/>
    public void SetEnabled(string name, bool enabled)
    {
        var account = FindAccount(name) ?? throw new KeyNotFoundException($"no local account named '{name}' in the offline SAM");
        var keyPath = SamDatabase.UserKeyPath(account.Rid);
        var f = registry.GetValue(RegistryHive.Sam, keyPath, "F")
            ?? throw new HiveUnavailableException(RegistryHive.Sam, $@"{keyPath} has no F record");
        registry.SetValue(RegistryHive.Sam, keyPath, "F", new RegistryData(f.Type, SamDatabase.WithDisabled(f.Bytes.AsSpan(), !enabled)));
    }

    /// <inheritdoc/>
    public void Rename(string name, string newName) =>
        throw OfflineWindows.NeedsRunningWindows($"renaming account '{name}'", "rename it when the image boots (the agent's setAdminAccount does)");

    /// <inheritdoc/>
    public void Create(string name, string password) =>
        throw OfflineWindows.NeedsRunningWindows($"creating account '{name}'", "create it when the image boots (the agent's users task does)");

    /// <inheritdoc/>
    public void SetPassword(string name, string password) =>
        throw OfflineWindows.NeedsRunningWindows("setting an account password",
            "the SAM keeps password hashes encrypted with the boot key; set the password at first boot (specialize RunSynchronous or the agent)");

    /// <inheritdoc/>
    public ProfileFolder EnsureProfile(string userName) =>
        throw OfflineWindows.NeedsRunningWindows($"creating the profile of '{userName}'", "the profile is created when the image boots (the agent's users task does)");

    /// <inheritdoc/>
    public IReadOnlyList<UserProfile> ListProfiles()
    {
        var profiles = new List<UserProfile>();
        foreach (var sid in registry.GetSubkeyNames(RegistryHive.Software, ProfileListPath))
        {
            var key = ProfileListPath + "\\" + sid;
            profiles.Add(new UserProfile(
                sid,
                registry.GetValue(RegistryHive.Software, key, "ProfileImagePath")?.AsText(),
                registry.GetValue(RegistryHive.Software, key, "State")?.AsDWord()));
        }

        return profiles.OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase).ToList();
    }
}

/// <summary>Services of an offline tree: <c>CurrentControlSet\Services\&lt;name&gt;</c> in SYSTEM.</summary>
public sealed class OfflineServices(OfflineRegistry registry) : IServices
{
    private const string ServicesPath = @"CurrentControlSet\Services";

    /// <inheritdoc/>
    public ServiceInfo? Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var key = registry.OpenKey(RegistryHive.System, ServicesPath + "\\" + name);
        if (key is not { } k)
        {
            return null;
        }

        var serviceName = OfflineRegistry.Guard(RegistryHive.System, () => k.Name);
        var path = ServicesPath + "\\" + serviceName;
        var start = registry.GetValue(RegistryHive.System, path, "Start")?.AsDWord();
        return new ServiceInfo(
            serviceName,
            registry.GetValue(RegistryHive.System, path, "DisplayName")?.AsText(),
            registry.GetValue(RegistryHive.System, path, "ImagePath")?.AsText(),
            start is <= 4 ? (ServiceStartMode)start.Value : null,
            registry.GetValue(RegistryHive.System, path, "DelayedAutostart")?.AsDWord() == 1,
            ServiceRunState.Unknown);
    }

    /// <inheritdoc/>
    public void SetStartMode(string name, ServiceStartMode mode)
    {
        var service = Find(name) ?? throw new KeyNotFoundException($"no service named '{name}' in the offline SYSTEM hive");
        registry.SetValue(RegistryHive.System, ServicesPath + "\\" + service.Name, "Start", RegistryData.FromDWord((uint)mode));
    }

    /// <inheritdoc/>
    public Task StartAsync(string name, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw OfflineWindows.NeedsRunningWindows($"starting the service '{name}'", "set its start mode instead; it starts when the image boots");

    /// <inheritdoc/>
    public Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw OfflineWindows.NeedsRunningWindows($"stopping the service '{name}'", "nothing runs in an offline image");
}

/// <summary>The volume an offline tree lives on.</summary>
public sealed class OfflineVolumes(OfflineFiles files) : IVolumes
{
    /// <inheritdoc/>
    public void SetDriveLetter(string volumeRoot, char letter) =>
        throw new PlatformNotSupportedException("changing a drive letter needs the running Windows; an offline tree has no mounted volumes of its own");

    /// <inheritdoc/>
    public IReadOnlyList<VolumeInfo> ListVolumes()
    {
        long? total = null, free = null;
        string? format = null;
        try
        {
            var drive = new DriveInfo(files.Root);
            if (drive.IsReady)
            {
                total = drive.TotalSize;
                free = drive.AvailableFreeSpace;
                format = drive.DriveFormat;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The host cannot say; the volume is still listed.
        }

        return [new VolumeInfo(files.SystemDrive + @":\", null, format, total, free)];
    }
}

/// <summary>System facts of an offline tree, from its SYSTEM and SOFTWARE hives.</summary>
public sealed class OfflineSystemInfo(OfflineRegistry registry) : ISystemInfo
{
    internal const string CurrentVersionPath = @"Microsoft\Windows NT\CurrentVersion";
    internal const string SetupStatePath = @"Microsoft\Windows\CurrentVersion\Setup\State";
    internal const string SppPath = @"Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform";

    /// <inheritdoc/>
    public OsVersion GetOsVersion() => ReadOsVersion(registry);

    /// <inheritdoc/>
    public string? GetComputerName() => ComputerNames.ReadPending(registry);

    /// <inheritdoc/>
    public string? GetPendingComputerName() => ComputerNames.ReadPending(registry);

    /// <inheritdoc/>
    public void SetComputerName(string name) => ComputerNames.WritePending(registry, name);

    /// <inheritdoc/>
    public (ImageState State, string? RawText) GetImageState()
    {
        var text = registry.GetValue(RegistryHive.Software, SetupStatePath, "ImageState")?.AsText();
        return (ImageStates.Parse(text), text);
    }

    /// <inheritdoc/>
    public ActivationInfo GetActivation() =>
        new(registry.GetValue(RegistryHive.Software, SppPath, "SkipRearm")?.AsDWord() == 1, null, null);

    internal static OsVersion ReadOsVersion(IRegistry registry)
    {
        string? Text(string name) => registry.GetValue(RegistryHive.Software, CurrentVersionPath, name)?.AsText();
        int? Number(string name) => registry.GetValue(RegistryHive.Software, CurrentVersionPath, name)?.AsDWord() is { } v ? (int)v : null;
        int? Parse(string? s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

        int? major = Number("CurrentMajorVersionNumber"), minor = Number("CurrentMinorVersionNumber");
        if (major is null && Text("CurrentVersion") is { } legacy && legacy.Split('.') is [var a, var b, ..])
        {
            major = Parse(a);
            minor = Parse(b);
        }

        return new OsVersion
        {
            ProductName = Text("ProductName"),
            EditionId = Text("EditionID"),
            InstallationType = Text("InstallationType"),
            Major = major,
            Minor = minor,
            Build = Parse(Text("CurrentBuildNumber")) ?? Parse(Text("CurrentBuild")),
            Revision = Number("UBR"),
            DisplayVersion = Text("DisplayVersion") ?? Text("ReleaseId") ?? Text("CSDVersion"),
            ProductType = OsVersion.ProductTypeOf(ReadProductOptions(registry)),
        };
    }

    // SYSTEM\CurrentControlSet\Control\ProductOptions!ProductType: WinNT, ServerNT or LanmanNT (a domain controller).
    // A SYSTEM hive that cannot be read leaves the product type unknown rather than failing the version.
    private static string? ReadProductOptions(IRegistry registry)
    {
        try
        {
            return registry.GetValue(RegistryHive.System, @"CurrentControlSet\Control\ProductOptions", "ProductType")?.AsText();
        }
        catch (HiveUnavailableException)
        {
            return null;
        }
    }
}

/// <summary>Processes, the serial console and power of an offline tree: none exist, and each says so.</summary>
internal sealed class OfflineNothingRuns : IProcessRunner, ISerialConsole, IPower
{
    public Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        throw OfflineWindows.NeedsRunningWindows($"running '{request.FileName}'", "run it when the image boots (SetupComplete.cmd or the agent)");
    }

    public int StartDetached(ProcessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        throw OfflineWindows.NeedsRunningWindows($"starting '{request.FileName}'", "run it when the image boots (SetupComplete.cmd or the agent)");
    }

    public IReadOnlyList<int> FindRunning(string programFileName) =>
        throw OfflineWindows.NeedsRunningWindows($"listing the running '{programFileName}' processes", "nothing runs in an offline image");

    /// <summary>Null: an offline tree has no process whose rights could be asked about.</summary>
    public bool? IsElevated => null;

    public Task WriteLineAsync(string line, CancellationToken cancellationToken) =>
        throw OfflineWindows.NeedsRunningWindows("writing to the serial console (COM1)", "an offline image has no console");

    /// <inheritdoc/>
    public void Close()
    {
        // Nothing is ever opened.
    }

    public void Request(PowerAction action, TimeSpan delay, string reason) =>
        throw OfflineWindows.NeedsRunningWindows(action == PowerAction.Reboot ? "restarting" : "shutting down", "an offline image is not running");
}

/// <summary>
/// An offline tree's certificates: refused. LocalMachine\My is in the SOFTWARE hive, but a certificate there is only
/// usable with its private key, which Windows keeps under %ProgramData%\Microsoft\Crypto encrypted with the machine's
/// DPAPI key; only the running Windows can make or read one.
/// </summary>
internal sealed class OfflineCertificates : IMachineCertificates
{
    private const string Hint = "the key of a machine certificate is protected with the running Windows' DPAPI key; make it when the image boots (the agent's enableWinRmHttps task)";

    public IReadOnlyList<MachineCertificate> List() => throw OfflineWindows.NeedsRunningWindows(@"reading the LocalMachine\My certificate store", Hint);

    public MachineCertificate CreateSelfSigned(SelfSignedCertificateRequest request) =>
        throw OfflineWindows.NeedsRunningWindows("making a machine certificate", Hint);

    public bool Remove(string thumbprint) => throw OfflineWindows.NeedsRunningWindows("removing a machine certificate", Hint);
}
