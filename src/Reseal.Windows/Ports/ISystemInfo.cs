namespace Reseal.Windows.Ports;

/// <summary>Windows' version and edition, as <c>SOFTWARE\Microsoft\Windows NT\CurrentVersion</c> records them.</summary>
public sealed record OsVersion
{
    /// <summary>ProductName, e.g. "Windows Server 2022 Datacenter".</summary>
    public string? ProductName { get; init; }

    /// <summary>EditionID, e.g. "ServerDatacenter".</summary>
    public string? EditionId { get; init; }

    /// <summary>InstallationType: Client, Server, Server Core.</summary>
    public string? InstallationType { get; init; }

    /// <summary>Major version (CurrentMajorVersionNumber, or from CurrentVersion before Windows 10).</summary>
    public int? Major { get; init; }

    /// <summary>Minor version.</summary>
    public int? Minor { get; init; }

    /// <summary>Build number (CurrentBuildNumber / CurrentBuild).</summary>
    public int? Build { get; init; }

    /// <summary>Update build revision (UBR).</summary>
    public int? Revision { get; init; }

    /// <summary>DisplayVersion or ReleaseId, e.g. "21H2".</summary>
    public string? DisplayVersion { get; init; }

    /// <summary>
    /// The product type: 1 workstation (VER_NT_WORKSTATION, ProductOptions "WinNT"), 2 domain controller
    /// (VER_NT_DOMAIN_CONTROLLER, "LanmanNT"), 3 server ("ServerNT"); null when unknown.
    /// </summary>
    public int? ProductType { get; init; }

    /// <summary>
    /// True on a domain controller: it has no local account database, and NetUser* calls change the domain's accounts.
    /// </summary>
    public bool IsDomainController => ProductType == 2;

    /// <summary>The product type of a <c>ProductOptions!ProductType</c> text (WinNT, LanmanNT, ServerNT), or null.</summary>
    public static int? ProductTypeOf(string? productOptions) => productOptions?.Trim().ToUpperInvariant() switch
    {
        "WINNT" => 1,
        "LANMANNT" => 2,
        "SERVERNT" => 3,
        _ => null,
    };

    /// <summary>True when EditionID or InstallationType names a server.</summary>
    public bool IsServer =>
        (EditionId?.Contains("server", StringComparison.OrdinalIgnoreCase) ?? false)
        || (InstallationType?.StartsWith("Server", StringComparison.OrdinalIgnoreCase) ?? false);

    /// <summary>"10.0.20348.1234" style, with what is known.</summary>
    public string VersionText =>
        Major is null ? (Build is null ? "unknown" : $"build {Build}") : $"{Major}.{Minor ?? 0}.{Build ?? 0}" + (Revision is null ? "" : $".{Revision}");
}

/// <summary>Where a Windows image is in its Setup life (<c>Setup\State!ImageState</c>).</summary>
public enum ImageState
{
    /// <summary>No ImageState value (e.g. an image Setup never ran on, or Wine).</summary>
    Missing,

    /// <summary>IMAGE_STATE_COMPLETE: specialize and oobeSystem done; the machine can be sealed.</summary>
    Complete,

    /// <summary>IMAGE_STATE_UNDEPLOYABLE: a Setup phase is running, or, seen offline, one failed.</summary>
    Undeployable,

    /// <summary>IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE: sealed; next boot goes to specialize and OOBE.</summary>
    GeneralizeResealToOobe,

    /// <summary>IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT: sealed to audit mode.</summary>
    GeneralizeResealToAudit,

    /// <summary>IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE: specialize done; next boot goes to OOBE.</summary>
    SpecializeResealToOobe,

    /// <summary>IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT: specialize done; next boot goes to audit.</summary>
    SpecializeResealToAudit,

    /// <summary>A value Windows does not document.</summary>
    Unknown,
}

/// <summary>Conversions between <see cref="ImageState"/> and its registry text.</summary>
public static class ImageStates
{
    /// <summary>Parses the registry text (case-insensitive); null or empty is <see cref="ImageState.Missing"/>.</summary>
    public static ImageState Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        null or "" => ImageState.Missing,
        "IMAGE_STATE_COMPLETE" => ImageState.Complete,
        "IMAGE_STATE_UNDEPLOYABLE" => ImageState.Undeployable,
        "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE" => ImageState.GeneralizeResealToOobe,
        "IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT" => ImageState.GeneralizeResealToAudit,
        "IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE" => ImageState.SpecializeResealToOobe,
        "IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT" => ImageState.SpecializeResealToAudit,
        _ => ImageState.Unknown,
    };

    /// <summary>The registry text for a state; null for Missing and Unknown.</summary>
    public static string? ToRegistryText(ImageState state) => state switch
    {
        ImageState.Complete => "IMAGE_STATE_COMPLETE",
        ImageState.Undeployable => "IMAGE_STATE_UNDEPLOYABLE",
        ImageState.GeneralizeResealToOobe => "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE",
        ImageState.GeneralizeResealToAudit => "IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT",
        ImageState.SpecializeResealToOobe => "IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE",
        ImageState.SpecializeResealToAudit => "IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT",
        _ => null,
    };
}

/// <summary>Licensing facts that matter to generalize.</summary>
/// <param name="SkipRearm">SoftwareProtectionPlatform!SkipRearm = 1: generalize keeps the licensing state and uses no rearm.</param>
/// <param name="RemainingRearmCount">Rearms left, when the platform can tell (only a running Windows can; null offline).</param>
/// <param name="Activated">Whether Windows is activated, when known without asking the licensing service (see <see cref="ISystemInfo.IsActivated"/>).</param>
public sealed record ActivationInfo(bool SkipRearm, int? RemainingRearmCount, bool? Activated);

/// <summary>System-wide facts.</summary>
public interface ISystemInfo
{
    /// <summary>Windows' version and edition.</summary>
    OsVersion GetOsVersion();

    /// <summary>The computer (NetBIOS) name the machine runs with now, or null when not recorded.</summary>
    string? GetComputerName();

    /// <summary>
    /// The name the next boot takes (<c>Control\ComputerName\ComputerName!ComputerName</c>); differs from
    /// <see cref="GetComputerName"/> after a rename until the reboot. Null when not recorded.
    /// </summary>
    string? GetPendingComputerName();

    /// <summary>Sets the computer's host name (DNS host name and NetBIOS name); it takes effect at the next boot.</summary>
    void SetComputerName(string name);

    /// <summary>The Setup image state and its raw text.</summary>
    (ImageState State, string? RawText) GetImageState();

    /// <summary>Licensing facts that can be read cheaply (no licensing-service call: <see cref="ActivationInfo.Activated"/> may be null).</summary>
    ActivationInfo GetActivation();

    /// <summary>
    /// Whether Windows is activated, asking the licensing service where there is one (on a running Windows that can
    /// start the Software Protection service: call it when the answer is needed); null when it cannot be told.
    /// </summary>
    bool? IsActivated() => GetActivation().Activated;
}
