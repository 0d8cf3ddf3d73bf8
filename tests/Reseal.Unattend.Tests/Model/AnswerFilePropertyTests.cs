using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Tests.Model;

/// <summary>
/// Property (FsCheck): an answer file read and written unchanged is byte-identical. Files are generated in the form
/// the writer keeps (empty elements as <c>&lt;a /&gt;</c>, double-quoted attributes, one line ending per file) and
/// vary everything else it must keep: UTF-8 with or without BOM and UTF-16, CRLF or LF, indentation, comments,
/// processing instructions, CDATA, escaped characters, namespace prefixes and declarations, attribute order.
/// </summary>
public sealed class AnswerFilePropertyTests
{
    private sealed record Shape(string NewLine, int Encoding);

    private static readonly Gen<string> Word = Gen.Elements("unattend-like", "Order", "Path", "a", "b1", "Value", "x.y", "Z_9");

    private static readonly Gen<string> Text =
        from parts in Gen.Elements("abc", "C:\\Windows", " ", "&amp;", "&lt;", "&gt;", "é", "日本", "'", "\"", "1.0", "%WINDIR%", "\t").ListOf()
        select string.Concat(parts);

    private static readonly Gen<string> AttributeValue =
        from parts in Gen.Elements("abc", "C:\\x", " ", "&amp;", "&lt;", "&gt;", "&quot;", "é", "'", "amd64").ListOf()
        select string.Concat(parts);

    private static readonly Gen<string> Attributes =
        from names in Gen.SubListOf(["name", "processorArchitecture", "wcm:action", "wcm:keyValue", "language", "p:x", "xmlns:p"])
        from shuffled in Gen.Shuffle(names.ToArray())
        from values in AttributeValue.ArrayOf(shuffled.Length)
        select string.Concat(shuffled.Zip(values, (n, v) => n == "xmlns:p" ? " xmlns:p=\"urn:p\"" : $" {n}=\"{v}\""));

    private static Gen<string> Node(int depth, string newLine) => Gen.Frequency(
        (3, from name in Word from attributes in Attributes select $"<{name}{attributes} />"),
        (3, from name in Word from attributes in Attributes from text in Text select $"<{name}{attributes}>{text}</{name}>"),
        (depth > 0 ? 3 : 0, from name in Word
                            from attributes in Attributes
                            from children in Gen.Sized(size => Node(depth - 1, newLine).ListOf(Math.Min(size, 4)))
                            from indent in Gen.Elements("", "  ", "\t")
                            select $"<{name}{attributes}>{string.Concat(children.Select(c => newLine + indent + c))}{newLine}</{name}>"),
        (1, Text.Select(t => $"<!--{t.Replace("-", "", StringComparison.Ordinal)}-->")),
        (1, Text.Select(t => $"<![CDATA[{t.Replace("]", "", StringComparison.Ordinal)}]]>")),
        (1, Gen.Constant("<?reseal keep this?>")));

    private static readonly Arbitrary<(string Xml, string NewLine, int Encoding)> Files =
        (from newLine in Gen.Elements("\r\n", "\n")
         from encoding in Gen.Choose(0, 2)
         from children in Gen.Sized(size => Node(3, newLine).ListOf(Math.Min(size, 6)))
         let declaration = $"<?xml version=\"1.0\" encoding=\"{(encoding == 2 ? "utf-16" : "utf-8")}\"?>"
         let body = string.Concat(children.Select(c => newLine + "  " + c))
         select ($"{declaration}{newLine}<unattend xmlns=\"urn:schemas-microsoft-com:unattend\" xmlns:wcm=\"http://schemas.microsoft.com/WMIConfig/2002/State\" xmlns:p=\"urn:p\">{body}{newLine}</unattend>{newLine}",
             newLine, encoding)).ToArbitrary();

    private static byte[] Encode(string xml, int encoding) => encoding switch
    {
        0 => new UTF8Encoding(false).GetBytes(xml),
        1 => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(xml)],
        _ => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)],
    };

    [Fact]
    public void Read_ThenWriteUnchanged_ByteIdentical() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Files, file =>
        {
            var bytes = Encode(file.Xml, file.Encoding);

            var written = AnswerFileReader.Read(bytes, "generated.xml").ToBytes();

            Assert.Equal(file.Xml, file.Encoding == 2 ? Encoding.Unicode.GetString(written.AsSpan(2)) : Encoding.UTF8.GetString(written.AsSpan(file.Encoding == 1 ? 3 : 0)));
            Assert.Equal(bytes, written);
        }));
}
