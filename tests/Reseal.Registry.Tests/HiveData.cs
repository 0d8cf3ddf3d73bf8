using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>The real hives in ../shared/data/hives, by name (without .gz).</summary>
internal static class HiveData
{
    /// <summary>Hives that hivexregedit exports; Reseal's export must match them byte for byte.</summary>
    public static readonly string[] Readable =
    [
        "ez-BCD", "ez-NTUSER1.DAT", "ez-SAM", "ez-SAM_DUPENAME", "ez-SAM_RootValue", "ez-SAM_hasBigEndianDWord",
        "ez-SECURITYNoRoot", "hivex-minimal", "hivex-rlenvalue_test_hive", "hivex-special", "regipy-BCD",
        "regipy-NTUSER.DAT", "regipy-NTUSER_BAGMRU.DAT", "regipy-SAM", "regipy-SECURITY", "regipy-SYSTEM",
        "regipy-SYSTEM_B", "regipy-SYSTEM_WIN_10_1709", "regipy-UsrClass.dat", "regipy-amcache.hve",
        "regipy-ntuser_software_partial", "regipy-transactions_NTUSER.DAT", "winregkb-NTUSER.DAT", "winregkb-SAM",
        "winregkb-SECURITY", "winregkb-UsrClass.dat",
    ];

    /// <summary>Damaged hives that hivex refuses too, with the text Reseal's error must contain.</summary>
    public static readonly (string Name, string Expected)[] Damaged =
    [
        ("ez-NotAHive", "base block at file offset 0x0: not a registry hive"),
        ("ez-SAMBadHBinHeader", "hbin at file offset 0x2000: expected signature 'hbin'"),
        ("regipy-corrupted_system_hive", "hbin at file offset 0x1A000: expected signature 'hbin'"),
    ];

    public static byte[] Bytes(string name) => SharedData.ReadBytes($"hives/{name}.gz");

    public static Hive Load(string name) => Hive.Load(Bytes(name));

    /// <summary>Writes the decompressed hive to a folder and returns its path.</summary>
    public static string Extract(string name, TempDirectory dir) => dir.Write(name, Bytes(name));
}
