namespace Reseal.Unattend.Model;

/// <summary>The seven configuration passes of Windows Setup, in the order Setup can run them.</summary>
public enum ConfigurationPass
{
    WindowsPE,
    OfflineServicing,
    Generalize,
    Specialize,
    AuditSystem,
    AuditUser,
    OobeSystem,
}

/// <summary>Names of configuration passes as they are written in answer files.</summary>
public static class ConfigurationPasses
{
    private static readonly string[] Names =
        ["windowsPE", "offlineServicing", "generalize", "specialize", "auditSystem", "auditUser", "oobeSystem"];

    /// <summary>All passes in the order Setup can run them.</summary>
    public static IReadOnlyList<ConfigurationPass> All { get; } = Enum.GetValues<ConfigurationPass>();

    /// <summary>The name of a pass as written in <c>&lt;settings pass="..."&gt;</c>.</summary>
    public static string ToXmlName(this ConfigurationPass pass) => Names[(int)pass];

    /// <summary>Parses a pass name exactly as Setup does (case-sensitive).</summary>
    public static bool TryParse(string? name, out ConfigurationPass pass)
    {
        var index = Array.IndexOf(Names, name);
        pass = index < 0 ? default : (ConfigurationPass)index;
        return index >= 0;
    }

    /// <summary>A pass name that matches ignoring case, for "did you mean" hints.</summary>
    public static string? SuggestionFor(string? name) =>
        name is null ? null : Array.Find(Names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
}
