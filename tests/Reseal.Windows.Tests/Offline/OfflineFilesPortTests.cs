using Reseal.Sysprep.Inspection;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Offline;

/// <summary>The file-port members sealing uses on every machine: streamed reads, bounded reads, empty-directory removal.</summary>
public class OfflineFilesPortTests
{
    private const string Log = @"C:\Windows\System32\Sysprep\Panther\setupact.log";

    [Fact]
    public void OpenReadAndReadFrom_AnyMachine_SameBytes()
    {
        using var temp = new TempDirectory();
        var offline = new OfflineFiles(temp.Path);
        var fake = new FakeFiles();
        foreach (IWindowsFiles files in new IWindowsFiles[] { offline, fake })
        {
            files.WriteAllBytes(Log, "0123456789"u8);

            using (var stream = files.OpenRead(Log))
            {
                Assert.True(stream.CanSeek);
                Assert.Equal(10, stream.Length);
            }

            Assert.Equal("789"u8.ToArray(), files.ReadFrom(Log, 7, 100, out var length));
            Assert.Equal(10, length);
            Assert.Empty(files.ReadFrom(Log, 12, 100, out _));
            Assert.Equal("01"u8.ToArray(), files.ReadHead(Log, 2, out _));
            Assert.Equal("89"u8.ToArray(), files.ReadTail(Log, 2, out _));
            Assert.Throws<IOException>(() => files.ReadAllBytes(Log, 5));
            Assert.Throws<FileNotFoundException>(() => files.OpenRead(Log + ".missing"));
        }
    }

    [Fact]
    public void DeleteDirectory_EmptyMissingAndFull_AsPromised()
    {
        using var temp = new TempDirectory();
        var offline = new OfflineFiles(temp.Path);
        var fake = new FakeFiles();
        foreach (IWindowsFiles files in new IWindowsFiles[] { offline, fake })
        {
            files.CreateDirectory(@"C:\ProgramData\Reseal\sysprep");
            files.WriteAllBytes(@"C:\ProgramData\Reseal\state\state.json", "{}"u8);

            Assert.True(files.DeleteDirectory(@"C:\ProgramData\Reseal\sysprep"));
            Assert.False(files.DirectoryExists(@"C:\ProgramData\Reseal\sysprep"));
            Assert.False(files.DeleteDirectory(@"C:\ProgramData\Reseal\sysprep"));
            Assert.Throws<IOException>(() => files.DeleteDirectory(@"C:\ProgramData\Reseal"));
            Assert.True(files.FileExists(@"C:\ProgramData\Reseal\state\state.json"));
        }
    }

    [Fact]
    public void OfflineProcesses_FindRunningRefusedAndElevationUnknown()
    {
        using var temp = new TempDirectory();
        var windows = OfflineWindows.Open(temp.Path);

        Assert.Throws<PlatformNotSupportedException>(() => windows.Processes.FindRunning("sysprep.exe"));
        Assert.Null(windows.Processes.IsElevated);
    }

    [Fact]
    public void OfflineVolumes_DriveLetterChangeRefused_AndNoEventLog()
    {
        using var temp = new TempDirectory();
        IWindowsMachine windows = OfflineWindows.Open(temp.Path);

        var error = Assert.Throws<PlatformNotSupportedException>(() => windows.Volumes.SetDriveLetter(@"E:\", 'D'));

        Assert.Contains("running Windows", error.Message, StringComparison.Ordinal);
        Assert.Null(windows.EventLogs);
    }

    [Fact]
    public void Inspect_InMemoryMachine_ReadsItThroughItsPorts()
    {
        var machine = new FakeWindows();
        machine.Registry.SetValue(RegistryHive.System, @"CurrentControlSet\Control\Terminal Server", "fDenyTSConnections", RegistryData.FromDWord(0));
        machine.Files.WriteText(@"C:\Windows\Panther\unattend.xml", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"/>");

        var report = WindowsInspector.Inspect(machine);

        Assert.Equal("an in-memory test machine", report.Root);
        Assert.NotEqual(Readiness.Unreadable, report.Readiness);
        Assert.All(report.Facts.Hives, h => Assert.Equal(HiveLoadState.Loaded, h.State));
        Assert.Equal(ImageState.Complete, report.Facts.Setup?.ImageState);
        Assert.False(report.Facts.RdpDenied);
        Assert.Contains(report.Facts.Accounts, a => a.Rid == 500);
        Assert.Contains(report.Facts.AnswerFiles, a => a.Role.StartsWith("Panther", StringComparison.Ordinal));
        Assert.Null(report.Facts.Domain?.DomainJoined);
    }
    [Fact]
    public void WriteProtectedFile_OfflineTree_RefusedAndNothingWritten()
    {
        using var temp = new TempDirectory();
        var offline = new OfflineFiles(temp.Path);

        var error = Assert.Throws<PlatformNotSupportedException>(() =>
            offline.WriteProtectedFile(@"C:\ProgramData\ssh\administrators_authorized_keys", "ssh-ed25519 AAAA a@b\n"u8, null));

        Assert.Contains("access list", error.Message, StringComparison.Ordinal);
        Assert.Contains("offline Windows tree", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path, "*", SearchOption.AllDirectories));
    }
    [Fact]
    public void EnsureProfile_OfflineTree_RefusedNamingTheUser()
    {
        using var temp = new TempDirectory();
        var accounts = OfflineWindows.Open(WindowsTree.Full(temp)).Accounts;

        var error = Assert.Throws<PlatformNotSupportedException>(() => accounts.EnsureProfile("bob"));

        Assert.Contains("profile of 'bob'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(accounts.ListProfiles(), p => p.ProfileImagePath?.Contains("bob", StringComparison.OrdinalIgnoreCase) == true);
    }
}
