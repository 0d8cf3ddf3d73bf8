using System.Buffers.Binary;

namespace Reseal.Registry.Tests;

public class HiveReaderTests
{
    [Fact]
    public void Load_CleanSystemHive_ReadsBaseBlock()
    {
        var hive = HiveData.Load("regipy-SYSTEM");

        Assert.Equal(13983u, hive.Header.PrimarySequence);
        Assert.Equal(13983u, hive.Header.SecondarySequence);
        Assert.Equal(5u, hive.Header.MinorVersion);
        Assert.True(hive.Header.ChecksumValid);
        Assert.False(hive.Header.IsDirty);
        Assert.Empty(hive.Warnings);
    }

    [Fact]
    public void Load_DirtyHiveWithoutLogs_WarnsStale()
    {
        var hive = HiveData.Load("regipy-SYSTEM_B");

        Assert.True(hive.Header.IsDirty);
        Assert.True(hive.IsStale);
        Assert.Contains(hive.Warnings, w => w.Contains("dirty", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadChecksum_IsDirty()
    {
        var bytes = HiveData.Bytes("hivex-minimal");
        bytes[100] ^= 0x55;

        var hive = Hive.Load(bytes);

        Assert.False(hive.Header.ChecksumValid);
        Assert.True(hive.Header.IsDirty);
    }

    [Fact]
    public void OpenKey_MixedCasePath_FindsKeyThroughLhHashes()
    {
        var hive = HiveData.Load("regipy-SYSTEM");

        var key = hive.OpenKey(@"controlset001\CONTROL\computername\ComputerName");

        Assert.NotNull(key);
        Assert.Equal("ComputerName", key.Value.Name);
        Assert.Equal(@"\ControlSet001\Control\ComputerName\ComputerName", key.Value.Path);
        Assert.Equal("WKS-WIN732BITA", key.Value.GetValue("computername")?.GetString());
    }

    [Fact]
    public void OpenKey_CurrentControlSet_ResolvesThroughSelectCurrent()
    {
        var hive = HiveData.Load("regipy-SYSTEM");
        var current = hive.Root.GetSubkey("Select")!.Value.GetValue("Current")!.Value.GetDWord();

        var key = hive.OpenKey(@"CurrentControlSet\Control\ComputerName");

        Assert.NotNull(key);
        Assert.Equal($@"\ControlSet{current:D3}\Control\ComputerName", key.Value.Path);
    }

    [Fact]
    public void OpenKey_MissingKey_ReturnsNull()
    {
        var hive = HiveData.Load("regipy-SYSTEM");

        Assert.Null(hive.OpenKey(@"ControlSet001\NoSuchKey\Below"));
    }

    [Fact]
    public void GetSubkey_EveryKeyOfSystemHive_FoundByHashAsByScan()
    {
        var hive = HiveData.Load("regipy-SYSTEM");
        var largest = 0;
        var pending = new Stack<RegistryKey>([hive.Root]);
        while (pending.Count > 0)
        {
            var key = pending.Pop();
            var children = key.GetSubkeys();
            largest = Math.Max(largest, children.Count);
            foreach (var child in children)
            {
                Assert.Equal(child, key.GetSubkey(child.Name.ToUpperInvariant()));
                pending.Push(child);
            }
        }

        Assert.True(largest > 507, $"the largest list has {largest} entries; an ri list was expected");
    }

    [Fact]
    public void GetSubkeys_VersionOneThreeHive_UsesLfHints()
    {
        var hive = HiveData.Load("regipy-NTUSER.DAT");
        var software = hive.OpenKey("Software")!.Value;

        Assert.Equal(3u, hive.Header.MinorVersion);
        foreach (var child in software.GetSubkeys())
        {
            Assert.Equal(child, software.GetSubkey(child.Name.ToLowerInvariant()));
        }
    }

    [Fact]
    public void GetData_BigDataValue_AssemblesSegmentsToDeclaredLength()
    {
        var hive = HiveData.Load("regipy-SYSTEM");
        var value = hive.OpenKey(@"ControlSet001\Control\Session Manager\AppCompatCache")!.Value.GetValue("AppCompatCache")!.Value;

        var data = value.GetData();

        Assert.True(value.DataLength > RegistryValue.BigDataSegment);
        Assert.Equal(value.DataLength, data.Length);
        Assert.Equal(0xBADC0FEEu, BinaryPrimitives.ReadUInt32LittleEndian(data));
    }

    [Fact]
    public void ClassName_LsaBootKeyParts_AreEightHexDigits()
    {
        var hive = HiveData.Load("regipy-SYSTEM");
        var lsa = hive.OpenKey(@"ControlSet001\Control\Lsa")!.Value;

        foreach (var part in new[] { "JD", "Skew1", "GBG", "Data" })
        {
            var className = lsa.GetSubkey(part)!.Value.ClassName;
            Assert.NotNull(className);
            Assert.Matches("^[0-9a-fA-F]{8}$", className);
        }
    }

    [Fact]
    public void GetSecurityDescriptor_RootKey_IsSelfRelativeRevisionOne()
    {
        var hive = HiveData.Load("regipy-SYSTEM");

        var descriptor = hive.Root.GetSecurityDescriptor();

        Assert.NotNull(descriptor);
        Assert.Equal(1, descriptor[0]);
        Assert.True((BinaryPrimitives.ReadUInt16LittleEndian(descriptor.AsSpan(2)) & 0x8000) != 0, "SE_SELF_RELATIVE");
    }

    [Fact]
    public void Name_SpecialHive_DecodesLatin1Utf16AndNul()
    {
        var hive = HiveData.Load("hivex-special");

        var names = hive.Root.GetSubkeys().Select(k => k.Name).ToArray();

        Assert.Contains("abcd_äöüß", names);
        Assert.Contains("weird™", names);
        Assert.Contains("zero\0key", names);
        Assert.NotNull(hive.OpenKey("ABCD_ÄÖÜß"));
    }

    [Fact]
    public void GetValue_SamNamesDefaultValue_KeepsRidAsRawType()
    {
        var hive = HiveData.Load("regipy-SAM");
        var names = hive.OpenKey(@"SAM\Domains\Account\Users\Names")!.Value;

        var admin = names.GetSubkey("Administrator")!.Value.GetValue(string.Empty)!.Value;

        Assert.Equal(0x1F4u, admin.RawType);
        Assert.Equal(0, admin.DataLength);
    }

    [Fact]
    public void GetDWord_ValueOfWrongSize_ReturnsNullWithoutThrowing()
    {
        var hive = HiveData.Load("hivex-rlenvalue_test_hive");
        var value = hive.OpenKey("ModerateValueParent")!.Value.GetValue("3Bytes")!.Value;

        Assert.Equal(3, value.GetData().Length);
        Assert.Null(value.GetDWord());
    }

    [Fact]
    public void Load_RootWithoutHiveEntryFlag_ReadsWithWarning()
    {
        // ez-SECURITYNoRoot: the root nk has flags 0x20 only. offreg writes such roots too, so this is legal;
        // hivex reads it, and Reseal reads it the same way but says so.
        var hive = HiveData.Load("ez-SECURITYNoRoot");

        Assert.Contains(hive.Warnings, w => w.Contains("HIVE_ENTRY", StringComparison.Ordinal) && w.Contains("0x1020", StringComparison.Ordinal));
        Assert.NotEmpty(hive.Root.GetSubkeys());
    }
}
