using Reseal.TestSupport;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;

namespace Reseal.CatalogGen.Tests;

/// <summary>
/// The generator run on Microsoft's reference (../shared/data/unattend-reference): it must produce the committed
/// catalog exactly, and a sample of pages must come out with the facts they state, field by field.
/// </summary>
public class GeneratedCatalogTests
{
    private static readonly Lazy<GeneratedCatalog> Generated = new(() =>
        CatalogGenerator.Generate(Path.Combine(SharedData.Directory!, "unattend-reference"), Repository.Overlay));

    private static GeneratedCatalog Generate()
    {
        var reference = Path.Combine(SharedData.RequireDirectory(), "unattend-reference");
        Assert.SkipUnless(Directory.Exists(reference), $"the reference pages are missing: {reference}");
        return Generated.Value;
    }

    private static SettingCatalog Catalog() => SettingCatalog.Parse(Generate().Text);

    [Fact]
    public void Generate_Reference_MatchesTheCommittedCatalog()
    {
        var generated = Generate();
        var committed = File.ReadAllText(Repository.File("src/Reseal.Unattend/Catalog/catalog.tsv"));

        Assert.True(committed == generated.Text,
            "src/Reseal.Unattend/Catalog/catalog.tsv differs from what tools/Reseal.CatalogGen makes from the reference; run scripts/generate-catalog.sh");
    }

