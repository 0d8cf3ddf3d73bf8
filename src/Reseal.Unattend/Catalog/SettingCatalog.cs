using System.Collections.Frozen;
using System.Xml;
using System.Xml.Linq;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Catalog;

/// <summary>What kind of node a catalog entry describes.</summary>
public enum SettingKind
{
    /// <summary>A single value.</summary>
    Value,

    /// <summary>A container of other settings.</summary>
    Group,

    /// <summary>A list setting whose items carry a key.</summary>
    List,
}

/// <summary>The value type of a setting.</summary>
public enum SettingType
{
    /// <summary>Not checked.</summary>
    Any,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A decimal integer within <see cref="SettingDefinition.Min"/> and <see cref="SettingDefinition.Max"/>.</summary>
    Number,

    /// <summary>Free text within <see cref="SettingDefinition.MaxLength"/>.</summary>
    Text,

    /// <summary>One of <see cref="SettingDefinition.Values"/> (case-sensitive).</summary>
    Choice,

    /// <summary>A NetBIOS computer name, or <c>*</c> for a random one.</summary>
    ComputerName,
}

/// <summary>One setting, group or list of a component, with its valid passes and limits.</summary>
public sealed record SettingDefinition
{
    public required string Name { get; init; }

    /// <summary>Slash-separated path from the component, e.g. <c>OOBE/HideEULAPage</c>.</summary>
    public required string Path { get; init; }

    public required SettingKind Kind { get; init; }

    public SettingType Type { get; init; } = SettingType.Any;

    /// <summary>Passes where the setting is valid (already narrowed by its parents).</summary>
    public required IReadOnlySet<ConfigurationPass> Passes { get; init; }

    public long? Min { get; init; }

    public long? Max { get; init; }

    public int? MaxLength { get; init; }

    public int? MaxBytes { get; init; }

    public bool AllowEmpty { get; init; } = true;

    public bool Required { get; init; }

    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>Why the setting is deprecated, or null.</summary>
    public string? Deprecated { get; init; }

    /// <summary>For a password <c>Value</c>: the suffix obfuscation appends (<c>Password</c> or <c>AdministratorPassword</c>).</summary>
    public string? PasswordSuffix { get; init; }

    /// <summary>A regular expression the whole value must match, or null.</summary>
    public System.Text.RegularExpressions.Regex? Pattern { get; init; }

    /// <summary>What <see cref="Pattern"/> expects, in words.</summary>
    public string? PatternHelp { get; init; }

    /// <summary>Characters the value must not contain.</summary>
    public string Forbidden { get; init; } = string.Empty;

    /// <summary>Values refused whatever their case (e.g. NONE for an account name).</summary>
    public IReadOnlyList<string> Reserved { get; init; } = [];

    /// <summary>True when the contents are not checked.</summary>
    public bool Open { get; init; }

    /// <summary>For a list: the item element name.</summary>
    public string? ItemName { get; init; }

    /// <summary>For a list: the key child element, or <c>@keyValue</c> for a <c>wcm:keyValue</c> attribute.</summary>
    public string? Key { get; init; }

    /// <summary>Children by local name (for a list: the children of each item).</summary>
    public IReadOnlyDictionary<string, SettingDefinition> Children { get; init; } = FrozenDictionary<string, SettingDefinition>.Empty;

    /// <summary>A child ignoring case, for "did you mean" hints on misspelt names (names are case-sensitive).</summary>
    public SettingDefinition? ChildIgnoringCase(string name) =>
        Children.Values.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A component of the catalog.</summary>
public sealed record ComponentDefinition
{
    public required string Name { get; init; }

    public required IReadOnlySet<ConfigurationPass> Passes { get; init; }

    public required IReadOnlyDictionary<string, SettingDefinition> Settings { get; init; }

    public SettingDefinition? SettingIgnoringCase(string name) =>
        Settings.Values.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Finds a setting by slash-separated path (list items are skipped: <c>RunSynchronous/Order</c>).</summary>
    public SettingDefinition? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IReadOnlyDictionary<string, SettingDefinition> level = Settings;
        SettingDefinition? found = null;
        foreach (var part in path.Split('/'))
        {
            if (!level.TryGetValue(part, out found))
            {
                return null;
            }

            level = found.Children;
        }

        return found;
    }
}

/// <summary>
/// The components and settings Reseal knows, loaded once from the catalog embedded in this assembly
/// (<c>Catalog/catalog.xml</c>, which documents its own format).
/// </summary>
public sealed class SettingCatalog
{
    private static readonly XNamespace Ns = "urn:reseal:unattend-catalog";
    private static readonly Lazy<SettingCatalog> Embedded = new(LoadEmbedded);

    private SettingCatalog(FrozenDictionary<string, ComponentDefinition> components) => Components = components;

