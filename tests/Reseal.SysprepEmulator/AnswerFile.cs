using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Reseal.SysprepEmulator;

/// <summary>An answer file Setup cannot use: the text Setup logs, and where.</summary>
public sealed class AnswerFileException(string message, int line = 0, int column = 0, string? component = null) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>The component whose settings are wrong (Setup names it), or null for an XML error.</summary>
    public string? Component { get; } = component;
}

/// <summary>One RunSynchronousCommand (Microsoft-Windows-Deployment, specialize or auditUser).</summary>
public sealed record SynchronousCommand(int Order, string Path, string? Description, WillReboot WillReboot);

/// <summary>The WillReboot setting of a RunSynchronousCommand (default Never).</summary>
public enum WillReboot
{
    Never,
    Always,
    OnRequest,
}

/// <summary>
/// The parts of an answer file (unattend.xml) the emulator plays. An XML 1.0 document whose root is <c>unattend</c> in
/// <c>urn:schemas-microsoft-com:unattend</c>, with <c>&lt;settings pass="..."&gt;</c> holding <c>&lt;component name=
/// processorArchitecture=&gt;</c> elements. Only amd64 components apply (the emulated machine is amd64, like Wine's win64
/// prefix); other architectures are ignored as Setup ignores components for another architecture. DTDs are prohibited.
/// </summary>
public sealed class AnswerFile
{
    public const string Namespace = "urn:schemas-microsoft-com:unattend";

    /// <summary>What Windows writes over the passwords of a cached answer file once a pass has used them.</summary>
    public const string SensitiveDataDeleted = "*SENSITIVE*DATA*DELETED*";

    private static readonly XNamespace Ns = Namespace;

    private AnswerFile(XDocument document) => Document = document;

    public XDocument Document { get; }

