using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Reseal.Unattend.Model;

/// <summary>Limits that keep hostile input from exhausting memory or the stack.</summary>
public sealed record AnswerFileReadOptions
{
    /// <summary>Largest file accepted. Real answer files are a few KB; 16 MiB leaves room for embedded scripts.</summary>
    public long MaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Deepest element nesting accepted. Real files nest under 12 levels.</summary>
    public int MaxDepth { get; init; } = 128;

    /// <summary>
    /// Most nodes (elements, text, comments, processing instructions) accepted. Real answer files hold a few hundred
    /// to a few thousand; 4 million tiny elements (16 MiB of <c>&lt;a/&gt;</c>) once took seconds and hundreds of MiB.
    /// </summary>
    public int MaxNodes { get; init; } = 200_000;

    /// <summary>
    /// Most attributes on one element. The largest real element (<c>&lt;component&gt;</c>) has 7; LINQ to XML checks
    /// each new attribute against the ones before it, so 50,000 on one element took seconds and 500,000 never ended.
    /// </summary>
    public int MaxAttributesPerElement { get; init; } = 256;

    /// <summary>
    /// Longest text, CDATA section, comment or processing instruction accepted, in characters (1 Mi). The longest
    /// setting Setup reads is a 1,024-character command line; libxml2 (xmllint) refuses a text node over 10 MB. A 15 MB
    /// CDATA section once cost 16 s and 356 MiB in lint.
    /// </summary>
    public int MaxTextChars { get; init; } = 1024 * 1024;

    /// <summary>Most namespace declarations (<c>xmlns</c>, <c>xmlns:p</c>) in one file. Real files declare 3 per component.</summary>
    public int MaxNamespaceDeclarations { get; init; } = 4_096;

    public static AnswerFileReadOptions Default { get; } = new();
}

