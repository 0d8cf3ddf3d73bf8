using System.Text;
using Reseal.Sysprep.Seal;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Seal;

/// <summary>Passwords in cached or given answer files never reach the journal (which stays in the image) or the plan output.</summary>
public sealed class SealSecretsTests
{
    private const string Secret = "Hunter2!CachedSecret";

    private static readonly SealOptions Options = new() { LowDiskSpaceBytes = 0, Force = true };

    private static string AnswerFileWithPassword() =>
        "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"oobeSystem\"><component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\">" +
        $"<UserAccounts><AdministratorPassword><Value>{Secret}</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts></component></settings></unattend>";

    [Fact]
    public void Apply_StaleAnswerFileWithPassword_JournalHoldsNeitherThePasswordNorItsBytes()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var stale = WindowsTree.Write(root, @"Windows\Panther\unattend.xml", AnswerFileWithPassword());
        var original = File.ReadAllBytes(stale);

        var applied = OfflineSealer.Apply(root, Options);
        var journal = File.ReadAllText(WindowsTree.HostPath(root, @"ProgramData\Reseal\sysprep\seal-journal.json"));

        Assert.True(applied.Succeeded, applied.Message);
        Assert.DoesNotContain(Secret, journal, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(original)[..40], journal, StringComparison.Ordinal);
        Assert.Contains("\"move\"", journal, StringComparison.Ordinal);

        // The copy moved aside keeps no clear text either: the image is captured with it.
        var moved = File.ReadAllText(stale + ".reseal-moved");
        Assert.DoesNotContain(Secret, moved, StringComparison.Ordinal);
        Assert.Contains("<Value>*SENSITIVE*DATA*DELETED*</Value>", moved, StringComparison.Ordinal);

        var rolledBack = OfflineSealer.Rollback(root);

        // Rollback still puts the file back, as Setup itself would have left it once used: scrubbed.
        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Equal(moved, File.ReadAllText(stale));
        Assert.False(File.Exists(stale + ".reseal-moved"));
        Assert.Equal(Encoding.UTF8.GetString(original).Replace(Secret, "*SENSITIVE*DATA*DELETED*", StringComparison.Ordinal), File.ReadAllText(stale));
    }

    [Theory]
    [InlineData("<Identification><Credentials><Domain>corp</Domain><Password>Hunter2!CachedSecret</Password><Username>joiner</Username></Credentials></Identification>")]
    [InlineData("<Identification><JoinDomain>corp</JoinDomain><MachinePassword>Hunter2!CachedSecret</MachinePassword><UnsecureJoin>true</UnsecureJoin></Identification>")]
    public void Apply_StaleAnswerFileWithDomainJoinSecret_MovedCopyScrubbed(string identification)
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var stale = WindowsTree.Write(root, @"Windows\Panther\Unattend\Unattend.xml",
            "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\"><component name=\"Microsoft-Windows-UnattendedJoin\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\">" +
            identification + "</component></settings></unattend>");

        var applied = OfflineSealer.Apply(root, Options);

        Assert.True(applied.Succeeded, applied.Message);
        Assert.False(File.Exists(stale));
        var moved = File.ReadAllText(stale + ".reseal-moved");
        Assert.DoesNotContain(Secret, moved, StringComparison.Ordinal);
        Assert.Contains("*SENSITIVE*DATA*DELETED*", moved, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_StaleFileThatIsNoAnswerFile_DeletedNotKept()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var stale = WindowsTree.Write(root, @"Windows\Panther\unattend.xml", "<unattend><Password>" + Secret + "</Password"); // not well-formed

        var applied = OfflineSealer.Apply(root, Options);
        var journal = File.ReadAllText(WindowsTree.HostPath(root, @"ProgramData\Reseal\sysprep\seal-journal.json"));

        Assert.True(applied.Succeeded, applied.Message);
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(stale + ".reseal-moved"));
        Assert.DoesNotContain(Secret, journal, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_PreviousResealAnswerFileWithStaticPassword_JournalKeepsItScrubbed()
    {
        // A second seal replaces the answer file of the first, which held a static password (obfuscated is not hidden):
        // the journal, which stays in the image, keeps the previous file without it.
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var obfuscated = Convert.ToBase64String(Encoding.Unicode.GetBytes(Secret + "AdministratorPassword"));
        var previous = WindowsTree.Write(root, @"ProgramData\Reseal\sysprep\unattend.xml", AnswerFileWithPassword()
            .Replace($"<Value>{Secret}</Value><PlainText>true</PlainText>", $"<Value>{obfuscated}</Value><PlainText>false</PlainText>", StringComparison.Ordinal));

        var applied = OfflineSealer.Apply(root, Options);
        var journal = File.ReadAllText(WindowsTree.HostPath(root, @"ProgramData\Reseal\sysprep\seal-journal.json"));

        Assert.True(applied.Succeeded, applied.Message);
        using var json = System.Text.Json.JsonDocument.Parse(journal);
        var before = json.RootElement.GetProperty("changes").EnumerateArray()
            .Single(c => c.GetProperty("step").GetString() == "write-answer-file").GetProperty("before").GetString()!;
        var journaled = Encoding.UTF8.GetString(Convert.FromBase64String(before));
        Assert.DoesNotContain(obfuscated, journaled, StringComparison.Ordinal);
        Assert.Contains("*SENSITIVE*DATA*DELETED*", journaled, StringComparison.Ordinal);

        var rolledBack = OfflineSealer.Rollback(root, force: true);

        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Contains("*SENSITIVE*DATA*DELETED*", File.ReadAllText(previous), StringComparison.Ordinal);
        Assert.DoesNotContain(obfuscated, File.ReadAllText(previous), StringComparison.Ordinal);
    }

}

/// <summary>Rollback writes what the journal says, so a journal naming anything seal does not change is refused.</summary>
public sealed class SealJournalTamperTests
{
    [Theory]
    [InlineData("\"kind\":\"file\",\"path\":\"C:\\\\Windows\\\\System32\\\\drivers\\\\etc\\\\hosts\",\"before\":\"AAAA\"")]
    [InlineData("\"kind\":\"file\",\"path\":\"C:\\\\ProgramData\\\\Reseal\\\\sysprep\\\\..\\\\..\\\\..\\\\Windows\\\\win.ini\",\"before\":\"AAAA\"")]
    [InlineData("\"kind\":\"registry\",\"hive\":\"Sam\",\"key\":\"SAM\\\\Domains\",\"name\":\"F\",\"keyExisted\":true,\"beforeType\":3,\"before\":\"AAAA\"")]
    [InlineData("\"kind\":\"move\",\"from\":\"C:\\\\Windows\\\\System32\\\\config\\\\SAM\",\"to\":\"C:\\\\Windows\\\\System32\\\\config\\\\SAM.reseal-moved\"")]
    public void Rollback_JournalNamingOtherChanges_IsRefusedAndWritesNothing(string change)
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var journal = "{\"format\":1,\"appliedAt\":\"2026-11-21T07:00:00.000Z\",\"createdDirectories\":[],\"changes\":[{\"step\":\"x\"," + change + "}]}";
        WindowsTree.Write(root, @"ProgramData\Reseal\sysprep\seal-journal.json", journal);
        var before = Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        var result = OfflineSealer.Rollback(root);

        Assert.False(result.Succeeded);
        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.Contains("not", result.Message, StringComparison.Ordinal);
        foreach (var (path, bytes) in before)
        {
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
    }
}