    /// <summary>Reads a file; <see cref="AnswerFileException"/> carries Setup's line and column for bad XML.</summary>
    public static AnswerFile Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > 16 * 1024 * 1024)
        {
            throw new AnswerFileException("the answer file is larger than 16 MiB");
        }

        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    public static AnswerFile Load(Stream stream)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = false };
        try
        {
            using var reader = XmlReader.Create(stream, settings);
            var document = XDocument.Load(reader, LoadOptions.SetLineInfo | LoadOptions.PreserveWhitespace);
            if (document.Root is null || document.Root.Name != Ns + "unattend")
            {
                var info = (IXmlLineInfo?)document.Root;
                throw new AnswerFileException("the root element is not <unattend> in " + Namespace, info?.LineNumber ?? 1, info?.LinePosition ?? 1);
            }

            return new AnswerFile(document);
        }
        catch (XmlException e)
        {
            throw new AnswerFileException(e.Message, e.LineNumber, e.LinePosition);
        }
    }

    public static AnswerFile Parse(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Load(stream);
    }

    /// <summary>The amd64 component of a pass, or null.</summary>
    public XElement? Component(string pass, string name) =>
        Components(pass).FirstOrDefault(c => string.Equals((string?)c.Attribute("name"), name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The amd64 components of a pass.</summary>
    public IEnumerable<XElement> Components(string pass) =>
        Document.Root!.Elements(Ns + "settings")
            .Where(s => (string?)s.Attribute("pass") == pass)
            .Elements(Ns + "component")
            .Where(c => string.Equals((string?)c.Attribute("processorArchitecture"), "amd64", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the file has a section for the pass (Setup skips passes the file does not mention).</summary>
    public bool HasPass(string pass) => Document.Root!.Elements(Ns + "settings").Any(s => (string?)s.Attribute("pass") == pass);

    /// <summary>The text of a setting under a component, by a path of element names (<c>OOBE/HideEULAPage</c>), or null.</summary>
    public string? Setting(string pass, string component, string path)
    {
        var element = Component(pass, component);
        foreach (var part in path.Split('/'))
        {
            element = element?.Element(Ns + part);
        }

        return element?.Value.Trim();
    }

    /// <summary>
    /// The RunSynchronous commands of a pass, sorted by Order. Order must be a whole number from 1 to 500 and unique,
    /// Path must be present; otherwise Setup cannot apply Microsoft-Windows-Deployment's settings.
    /// </summary>
    public IReadOnlyList<SynchronousCommand> SynchronousCommands(string pass)
    {
        var deployment = Component(pass, "Microsoft-Windows-Deployment");
        var items = deployment?.Element(Ns + "RunSynchronous")?.Elements(Ns + "RunSynchronousCommand") ?? [];
        var commands = new List<SynchronousCommand>();
        foreach (var item in items)
        {
            if ((string?)item.Attribute(XName.Get("action", "http://schemas.microsoft.com/WMIConfig/2002/State")) is "remove")
            {
                continue;
            }

            var orderText = item.Element(Ns + "Order")?.Value.Trim();
            if (!int.TryParse(orderText, NumberStyles.None, CultureInfo.InvariantCulture, out var order) || order is < 1 or > 500)
            {
                throw Invalid(item, $"RunSynchronousCommand Order '{orderText}' is not a whole number from 1 to 500");
            }

            if (commands.Any(c => c.Order == order))
            {
                throw Invalid(item, $"RunSynchronousCommand Order {order} is used twice");
            }

            var path = item.Element(Ns + "Path")?.Value.Trim();
            if (string.IsNullOrEmpty(path))
            {
                throw Invalid(item, $"RunSynchronousCommand {order} has no Path");
            }

            var willReboot = item.Element(Ns + "WillReboot")?.Value.Trim() switch
            {
                null or "" or "Never" => WillReboot.Never,
                "Always" => WillReboot.Always,
                "OnRequest" => WillReboot.OnRequest,
                var other => throw Invalid(item, $"RunSynchronousCommand {order}: WillReboot '{other}' is not Always, OnRequest or Never"),
            };
            commands.Add(new SynchronousCommand(order, path, item.Element(Ns + "Description")?.Value.Trim(), willReboot));
        }

        return [.. commands.OrderBy(c => c.Order)];

        static AnswerFileException Invalid(XElement item, string message)
        {
            var info = (IXmlLineInfo)item;
            return new AnswerFileException(message, info.LineNumber, info.LinePosition, "Microsoft-Windows-Deployment");
        }
    }

    /// <summary>
    /// Every password value of the file (UserAccounts/AdministratorPassword, LocalAccount/Password, AutoLogon/Password,
    /// Credentials/Password, DomainAccounts): the Value element and whether it is clear text (PlainText absent or true).
    /// </summary>
    public IEnumerable<(string Field, XElement Value, bool PlainText)> Passwords(string? pass = null)
    {
        var settings = Document.Root!.Elements(Ns + "settings").Where(s => pass is null || (string?)s.Attribute("pass") == pass);
        foreach (var element in settings.Descendants())
        {
            var local = element.Name.LocalName;
            if (element.Name.Namespace != Ns || local is not ("AdministratorPassword" or "Password" or "OfflineAdministratorPassword"))
            {
                continue;
            }

            var value = element.Element(Ns + "Value");
            if (value is null)
            {
                // Credentials/Password holds the text itself.
                if (!element.HasElements && element.Parent?.Name.LocalName == "Credentials")
                {
                    yield return (local, element, true);
                }

                continue;
            }

            var plain = element.Element(Ns + "PlainText")?.Value.Trim();
            yield return (local, value, plain is null || plain.Equals("true", StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>
    /// Decodes an obfuscated password (<c>PlainText</c> false): Base64 of UTF-16LE of password + field name
    /// (answerfiles.md §3). Null when the value is not that: Setup logs "Failed to decode password (0x8007000d)".
    /// </summary>
    public static string? DecodeObfuscated(string value, string field)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            return null;
        }

        if (bytes.Length % 2 != 0)
        {
            return null;
        }

        var text = Encoding.Unicode.GetString(bytes);
        return text.EndsWith(field, StringComparison.Ordinal) ? text[..^field.Length] : null;
    }

    /// <summary>
    /// Replaces every password value of the given passes with <see cref="SensitiveDataDeleted"/>, as Windows does in the
    /// cached copy once the passes that use them ran. True when something changed.
    /// </summary>
    public bool ScrubPasswords(params string[] passes)
    {
        var changed = false;
        foreach (var pass in passes)
        {
            foreach (var (_, value, _) in Passwords(pass).ToArray())
            {
                if (value.Value != SensitiveDataDeleted)
                {
                    value.Value = SensitiveDataDeleted;
                    changed = true;
                }
            }
        }

        return changed;
    }

    public void Save(string path)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false };
        var temp = path + ".tmp";
        using (var writer = XmlWriter.Create(temp, settings))
        {
            Document.Save(writer);
        }

        File.Move(temp, path, overwrite: true);
    }
}
