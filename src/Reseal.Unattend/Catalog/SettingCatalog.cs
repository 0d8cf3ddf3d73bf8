using System.Collections.Frozen;
using System.Globalization;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Catalog;

/// <summary>What kind of node a catalog entry describes.</summary>
public enum SettingKind
{
    /// <summary>A single value.</summary>
    Value,

    /// <summary>A container of other settings.</summary>
    Group,

    /// <summary>A list setting whose items are written with <c>wcm:action</c>.</summary>
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

    /// <summary>One of <see cref="SettingDefinition.Values"/> (compared ignoring case: the reference itself writes <c>onError</c> and <c>OnError</c>).</summary>
    Choice,

    /// <summary>A NetBIOS computer name, or <c>*</c> for a random one.</summary>
    ComputerName,
}

/// <summary>A textual form a setting's page describes.</summary>
public enum ValueFormat
{
    None,

    /// <summary>Five groups of five characters: <c>xxxxx-xxxxx-xxxxx-xxxxx-xxxxx</c>.</summary>
    ProductKey,

    /// <summary>An RFC 3066 language tag, language-region (<c>en-US</c>).</summary>
    LanguageTag,

    /// <summary>Language tags or locale:keyboard pairs (<c>0409:00000409</c>), separated by semicolons.</summary>
    InputLocale,
}

/// <summary>
/// When a setting came, went deprecated or was removed, as Windows builds (see <see cref="WindowsRelease"/>); a build
/// of 0 means the reference says so without naming a version.
/// </summary>
public readonly record struct SettingLifecycle(int? Since, int? Deprecated, int? Removed)
{
    /// <summary>The build a note without a version refers to: the reference describes Windows 10 and Server 2016.</summary>
    public const int UnversionedBuild = 10240;

    public bool IsRemovedOn(WindowsRelease target) => Removed is { } build && target.Build >= Effective(build);

    public bool IsDeprecatedOn(WindowsRelease target) => Deprecated is { } build && target.Build >= Effective(build);

    public bool IsNewerThan(WindowsRelease target) => Since is { } build && target.Build < build;

    private static int Effective(int build) => build == 0 ? UnversionedBuild : build;
}

/// <summary>One setting, group or list of a component, with its valid passes and limits.</summary>
public sealed record SettingDefinition
{
    public required string Name { get; init; }

    /// <summary>Slash-separated path from the component, e.g. <c>OOBE/HideEULAPage</c> (list items are not part of it).</summary>
    public required string Path { get; init; }

    public required SettingKind Kind { get; init; }

    public SettingType Type { get; init; } = SettingType.Any;

    /// <summary>Passes where the setting is valid; every pass when the reference does not say (<see cref="PassesKnown"/>).</summary>
    public required IReadOnlySet<ConfigurationPass> Passes { get; init; }

    public bool PassesKnown { get; init; } = true;

    public long? Min { get; init; }

    public long? Max { get; init; }

    public int? MaxLength { get; init; }

    public int? MaxBytes { get; init; }

    /// <summary>False only when the reference forbids an empty element.</summary>
    public bool AllowEmpty { get; init; } = true;

    /// <summary>Reseal's structural check: a list item needs this member (Order, Path, Name).</summary>
    public bool Required { get; init; }

    public IReadOnlyList<string> Values { get; init; } = [];

    public SettingLifecycle Lifecycle { get; init; }

    /// <summary>For a password <c>Value</c>: the suffix obfuscation appends (<c>Password</c> or <c>AdministratorPassword</c>).</summary>
    public string? PasswordSuffix { get; init; }

    /// <summary>Characters the value must not contain.</summary>
    public string Forbidden { get; init; } = string.Empty;

    /// <summary>The exact number of characters the reference gives ("a 29-character string"), or null.</summary>
    public int? ExactLength { get; init; }

    /// <summary>A textual form the reference describes: <see cref="ValueFormat"/>.</summary>
    public ValueFormat Format { get; init; }

    /// <summary>Values refused whatever their case (the reference reserves NONE as an account name).</summary>
    public IReadOnlyList<string> Reserved { get; init; } = [];

    /// <summary>True when the contents are not checked.</summary>
    public bool Open { get; init; }

