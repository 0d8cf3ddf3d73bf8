using Reseal.TestSupport;
using Reseal.Windows.Emulation;

namespace Reseal.Windows.Tests.Emulation;

public sealed class FileAccountStoreTests
{
    [Fact]
    public void FreshStore_HasDisabledAdministratorAndGuest()
    {
        using var temp = new TempDirectory();
        var store = new FileAccountStore(temp.File("accounts.json"));

        var accounts = store.ListAccounts();

        Assert.Equal(["Administrator", "Guest"], accounts.Select(a => a.Name));
        Assert.All(accounts, a => Assert.True(a.Disabled));
        Assert.False(File.Exists(temp.File("accounts.json")));
    }

    [Fact]
    public void SetPassword_StoresOnlyASaltedHash_AndRenameAndEnableKeepIt()
    {
        using var temp = new TempDirectory();
        var store = new FileAccountStore(temp.File("accounts.json"));

        store.SetPassword("administrator", "Sup3r!Secret#1");
        store.Rename("Administrator", "CloudAdmin");
        store.SetEnabled("CloudAdmin", true);

        var reopened = new FileAccountStore(temp.File("accounts.json"));
        Assert.True(reopened.HasPassword("CloudAdmin", "Sup3r!Secret#1"));
        Assert.False(reopened.HasPassword("CloudAdmin", "Sup3r!Secret#2"));
        Assert.False(reopened.FindAccount("CloudAdmin")!.Disabled);
        Assert.Equal(500u, reopened.FindAccount("cloudadmin")!.Rid);
        Assert.DoesNotContain("Sup3r", File.ReadAllText(temp.File("accounts.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_NameTheFileOrAccount()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("accounts.json", "{not json");
        var store = new FileAccountStore(path);

        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => store.ListAccounts()).Message, StringComparison.Ordinal);
        var fresh = new FileAccountStore(temp.File("other.json"));
        Assert.Contains("'nobody'", Assert.Throws<KeyNotFoundException>(() => fresh.SetPassword("nobody", "x")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => fresh.Rename("Guest", "Administrator"));
    }

    [Fact]
    public void Create_NewEnabledUserWithItsPassword_OnlyOnce()
    {
        using var temp = new TempDirectory();
        var store = new FileAccountStore(temp.File("accounts.json"));

        store.Create("deploy", "An0ther!Secret");

        var account = store.FindAccount("deploy")!;
        Assert.False(account.Disabled);
        Assert.True(account.Rid >= 1000);
        Assert.True(store.HasPassword("deploy", "An0ther!Secret"));
        Assert.Throws<InvalidOperationException>(() => store.Create("DEPLOY", "x"));
    }
}