    [Fact]
    public void Generate_Reference_IsTheEmbeddedCatalog()
    {
        var generated = Catalog();

        Assert.Equal(SettingCatalog.Default.Components.Keys.Order(StringComparer.Ordinal), generated.Components.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Generate_Reference_PlacesEverySettingPage()
    {
        var generated = Generate();
        var reference = Path.Combine(SharedData.RequireDirectory(), "unattend-reference");
        var pages = Directory.GetFiles(reference, "*.md")
            .Select(p => Path.GetFileNameWithoutExtension(p).ToLowerInvariant())
            .Where(p => p is not ("toc" or "index" or "components-b-unattend") && !p.StartsWith("changed-", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        var placed = generated.Text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('\t')[15]).ToHashSet(StringComparer.Ordinal);

        // The Key and Value pages of an item written <Item wcm:keyValue="1">text</Item> describe its attribute and its
        // text, which the item's own line carries.
        var missing = pages.Where(p => !placed.Contains(p)).ToList();
        Assert.True(missing.Count <= 20, $"{missing.Count} setting pages are not in the catalog: {string.Join(", ", missing.Take(30))}");
        Assert.All(missing, p => Assert.True(p.EndsWith("-key", StringComparison.Ordinal) || p.EndsWith("-value", StringComparison.Ordinal), p));
        Assert.True(generated.Nodes > 1200, $"only {generated.Nodes} nodes");
    }

    [Fact]
    public void RunSynchronousOrder_IsAnIntegerFrom1To500InAuditUserAndSpecialize()
    {
        var order = Catalog().Find("Microsoft-Windows-Deployment")!.Find("RunSynchronous/RunSynchronousCommand/Order")!;

        Assert.Equal(SettingType.Number, order.Type);
        Assert.Equal(1, order.Min);
        Assert.Equal(500, order.Max);
        Assert.Equal([ConfigurationPass.Specialize, ConfigurationPass.AuditUser], order.Passes.Order());
        Assert.Equal("microsoft-windows-deployment-runsynchronous-runsynchronouscommand-order", order.Page);
    }

    [Fact]
    public void RunSynchronous_IsAListOfKeyedCommandsThatMayNotBeEmpty()
    {
        var deployment = Catalog().Find("Microsoft-Windows-Deployment")!;
        var list = deployment.Find("RunSynchronous")!;
        var command = deployment.Find("RunSynchronous/RunSynchronousCommand")!;
        var path = deployment.Find("RunSynchronous/RunSynchronousCommand/Path")!;
        var willReboot = deployment.Find("RunSynchronous/RunSynchronousCommand/WillReboot")!;

        Assert.Equal(SettingKind.List, list.Kind);
        Assert.False(list.AllowEmpty);
        Assert.Equal("RunSynchronousCommand", list.ItemName);
        Assert.True(command.IsListItem);
        Assert.Equal("Order", command.Key);
        Assert.Equal(259, path.MaxLength);
        Assert.False(path.AllowEmpty);
        Assert.Equal(["Always", "OnRequest", "Never"], willReboot.Values);
    }

    [Fact]
    public void ComputerName_Is15BytesWithoutTheForbiddenCharacters()
    {
        var name = Catalog().Find("Microsoft-Windows-Shell-Setup")!.Find("ComputerName")!;

        Assert.Equal(SettingType.ComputerName, name.Type);
        Assert.Equal(15, name.MaxBytes);
        Assert.Equal([ConfigurationPass.OfflineServicing, ConfigurationPass.Specialize], name.Passes.Order());
        foreach (var c in "{|}~[\\]^':;<=>?@!\"#$%`()+/.,*& ")
        {
            Assert.Contains(c, name.Forbidden);
        }
    }

    [Fact]
    public void LocalAccountName_HasItsLimitForbiddenCharactersAndReservedName()
    {
        var name = Catalog().Find("Microsoft-Windows-Shell-Setup")!.Find("UserAccounts/LocalAccounts/LocalAccount/Name")!;

        Assert.Equal(256, name.MaxLength);
        Assert.False(name.AllowEmpty);
        Assert.Equal("\"%*+,/:;<=>?@[]|", name.Forbidden);
        Assert.Equal(["NONE"], name.Reserved);
        Assert.True(name.Required);
    }

    [Fact]
    public void ProtectYourPC_AndBooleans_AreTheirValueTables()
    {
        var oobe = Catalog().Find("Microsoft-Windows-Shell-Setup")!;

        Assert.Equal(["1", "2", "3"], oobe.Find("OOBE/ProtectYourPC")!.Values);
        Assert.Equal(SettingType.Boolean, oobe.Find("OOBE/HideEULAPage")!.Type);
        Assert.Equal(SettingType.Boolean, oobe.Find("CopyProfile")!.Type);
        Assert.Equal([ConfigurationPass.Specialize], oobe.Find("CopyProfile")!.Passes);
    }

    [Fact]
    public void Locales_AllowEmptyElementsAndHaveTheirForms()
    {
        var international = Catalog().Find("Microsoft-Windows-International-Core")!;

        Assert.True(international.Find("InputLocale")!.AllowEmpty);
        Assert.Equal(ValueFormat.InputLocale, international.Find("InputLocale")!.Format);
        Assert.Equal(ValueFormat.LanguageTag, international.Find("UserLocale")!.Format);
    }

    [Fact]
    public void DnsSuffixes_AreItemsKeyedByTheKeyValueAttributeHoldingText()
    {
        var domainName = Catalog().Find("Microsoft-Windows-DNS-Client")!.Find("DNSSuffixSearchOrder/DomainName")!;

        Assert.True(domainName.IsListItem);
        Assert.Equal("@keyValue", domainName.Key);
        Assert.Equal(SettingKind.Value, domainName.Kind);
        Assert.Empty(domainName.Children);
    }

    [Fact]
    public void DiskConfiguration_HoldsDiskItemsBesidePlainSettings()
    {
        var setup = Catalog().Find("Microsoft-Windows-Setup")!;

        Assert.Equal(SettingKind.Group, setup.Find("DiskConfiguration")!.Kind);
        Assert.True(setup.Find("DiskConfiguration/Disk")!.IsListItem);
        Assert.False(setup.Find("DiskConfiguration/WillShowUI")!.IsListItem);
    }

    [Theory]
    [InlineData("Microsoft-Windows-Shell-Setup", "OOBE/NetworkLocation", null, 10240, null)]
    [InlineData("Microsoft-Windows-Shell-Setup", "OEMInformation/Manufacturer", null, 16299, null)]
    [InlineData("Microsoft-Windows-Shell-Setup", "OEMInformation/SupportProvider", 16299, null, null)]
    [InlineData("Microsoft-Windows-Shell-Setup", "Themes/ScreenSaver", null, null, 16299)]
    [InlineData("Microsoft-Windows-Shell-Setup", "VisualEffects/FontSmoothing", null, 0, 16299)]
    [InlineData("Microsoft-Windows-Wlansvc", "WLANPlatformLevelDeviceResetSupported", 10586, 17134, null)]
    [InlineData("Microsoft-Windows-Shell-Setup", "ShowPowerButtonOnStartScreen", 9600, null, null)]
    [InlineData("Microsoft-Windows-Shell-Setup", "OOBE/SkipMachineOOBE", null, 9200, null)]
    public void Lifecycle_ComesFromThePagesAndTheChangeLists(string component, string path, int? since, int? deprecated, int? removed)
    {
        var setting = Catalog().Find(component)!.Find(path)!;

        Assert.Equal(new SettingLifecycle(since, deprecated, removed), setting.Lifecycle);
    }

    [Theory]
    [InlineData("Microsoft-Windows-Store-Client-UI", 10240)]
    [InlineData("Microsoft-Windows-ehome-reg-inf", 10240)]
    [InlineData("Microsoft-Windows-StorPort-RegistrySettings", 17134)]
    public void RemovedComponents_AreInTheCatalogAsRemoved(string component, int removed)
    {
        var found = Catalog().Find(component);

        Assert.NotNull(found);
        Assert.Equal(removed, found.Lifecycle.Removed);
    }

    [Fact]
    public void Passwords_CarryTheirObfuscationSuffixFromTheOverlay()
    {
        var shell = Catalog().Find("Microsoft-Windows-Shell-Setup")!;

        Assert.Equal("AdministratorPassword", shell.Find("UserAccounts/AdministratorPassword/Value")!.PasswordSuffix);
        Assert.Equal("Password", shell.Find("AutoLogon/Password/Value")!.PasswordSuffix);
        Assert.Null(Catalog().Find("Microsoft-Windows-UnattendedJoin")!.Find("Identification/Credentials/Password")!.PasswordSuffix);
    }
}
