using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>The project's one atomic writer (src/Shared/AtomicFile.cs), as compiled into Reseal.Registry.</summary>
public sealed class AtomicFileTests : IDisposable
{
    public void Dispose()
    {
        AtomicFile.RandomPartForTests = null;
        AtomicFile.BeforeRenameForTests = null;
        AtomicFile.ReplaceForTests = null;
        AtomicFile.MoveForTests = null;
        AtomicFile.SleepForTests = null;
    }

    private sealed class SimulatedCrashException : Exception;

    private static string TempName(string target, string random) => "." + target + ".reseal-" + random + ".tmp";

    [Fact]
    public void Write_PlantedLinkAtTheTemporaryName_LinkNotFollowedAndAnotherNameUsed()
    {
        using var dir = new TempDirectory();
        using var elsewhere = new TempDirectory();
        var victim = elsewhere.Write("victim", "unchanged");
        var target = dir.Write("HIVE", "old");
        File.CreateSymbolicLink(dir.File(TempName("HIVE", "0000000000000000")), victim);
        var names = new Queue<string>(["0000000000000000", "1111111111111111"]);
        AtomicFile.RandomPartForTests = names.Dequeue;

        AtomicFile.Write(target, "new"u8);

        Assert.Equal("unchanged", File.ReadAllText(victim));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(dir.File(TempName("HIVE", "0000000000000000"))).LinkTarget);
        Assert.False(File.Exists(dir.File(TempName("HIVE", "1111111111111111"))));
    }

    [Fact]
    public void Write_PlantedLinkAtEveryName_FailsWithoutWritingThroughAny()
    {
        using var dir = new TempDirectory();
        using var elsewhere = new TempDirectory();
        var victim = elsewhere.Write("victim", "unchanged");
        var target = dir.Write("HIVE", "old");
        File.CreateSymbolicLink(dir.File(TempName("HIVE", "2222222222222222")), victim);
        AtomicFile.RandomPartForTests = () => "2222222222222222";

        Assert.Throws<IOException>(() => AtomicFile.Write(target, "new"u8));

        Assert.Equal("unchanged", File.ReadAllText(victim));
        Assert.Equal("old", File.ReadAllText(target));
    }

    [Fact]
    public void Write_CrashBetweenWriteAndRename_TargetByteIdenticalAndNoTemporaryLeft()
    {
        using var dir = new TempDirectory();
        byte[] original = [1, 2, 3, 0, 255];
        var target = dir.Write("SYSTEM", original);
        string? seen = null;
        AtomicFile.BeforeRenameForTests = temp =>
        {
            seen = temp;
            Assert.Equal("replacement"u8.ToArray(), File.ReadAllBytes(temp));
            throw new SimulatedCrashException();
        };

        Assert.Throws<SimulatedCrashException>(() => AtomicFile.Write(target, "replacement"u8, new AtomicWriteOptions { BackupPath = target + ".bak" }));

        Assert.NotNull(seen);
        Assert.Equal(original, File.ReadAllBytes(target));
        Assert.Equal(["SYSTEM"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_VerifyRejects_TargetByteIdenticalAndNoTemporaryLeft()
    {
        using var dir = new TempDirectory();
        var target = dir.Write("unattend.xml", "<old/>");

        Assert.Throws<InvalidDataException>(() => AtomicFile.Write(target, "<new"u8, new AtomicWriteOptions { Verify = _ => throw new InvalidDataException("torn") }));

        Assert.Equal("<old/>", File.ReadAllText(target));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Write_StreamedContentThatThrows_TargetByteIdenticalAndNoTemporaryLeft()
    {
        using var dir = new TempDirectory();
        var target = dir.Write("out.reg", "old");

        Assert.Throws<SimulatedCrashException>(() => AtomicFile.Write(target, stream =>
        {
            stream.Write("half of it"u8);
            throw new SimulatedCrashException();
        }));

        Assert.Equal("old", File.ReadAllText(target));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Write_StaleTemporariesOfAKilledRun_RemovedByTheNextWriteOnly()
    {
        using var dir = new TempDirectory();
        using var elsewhere = new TempDirectory();
        var victim = elsewhere.Write("victim", "unchanged");
        var target = dir.Write("SYSTEM", "old");
        var stale = dir.Write(TempName("SYSTEM", "abcdef0123456789"), new byte[100_000]);
        var link = dir.File(TempName("SYSTEM", "9876543210abcdef"));
        File.CreateSymbolicLink(link, victim);
        var folder = Directory.CreateDirectory(dir.File(TempName("SYSTEM", "aaaaaaaaaaaaaaaa"))).FullName;
        var otherTarget = dir.Write(TempName("SOFTWARE", "abcdef0123456789"), "another file's");
        var notOurs = dir.Write(".SYSTEM.reseal-xyz.tmp", "not our pattern");

        Assert.Equal([stale], AtomicFile.FindStaleTemps(target));
        AtomicFile.Write(target, "new"u8);

        Assert.False(File.Exists(stale));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("unchanged", File.ReadAllText(victim));
        Assert.True(Directory.Exists(folder));
        Assert.True(File.Exists(otherTarget));
        Assert.True(File.Exists(notOurs));
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void Write_BackupPath_OldContentKeptWithoutCopyingAndNewInPlace()
    {
        using var dir = new TempDirectory();
        var target = dir.Write("SAM", "old");

        AtomicFile.Write(target, "new"u8, new AtomicWriteOptions { BackupPath = target + ".bak" });
        AtomicFile.Write(dir.File("NEW"), "first"u8, new AtomicWriteOptions { BackupPath = dir.File("NEW.bak") });

        Assert.Equal("old", File.ReadAllText(target + ".bak"));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal("first", File.ReadAllText(dir.File("NEW")));
        Assert.False(File.Exists(dir.File("NEW.bak")));
    }

    [Fact]
    public void Write_TargetWithPrivateMode_KeepsItsMode()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Skip("Unix file modes only");
            return;
        }

        using var dir = new TempDirectory();
        var target = dir.Write("SAM", "old");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        AtomicFile.Write(target, "new"u8);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
    }

    [Fact]
    public void Save_HiveCrashBeforeRename_HiveByteIdenticalNoTemporaryAndNextOpenClean()
    {
        using var dir = new TempDirectory();
        var original = HiveData.Bytes("hivex-minimal");
        var path = dir.Write("HIVE", original);
        var document = HiveDocument.Open(path, time: FixedTime.Default);
        document.SetValue("Reseal", "Marker", 4, TestHives.DWord(7));
        AtomicFile.BeforeRenameForTests = _ => throw new SimulatedCrashException();

        Assert.Throws<SimulatedCrashException>(() => document.Save(path));

        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal(["HIVE"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
    [Fact]
    public void Write_CreateNewHook_MakesTheTemporaryFileThatBecomesTheTarget()
    {
        using var dir = new TempDirectory();
        var target = Path.Combine(dir.Path, "administrators_authorized_keys");
        var made = new List<string>();

        // The hook stands for a creation with a security descriptor; it must create new, as the default does.
        AtomicFile.Write(target, "ssh-ed25519 AAAA a@b\n"u8, new AtomicWriteOptions
        {
            CreateNew = temp =>
            {
                made.Add(temp);
                return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            },
        });

        var temp = Assert.Single(made);
        Assert.Equal(dir.Path, Path.GetDirectoryName(temp));
        Assert.True(AtomicFile.IsTempName(Path.GetFileName(temp), "administrators_authorized_keys"));
        Assert.Equal("ssh-ed25519 AAAA a@b\n", File.ReadAllText(target));
        Assert.Equal(["administrators_authorized_keys"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_CreateNewHookFails_TargetByteIdenticalAndNothingLeft()
    {
        using var dir = new TempDirectory();
        var target = Path.Combine(dir.Path, "administrators_authorized_keys");
        File.WriteAllText(target, "old\n");

        Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.Write(target, "new"u8, new AtomicWriteOptions
        {
            CreateNew = _ => throw new UnauthorizedAccessException("the owner cannot be set"),
        }));

        Assert.Equal("old\n", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Write_BackupAndReplaceFailsAfterMovingTheTargetAway_NewContentInPlaceOldKeptAsBackup()
    {
        // ReplaceFile's ERROR_UNABLE_TO_MOVE_REPLACEMENT_2: the target has become the backup, the replacement was not moved.
        using var dir = new TempDirectory();
        var target = dir.Write("HIVE", "old");
        AtomicFile.ReplaceForTests = (_, replaced, backup) =>
        {
            File.Move(replaced, backup, overwrite: true);
            throw new IOException("Unable to move the replacement file to the file to be replaced.");
        };

        AtomicFile.Write(target, "new"u8, new AtomicWriteOptions { BackupPath = target + ".bak" });

        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal("old", File.ReadAllText(target + ".bak"));
        Assert.Empty(AtomicFile.FindStaleTemps(target));
    }

    [Fact]
    public void Write_BackupAndReplaceFailsBeforeMovingAnything_ErrorThroughAndTargetUnchanged()
    {
        // ERROR_UNABLE_TO_MOVE_REPLACEMENT with a backup name: both files keep their names.
        using var dir = new TempDirectory();
        var target = dir.Write("HIVE", "old");
        AtomicFile.ReplaceForTests = (_, _, _) => throw new IOException("Unable to move the replacement file.");

        Assert.Throws<IOException>(() => AtomicFile.Write(target, "new"u8, new AtomicWriteOptions { BackupPath = target + ".bak" }));

        Assert.Equal("old", File.ReadAllText(target));
        Assert.False(File.Exists(target + ".bak"));
        Assert.Empty(AtomicFile.FindStaleTemps(target));
    }

    [Fact]
    public void Write_TargetOpenElsewhereForAMoment_RenameTriedAgainAndTheWriteLands()
    {
        // Windows' MoveFileEx refuses to replace a file any process has open (ERROR_ACCESS_DENIED): `agent status
        // --block` reading run.json while the agent writes it, an indexer, a virus scanner. The CI run of 2026-12-07
        // lost the agent's final run.json that way under Wine.
        using var dir = new TempDirectory();
        var target = dir.Write("run.json", "running");
        var tries = 0;
        var waits = new List<TimeSpan>();
        AtomicFile.SleepForTests = waits.Add;
        AtomicFile.MoveForTests = (temp, full) =>
        {
            if (++tries <= 2)
            {
                Assert.Equal("running", File.ReadAllText(full)); // nothing moved yet
                throw new UnauthorizedAccessException($"Access to the path '{full}' is denied.");
            }

            File.Move(temp, full, overwrite: true);
        };

        AtomicFile.WriteText(target, "completed");

        Assert.Equal("completed", File.ReadAllText(target));
        Assert.Equal(3, tries);
        Assert.Equal(AtomicFile.RenameRetryDelays.Take(2), waits);
        Assert.Empty(AtomicFile.FindStaleTemps(target));
    }

    [Fact]
    public void Write_TargetNeverReleased_ErrorAfterBoundedTriesAndTargetUnchanged()
    {
        using var dir = new TempDirectory();
        var target = dir.Write("run.json", "running");
        var tries = 0;
        var waits = new List<TimeSpan>();
        AtomicFile.SleepForTests = waits.Add;
        AtomicFile.MoveForTests = (_, _) =>
        {
            tries++;
            throw new IOException("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));
        };

        Assert.Throws<IOException>(() => AtomicFile.WriteText(target, "completed"));

        Assert.Equal(AtomicFile.RenameRetryDelays.Count + 1, tries);
        Assert.InRange(waits.Sum(w => w.TotalMilliseconds), 1000, 3000); // long enough for a reader, short enough for a boot
        Assert.Equal("running", File.ReadAllText(target));
        Assert.Empty(AtomicFile.FindStaleTemps(target));
    }

    [Fact]
    public void Write_RenameFailsForAnotherReason_NotTriedAgain()
    {
        using var dir = new TempDirectory();
        var target = dir.Write("run.json", "running");
        var tries = 0;
        AtomicFile.SleepForTests = _ => Assert.Fail("no wait expected");
        AtomicFile.MoveForTests = (_, _) =>
        {
            tries++;
            throw new IOException("There is not enough space on the disk.", unchecked((int)0x80070070));
        };

        Assert.Throws<IOException>(() => AtomicFile.WriteText(target, "completed"));

        Assert.Equal(1, tries);
        Assert.Equal("running", File.ReadAllText(target));
    }

    [Fact]
    public void Write_BackupAndReplaceCannotRemoveTheHeldTarget_TriedAgainAndBackupKept()
    {
        // ReplaceFile's ERROR_UNABLE_TO_REMOVE_REPLACED (1175), what a scanner holding the target gives: both files keep
        // their names, so trying again is safe.
        using var dir = new TempDirectory();
        var target = dir.Write("state.json", "old");
        var tries = 0;
        AtomicFile.SleepForTests = _ => { };
        AtomicFile.ReplaceForTests = (replacement, replaced, backup) =>
        {
            if (++tries == 1)
            {
                throw new IOException("Unable to remove the file to be replaced.", unchecked((int)0x80070497));
            }

            File.Replace(replacement, replaced, backup);
        };

        AtomicFile.Write(target, "new"u8, new AtomicWriteOptions { BackupPath = target + ".bak" });

        Assert.Equal(2, tries);
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal("old", File.ReadAllText(target + ".bak"));
        Assert.Empty(AtomicFile.FindStaleTemps(target));
    }

    [Fact]
    public void Write_AccessDeniedToAReadOnlyTarget_NotTriedAgain()
    {
        using var dir = new TempDirectory();
        var target = dir.Write("unattend.xml", "old");
        File.SetAttributes(target, FileAttributes.ReadOnly);
        try
        {
            var tries = 0;
            AtomicFile.SleepForTests = _ => Assert.Fail("no wait expected: a read-only file stays read-only");
            AtomicFile.MoveForTests = (_, full) =>
            {
                tries++;
                throw new UnauthorizedAccessException($"Access to the path '{full}' is denied.");
            };

            Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.WriteText(target, "new"));

            Assert.Equal(1, tries);
            Assert.Equal("old", File.ReadAllText(target));
        }
        finally
        {
            File.SetAttributes(target, FileAttributes.Normal);
        }
    }

    [Fact]
    public void Write_NewFileHeldByAScanner_TriedAgain()
    {
        // No target yet: MoveFileEx's sharing violation on the new file itself (a scanner reading it) is retried too.
        using var dir = new TempDirectory();
        var target = dir.File("new.json");
        var tries = 0;
        AtomicFile.SleepForTests = _ => { };
        AtomicFile.MoveForTests = (temp, full) =>
        {
            if (++tries == 1)
            {
                throw new IOException("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));
            }

            File.Move(temp, full);
        };

        AtomicFile.WriteText(target, "fresh");

        Assert.Equal(2, tries);
        Assert.Equal("fresh", File.ReadAllText(target));
    }
}