    /// <summary>The catalog shipped in the assembly.</summary>
    public static SettingCatalog Default => Embedded.Value;

    /// <summary>Components by name (case-sensitive, as Setup matches them).</summary>
    public IReadOnlyDictionary<string, ComponentDefinition> Components { get; }

    public ComponentDefinition? Find(string? componentName) =>
        componentName is not null && Components.TryGetValue(componentName, out var c) ? c : null;

    /// <summary>Parses a catalog document; used for the embedded one and by tests.</summary>
    public static SettingCatalog Parse(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var components = new Dictionary<string, ComponentDefinition>(StringComparer.Ordinal);
        foreach (var element in document.Root!.Elements(Ns + "component"))
        {
            var name = Required(element, "name");
            var passes = ParsePasses(element, ConfigurationPasses.All.ToHashSet());
            components.Add(name, new ComponentDefinition
            {
                Name = name,
                Passes = passes.ToFrozenSet(),
                Settings = ParseChildren(element, string.Empty, passes),
            });
        }

        return new SettingCatalog(components.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static SettingCatalog LoadEmbedded()
    {
        using var stream = typeof(SettingCatalog).Assembly.GetManifestResourceStream("Reseal.Unattend.catalog.xml")
            ?? throw new InvalidOperationException("the embedded answer-file catalog is missing from Reseal.Unattend");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        return Parse(XDocument.Load(reader));
    }

    private static FrozenDictionary<string, SettingDefinition> ParseChildren(XElement parent, string parentPath, IReadOnlySet<ConfigurationPass> parentPasses)
    {
        var children = new Dictionary<string, SettingDefinition>(StringComparer.Ordinal);
        foreach (var element in parent.Elements())
        {
            var name = Required(element, "name");
            var path = parentPath.Length == 0 ? name : parentPath + "/" + name;
            var passes = ParsePasses(element, parentPasses);
            if (!passes.IsSubsetOf(parentPasses))
            {
                throw new InvalidOperationException($"catalog: {path} names passes its parent does not allow");
            }

            var kind = element.Name.LocalName switch
            {
                "setting" => SettingKind.Value,
                "group" => SettingKind.Group,
                "list" => SettingKind.List,
                var other => throw new InvalidOperationException($"catalog: unknown element <{other}> at {path}"),
            };
            children.Add(name, new SettingDefinition
            {
                Name = name,
                Path = path,
                Kind = kind,
                Type = ParseType((string?)element.Attribute("type"), path),
                Passes = passes.ToFrozenSet(),
                Min = (long?)element.Attribute("min"),
                Max = (long?)element.Attribute("max"),
                MaxLength = (int?)element.Attribute("maxLength"),
                MaxBytes = (int?)element.Attribute("maxBytes"),
                AllowEmpty = (bool?)element.Attribute("allowEmpty") ?? true,
                Required = (bool?)element.Attribute("required") ?? false,
                Values = ((string?)element.Attribute("values"))?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
                Deprecated = (string?)element.Attribute("deprecated"),
                PasswordSuffix = (string?)element.Attribute("password"),
                Pattern = (string?)element.Attribute("pattern") is { } pattern
                    ? new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
                    : null,
                PatternHelp = (string?)element.Attribute("patternHelp"),
                Forbidden = (string?)element.Attribute("forbidden") ?? string.Empty,
                Reserved = ((string?)element.Attribute("reserved"))?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
                Open = (bool?)element.Attribute("open") ?? false,
                ItemName = (string?)element.Attribute("item"),
                Key = (string?)element.Attribute("key"),
                Children = ParseChildren(element, path, passes),
            });
        }

        return children.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static SettingType ParseType(string? type, string path) => type switch
    {
        null or "any" => SettingType.Any,
        "bool" => SettingType.Boolean,
        "int" => SettingType.Number,
        "string" => SettingType.Text,
        "enum" => SettingType.Choice,
        "computerName" => SettingType.ComputerName,
        _ => throw new InvalidOperationException($"catalog: unknown type '{type}' at {path}"),
    };

    private static HashSet<ConfigurationPass> ParsePasses(XElement element, IReadOnlySet<ConfigurationPass> inherited)
    {
        var text = (string?)element.Attribute("passes");
        if (text is null)
        {
            return [.. inherited];
        }

        var passes = new HashSet<ConfigurationPass>();
        foreach (var name in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ConfigurationPasses.TryParse(name, out var pass))
            {
                throw new InvalidOperationException($"catalog: unknown pass '{name}'");
            }

            passes.Add(pass);
        }

        return passes;
    }

    private static string Required(XElement element, string attribute) =>
        (string?)element.Attribute(attribute) ?? throw new InvalidOperationException($"catalog: <{element.Name.LocalName}> without {attribute}");
}
