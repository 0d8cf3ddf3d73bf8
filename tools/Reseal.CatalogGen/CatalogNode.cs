using Reseal.Unattend.Model;

namespace Reseal.CatalogGen;

/// <summary>What a catalog node is in an answer file.</summary>
internal enum NodeKind
{
    Component,

    /// <summary>A container of settings.</summary>
    Group,

    /// <summary>A list: its children are items written with <c>wcm:action</c>.</summary>
    List,

    /// <summary>One item of a list (its children are the item's settings, or it holds a value itself).</summary>
    Item,

    /// <summary>A single value.</summary>
    Value,

    /// <summary>A container whose contents the reference does not describe: not checked.</summary>
    Open,
}

/// <summary>The value type a page states.</summary>
internal enum ValueType
{
    Any,
    Boolean,
    Integer,
    Text,
    Choice,
}

/// <summary>
/// One component, setting, list or list item of the catalog with the facts its reference page states. Null or empty
/// means the page does not say, and the linter leaves that aspect unchecked.
/// </summary>
internal sealed class CatalogNode(string name, ReferencePage? page, CatalogNode? parent)
{
    public string Name { get; } = name;

    /// <summary>The page describing the node, or null for a node known only from a "changed settings" table.</summary>
    public ReferencePage? Page { get; } = page;

    public CatalogNode? Parent { get; set; } = parent;

    public List<CatalogNode> Children { get; } = [];

    public string Path => Parent is null ? Name : Parent.Path + "/" + Name;

    public NodeKind Kind { get; set; } = NodeKind.Value;

    public SortedSet<ConfigurationPass>? Passes { get; set; }

    public ValueType Type { get; set; }

    public long? Min { get; set; }

    public long? Max { get; set; }

    public int? MaxLength { get; set; }

    public int? MaxBytes { get; set; }

    /// <summary>True: empty allowed; false: the page forbids empty elements; null: not stated.</summary>
    public bool? AllowEmpty { get; set; }

    public List<string> Values { get; } = [];

    /// <summary>For a list: the key child of its items, or <c>@keyValue</c> for the <c>wcm:keyValue</c> attribute.</summary>
    public string? Key { get; set; }

    /// <summary>Characters the page forbids in the value.</summary>
    public string? Forbidden { get; set; }

    /// <summary>Build the setting first appeared in (from the "changed answer file settings" pages).</summary>
    public int? Since { get; set; }

    /// <summary>Build it was deprecated in; 0 when the page says deprecated without saying since when.</summary>
    public int? Deprecated { get; set; }

    /// <summary>Build it was removed in; 0 when the page says removed without saying since when.</summary>
    public int? Removed { get; set; }

    /// <summary>Facts added by the overlay (not from the reference), as <c>name=value</c> pairs.</summary>
    public SortedDictionary<string, string> Extra { get; } = new(StringComparer.Ordinal);

    public CatalogNode? Child(string childName) => Children.Find(c => c.Name == childName);

    public override string ToString() => Path;
}