/// <summary>
/// Reads an answer file into an <see cref="XDocument"/> that keeps everything needed to write it back unchanged:
/// comments, processing instructions, whitespace, namespace prefixes and declarations, attribute order, unknown
/// elements, <c>&lt;servicing&gt;</c> and <c>cpi:offlineImage</c>, plus the encoding, byte-order mark and line ending.
/// </summary>
/// <remarks>
/// On-disk format: an XML 1.0 document, normally UTF-8 (with or without BOM) and sometimes UTF-16, whose root is
/// <c>unattend</c> in <c>urn:schemas-microsoft-com:unattend</c>. Document type declarations are refused outright
/// (<see cref="DtdProcessing.Prohibit"/>), so no entity can expand or reach a file or URL; no resolver is set.
/// Each element and attribute gets a <see cref="SourcePosition"/> annotation so later checks can point at it.
/// </remarks>
public static class AnswerFileReader
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    /// <summary>Reads a file from disk.</summary>
    public static AnswerFile ReadFile(string path, AnswerFileReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= AnswerFileReadOptions.Default;
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new AnswerFileFormatException(path, SourcePosition.Unknown, AnswerFileErrorKind.Unreadable,
                    Directory.Exists(path) ? "is a directory, not an answer file" : "file not found");
            }

            if (info.Length > options.MaxBytes)
            {
                throw TooLarge(path, info.Length, options);
            }

            bytes = Reseal.IO.RegularFile.ReadAllBytes(path, options.MaxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AnswerFileFormatException(path, SourcePosition.Unknown, AnswerFileErrorKind.Unreadable, e.Message, e);
        }

        return Read(bytes, path, options);
    }

    /// <summary>Reads text already in memory (for example from standard input).</summary>
    public static AnswerFile ReadText(string xml, string? displayPath = null, AnswerFileReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return Read(new UTF8Encoding(false).GetBytes(xml), displayPath, options);
    }

    /// <summary>Reads bytes; the encoding is detected from the BOM and the XML declaration.</summary>
    public static AnswerFile Read(ReadOnlySpan<byte> bytes, string? displayPath = null, AnswerFileReadOptions? options = null)
    {
        options ??= AnswerFileReadOptions.Default;
        if (bytes.Length > options.MaxBytes)
        {
            throw TooLarge(displayPath, bytes.Length, options);
        }

        if (bytes.IsEmpty)
        {
            throw new AnswerFileFormatException(displayPath, SourcePosition.Unknown, AnswerFileErrorKind.Malformed,
                "the file is empty; an answer file is an XML document whose root is <unattend>");
        }

        var format = FileFormat.Detect(bytes);
        var array = bytes.ToArray();
        using var stream = new MemoryStream(array, writable: false);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = false,
            IgnoreWhitespace = false,
            IgnoreProcessingInstructions = false,
            CheckCharacters = true,
            CloseInput = false,
            MaxCharactersFromEntities = 0,
            MaxCharactersInDocument = options.MaxBytes,
        };

        var document = new XDocument();
        XmlReader? reader = null;
        try
        {
            reader = XmlReader.Create(stream, settings);
            Build(reader, document, displayPath, options);
        }
        catch (XmlException e)
        {
            throw Translate(e, array, displayPath);
        }
        catch (DecoderFallbackException e)
        {
            throw new AnswerFileFormatException(displayPath, SourcePosition.Unknown, AnswerFileErrorKind.Malformed,
                $"bytes that are not valid {format.Encoding.WebName} text", e);
        }
        catch (ArgumentException e)
        {
            // Unsupported encoding named in the XML declaration.
            throw new AnswerFileFormatException(displayPath, SourcePosition.Unknown, AnswerFileErrorKind.Malformed, e.Message, e);
        }
        finally
        {
            reader?.Dispose();
        }

        if (document.Root is null)
        {
            throw new AnswerFileFormatException(displayPath, SourcePosition.Unknown, AnswerFileErrorKind.Malformed,
                "no root element; an answer file is an XML document whose root is <unattend>");
        }

        return new AnswerFile(document, displayPath, format) { OriginalBytes = array };
    }

    private static void Build(XmlReader reader, XDocument document, string? displayPath, AnswerFileReadOptions options)
    {
        var lineInfo = (IXmlLineInfo)reader;
        XContainer current = document;
        var nodes = 0;
        var declarations = 0;
        while (reader.Read())
        {
            if (++nodes > options.MaxNodes)
            {
                throw new AnswerFileFormatException(displayPath, new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition), AnswerFileErrorKind.Refused,
                    $"more than {options.MaxNodes:N0} XML nodes; real answer files hold a few thousand at most");
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                    document.Declaration = new XDeclaration(reader.GetAttribute("version"), reader.GetAttribute("encoding"),
                        reader.GetAttribute("standalone"));
                    break;
                case XmlNodeType.Element:
                    if (reader.Depth >= options.MaxDepth)
                    {
                        throw new AnswerFileFormatException(displayPath, new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition),
                            AnswerFileErrorKind.Refused,
                            $"elements nested deeper than {options.MaxDepth} levels; real answer files nest under 12");
                    }

                    var element = new XElement(XName.Get(reader.LocalName, reader.NamespaceURI));
                    element.AddAnnotation(new SourcePositionAnnotation(new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition)));
                    var isEmpty = reader.IsEmptyElement;
                    if (reader.AttributeCount > options.MaxAttributesPerElement)
                    {
                        throw new AnswerFileFormatException(displayPath, new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition), AnswerFileErrorKind.Refused,
                            $"an element with {reader.AttributeCount:N0} attributes; at most {options.MaxAttributesPerElement} are accepted (real elements have under 10)");
                    }

                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            if (reader.NamespaceURI == XmlnsNamespace && ++declarations > options.MaxNamespaceDeclarations)
                            {
                                throw new AnswerFileFormatException(displayPath, new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition),
                                    AnswerFileErrorKind.Refused,
                                    $"more than {options.MaxNamespaceDeclarations:N0} namespace declarations (xmlns); real answer files have a few per component");
                            }

                            var attribute = new XAttribute(AttributeName(reader), BoundedValue(reader, lineInfo, displayPath, options));
                            attribute.AddAnnotation(new SourcePositionAnnotation(new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition)));
                            element.Add(attribute);
                        }
                        while (reader.MoveToNextAttribute());

                        reader.MoveToElement();
                    }

                    current.Add(element);
                    if (!isEmpty)
                    {
                        current = element;
                    }

                    break;
                case XmlNodeType.EndElement:
                    if (current is XElement closing && closing.FirstNode is null)
                    {
                        // <a></a> stays <a></a> rather than becoming <a />.
                        closing.Add(string.Empty);
                    }

                    current = current.Parent is { } parent ? parent : document;
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    current.Add(new XText(BoundedValue(reader, lineInfo, displayPath, options)));
                    break;
                case XmlNodeType.CDATA:
                    current.Add(new XCData(BoundedValue(reader, lineInfo, displayPath, options)));
                    break;
                case XmlNodeType.Comment:
                    current.Add(new XComment(BoundedValue(reader, lineInfo, displayPath, options)));
                    break;
                case XmlNodeType.ProcessingInstruction:
                    current.Add(new XProcessingInstruction(reader.Name, BoundedValue(reader, lineInfo, displayPath, options)));
                    break;
                default:
                    break;
            }
        }
    }

    private static string BoundedValue(XmlReader reader, IXmlLineInfo lineInfo, string? displayPath, AnswerFileReadOptions options)
    {
        var value = reader.Value;
        return value.Length <= options.MaxTextChars
            ? value
            : throw new AnswerFileFormatException(displayPath, new SourcePosition(lineInfo.LineNumber, lineInfo.LinePosition), AnswerFileErrorKind.Refused,
                $"a {reader.NodeType switch { XmlNodeType.CDATA => "CDATA section", XmlNodeType.Comment => "comment", XmlNodeType.ProcessingInstruction => "processing instruction", XmlNodeType.Attribute => "attribute value", _ => "text" }} " +
                $"of {value.Length:N0} characters; at most {options.MaxTextChars:N0} are accepted (the longest setting Setup reads is 1,024)");
    }

    private static XName AttributeName(XmlReader reader)
    {
        if (reader.NamespaceURI == XmlnsNamespace)
        {
            return reader.Prefix == "xmlns" ? XNamespace.Xmlns + reader.LocalName : XName.Get("xmlns");
        }

        return XName.Get(reader.LocalName, reader.NamespaceURI);
    }

    private static AnswerFileFormatException Translate(XmlException e, byte[] bytes, string? displayPath)
    {
        var position = new SourcePosition(e.LineNumber, e.LinePosition);
        var message = e.Message;
        var cut = message.IndexOf(" Line ", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        var doctype = FindDoctype(bytes);
        if (message.Contains("DTD", StringComparison.Ordinal) || doctype.IsKnown)
        {
            position = position.IsKnown ? position : doctype;
            return new AnswerFileFormatException(displayPath, position, AnswerFileErrorKind.Refused,
                "a document type declaration (<!DOCTYPE>) is not allowed in an answer file: DTDs can define entities that expand without bound or read other files", e);
        }

        return new AnswerFileFormatException(displayPath, position, AnswerFileErrorKind.Malformed, "not well-formed XML: " + message.TrimEnd('.'), e);
    }

    /// <summary>Where <c>&lt;!DOCTYPE</c> starts in the first 64 KiB, as a line and column, or unknown.</summary>
    private static SourcePosition FindDoctype(byte[] bytes)
    {
        var head = bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024));
        var unit = 1;
        var index = head.IndexOf("<!DOCTYPE"u8);
        if (index < 0)
        {
            unit = 2;
            index = head.IndexOf("<\0!\0D\0O\0C\0T\0Y\0P\0E\0"u8);
        }

        if (index < 0)
        {
            return SourcePosition.Unknown;
        }

        var before = head[..index];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return new SourcePosition(line, ((index - lineStart) / unit) + 1);
    }

    private static AnswerFileFormatException TooLarge(string? path, long length, AnswerFileReadOptions options) =>
        new(path, SourcePosition.Unknown, AnswerFileErrorKind.Refused,
            $"the file is {length:N0} bytes; answer files larger than {options.MaxBytes:N0} bytes are refused");
}

