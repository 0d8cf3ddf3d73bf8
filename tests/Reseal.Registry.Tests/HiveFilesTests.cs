using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

public class HiveFilesTests
{
    [Fact]
    public void FindLogs_LogsBesideHiveInAnyCase_FindsThemInOrder()
    {
        using var dir = new TempDirectory();
        var hive = dir.Write("SYSTEM", [1]);
        dir.Write("SYSTEM.LOG2", [2]);
        dir.Write("system.log1", [3]);
        dir.Write("SYSTEM.sav", [4]);
        dir.Write("SYSTEMX.LOG1", [5]);

        var logs = HiveFiles.FindLogs(hive).Select(Path.GetFileName);

        Assert.Equal(["system.log1", "SYSTEM.LOG2"], logs);
    }

    [Fact]
    public void FindLogs_WildcardCharactersInHiveName_MatchOnlyThatName()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a file name cannot hold '*' or '?' on Windows");
        using var dir = new TempDirectory();
        var hive = dir.Write("SYS*[1]?", [1]);
        dir.Write("SYS*[1]?.Log", [2]);
        dir.Write("SYSTEM[1]X.LOG1", [3]);
        dir.Write("SYS*[1]?.LOG1.bak", [4]);
        dir.Write("SYS*[1]?.LOG12", [5]);

        var logs = HiveFiles.FindLogs(hive).Select(Path.GetFileName);

        Assert.Equal(["SYS*[1]?.Log"], logs);
    }

    [Fact]
    public void FindLogs_HiddenLogsBesideAHiddenHive_Found()
    {
        // .NET calls a Linux name starting with '.' hidden, as Windows marks ntuser.dat.LOG1 hidden and system.
        using var dir = new TempDirectory();
        var hive = dir.Write(".hive", [1]);
        dir.Write(".hive.LOG1", [2]);
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(Path.Combine(dir.Path, ".hive.LOG1"), FileAttributes.Hidden | FileAttributes.System);
        }

        Assert.Equal([".hive.LOG1"], HiveFiles.FindLogs(hive).Select(Path.GetFileName));
    }

    [Fact]
    public void FindLogs_BackslashInTheHiveName_StillFindsItsLogs()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a file name cannot hold a backslash on Windows");
        // As an archive of a Windows tree extracted without folders names it.
        using var dir = new TempDirectory();
        var hive = dir.Write(@"Windows\System32\config\SYSTEM", [1]);
        dir.Write(@"Windows\System32\config\SYSTEM.LOG1", [2]);
        dir.Write(@"WindowsSystem32configSYSTEM.LOG2", [3]);

        Assert.Equal([@"Windows\System32\config\SYSTEM.LOG1"], HiveFiles.FindLogs(hive).Select(Path.GetFileName));
    }

    [Fact]
    public void OpenWithFoundLogs_DirtySystemB_Replays()
    {
        using var dir = new TempDirectory();
        var hive = dir.Write("SYSTEM", HiveData.Bytes("regipy-SYSTEM_B"));
        dir.Write("SYSTEM.LOG1", HiveData.Bytes("regipy-SYSTEM_B.LOG1"));
        dir.Write("SYSTEM.LOG2", HiveData.Bytes("regipy-SYSTEM_B.LOG2"));

        var opened = Hive.Open(hive, HiveFiles.FindLogs(hive));

        Assert.True(opened.LogsReplayed);
        Assert.Empty(opened.Warnings);
    }

    [Fact]
    public void WriteAtomically_RecoveredImage_ReplacesAndKeepsBackup()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("SYSTEM", HiveData.Bytes("regipy-SYSTEM_B"));
        var recovered = Hive.Open(path, [dir.Write("L1", HiveData.Bytes("regipy-SYSTEM_B.LOG1")), dir.Write("L2", HiveData.Bytes("regipy-SYSTEM_B.LOG2"))]);

        HiveFiles.WriteAtomically(path, recovered.Image.ToArray());

        Assert.False(Hive.Open(path).Header.IsDirty);
        Assert.Equal(HiveData.Bytes("regipy-SYSTEM_B"), File.ReadAllBytes(path + ".bak"));
    }

    [Fact]
    public void WriteAtomically_DirtyOrBrokenImage_LeavesTargetUntouched()
    {
        using var dir = new TempDirectory();
        var original = HiveData.Bytes("hivex-minimal");
        var path = dir.Write("HIVE", original);

        Assert.Throws<InvalidOperationException>(() => HiveFiles.WriteAtomically(path, HiveData.Bytes("regipy-SYSTEM_B")));
        Assert.Throws<HiveFormatException>(() => HiveFiles.WriteAtomically(path, new byte[8192]));

        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal(["HIVE"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }
}
