namespace Reseal.Agent.Boot.Config;

/// <summary>The YAML type an input must have.</summary>
public enum InputKind
{
    /// <summary>Any scalar, read as text.</summary>
    Text,

    /// <summary>A plain decimal integer.</summary>
    Number,

    /// <summary>A plain <c>true</c> or <c>false</c>.</summary>
    Flag,

    /// <summary>A sequence of <see cref="InputSchema.Element"/>.</summary>
    List,

    /// <summary>A mapping with the fields in <see cref="InputSchema.Fields"/>.</summary>
    Map,
}

/// <summary>The shape of one task input (or of a task's whole <c>inputs</c>).</summary>
public sealed record InputSchema
{
    private InputSchema(InputKind kind) => Kind = kind;

    /// <summary>The YAML type.</summary>
    public InputKind Kind { get; }

    /// <summary>For strings: the only values allowed (case-sensitive), or null for any.</summary>
    public IReadOnlyList<string>? AllowedValues { get; private init; }

    /// <summary>For strings: the longest value allowed, or null.</summary>
    public int? MaxLength { get; private init; }

    /// <summary>For lists: the schema of each item.</summary>
    public InputSchema? Element { get; private init; }

    /// <summary>For lists: a single item may be written without the list (EC2Launch v2 accepts both for script inputs).</summary>
    public bool AcceptsSingleItem { get; private init; }

    /// <summary>For maps: the fields, in documentation order.</summary>
    public IReadOnlyList<InputField> Fields { get; private init; } = [];

    /// <summary>Any text.</summary>
    public static InputSchema Text { get; } = new(InputKind.Text);

    /// <summary>True or false.</summary>
    public static InputSchema Flag { get; } = new(InputKind.Flag);

    /// <summary>A decimal integer.</summary>
    public static InputSchema Number { get; } = new(InputKind.Number);

    /// <summary>Text of at most <paramref name="maxLength"/> characters.</summary>
    public static InputSchema TextUpTo(int maxLength) => new(InputKind.Text) { MaxLength = maxLength };

    /// <summary>One of <paramref name="values"/>.</summary>
    public static InputSchema OneOf(params string[] values) => new(InputKind.Text) { AllowedValues = values };

    /// <summary>A list of <paramref name="element"/>.</summary>
    public static InputSchema ListOf(InputSchema element, bool acceptsSingleItem = false) =>
        new(InputKind.List) { Element = element, AcceptsSingleItem = acceptsSingleItem };

    /// <summary>A mapping of <paramref name="fields"/>.</summary>
    public static InputSchema MapOf(params InputField[] fields) => new(InputKind.Map) { Fields = fields };

    /// <summary>The field called <paramref name="name"/>, or null.</summary>
    public InputField? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);

    /// <summary>For messages: <c>a string</c>, <c>one of a|b</c>, <c>a list</c>…</summary>
    public string Describe() => Kind switch
    {
        InputKind.Text when AllowedValues is not null => "one of " + string.Join("|", AllowedValues),
        InputKind.Text => "a string",
        InputKind.Number => "an integer",
        InputKind.Flag => "a boolean (true or false)",
        InputKind.List => "a list",
        _ => "a mapping",
    };
}

/// <summary>One named field of a map input.</summary>
/// <param name="Name">The YAML key (case-sensitive).</param>
/// <param name="Schema">Its shape.</param>
/// <param name="Required">Whether it must be present.</param>
public sealed record InputField(string Name, InputSchema Schema, bool Required = false);