/// <summary>Where an element or attribute was in its source file.</summary>
internal sealed record SourcePositionAnnotation(SourcePosition Position);

/// <summary>The byte-level form of a file: encoding, BOM and line ending, kept so a save changes nothing else.</summary>
public sealed record FileFormat(Encoding Encoding, bool HasByteOrderMark, string NewLine)
{
    public static FileFormat Default { get; } = new(new UTF8Encoding(false), false, "\r\n");

    internal static FileFormat Detect(ReadOnlySpan<byte> bytes)
    {
        Encoding encoding;
        var bom = true;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            encoding = new UTF8Encoding(true);
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            encoding = new UnicodeEncoding(bigEndian: false, byteOrderMark: true);
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            encoding = new UnicodeEncoding(bigEndian: true, byteOrderMark: true);
        }
        else
        {
            bom = false;
            encoding = bytes.Length >= 2 && bytes[0] == (byte)'<' && bytes[1] == 0
                ? new UnicodeEncoding(bigEndian: false, byteOrderMark: false)
                : new UTF8Encoding(false);
        }

        var unit = encoding is UnicodeEncoding ? 2 : 1;
        var offset = encoding is UnicodeEncoding u && u.CodePage == 1201 ? 1 : 0;
        var newLine = "\n";
        for (var i = offset; i + unit <= bytes.Length; i += unit)
        {
            if (bytes[i] == (byte)'\n')
            {
                newLine = i >= unit && bytes[i - unit] == (byte)'\r' ? "\r\n" : "\n";
                break;
            }
        }

        return new FileFormat(encoding, bom, newLine);
    }
}
