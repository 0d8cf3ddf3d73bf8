using System.Runtime.Versioning;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Offline;

public class HiveBackupTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void SetValue_CreatesThePassedBackupDirectoryAs0700()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix file modes");
        using var temp = new TempDirectory();
        using var state = new TempDirectory();
        var backups = Path.Combine(state.Path, "reseal", "hive-backups");
        var registry = OfflineWindows.Open(WindowsTree.Full(temp), backupDirectory: backups).Registry;

        registry.SetValue(RegistryHive.Software, @"Reseal\State", "Stage", RegistryData.FromString("one"));

        Assert.Equal(Private, File.GetUnixFileMode(backups));
        var backup = Assert.Single(Directory.GetFiles(backups));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
        Assert.Equal(backup, registry.Backups[RegistryHive.Software]);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void SetValue_ExistingLooseBackupDirectory_IsTightenedTo0700()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix file modes");
        using var temp = new TempDirectory();
        using var state = new TempDirectory();
        var backups = Directory.CreateDirectory(Path.Combine(state.Path, "backups")).FullName;
        File.SetUnixFileMode(backups, Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var registry = OfflineWindows.Open(WindowsTree.Full(temp), backupDirectory: backups).Registry;

        registry.SetValue(RegistryHive.Software, @"Reseal\State", "Stage", RegistryData.FromString("one"));

        Assert.Equal(Private, File.GetUnixFileMode(backups));
    }

    [Fact]
    public void SetValue_BackupDirectoryOwnedByAnotherUser_IsRefused()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFileStatus.EffectiveUserId == 0, "needs root to give a folder to another user");
        using var temp = new TempDirectory();
        using var state = new TempDirectory();
        var backups = Directory.CreateDirectory(Path.Combine(state.Path, "backups")).FullName;
        var chown = System.Diagnostics.Process.Start("chown", ["65534", backups]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
        var registry = OfflineWindows.Open(WindowsTree.Full(temp), backupDirectory: backups).Registry;

        var e = Assert.Throws<IOException>(() => registry.SetValue(RegistryHive.Software, @"Reseal\State", "Stage", RegistryData.FromString("one")));

        Assert.Contains("owned", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(backups));
    }

    [Fact]
    public void SetValue_SymlinkedBackupDirectory_IsRefusedAndNothingIsWritten()
    {
        using var temp = new TempDirectory();
        using var state = new TempDirectory();
        var elsewhere = Directory.CreateDirectory(Path.Combine(state.Path, "attacker")).FullName;
        var link = Path.Combine(state.Path, "hive-backups");
        Directory.CreateSymbolicLink(link, elsewhere);
        var root = WindowsTree.Full(temp);
        var registry = OfflineWindows.Open(root, backupDirectory: link).Registry;

        var e = Assert.Throws<IOException>(() => registry.SetValue(RegistryHive.Software, @"Reseal\State", "Stage", RegistryData.FromString("one")));

        Assert.Contains("link", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        Assert.False(OfflineWindows.Open(root, backupDirectory: link).Registry.KeyExists(RegistryHive.Software, "Reseal"));
    }

    [Fact]
    public void SetValue_BackupDirectoryInsideTheTree_IsRefused()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var registry = OfflineWindows.Open(root, backupDirectory: Path.Combine(root, "backups")).Registry;

        Assert.Throws<IOException>(() => registry.SetValue(RegistryHive.Software, @"Reseal\State", "Stage", RegistryData.FromString("one")));
        Assert.False(Directory.Exists(Path.Combine(root, "backups")));
    }

    [Fact]
    public void ManyEdits_KeepOneBackupPerHive_TheOriginal()
    {
        using var temp = new TempDirectory();
        using var state = new TempDirectory();
        var root = WindowsTree.Full(temp);
        var original = File.ReadAllBytes(Path.Combine(root, "Windows", "System32", "config", "SOFTWARE"));
        var registry = OfflineWindows.Open(root, backupDirectory: state.Path).Registry;

        for (var i = 0; i < 10; i++)
        {
            registry.SetValue(RegistryHive.Software, @"Reseal\State", "Stage" + i, RegistryData.FromDWord((uint)i));
        }

        registry.SetValue(RegistryHive.System, @"Reseal", "One", RegistryData.FromDWord(1));
        registry.SetValue(RegistryHive.System, @"Reseal", "Two", RegistryData.FromDWord(2));

        var files = Directory.GetFiles(state.Path);
        Assert.Equal(2, files.Length);
        Assert.Single(files, f => Path.GetFileName(f).StartsWith("Software-", StringComparison.Ordinal));
        Assert.Single(files, f => Path.GetFileName(f).StartsWith("System-", StringComparison.Ordinal));
        Assert.Equal(original, File.ReadAllBytes(registry.Backups[RegistryHive.Software]));
    }

    [Fact]
    public void DefaultBackupDirectory_IsPerUserState()
    {
        var directory = OfflineRegistry.DefaultBackupDirectory();

        Assert.DoesNotContain("reseal-hive-backups", directory, StringComparison.Ordinal);
        if (OperatingSystem.IsWindows())
        {
            Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Reseal", "hive-backups"), directory);
        }
        else
        {
            // The assembly fixture sets XDG_STATE_HOME for the run.
            Assert.Equal(Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME")!, "reseal", "hive-backups"), directory);
        }
    }

    [Fact]
    public void Open_DoesNotNeedTheBackupDirectoryUntilAnEdit()
    {
        using var temp = new TempDirectory();
        var registry = OfflineWindows.Open(WindowsTree.Full(temp), backupDirectory: "/nonexistent/backups").Registry;

        Assert.True(registry.KeyExists(RegistryHive.Software, @"Microsoft\Windows NT\CurrentVersion"));
        Assert.Empty(registry.Backups);
    }
}
