using System.Text;
using Reseal.Agent.Seal;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Seal;

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

        var rolledBack = OfflineSealer.Rollback(root);

        Assert.True(rolledBack.Succeeded, rolledBack.Message);
        Assert.Equal(original, File.ReadAllBytes(stale));
        Assert.False(File.Exists(stale + ".reseal-moved"));
    }

    [Fact]
    public void DryRunJson_GivenAnswerFileWithPassword_DoesNotPrintIt()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var answerFile = temp.Write("given.xml", AnswerFileWithPassword());

        var report = SealPlanner.DryRun(root, Options with { AnswerFileOverride = answerFile });

        Assert.DoesNotContain(Secret, report.ToJsonText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, report.ToText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(AnswerFileWithPassword()))[..40], report.ToJsonText(), StringComparison.Ordinal);
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
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not", result.Message, StringComparison.Ordinal);
        foreach (var (path, bytes) in before)
        {
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
    }
}
