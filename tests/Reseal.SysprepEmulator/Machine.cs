using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Principal;
using Microsoft.Win32;

namespace Reseal.SysprepEmulator;

/// <summary>
/// The registry and files of the running Windows (Wine's real Win32 registry), where Setup keeps what the emulator
/// plays. Keys are written <c>HKLM\...</c>, <c>HKU\...</c> or <c>HKCU\...</c>, always in the 64-bit view.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed partial class Machine(EmulatorPaths paths)
{
    public const string SetupStateKey = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State";
    public const string SetupKey = @"HKLM\SYSTEM\Setup";
    public const string SysprepStatusKey = @"HKLM\SYSTEM\Setup\Status\SysprepStatus";
    public const string ComputerNameKey = @"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName";
    public const string ActiveComputerNameKey = @"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName";
    public const string TcpipKey = @"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";
    public const string SppKey = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform";
    public const string TerminalServerKey = @"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server";

    /// <summary>GeneralizationState when Sysprep may run (and again after specialize).</summary>
    public const int GeneralizationReady = 7;

    /// <summary>GeneralizationState after a successful generalize (windeploy logs "Found generalization state [0x4]").</summary>
    public const int GeneralizationDone = 4;

    /// <summary>GeneralizationState while generalize runs; left behind when it fails part-way.</summary>
    public const int GeneralizationRunning = 1;

    // Always the 64-bit view: Setup is a 64-bit program on amd64 Windows, and so is Wine's win64 prefix.
    private readonly RegistryView _view = RegistryView.Registry64;

    public EmulatorPaths Paths { get; } = paths;

    public string? GetString(string key, string name)
    {
        using var k = Open(key, writable: false);
        return k?.GetValue(name, null, RegistryValueOptions.DoNotExpandEnvironmentNames) switch
        {
            string s => s,
            string[] m => string.Join(';', m),
            _ => null,
        };
    }

    public int? GetDWord(string key, string name)
    {
        using var k = Open(key, writable: false);
        return k?.GetValue(name) is int i ? i : null;
    }

    public void SetString(string key, string name, string value)
    {
        using var k = Create(key);
        k.SetValue(name, value, RegistryValueKind.String);
    }

    public void SetMultiString(string key, string name, params string[] values)
    {
        using var k = Create(key);
        k.SetValue(name, values, RegistryValueKind.MultiString);
    }

    public void SetDWord(string key, string name, int value)
    {
        using var k = Create(key);
        k.SetValue(name, value, RegistryValueKind.DWord);
    }

    /// <summary>ImageState from the registry (State.ini is its mirror).</summary>
    public string? ImageState => GetString(SetupStateKey, "ImageState");

    /// <summary>Sets ImageState in the registry and in <c>%WINDIR%\Setup\State\State.ini</c>, as Setup does.</summary>
    public void SetImageState(string value)
    {
        SetString(SetupStateKey, "ImageState", value);
        Directory.CreateDirectory(Path.GetDirectoryName(Paths.StateIni)!);
        File.WriteAllText(Paths.StateIni, "[State]\r\nImageState=" + value + "\r\n");
    }

    /// <summary>Whether the process holds the Administrators role (under Wine it always does).</summary>
    public static bool IsAdministrator()
    {
        using var identity = WindowsIdentity.GetCurrent();
        return new WindowsPrincipal(identity).IsInRole(WindowsBuiltInRole.Administrator);
    }

    /// <summary>
    /// Sets the machine's name the way a reboot makes it active: NetBIOS name (upper case) in ComputerName and
    /// ActiveComputerName, DNS host name in Tcpip Hostname and NV Hostname. NV Hostname is the record the emulator
    /// restores at each boot, because Wine resets ComputerName and ActiveComputerName to the Linux host name whenever its
    /// wineserver starts (docs/wine-e2e.md).
    /// </summary>
    public void SetComputerName(string name)
    {
        var netbios = name.ToUpperInvariant();
        SetString(ComputerNameKey, "ComputerName", netbios);
        SetString(ActiveComputerNameKey, "ComputerName", netbios);
        SetString(TcpipKey, "Hostname", name);
        SetString(TcpipKey, "NV Hostname", name);
    }

    /// <summary>Generalize: the pending name is cleared; the running system keeps its active name until it shuts down.</summary>
    public void ClearComputerName()
    {
        SetString(ComputerNameKey, "ComputerName", string.Empty);
        SetString(TcpipKey, "NV Hostname", string.Empty);
    }

    /// <summary>A name like the one Windows makes for <c>ComputerName</c> <c>*</c> or empty: <c>WIN-</c> and 11 random characters.</summary>
    public static string RandomComputerName()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return "WIN-" + RandomNumberGenerator.GetString(alphabet, 11);
    }

    /// <summary>The LCID of a locale name (<c>en-US</c> → 0x0409) through kernel32, or null when Windows does not know it.</summary>
    public static int? LocaleId(string name)
    {
        var lcid = LocaleNameToLCID(name, 0);
        return lcid == 0 ? null : lcid;
    }

    public static string Hex(int value, int digits) => value.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    [LibraryImport("kernel32.dll", StringMarshalling = StringMarshalling.Utf16)]
    private static partial int LocaleNameToLCID(string lpName, uint dwFlags);

    private (RegistryKey Root, string SubKey) Split(string key)
    {
        var slash = key.IndexOf('\\', StringComparison.Ordinal);
        var root = slash < 0 ? key : key[..slash];
        var sub = slash < 0 ? string.Empty : key[(slash + 1)..];
        var hive = root.ToUpperInvariant() switch
        {
            "HKLM" or "HKEY_LOCAL_MACHINE" => RegistryHive.LocalMachine,
            "HKU" or "HKEY_USERS" => RegistryHive.Users,
            "HKCU" or "HKEY_CURRENT_USER" => RegistryHive.CurrentUser,
            _ => throw new ArgumentException($"unknown registry root in '{key}'", nameof(key)),
        };
        return (RegistryKey.OpenBaseKey(hive, _view), sub);
    }

    private RegistryKey? Open(string key, bool writable)
    {
        var (root, sub) = Split(key);
        using (root)
        {
            return root.OpenSubKey(sub, writable);
        }
    }

    private RegistryKey Create(string key)
    {
        var (root, sub) = Split(key);
        using (root)
        {
            return root.CreateSubKey(sub, writable: true);
        }
    }
}
