namespace Reseal.Windows.Ports;

/// <summary>The machine-wide hives Reseal reads and edits.</summary>
public enum RegistryHive
{
    /// <summary><c>HKLM\SYSTEM</c> (file <c>System32\config\SYSTEM</c>); <c>CurrentControlSet</c> resolves through <c>Select\Current</c>.</summary>
    System,

    /// <summary><c>HKLM\SOFTWARE</c> (file <c>System32\config\SOFTWARE</c>).</summary>
    Software,

    /// <summary><c>HKLM\SAM</c> (file <c>System32\config\SAM</c>).</summary>
    Sam,

    /// <summary><c>HKLM\SECURITY</c> (file <c>System32\config\SECURITY</c>).</summary>
    Security,

    /// <summary><c>HKU\.DEFAULT</c> (file <c>System32\config\DEFAULT</c>), the profile of the system account and the template for new locales.</summary>
    Default,
}

/// <summary>Names of the hives as Windows shows them.</summary>
public static class RegistryHives
{
    /// <summary>All hives, in the order reports list them.</summary>
    public static IReadOnlyList<RegistryHive> All { get; } =
        [RegistryHive.System, RegistryHive.Software, RegistryHive.Sam, RegistryHive.Security, RegistryHive.Default];

    /// <summary>The hive's file name under <c>%WINDIR%\System32\config</c>.</summary>
    public static string FileName(RegistryHive hive) => hive switch
    {
        RegistryHive.System => "SYSTEM",
        RegistryHive.Software => "SOFTWARE",
        RegistryHive.Sam => "SAM",
        RegistryHive.Security => "SECURITY",
        RegistryHive.Default => "DEFAULT",
        _ => throw new ArgumentOutOfRangeException(nameof(hive), hive, "unknown hive"),
    };

    /// <summary>The hive's root as regedit shows it, e.g. <c>HKLM\SYSTEM</c>.</summary>
    public static string DisplayName(RegistryHive hive) => hive == RegistryHive.Default ? @"HKU\.DEFAULT" : @"HKLM\" + FileName(hive);
}