    /// <summary>For a list: the name of its items, when it has one kind of item.</summary>
    public string? ItemName { get; init; }

    /// <summary>An item of a list: repeated with <c>wcm:action</c>, told apart by <see cref="Key"/>.</summary>
    public bool IsListItem { get; init; }

    /// <summary>For a list item: its key child, or <c>@keyValue</c> for the <c>wcm:keyValue</c> attribute; null when the reference names none.</summary>
    public string? Key { get; init; }

    /// <summary>The reference page (its URL's last part), or null.</summary>
    public string? Page { get; init; }

    /// <summary>Children by local name (for a list: its items).</summary>
    public IReadOnlyDictionary<string, SettingDefinition> Children { get; init; } = FrozenDictionary<string, SettingDefinition>.Empty;

    /// <summary>The page's address on learn.microsoft.com, or null.</summary>
    public string? PageUrl => Page is null ? null : SettingCatalog.ReferenceUrl + Page;

    /// <summary>A child ignoring case, for "did you mean" hints on misspelt names (names are case-sensitive).</summary>
    public SettingDefinition? ChildIgnoringCase(string name) =>
        Children.Values.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when <paramref name="value"/> is one of <see cref="Values"/> (ignoring case; numbers compared as numbers).</summary>
    public bool AllowsValue(string value)
    {
        foreach (var allowed in Values)
        {
            if (string.Equals(allowed, value, StringComparison.OrdinalIgnoreCase)
                || (long.TryParse(allowed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a)
                    && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b) && a == b))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A component of the catalog.</summary>
public sealed record ComponentDefinition
{
    public required string Name { get; init; }

    /// <summary>Where any of its settings is valid; every pass when unknown (<see cref="PassesKnown"/>).</summary>
    public required IReadOnlySet<ConfigurationPass> Passes { get; init; }

    public bool PassesKnown { get; init; } = true;

    public required IReadOnlyDictionary<string, SettingDefinition> Settings { get; init; }

    public SettingLifecycle Lifecycle { get; init; }

    public string? Page { get; init; }

    public string? PageUrl => Page is null ? null : SettingCatalog.ReferenceUrl + Page;

    public SettingDefinition? SettingIgnoringCase(string name) =>
        Settings.Values.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Finds a setting by slash-separated path, items included: <c>RunSynchronous/RunSynchronousCommand/Order</c>.</summary>
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
/// The components and settings of Microsoft's Unattended Windows Setup Reference, loaded once from the catalog
/// embedded in this assembly (<c>Catalog/catalog.tsv</c>, generated by tools/Reseal.CatalogGen; its header documents
/// the format and the attribution).
/// </summary>
public sealed class SettingCatalog
{
    /// <summary>Where the reference pages live; a definition's <c>Page</c> completes the address.</summary>
    public const string ReferenceUrl = "https://learn.microsoft.com/windows-hardware/customize/desktop/unattend/";

    private static readonly Lazy<SettingCatalog> Embedded = new(LoadEmbedded);

    private SettingCatalog(FrozenDictionary<string, ComponentDefinition> components) => Components = components;

    /// <summary>The catalog shipped in the assembly.</summary>
    public static SettingCatalog Default => Embedded.Value;

    /// <summary>Components by name, ignoring case.</summary>
    public IReadOnlyDictionary<string, ComponentDefinition> Components { get; }

    public ComponentDefinition? Find(string? componentName) =>
        componentName is not null && Components.TryGetValue(componentName, out var c) ? c : null;

    /// <summary>Parses catalog text (<see cref="CatalogFormat"/>); used for the embedded catalog and by tests.</summary>
    /// <exception cref="FormatException">The text is not a catalog; the message names the line.</exception>
    public static SettingCatalog Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new StringReader(text);
        if (reader.ReadLine() != CatalogFormat.Magic)
        {
            throw new FormatException($"catalog: the first line is not '{CatalogFormat.Magic}'");
        }

        var roots = new List<Row>();
        var byPath = new Dictionary<string, Row>(StringComparer.Ordinal);
        // Rows share a few dozen pass lists; building a frozen set per row was most of the catalog's load time.
        var passSets = new Dictionary<string, FrozenSet<ConfigurationPass>>(StringComparer.Ordinal);
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var row = Row.Parse(line, lineNumber, passSets);
            var slash = row.Path.LastIndexOf('/');
            if (slash < 0)
            {
                roots.Add(row);
            }
            else if (byPath.TryGetValue(row.Path[..slash], out var parent))
            {
                parent.Children.Add(row);
            }
            else
            {
                throw new FormatException($"catalog line {lineNumber}: {row.Path} comes before its parent");
            }

            if (!byPath.TryAdd(row.Path, row))
            {
                throw new FormatException($"catalog line {lineNumber}: {row.Path} appears twice");
            }
        }

        // Component names are looked up ignoring case: the reference itself spells some two ways (its page says
        // Microsoft-Windows-SQMAPI, working files say Microsoft-Windows-SQMApi), so a case difference is not a finding.
        var components = new Dictionary<string, ComponentDefinition>(roots.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var root in roots)
        {
            components[root.Path] = new ComponentDefinition
            {
                Name = root.Path,
                Passes = root.Passes ?? AllPasses,
                PassesKnown = root.Passes is not null,
                Settings = Build(root.Children, string.Empty),
                Lifecycle = root.Lifecycle,
                Page = root.Page,
            };
        }

        return new SettingCatalog(components.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    private static readonly FrozenSet<ConfigurationPass> AllPasses = ConfigurationPasses.All.ToFrozenSet();

    private static SettingCatalog LoadEmbedded()
    {
        using var stream = typeof(SettingCatalog).Assembly.GetManifestResourceStream("Reseal.Unattend.catalog.tsv")
            ?? throw new InvalidOperationException("the embedded answer-file catalog is missing from Reseal.Unattend");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private static Dictionary<string, SettingDefinition> Build(List<Row> rows, string parentPath)
    {
        var children = new Dictionary<string, SettingDefinition>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var path = parentPath.Length == 0 ? row.Name : parentPath + "/" + row.Name;
            var definition = row.Kind switch
            {
                "list" => Definition(row, path, SettingKind.List, Build(row.Children, path)) with
                {
                    ItemName = row.Children.Count == 1 ? row.Children[0].Name : null,
                },
                "group" or "component" => Definition(row, path, SettingKind.Group, Build(row.Children, path)),
                "item" => Definition(row, path, row.Children.Count == 0 && row.Type != SettingType.Any ? SettingKind.Value : SettingKind.Group, Build(row.Children, path)) with
                {
                    IsListItem = true,
                },
                "open" => Definition(row, path, SettingKind.Group, []) with { Open = true },
                _ => Definition(row, path, SettingKind.Value, []),
            };
            children[row.Name] = definition;
        }

        return children;
    }

    private static SettingDefinition Definition(Row row, string path, SettingKind kind, Dictionary<string, SettingDefinition> children) => new()
    {
        Name = row.Name,
        Path = path,
        Kind = kind,
        Type = row.Type,
        Passes = row.Passes ?? AllPasses,
        PassesKnown = row.Passes is not null,
        Min = row.Min,
        Max = row.Max,
        MaxLength = row.MaxLength,
        MaxBytes = row.MaxBytes,
        AllowEmpty = row.AllowEmpty,
        Required = row.Required,
        Values = row.Values,
        Lifecycle = row.Lifecycle,
        PasswordSuffix = row.Password,
        Reserved = row.Reserved,
        ExactLength = row.ExactLength,
        Format = row.Format,
        Forbidden = row.Forbidden,
        Key = row.Key,
        Page = row.Page,
        Children = children,
    };

    /// <summary>One parsed line.</summary>
    private sealed class Row
    {
        public required string Path { get; init; }

        public string Name => Path[(Path.LastIndexOf('/') + 1)..];

        public required string Kind { get; init; }

        public FrozenSet<ConfigurationPass>? Passes { get; init; }

        public SettingType Type { get; init; }

        public long? Min { get; init; }

        public long? Max { get; init; }

        public int? MaxLength { get; init; }

        public int? MaxBytes { get; init; }

        public bool AllowEmpty { get; init; } = true;

        public IReadOnlyList<string> Values { get; init; } = [];

        public string? Key { get; init; }

        public SettingLifecycle Lifecycle { get; init; }

        public string Forbidden { get; init; } = string.Empty;

        public string? Page { get; init; }

        public string? Password { get; init; }

        public IReadOnlyList<string> Reserved { get; init; } = [];

        public int? ExactLength { get; init; }

        public ValueFormat Format { get; init; }

        public bool Required { get; init; }

        public List<Row> Children { get; } = [];

        public static Row Parse(string line, int number, Dictionary<string, FrozenSet<ConfigurationPass>> passSets)
        {
            var f = line.Split('\t');
            if (f.Length != CatalogFormat.Columns)
            {
                throw new FormatException($"catalog line {number}: {f.Length} columns instead of {CatalogFormat.Columns}");
            }

            var extra = f[16] == CatalogFormat.None
                ? new Dictionary<string, string>(StringComparer.Ordinal)
                : f[16].Split(';').Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e.Length == 2 ? e[1] : "true", StringComparer.Ordinal);
            var type = f[3] switch
            {
                "bool" => SettingType.Boolean,
                "int" => SettingType.Number,
                "string" => SettingType.Text,
                "enum" => SettingType.Choice,
                "any" => SettingType.Any,
                var other => throw new FormatException($"catalog line {number}: unknown type '{other}'"),
            };
            return new Row
            {
                Path = f[0],
                Kind = f[1] is "component" or "group" or "list" or "item" or "value" or "open"
                    ? f[1]
                    : throw new FormatException($"catalog line {number}: unknown kind '{f[1]}'"),
                Passes = f[2] == CatalogFormat.None ? null : PassSet(f[2], number, passSets),
                Type = extra.ContainsKey("computerName") ? SettingType.ComputerName : type,
                Min = Long(f[4], number),
                Max = Long(f[5], number),
                MaxLength = (int?)Long(f[6], number),
                MaxBytes = (int?)Long(f[7], number),
                AllowEmpty = f[8] != "no",
                Values = f[9] == CatalogFormat.None ? [] : f[9].Split('|'),
                Key = f[10] == CatalogFormat.None ? null : f[10],
                Lifecycle = new SettingLifecycle(Build(f[11], number), Build(f[12], number), Build(f[13], number)),
                Forbidden = f[14] == CatalogFormat.None ? string.Empty : CatalogFormat.UnescapeCharacters(f[14]),
                Page = f[15] == CatalogFormat.None ? null : f[15],
                Password = extra.GetValueOrDefault("password"),
                Reserved = extra.TryGetValue("reserved", out var reserved) ? reserved.Split('|') : [],
                ExactLength = extra.TryGetValue("length", out var length) ? (int?)Long(length, number) : null,
                Format = extra.GetValueOrDefault("format") switch
                {
                    null => ValueFormat.None,
                    "productKey" => ValueFormat.ProductKey,
                    "languageTag" => ValueFormat.LanguageTag,
                    "inputLocale" => ValueFormat.InputLocale,
                    var other => throw new FormatException($"catalog line {number}: unknown format '{other}'"),
                },
                Required = extra.ContainsKey("required"),
            };
        }

        private static FrozenSet<ConfigurationPass> PassSet(string field, int number, Dictionary<string, FrozenSet<ConfigurationPass>> passSets)
        {
            if (!passSets.TryGetValue(field, out var set))
            {
                set = field.Split(',').Select(p => ParsePass(p, number)).ToFrozenSet();
                passSets[field] = set;
            }

            return set;
        }

        private static ConfigurationPass ParsePass(string name, int number) =>
            ConfigurationPasses.TryParse(name, out var pass) ? pass : throw new FormatException($"catalog line {number}: unknown pass '{name}'");

        private static long? Long(string field, int number) =>
            field == CatalogFormat.None ? null
            : long.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
            : throw new FormatException($"catalog line {number}: '{field}' is not a number");

        private static int? Build(string field, int number) => field switch
        {
            CatalogFormat.None => null,
            CatalogFormat.Unversioned => 0,
            _ => (int?)Long(field, number),
        };
    }
}
