using System.Text.RegularExpressions;

namespace Reseal.CatalogGen;

/// <summary>How an element appears in the reference's XML examples, under a given parent element.</summary>
internal sealed class ElementShape
{
    /// <summary>Written with <c>wcm:action</c>: a list item.</summary>
    public bool HasAction { get; set; }

    /// <summary>Written with <c>wcm:keyValue</c>: the item's key is the attribute.</summary>
    public bool HasKeyValue { get; set; }

    /// <summary>Holds text directly (a value, or a keyed item whose text is its value).</summary>
    public bool HasText { get; set; }

    /// <summary>Holds child elements.</summary>
    public bool HasChildren { get; set; }
}

/// <summary>
/// What the XML examples of the reference show about element shapes: which elements are list items, keyed by a
/// <c>wcm:keyValue</c> attribute, holding text or children. The examples are fragments, sometimes not well-formed
/// (unclosed or misspelt tags), so they are scanned tag by tag rather than parsed as documents.
/// </summary>
internal sealed partial class ExampleShapes
{
    private readonly Dictionary<(string Parent, string Name), ElementShape> _shapes = [];

    /// <summary>Records the shapes of every element in one code block.</summary>
    public void Add(string code)
    {
        var stack = new List<(string Name, ElementShape Shape)>();
        var position = 0;
        foreach (Match tag in Tag().Matches(code))
        {
            if (stack.Count > 0 && code.AsSpan(position, tag.Index - position).Trim().Length > 0)
            {
                stack[^1].Shape.HasText = true;
            }

            position = tag.Index + tag.Length;
            var name = StripPrefix(tag.Groups["name"].Value);
            if (tag.Groups["close"].Success)
            {
                var open = stack.FindLastIndex(e => e.Name == name);
                if (open >= 0)
                {
                    stack.RemoveRange(open, stack.Count - open);
                }

                continue;
            }

            var parent = stack.Count > 0 ? stack[^1].Name : string.Empty;
            if (stack.Count > 0)
            {
                stack[^1].Shape.HasChildren = true;
            }

            if (!_shapes.TryGetValue((parent, name), out var shape))
            {
                shape = new ElementShape();
                _shapes.Add((parent, name), shape);
            }

            var attributes = tag.Groups["attributes"].Value;
            shape.HasAction |= attributes.Contains("wcm:action", StringComparison.Ordinal);
            shape.HasKeyValue |= attributes.Contains("wcm:keyValue", StringComparison.Ordinal);
            if (!tag.Groups["empty"].Success)
            {
                stack.Add((name, shape));
            }
        }
    }

    /// <summary>The shape of <paramref name="name"/> under <paramref name="parent"/>, or null when no example shows it.</summary>
    public ElementShape? Find(string parent, string name) => _shapes.GetValueOrDefault((parent, name));

    private static string StripPrefix(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? name : name[(colon + 1)..];
    }

    [GeneratedRegex(@"<(?<close>/)?(?<name>[A-Za-z_][\w.:-]*)(?<attributes>(?:\s[^<>]*?)?)(?<empty>/)?>")]
    private static partial Regex Tag();
}
