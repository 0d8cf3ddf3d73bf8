using Reseal.TestSupport;
using Reseal.TestSupport.Wine;

namespace Reseal.Windows.Tests.Wine;

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

    [Fact]
    public void ProductAssembly_NormalBuild_CarriesNoTestAccountStore()
    {
        // The store reaches reseal.exe only in the Wine test build (ResealWineTestBuild); the build every other test and
        // every user gets must not contain it, nor the variable that would switch it on.
        var product = typeof(Reseal.Windows.Ports.IWindowsMachine).Assembly;

        Assert.DoesNotContain(product.GetTypes(), t => t.Name == nameof(FileAccountStore));
        Assert.DoesNotContain(product.GetTypes(), t => t.Namespace?.StartsWith("Reseal.TestSupport", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(FileAccountStore.EnvironmentVariable, System.Text.Encoding.Unicode.GetString(File.ReadAllBytes(product.Location)), StringComparison.Ordinal);
    }
}
