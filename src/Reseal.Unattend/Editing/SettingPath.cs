using System.Text;

namespace Reseal.Unattend.Editing;

/// <summary>
/// One step of a <see cref="SettingPath"/>: an element name, and for a list item which item —
/// <c>Item[2]</c> (by the item's documented key), <c>Item[Name=ops]</c> (by a child) or <c>Item[@keyValue=1]</c>.
/// </summary>
public sealed record PathStep(string Name, string? KeyName, string? KeyValue)
{
    public bool IsItem => KeyValue is not null;

    public override string ToString() => KeyValue is null ? Name : KeyName is null ? $"{Name}[{KeyValue}]" : $"{Name}[{KeyName}={KeyValue}]";
}

/// <summary>
/// A setting's address as <c>reseal unattend get|set|remove</c> take it: <c>Component/Setting/Child</c>, list items
/// selected by key in brackets (<c>Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand[1]/Path</c>).
/// </summary>
public sealed record SettingPath(string Component, IReadOnlyList<PathStep> Steps)
{
    /// <summary>Parses a path.</summary>
    /// <exception cref="FormatException">The path is empty, has an empty step or an unclosed bracket; the message says where.</exception>
    public static SettingPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = Split(text.Trim());
        if (parts.Count < 2)
        {
            throw new FormatException($"'{text}' names no setting: write Component/Setting, e.g. Microsoft-Windows-Shell-Setup/TimeZone");
        }

        if (parts[0].Contains('[', StringComparison.Ordinal))
        {
            throw new FormatException($"'{parts[0]}': a component takes no [key]");
        }

        var steps = new List<PathStep>();
        foreach (var part in parts.Skip(1))
        {
            steps.Add(ParseStep(part, text));
        }

        return new SettingPath(parts[0], steps);
    }

    public override string ToString() => Component + "/" + string.Join('/', Steps);

    /// <summary>Splits on '/' outside brackets (a key may hold a slash: <c>[Path=C:/x]</c>).</summary>
    private static List<string> Split(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }

            if (c == '/' && depth == 0)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        foreach (var part in parts)
        {
            if (part.Trim().Length == 0)
            {
                throw new FormatException($"'{text}' has an empty step");
            }
        }

        return parts;
    }

    private static PathStep ParseStep(string part, string text)
    {
        var open = part.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return new PathStep(Name(part, text), null, null);
        }

        if (!part.EndsWith(']'))
        {
            throw new FormatException($"'{part}' in '{text}': a [key] must close the step");
        }

        var key = part[(open + 1)..^1];
        var equals = key.IndexOf('=', StringComparison.Ordinal);
        var keyName = equals < 0 ? null : key[..equals].Trim();
        var keyValue = equals < 0 ? key : key[(equals + 1)..];
        if (keyValue.Length == 0 || keyName is { Length: 0 })
        {
            throw new FormatException($"'{part}' in '{text}': the key is empty");
        }

        return new PathStep(Name(part[..open], text), keyName, keyValue);
    }

    private static string Name(string name, string text)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0 || !System.Xml.XmlReader.IsName(trimmed) || trimmed.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"'{name}' in '{text}' is not an element name");
        }

        return trimmed;
    }
}
