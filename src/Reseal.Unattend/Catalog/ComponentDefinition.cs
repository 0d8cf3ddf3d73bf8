using Reseal.Unattend.Model;

namespace Reseal.Unattend.Catalog;

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
