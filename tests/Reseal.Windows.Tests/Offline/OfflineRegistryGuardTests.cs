using System.Buffers.Binary;
using System.Text;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Offline;

public class OfflineRegistryGuardTests
{
    [Fact]
    public void GetValue_DamagedValueList_ThrowsHiveUnavailable()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Reseal\\Damaged]\n\"Stage\"=\"a value long enough to live in its own cell\"\n\n");
        var software = Path.Combine(root, "Windows", "System32", "config", "SOFTWARE");
        var bytes = File.ReadAllBytes(software);
        var node = FindKeyNode(bytes, "Damaged");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(node + 40), 0x7FFFFFF0); // value list offset: far outside the hive
        File.WriteAllBytes(software, bytes);
        var registry = OfflineWindows.Open(root).Registry;
        Assert.True(registry.KeyExists(RegistryHive.Software, @"Reseal\Damaged"));

        var e = Assert.Throws<HiveUnavailableException>(() => registry.GetValue(RegistryHive.Software, @"Reseal\Damaged", "Stage"));

        Assert.Equal(RegistryHive.Software, e.Hive);
    }

    [Fact]
    public void Edit_WhenSaveFails_TheFailedChangeIsNotWrittenByTheNextEdit()
    {
        using var temp = new TempDirectory();
        using var backups = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var blocked = Path.Combine(backups.Path, "blocked");
        File.WriteAllText(blocked, "a file where the backup folder must go"); // the save fails: no backup, no write
        var registry = OfflineWindows.Open(root, backupDirectory: blocked).Registry;

        Assert.ThrowsAny<Exception>(() => registry.SetValue(RegistryHive.Software, "Reseal", "Failed", RegistryData.FromString("lost")));
        File.Delete(blocked);
        registry.SetValue(RegistryHive.Software, "Reseal", "Saved", RegistryData.FromString("kept"));

        var reopened = OfflineWindows.Open(root, backupDirectory: backups.Path).Registry;
        Assert.Equal("kept", reopened.GetValue(RegistryHive.Software, "Reseal", "Saved")?.AsText());
        Assert.Null(reopened.GetValue(RegistryHive.Software, "Reseal", "Failed"));
        Assert.Null(registry.GetValue(RegistryHive.Software, "Reseal", "Failed"));
    }

    /// <summary>The offset of the "nk" signature of the key with this (Latin-1) name.</summary>
    private static int FindKeyNode(byte[] hive, string name)
    {
        var wanted = Encoding.Latin1.GetBytes(name);
        for (var i = 4096; i + 76 + wanted.Length <= hive.Length; i++)
        {
            if (hive[i] == (byte)'n' && hive[i + 1] == (byte)'k'
                && BinaryPrimitives.ReadUInt16LittleEndian(hive.AsSpan(i + 72)) == wanted.Length
                && hive.AsSpan(i + 76, wanted.Length).SequenceEqual(wanted))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"no key node named {name}");
    }
}
