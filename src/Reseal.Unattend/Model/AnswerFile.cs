using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Reseal.Unattend.Model;

/// <summary>
/// A Windows answer file held losslessly: the XML tree as read (see <see cref="AnswerFileReader"/>) plus its byte-level
/// format. Typed views (<see cref="Passes"/>) read the tree; nothing is copied, so an unchanged file writes back as it was.
/// </summary>
public sealed class AnswerFile
{
    internal AnswerFile(XDocument document, string? path, FileFormat format)
    {
        Document = document;
        Path = path;
        Format = format;
    }

    /// <summary>The XML tree. Edits made here are what <see cref="Save"/> writes.</summary>
    public XDocument Document { get; }

    /// <summary>The path the file was read from, or null.</summary>
    public string? Path { get; }

    /// <summary>The bytes the file was read from (null for a file built in code); edits splice into them.</summary>
    internal byte[]? OriginalBytes { get; init; }

    /// <summary>The bytes as read, or the serialized tree for a file built in code.</summary>
    internal byte[] ToOriginalBytes() => OriginalBytes ?? ToBytes();

    public FileFormat Format { get; }

    /// <summary>Creates an answer file from a document built in code (UTF-8 with BOM and CRLF, as WSIM writes).</summary>
    public static AnswerFile Create(XDocument document, string? path = null) =>
        new(document, path, new FileFormat(new UTF8Encoding(true), true, "\r\n"));

    /// <summary>The root element.</summary>
    public XElement Root => Document.Root!;

    /// <summary>True when the root is <c>unattend</c> in the answer-file namespace.</summary>
    public bool HasUnattendRoot => Root.Name == UnattendNames.Root;

    /// <summary>Each <c>&lt;settings&gt;</c> element in document order.</summary>
    public IEnumerable<PassSettings> Passes =>
        Root.Elements(UnattendNames.Settings).Select(e => new PassSettings(e));

    /// <summary>Where an element or attribute was in the source file; unknown for nodes added in code.</summary>
    public static SourcePosition PositionOf(XObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Annotation<SourcePositionAnnotation>()?.Position ?? SourcePosition.Unknown;
    }

    /// <summary>Serializes to bytes in the file's own encoding, BOM and line ending.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Serializes to a string (the declaration names the file's encoding).</summary>
    public string ToXmlString() => Format.Encoding.GetString(ToBytes().AsSpan(Format.HasByteOrderMark ? Format.Encoding.Preamble.Length : 0));

    /// <summary>Writes the file to a stream.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var encoding = Format.Encoding switch
        {
            UTF8Encoding => new UTF8Encoding(Format.HasByteOrderMark),
            UnicodeEncoding u => new UnicodeEncoding(u.CodePage == 1201, Format.HasByteOrderMark),
            var other => other,
        };
        var settings = new XmlWriterSettings
        {
            Encoding = encoding,
            OmitXmlDeclaration = Document.Declaration is null,
            NewLineHandling = NewLineHandling.Replace,
            NewLineChars = Format.NewLine,
            Indent = false,
            CloseOutput = false,
        };
        using (var writer = XmlWriter.Create(stream, settings))
        {
            Document.Save(writer);
        }

    }

    /// <summary>
    /// Saves atomically through the project's one writer (<see cref="AtomicFile"/>): a new temporary file beside the
    /// target, flushed to disk, read back to verify it parses to the same tree, then renamed over the target, the old
    /// file kept as <c>.bak</c> when asked.
    /// </summary>
    public void Save(string path, bool keepBackup = false) => Write(path, ToBytes(), Root, keepBackup);

    /// <summary>
    /// Writes bytes an edit produced (<see cref="Editing.AnswerFileEditor"/>) the same way as <see cref="Save"/>: they
    /// must read back to this file's tree.
    /// </summary>
    public void SaveEdited(string path, byte[] bytes, bool keepBackup = false)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, bytes, Root, keepBackup);
    }

    private static void Write(string path, byte[] bytes, XElement expected, bool keepBackup)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        AtomicFile.Write(full, bytes, new AtomicWriteOptions
        {
            Verify = temp =>
            {
                if (!XNode.DeepEquals(AnswerFileReader.ReadFile(temp).Root, expected))
                {
                    throw new IOException($"{full}: the written file did not read back to the same XML; the original was left unchanged");
                }
            },
            BackupPath = keepBackup ? full + ".bak" : null,
            CreateDirectory = false,
        });
    }
}

/// <summary>A <c>&lt;settings pass="..."&gt;</c> element.</summary>
public readonly record struct PassSettings(XElement Element)
{
    /// <summary>The pass name as written (may be unknown or missing).</summary>
    public string? PassName => Element.Attribute("pass")?.Value;

    /// <summary>The parsed pass, when the name is one of the seven.</summary>
    public ConfigurationPass? Pass => ConfigurationPasses.TryParse(PassName, out var pass) ? pass : null;

    public IEnumerable<ComponentSettings> Components =>
        Element.Elements(UnattendNames.Component).Select(e => new ComponentSettings(e));
}

/// <summary>A <c>&lt;component&gt;</c> element and its identity attributes.</summary>
public readonly record struct ComponentSettings(XElement Element)
{
    public string? Name => Element.Attribute("name")?.Value;

    public string? ProcessorArchitecture => Element.Attribute("processorArchitecture")?.Value;

    public string? PublicKeyToken => Element.Attribute("publicKeyToken")?.Value;

    public string? Language => Element.Attribute("language")?.Value;

    public string? VersionScope => Element.Attribute("versionScope")?.Value;

    /// <summary>Setting elements directly under the component.</summary>
    public IEnumerable<XElement> Settings => Element.Elements();

    /// <summary>Finds a setting by a slash-separated path of local names, e.g. <c>OOBE/HideEULAPage</c>.</summary>
    public XElement? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        XElement? current = Element;
        foreach (var part in path.Split('/'))
        {
            current = current?.Elements().FirstOrDefault(e => e.Name.LocalName == part);
        }

        return current;
    }
}
