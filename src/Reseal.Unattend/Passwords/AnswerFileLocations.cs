namespace Reseal.Unattend.Passwords;

/// <summary>Why an answer file is at a place.</summary>
public enum AnswerFilePlaceKind
{
    /// <summary>Windows Setup looks for an answer file here (the implicit search order).</summary>
    SetupSearch,

    /// <summary>Windows Setup caches the answer file it used here.</summary>
    SetupCache,

    /// <summary>A launch agent (or Reseal) keeps the answer file it gives Sysprep here.</summary>
    Agent,
}

/// <summary>One place an answer file is read, cached or kept.</summary>
/// <param name="WindowsPath">The path, with <c>%WINDIR%</c> or <c>%SystemDrive%</c> (expand it on the machine at hand).</param>
/// <param name="Kind">Why a file is there.</param>
/// <param name="SearchOrder">Its rank in Setup's implicit search order (1 first), when Setup searches it.</param>
/// <param name="Role">What the place is, for people.</param>
public sealed record AnswerFilePlace(string WindowsPath, AnswerFilePlaceKind Kind, int? SearchOrder, string Role)
{
    /// <summary>
    /// True when Setup reads a file here before <c>%WINDIR%\System32\Sysprep</c> and before a cached copy is replaced:
    /// <c>Panther\Unattend</c> (order 2) and the <c>Panther</c> cache itself (order 3). The seal moves such files aside.
    /// </summary>
    public bool WinsOverSysprepFolder => SearchOrder is <= 3;
}

/// <summary>
/// The one table of places Windows Setup reads or caches answer files, and where launch agents keep theirs, from
/// Microsoft's "Windows Setup Automation Overview", section "Implicit Answer File Search Order"
/// (https://learn.microsoft.com/windows-hardware/manufacture/desktop/windows-setup-automation-overview):
/// 1 the registry value <c>HKLM\System\Setup!UnattendFile</c> (any name: see <see cref="RegistryKey"/>);
/// 2 <c>%WINDIR%\Panther\Unattend</c> (Unattend.xml or Autounattend.xml); 3 <c>%WINDIR%\Panther</c>, where Setup caches
/// the file it used ("Do not use, modify, or overwrite"); 4–5 the root of removable media; 6 <c>\Sources</c> of the
/// distribution (windowsPE, offlineServicing) or <c>%WINDIR%\System32\Sysprep</c> (Unattend.xml, other passes);
/// 7 <c>%SYSTEMDRIVE%</c> (Unattend.xml or Autounattend.xml); 8 the root of the drive Setup runs from. "Valid answer
/// files are cached to the $Windows.~BT\Sources\Panther directory during the windowsPE and offlineServicing
/// configuration passes. After the Windows installation is extracted to the hard disk, the answer file is cached to
/// %WINDIR%\panther." Removable media, the distribution and the drive Setup runs from are not part of an installed
/// Windows and are not listed; <see cref="DriveRootNames"/> names what is searched at a drive's root. Used by lint
/// (files Setup caches), <c>reseal inspect</c>, the seal (files moved aside) and the agent's scrub.
/// </summary>
public static class AnswerFileLocations
{
    /// <summary>The registry key (below HKLM\SYSTEM) whose <see cref="RegistryValueName"/> names an answer file: search order 1.</summary>
    public const string RegistryKey = "Setup";

    /// <summary>The registry value naming an answer file.</summary>
    public const string RegistryValueName = "UnattendFile";

    /// <summary>The file names Setup looks for at the root of a drive (search orders 4, 5, 7 and 8).</summary>
    public static IReadOnlyList<string> DriveRootNames { get; } = ["Unattend.xml", "Autounattend.xml"];

    /// <summary>Every place, in Setup's search order, then caches, then the agents' files.</summary>
    public static IReadOnlyList<AnswerFilePlace> All { get; } =
    [
        new(@"%WINDIR%\Panther\Unattend\Unattend.xml", AnswerFilePlaceKind.SetupSearch, 2, @"Panther\Unattend (search order 2: read before the cache, re-cached at each pass)"),
        new(@"%WINDIR%\Panther\Unattend\Autounattend.xml", AnswerFilePlaceKind.SetupSearch, 2, @"Panther\Unattend (search order 2: read before the cache, re-cached at each pass)"),
        new(@"%WINDIR%\Panther\Unattend.xml", AnswerFilePlaceKind.SetupCache, 3, @"Panther cache (search order 3: beats the Sysprep folder)"),
        new(@"%WINDIR%\Panther\Autounattend.xml", AnswerFilePlaceKind.SetupCache, 3, @"Panther cache (search order 3: beats the Sysprep folder)"),
        new(@"%WINDIR%\System32\Sysprep\Unattend.xml", AnswerFilePlaceKind.SetupSearch, 6, "Sysprep folder (search order 6)"),
        new(@"%SystemDrive%\Unattend.xml", AnswerFilePlaceKind.SetupSearch, 7, "system drive root (search order 7)"),
        new(@"%SystemDrive%\Autounattend.xml", AnswerFilePlaceKind.SetupSearch, 7, "system drive root (search order 7)"),
        new(@"%SystemDrive%\$Windows.~BT\Sources\Panther\Unattend.xml", AnswerFilePlaceKind.SetupCache, null, @"$Windows.~BT cache (windowsPE and offlineServicing passes)"),
        new(@"%WINDIR%\System32\Sysprep\Panther\Unattend.xml", AnswerFilePlaceKind.SetupCache, null, @"Sysprep's Panther folder (not in Microsoft's list; checked because copies have been found there)"),
        new(@"%ProgramData%\Amazon\EC2Launch\sysprep\unattend.xml", AnswerFilePlaceKind.Agent, null, "EC2Launch v2 sysprep"),
        new(@"%ProgramData%\Amazon\EC2-Windows\Launch\Sysprep\Unattend.xml", AnswerFilePlaceKind.Agent, null, "EC2Launch v1 sysprep"),
        new(@"%ProgramFiles%\Amazon\Ec2ConfigService\sysprep2008.xml", AnswerFilePlaceKind.Agent, null, "EC2Config sysprep"),
        new(@"%ProgramFiles%\Cloudbase Solutions\Cloudbase-Init\conf\Unattend.xml", AnswerFilePlaceKind.Agent, null, "Cloudbase-Init sysprep"),
        new(@"%ProgramData%\Reseal\sysprep\unattend.xml", AnswerFilePlaceKind.Agent, null, "Reseal sysprep"),
    ];
}
