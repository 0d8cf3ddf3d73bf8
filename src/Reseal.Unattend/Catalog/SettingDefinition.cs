using System.Collections.Frozen;
using System.Globalization;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Catalog;

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
