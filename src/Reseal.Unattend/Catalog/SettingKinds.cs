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
