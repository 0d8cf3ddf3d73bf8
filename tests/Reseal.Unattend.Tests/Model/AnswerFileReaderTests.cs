using System.Text;
using System.Xml.Linq;
using Reseal.TestSupport;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Tests.Model;

public class AnswerFileReaderTests
{
    public static TheoryData<string> Samples() =>
    [
        "mssample-Autounattend_x64_UEFI_sample.xml",
        "mssample-BootToAudit-x64.xml",
        "mssample-CopyProfile-x64.xml",
        "mssample-Non_OA3.0-UnattendSysprep.xml",
        "mssample-OA3.0-UnattendSysprep.xml",
    ];

    [Theory]
    [MemberData(nameof(Samples))]
    public void ReadFile_MicrosoftSample_WritesBackByteForByte(string name)
    {
        var path = SharedData.RequireFile(Path.Combine("answerfiles", name));
        var original = File.ReadAllBytes(path);

        var written = AnswerFileReader.ReadFile(path).ToBytes();

        Assert.Equal(Encoding.UTF8.GetString(original), Encoding.UTF8.GetString(written));
        Assert.Equal(original, written);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void ReadFile_MicrosoftSample_RoundTripsToSameCanonicalXmlInXmllint(string name)
    {
        var xmllint = ExternalTool.Require("xmllint", "libxml2-utils");
        var path = SharedData.RequireFile(Path.Combine("answerfiles", name));
        using var temp = new TempDirectory();
        var copy = temp.Write("roundtrip.xml", AnswerFileReader.ReadFile(path).ToBytes());

        var expected = ExternalTool.Run(xmllint, ["--c14n", path]);
        var actual = ExternalTool.Run(xmllint, ["--c14n", copy]);

        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(0, actual.ExitCode);
        Assert.Equal(expected.StandardOutput, actual.StandardOutput);
    }

    [Fact]
    public void Read_EverythingSetupIgnores_IsKeptOnWrite()
    {
        const string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<!-- top comment -->\r\n<?reseal hint?>\r\n" +
            "<u:unattend xmlns:u=\"urn:schemas-microsoft-com:unattend\" xmlns:wcm=\"http://schemas.microsoft.com/WMIConfig/2002/State\">\r\n" +
            "  <u:servicing><u:package action=\"configure\"><u:assemblyIdentity name=\"Microsoft-Windows-Foundation-Package\" /></u:package></u:servicing>\r\n" +
            "  <u:settings pass=\"specialize\">\r\n" +
            "    <u:component name=\"Contoso-Custom\" processorArchitecture=\"amd64\" z=\"1\" a=\"2\">\r\n" +
            "      <u:Unknown wcm:action=\"modify\" wcm:keyValue=\"k1\"><![CDATA[a < b & c]]></u:Unknown>\r\n" +
            "      <u:Empty></u:Empty><u:SelfClosed />\r\n" +
            "    </u:component>\r\n" +
            "  </u:settings>\r\n" +
            "  <cpi:offlineImage cpi:source=\"wim:c:/x/install.wim#Windows\" xmlns:cpi=\"urn:schemas-microsoft-com:cpi\" />\r\n" +
            "</u:unattend>\r\n";

        var file = AnswerFileReader.ReadText(xml);

        Assert.Equal(xml, file.ToXmlString());
        Assert.True(file.HasUnattendRoot);
        Assert.Equal("specialize", Assert.Single(file.Passes).PassName);
    }

    [Fact]
    public void Read_SelfClosingWithoutSpace_IsEquivalentElementForElement()
    {
        const string xml = "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\"/></unattend>";

        var written = AnswerFileReader.ReadText(xml).ToXmlString();

        // XmlWriter writes "<a />" for "<a/>": the only byte-level difference a round trip makes.
        Assert.Equal(xml.Replace("\"/>", "\" />", StringComparison.Ordinal), written);
        Assert.True(XNode.DeepEquals(XDocument.Parse(xml), XDocument.Parse(written)));
    }

    [Fact]
    public void Read_Utf16WithBom_KeepsEncodingAndBom()
    {
        var text = Xml.Doc(Xml.Pass("specialize", Xml.Shell("<TimeZone>UTC</TimeZone>"))).Replace("utf-8", "utf-16", StringComparison.Ordinal);
        var bytes = new UnicodeEncoding(false, true).GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();

        var file = AnswerFileReader.Read(bytes, "utf16.xml");

        Assert.True(file.Format.HasByteOrderMark);
        Assert.IsType<UnicodeEncoding>(file.Format.Encoding);
        Assert.Equal(bytes, file.ToBytes());
    }

    [Fact]
    public void Read_Utf8WithoutBomAndLf_KeepsThem()
    {
        var text = "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">\n  <settings pass=\"oobeSystem\" />\n</unattend>";
        var bytes = Encoding.UTF8.GetBytes(text);

        var file = AnswerFileReader.Read(bytes);

        Assert.False(file.Format.HasByteOrderMark);
        Assert.Equal("\n", file.Format.NewLine);
        Assert.Equal(bytes, file.ToBytes());
    }

    [Fact]
    public void Read_ElementPositions_AreOneBasedLineAndColumn()
    {
        var file = AnswerFileReader.ReadText("<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">\n  <settings pass=\"x\"/>\n</unattend>");

        var settings = file.Root.Elements().Single();

        Assert.Equal(new SourcePosition(2, 4), AnswerFile.PositionOf(settings));
    }

    [Fact]
    public void Read_Doctype_IsRefusedWithLocation()
    {
        const string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE unattend [<!ENTITY x \"y\">]>\n<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">&x;</unattend>";

        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadText(xml, "dtd.xml"));

        Assert.Equal(AnswerFileErrorKind.Refused, e.Kind);
        Assert.StartsWith("dtd.xml:2:", e.Message, StringComparison.Ordinal);
        Assert.Contains("DOCTYPE", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Read_BillionLaughs_IsRefusedWithoutExpanding()
    {
        var entities = new StringBuilder("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            entities.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? string.Empty : i - 1)};", 10))}\">");
        }

