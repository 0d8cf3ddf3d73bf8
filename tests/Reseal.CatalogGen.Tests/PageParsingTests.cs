using Reseal.Unattend.Model;

namespace Reseal.CatalogGen.Tests;

/// <summary>The page reader and fact extraction on small pages written like the reference's.</summary>
public class PageParsingTests
{
    private const string Page = """
        ---
        title: Order
        description: Order
        ---

        # Order

        `Order` specifies the order in which to run the command.

        ## Values

        <table>
        <tbody>
        <tr class="odd">
        <td><p><em>Order</em></p></td>
        <td><p>Specifies the order. <em>Order</em> is an integer between 1 and 500.</p></td>
        </tr>
        </tbody>
        </table>

        ## Valid Configuration Passes

        auditUser

        specialize

        **Note** Though set in **generalize**, it acts in the next pass.

        ## Parent Hierarchy

        [Microsoft-Windows-Deployment](microsoft-windows-deployment.md) | [RunSynchronous](microsoft-windows-deployment-runsynchronous.md) | **Order**

        ## XML Example

        ```
        ## Not a heading
        <RunSynchronousCommand wcm:action="add"><Order>1</Order></RunSynchronousCommand>
        ```
        """;

    [Fact]
    public void Parse_ReferencePage_SplitsTitleSectionsAndCode()
    {
        var page = ReferencePage.Parse("Microsoft-Windows-Deployment-Order.md", Page);

        Assert.Equal("microsoft-windows-deployment-order.md", page.File);
        Assert.Equal("Order", page.Title);
        Assert.Equal(["values", "valid configuration passes", "parent hierarchy", "xml example"], page.Sections.Select(s => s.Heading));
        Assert.Single(page.CodeBlocks);
        Assert.Contains("## Not a heading", page.CodeBlocks[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ParsePasses_OnePerLine_IgnoresPassesNamedInNotes()
    {
        var passes = FactExtractor.ParsePasses(ReferencePage.Parse("x.md", Page));

        Assert.Equal([ConfigurationPass.Specialize, ConfigurationPass.AuditUser], passes!);
    }

    [Fact]
    public void Links_HtmlAnchorsAndMarkdownLinks_AreBothRead()
    {
        var links = ReferencePage.Links("""
            <td><p><a href="microsoft-windows-setup.md" data-raw-source="[microsoft-windows-setup-](microsoft-windows-setup.md)">microsoft-windows-setup-</a></p></td>
            | [ComputerName](Microsoft-Windows-Shell-Setup-ComputerName.md) | text |
            [outside](https://example.invalid/page.md)
            """);

        Assert.Equal([new PageLink("microsoft-windows-setup-", "microsoft-windows-setup.md"), new PageLink("ComputerName", "microsoft-windows-shell-setup-computername.md")], links);
    }

    [Theory]
    [InlineData("<table><tr><td><p><strong>OnError</strong></p></td><td>x</td></tr><tr><td><p><strong>Never</strong></p></td><td>y</td></tr></table>", "OnError|Never")]
    [InlineData("| Value | Description |\n|:--|:--|\n| **true** | x |\n| **false** | y |", "true|false")]
    [InlineData("<table><tr><td><p>0</p></td><td>Tablet</td></tr><tr><td><p>1</p></td><td>Desktop</td></tr></table>", "0|1")]
    [InlineData("<table><tr><td><p><em>Domain_name</em></p></td><td>a string</td></tr></table>", null)]
    [InlineData("| Value | Description |\n|:--|:--|\n| *phone_number* | x |\n| *other* | y |", null)]
    [InlineData("<table><tr><td><p>Low</p></td><td>x</td></tr></table>", null)]
    [InlineData("<table><tr><td><p>{ GUID }</p></td><td>x</td></tr><tr><td><p>x</p></td><td>y</td></tr></table>", null)]
    public void Literals_ValueTables_ListValuesButNotPlaceholders(string table, string? expected)
    {
        var values = FactExtractor.Literals(table);

        Assert.Equal(expected, values is null ? null : string.Join('|', values));
    }

    [Theory]
    [InlineData("Do not use any of the following characters: &amp;quot;/[]:|&amp;lt;&amp;gt;+=;,?*%@ Some text", "\"%*+,/:;<=>?@[]|")]
    [InlineData("ComputerName cannot use spaces or any of the following characters: { | } ~ [ \\ ] ^ ' : ; < = > ? @ ! \" # $ % ` ( ) + / . , * &, or contain any spaces.", " !\"#$%&'()*+,./:;<=>?@[\\]^`{|}~")]
    [InlineData("A string with a maximum length of 256 characters.", null)]
    public void ForbiddenCharacters_BothWritings_AreRead(string statement, string? expected)
    {
        Assert.Equal(expected, FactExtractor.ForbiddenCharacters(statement));
    }

    [Theory]
    [InlineData("This setting is deprecated in Windows 10, version 1803.", 17134)]
    [InlineData("This setting has been deprecated in Windows 8.", 9200)]
    [InlineData("This setting is deprecated in Windows 10 and Windows Server 2016, and should not be used.", 10240)]
    [InlineData("This setting has been deprecated in Windows 8.1.", 9600)]
    [InlineData("This setting is deprecated.", null)]
    public void VersionIn_Sentences_GiveTheBuild(string sentence, int? build)
    {
        Assert.Equal(build, FactExtractor.VersionIn(sentence));
    }

    [Fact]
    public void Generate_SmallReference_BuildsTheTreeFromLinksAndFileNames()
    {
        using var temp = new Reseal.TestSupport.TempDirectory();
        temp.Write("components-b-unattend.md", "# Components\n\n## In This Section\n\n| [Contoso-Component](contoso-component.md) | x |\n");
        temp.Write("contoso-component.md", "# Contoso-Component\n\n## In This Section\n\n| [Mode](contoso-component-mode.md) | x |\n| [Items](contoso-component-items.md) | y |\n");
        temp.Write("contoso-component-mode.md", """
            # Mode

            ## Values

            | Value | Description |
            |:--|:--|
            | **Fast** | x |
            | **Slow** | y |

            This string type does not support empty elements.

            > [!Important]
            > This setting is deprecated in Windows 10, version 1709.

            ## Valid Configuration Passes

            specialize

            ## Parent Hierarchy

            [Contoso-Component](contoso-component.md) | **Mode**
            """);
        temp.Write("contoso-component-items.md", "# Items\n\n## Child Elements\n\n| [Item](contoso-component-items-item.md) | x |\n\n## Valid Configuration Passes\n\noobeSystem\n\n## Parent Hierarchy\n\n[Contoso-Component](contoso-component.md) | **Items**\n\n## XML Example\n\n```\n<Items><Item wcm:action=\"add\" wcm:keyValue=\"1\">a</Item></Items>\n```\n");
        temp.Write("contoso-component-items-item.md", "# Item\n\n## Child Elements\n\n| [Key](contoso-component-items-item-key.md) | x |\n| [Value](contoso-component-items-item-value.md) | y |\n\n## Valid Configuration Passes\n\noobeSystem\n\n## Parent Hierarchy\n\n[Contoso-Component](contoso-component.md) | [Items](contoso-component-items.md) | **Item**\n");
        temp.Write("contoso-component-items-item-key.md", "# Key\n\n## Parent Hierarchy\n\n[Items](contoso-component-items.md) | [Item](contoso-component-items-item.md) | **Key**\n");
        temp.Write("contoso-component-items-item-value.md", "# Value\n\n## Values\n\n*Value* is a string with a maximum length of 64 characters.\n\n## Parent Hierarchy\n\n[Item](contoso-component-items-item.md) | **Value**\n");

        var result = CatalogGenerator.Generate(temp.Path, string.Empty);
        var catalog = Reseal.Unattend.Catalog.SettingCatalog.Parse(result.Text);
        var component = catalog.Find("Contoso-Component")!;

        Assert.Equal([ConfigurationPass.Specialize, ConfigurationPass.OobeSystem], component.Passes.Order());
        var mode = component.Find("Mode")!;
        Assert.Equal(["Fast", "Slow"], mode.Values);
        Assert.False(mode.AllowEmpty);
        Assert.Equal(16299, mode.Lifecycle.Deprecated);
        var item = component.Find("Items/Item")!;
        Assert.True(item.IsListItem);
        Assert.Equal("@keyValue", item.Key);
        Assert.Equal(64, item.MaxLength);
        Assert.Contains("Microsoft's \"Unattended Windows Setup Reference\"", result.Text, StringComparison.Ordinal);
        Assert.Contains("Creative Commons Attribution 4.0", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_MissingFolder_FailsNamingIt()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => CatalogGenerator.Generate("/nonexistent/reference", string.Empty));

        Assert.Contains("/nonexistent/reference", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Contoso-Component/Mode\tcolour=red\tsource", "unknown fact 'colour'")]
    [InlineData("Contoso-Component/Nope\trequired\tsource", "is not in the reference")]
    [InlineData("Contoso-Component/Mode\trequired", "expected 'path<TAB>facts<TAB>source'")]
    [InlineData("Nope/Mode\trequired\tsource", "unknown component Nope")]
    public void Generate_BadOverlayLine_FailsNamingTheLine(string line, string message)
    {
        using var temp = new Reseal.TestSupport.TempDirectory();
        temp.Write("components-b-unattend.md", "# Components\n\n## In This Section\n\n| [Contoso-Component](contoso-component.md) | x |\n");
        temp.Write("contoso-component.md", "# Contoso-Component\n\n## In This Section\n\n| [Mode](contoso-component-mode.md) | x |\n");
        temp.Write("contoso-component-mode.md", "# Mode\n\n## Valid Configuration Passes\n\nspecialize\n\n## Parent Hierarchy\n\n[Contoso-Component](contoso-component.md) | **Mode**\n");

        var e = Assert.Throws<InvalidDataException>(() => CatalogGenerator.Generate(temp.Path, "# comment\n" + line + "\n"));

        Assert.Contains("overlay.tsv:2:", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
