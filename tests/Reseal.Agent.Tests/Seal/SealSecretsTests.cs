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