        var xml = entities + "]><unattend xmlns=\"urn:schemas-microsoft-com:unattend\">&lol9;</unattend>";

        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadText(xml));

        Assert.Equal(AnswerFileErrorKind.Refused, e.Kind);
    }

    [Fact]
    public void Read_ExternalEntity_IsRefusedAndNoFileIsRead()
    {
        const string xml = "<!DOCTYPE u [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]><unattend xmlns=\"urn:schemas-microsoft-com:unattend\">&secret;</unattend>";

        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadText(xml));

        Assert.Equal(AnswerFileErrorKind.Refused, e.Kind);
        Assert.DoesNotContain("root:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeepNesting_IsRefusedAtTheLimit()
    {
        var xml = "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">" + string.Concat(Enumerable.Repeat("<a>", 200_000)) +
            string.Concat(Enumerable.Repeat("</a>", 200_000)) + "</unattend>";

        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadText(xml, "deep.xml"));

        Assert.Equal(AnswerFileErrorKind.Refused, e.Kind);
        Assert.Contains("nested deeper than 128", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_FiftyMegabytesOfNesting_IsRefusedBeforeParsing()
    {
        using var temp = new TempDirectory();
        var path = temp.WriteRepeated("huge.xml", "<a>"u8, 50L * 1024 * 1024);

        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadFile(path));

        Assert.Equal(AnswerFileErrorKind.Refused, e.Kind);
        Assert.Contains("bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("this is not xml", AnswerFileErrorKind.Malformed)]
    [InlineData("", AnswerFileErrorKind.Malformed)]
    [InlineData("<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings></unattend>", AnswerFileErrorKind.Malformed)]
    [InlineData("<?xml version=\"1.0\"?>", AnswerFileErrorKind.Malformed)]
    public void ReadText_NotXml_ThrowsMalformedWithOneLineReason(string xml, AnswerFileErrorKind kind)
    {
        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadText(xml, "bad.xml"));

        Assert.Equal(kind, e.Kind);
        Assert.StartsWith("bad.xml", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ReadText_MismatchedTag_ReportsLineAndColumn()
    {
        var e = Assert.Throws<AnswerFileFormatException>(() =>
            AnswerFileReader.ReadText("<unattend>\n  <settings>\n  </setting>\n</unattend>", "x.xml"));

        Assert.Equal(3, e.Position.Line);
        Assert.True(e.Position.Column > 0);
    }

    [Fact]
    public void ReadFile_Missing_ThrowsUnreadable()
    {
        var e = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadFile("/nonexistent/unattend.xml"));

        Assert.Equal(AnswerFileErrorKind.Unreadable, e.Kind);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_ExistingFile_ReplacesAtomicallyAndKeepsBackup()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("unattend.xml", Xml.Doc(Xml.Pass("specialize", Xml.Shell("<TimeZone>UTC</TimeZone>"))));
        var original = File.ReadAllText(path);
        var file = AnswerFileReader.ReadFile(path);
        file.Root.Descendants().Single(e => e.Name.LocalName == "TimeZone").Value = "Pacific Standard Time";

        file.Save(path, keepBackup: true);

        Assert.Contains("Pacific Standard Time", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(path + ".bak"));
        Assert.Equal(["unattend.xml", "unattend.xml.bak"], Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Save_IntoMissingFolder_FailsAndLeavesNothing()
    {
        using var temp = new TempDirectory();
        var file = AnswerFileReader.ReadText(Xml.Doc());

        Assert.ThrowsAny<IOException>(() => file.Save(Path.Combine(temp.Path, "missing", "unattend.xml")));
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void Passes_TypedView_ReadsComponentsAndSettings()
    {
        var file = AnswerFileReader.ReadText(Xml.Doc(Xml.Pass("oobeSystem", Xml.Shell("<OOBE><HideEULAPage>true</HideEULAPage></OOBE>"))));

        var component = file.Passes.Single().Components.Single();

        Assert.Equal(ConfigurationPass.OobeSystem, file.Passes.Single().Pass);
        Assert.Equal("Microsoft-Windows-Shell-Setup", component.Name);
        Assert.Equal("amd64", component.ProcessorArchitecture);
        Assert.Equal("true", component.Find("OOBE/HideEULAPage")?.Value);
        Assert.Null(component.Find("OOBE/Missing"));
        Assert.IsType<XElement>(component.Settings.Single());
    }
}
