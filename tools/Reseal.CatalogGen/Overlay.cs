using System.Globalization;
using Reseal.Unattend.Model;

namespace Reseal.CatalogGen;

/// <summary>
/// The few facts Reseal adds to the reference, each with its source (<c>overlay.tsv</c>): which <c>Value</c> holds a
/// password and the suffix its obfuscation uses (from the "Hide sensitive data" page, not a setting page), the
/// computer-name check, the members a command or account needs, and settings the current reference no longer lists but
/// real files still carry (documented in Microsoft's older references). Lines: <c>path TAB facts TAB source</c>, facts
/// being <c>name=value</c> pairs separated by <c>;</c>.
/// </summary>
internal static class Overlay
{
    private static readonly HashSet<string> Known = ["add", "type", "passes", "password", "required", "deprecated", "removed", "since", "key", "format"];

    public static void Apply(ReferenceTree tree, string text, string file)
    {
        var lineNumber = 0;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var columns = line.Split('\t');
            if (columns.Length != 3 || columns[2].Trim().Length == 0)
            {
                throw new InvalidDataException($"{file}:{lineNumber}: expected 'path<TAB>facts<TAB>source'");
            }

            var facts = columns[1].Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2))
                .ToDictionary(f => f[0].Trim(), f => f.Length == 2 ? f[1].Trim() : "true", StringComparer.Ordinal);
            foreach (var name in facts.Keys.Where(k => !Known.Contains(k)))
            {
                throw new InvalidDataException($"{file}:{lineNumber}: unknown fact '{name}'");
            }

            var node = Find(tree, columns[0], facts.ContainsKey("add"), file, lineNumber);
            Set(node, facts, file, lineNumber);
        }
    }

    private static CatalogNode Find(ReferenceTree tree, string path, bool add, string file, int line)
    {
        var parts = path.Split('/');
        var node = tree.Components.GetValueOrDefault(parts[0]) ?? throw new InvalidDataException($"{file}:{line}: unknown component {parts[0]}");
        foreach (var part in parts.Skip(1))
        {
            var child = node.Child(part);
            if (child is null)
            {
                if (!add || part != parts[^1])
                {
                    throw new InvalidDataException($"{file}:{line}: {node.Path}/{part} is not in the reference (use add= to add it)");
                }

                child = new CatalogNode(part, null, node);
                node.Children.Add(child);
                node.Children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            }
            else if (add && part == parts[^1])
            {
                throw new InvalidDataException($"{file}:{line}: {child.Path} is in the reference; do not add it");
            }

            node = child;
        }

        return node;
    }

    private static void Set(CatalogNode node, Dictionary<string, string> facts, string file, int line)
    {
        foreach (var (name, value) in facts)
        {
            switch (name)
            {
                case "add":
                    node.Kind = value switch
                    {
                        "value" => NodeKind.Value,
                        "group" => NodeKind.Group,
                        _ => throw new InvalidDataException($"{file}:{line}: add={value}: expected value or group"),
                    };
                    break;
                case "type" when value == "bool":
                    node.Type = ValueType.Boolean;
                    break;
                case "type" when value == "computerName":
                    node.Extra["computerName"] = "true";
                    break;
                case "type":
                    throw new InvalidDataException($"{file}:{line}: type={value}: expected bool or computerName");
                case "passes":
                    node.Passes = new SortedSet<ConfigurationPass>(value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p =>
                        ConfigurationPasses.TryParse(p.Trim(), out var pass) ? pass : throw new InvalidDataException($"{file}:{line}: unknown pass {p}")));
                    break;
                case "deprecated":
                    node.Deprecated = Build(value, file, line);
                    break;
                case "removed":
                    node.Removed = Build(value, file, line);
                    break;
                case "since":
                    node.Since = Build(value, file, line);
                    break;
                case "key":
                    node.Key = value;
                    break;
                default:
                    node.Extra[name] = value;
                    break;
            }
        }

        node.Extra["overlay"] = "true";
    }

    private static int Build(string value, string file, int line) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var build)
            ? build
            : throw new InvalidDataException($"{file}:{line}: '{value}' is not a build number");
}
