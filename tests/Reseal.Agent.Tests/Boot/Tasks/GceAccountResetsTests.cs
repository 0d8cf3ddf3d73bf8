using System.Text.Json;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>GCE's windows-keys reset: the COM4 answer decrypts with openssl (OAEP) to the password the account now has.</summary>
public sealed class GceAccountResetsTests
{
    private readonly FakeWindows _machine = new();
    private readonly FakeSerialConsole _com4 = new();


    private static string Line(string user, string expireOn)
    {
        var key = RsaPublicKey.Load(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub");
        return $$"""{"userName":"{{user}}","modulus":"{{key.ModulusBase64}}","exponent":"{{key.ExponentBase64}}","email":"a@example.com","expireOn":"{{expireOn}}"}""";
    }

    [Fact]
    public async Task Request_CreatesTheUser_AnswersOnCom4_OnlyOnce()
    {
        using var temp = new TempDirectory();
        var scan = GceWindowsKey.ParseAll(Line("alice", "2099-01-01T00:00:00Z") + "\n{broken\n");

        var first = await GceAccountResets.ApplyAsync(_machine, scan, _com4, temp.Path, TimeProvider.System, CancellationToken.None);
        var second = await GceAccountResets.ApplyAsync(_machine, scan, _com4, temp.Path, TimeProvider.System, CancellationToken.None);

        Assert.Equal(["alice"], first.Reset);
        Assert.Single(first.Skipped); // the broken line, with its reason
        Assert.Empty(second.Reset);
        var reply = Assert.Single(_com4.Lines);
        using var json = JsonDocument.Parse(reply);
        Assert.True(json.RootElement.GetProperty("passwordFound").GetBoolean());
        var cipher = KeyFiles.NewPath("gce.bin");
        await File.WriteAllBytesAsync(cipher, Convert.FromBase64String(json.RootElement.GetProperty("encryptedPassword").GetString()!), TestContext.Current.CancellationToken);
        var clear = KeyFiles.OpenSsl("pkeyutl", "-decrypt", "-inkey", KeyFiles.SshKeygen("rsa", 2048, "PEM"), "-in", cipher,
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1").StandardOutput;
        Assert.Equal(_machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("alice")!.Rid), clear);
        Assert.True(_machine.Accounts.IsInAdministrators(_machine.Accounts.FindAccount("alice")!.Rid));
    }

    [Fact]
    public async Task Request_GermanWindows_AddedToAdministratorsBySid()
    {
        using var temp = new TempDirectory();
        var german = new FakeWindows("Administrator", "Administratoren");
        var scan = GceWindowsKey.ParseAll(Line("alice", "2099-01-01T00:00:00Z"));

        var report = await GceAccountResets.ApplyAsync(german, scan, _com4, temp.Path, TimeProvider.System, CancellationToken.None);

        Assert.Equal(["alice"], report.Reset);
        Assert.Empty(report.Failed);
        Assert.Equal(["Administratoren"], german.Accounts.GroupsOf(german.Accounts.FindAccount("alice")!.Rid));
    }

    [Fact]
    public async Task ExpiredRequest_IsSkipped_FailedOneAnsweredWithErrorMessage()
    {
        using var temp = new TempDirectory();
        _machine.Accounts.BeforeSetPassword = (name, _) => throw new PlatformNotSupportedException("no account database");
        var scan = GceWindowsKey.ParseAll(Line("old", "2001-01-01T00:00:00Z") + "\n" + Line("bob", "2099-01-01T00:00:00Z"));

        var report = await GceAccountResets.ApplyAsync(_machine, scan, _com4, temp.Path, TimeProvider.System, CancellationToken.None);

        Assert.Contains(report.Skipped, s => s.StartsWith("old: the request expired", StringComparison.Ordinal));
        Assert.Contains(report.Failed, f => f.StartsWith("bob:", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(Assert.Single(_com4.Lines));
        Assert.Contains("no account database", json.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }
}
