using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary><see cref="Hive.OpenLazy"/> reads only the hbins holding the cells asked for, and reads them the same.</summary>
public class LazyReadTests
{
    private const string DeepKey = @"ControlSet001\Control\NetDiagFx\Microsoft\HostDLLs\DnsHelperClass\HelperClasses\DnsHelperClass\Providers\{1c95126e-7eea-49a9-a3fe-a378b03ddb4d}";

    [Fact]
    public void OpenLazy_DeepValueOfSystem_ReadsFewHbinsAndSameValue()
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract("regipy-SYSTEM", dir);

        using var lazy = Hive.OpenLazy(path);
        var value = lazy.OpenKey(DeepKey)!.Value.GetValue("Name")!.Value;

        var whole = Hive.Open(path).OpenKey(DeepKey)!.Value.GetValue("Name")!.Value;
        Assert.Equal(whole.GetString(), value.GetString());
        Assert.Equal(whole.RawType, value.RawType);
        var image = lazy.ImageStore;
        Assert.True(image.HbinsRead * 20 < image.HbinCount, $"read {image.HbinsRead} of {image.HbinCount} hbins for one lookup");
    }

    public static TheoryData<string> Readable => [.. HiveData.Readable];

    [Theory]
    [MemberData(nameof(Readable))]
    public void OpenLazy_EveryRealHive_ExportsTheSameBytesAsOpen(string name)
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract(name, dir);

        using var lazy = Hive.OpenLazy(path);

        Assert.Equal(RegExporter.ExportToBytes(Hive.Open(path)), RegExporter.ExportToBytes(lazy));
        Assert.Equal(HiveChecker.Check(Hive.Open(path)), HiveChecker.Check(lazy));
    }

    [Theory]
    [InlineData("ez-NotAHive")]
    [InlineData("ez-SAMBadHBinHeader")]
    [InlineData("regipy-corrupted_system_hive")]
    public void OpenLazy_DamagedHive_SameErrorAsOpen(string name)
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract(name, dir);

        var whole = Assert.Throws<HiveFormatException>(() => Hive.Open(path));
        var lazy = Assert.Throws<HiveFormatException>(() => Hive.OpenLazy(path));

        Assert.Equal(whole.Message, lazy.Message);
    }

    [Fact]
    public void OpenLazy_DirtyHiveWithLogs_ReplayedLikeOpen()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("SYSTEM", HiveData.Bytes("regipy-SYSTEM_B"));
        string[] logs = [dir.Write("SYSTEM.LOG1", HiveData.Bytes("regipy-SYSTEM_B.LOG1")), dir.Write("SYSTEM.LOG2", HiveData.Bytes("regipy-SYSTEM_B.LOG2"))];

        using var lazy = Hive.OpenLazy(path, logs);

        Assert.True(lazy.LogsReplayed);
        Assert.Equal(RegExporter.ExportToBytes(Hive.Open(path, logs)), RegExporter.ExportToBytes(lazy));
    }

    [Fact]
    public void OpenLazy_FileTruncatedWhileOpen_HiveFormatExceptionNamingTheOffset()
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract("regipy-SYSTEM", dir);
        using var lazy = Hive.OpenLazy(path);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            file.SetLength(8192);
        }

        var error = Assert.Throws<HiveFormatException>(() => RegExporter.ExportToBytes(lazy));

        Assert.Contains("truncated while being read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenLazy_Disposed_FileCanBeReplaced()
    {
        using var dir = new TempDirectory();
        var path = HiveData.Extract("hivex-minimal", dir);
        var lazy = Hive.OpenLazy(path);
        _ = lazy.Root.GetSubkeys();

        lazy.Dispose();
        HiveFiles.WriteAtomically(path, HiveDocument.Create("ROOT", FixedTime.Default).ToBytes(), new HiveSaveOptions { KeepBackup = false });

        using var reopened = Hive.OpenLazy(path);
        Assert.Equal("ROOT", reopened.Root.Name);
    }
}
