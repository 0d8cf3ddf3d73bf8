using System.Collections;
using System.Reflection;
using System.Text;
using Reseal.Unattend.Catalog;

namespace Reseal.Unattend.Tests.Catalog;

/// <summary>
/// The embedded catalog is indexed by component and each component parsed on first lookup (for start-up time); it must
/// give exactly the definitions the whole-text parser gives, and report a malformed line when its component is used.
/// </summary>
public sealed class LazyCatalogTests
{
    // Two components; the second's setting has a type the format does not know (line 7).
    private const string Root = "\tcomponent\twindowsPE,specialize\tany\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\t-";
    private const string BoolValue = "\tvalue\tspecialize\tbool\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\t-";
    private const string BadValue = "\tvalue\tspecialize\tfloat\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\t-";

    private static SettingCatalog Lazily(string text) => SettingCatalog.ParseLazily(Encoding.UTF8.GetBytes(text));

    private static string Text(params string[] lines) => string.Join('\n', [CatalogFormat.Magic, "# header", .. lines]) + "\n";

    [Fact]
    public void ParseLazily_EmbeddedCatalog_SameDefinitionsAsParse()
    {
        var text = SettingCatalog.EmbeddedText();
        var whole = SettingCatalog.Parse(text);
        var lazy = SettingCatalog.ParseLazily(SettingCatalog.EmbeddedBytes());

        Assert.Equal(whole.Components.Keys.Order(StringComparer.Ordinal), lazy.Components.Keys.Order(StringComparer.Ordinal));
        Assert.True(whole.Components.Count > 80, $"only {whole.Components.Count} components in the embedded catalog");
        foreach (var (name, component) in whole.Components)
        {
            Assert.Equal(Dump(component), Dump(lazy.Find(name.ToUpperInvariant())));
        }
    }

    [Theory]
    [InlineData("\tvalue\tspecialize\tbool\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage", "catalog line 4: 16 columns instead of 17")]
    [InlineData("\tvalue\tspecialize\tbool\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\t-\textra", "catalog line 4: 18 columns instead of 17")]
    [InlineData("\tvalue\tspecialize\tstring\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\tpassword=a;password=b", "catalog line 4: annotation 'password' is given twice")]
    [InlineData("\tvalue\tspecialize\tstring\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\trequired;required", "catalog line 4: annotation 'required' is given twice")]
    [InlineData("\tvalue\tspecialize\tint\tlow\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tpage\t-", "catalog line 4: 'low' is not a number")]
    public void MalformedRow_BothParsersNameTheLineAndWhat(string row, string message)
    {
        var text = Text("A" + Root, "A/On" + row);

        Assert.Equal(message, Assert.Throws<FormatException>(() => SettingCatalog.Parse(text)).Message);
        Assert.Equal(message, Assert.Throws<FormatException>(() => Lazily(text).Find("A")).Message);
    }

    [Fact]
    public void ParseLazily_MalformedLineInOneComponent_ThatComponentThrowsNamingTheLine()
    {
        var catalog = Lazily(Text("A" + Root, "A/On" + BoolValue, "B" + Root, "B/Ratio" + BadValue));

        Assert.True(catalog.Find("A")!.Settings.ContainsKey("On"));
        Assert.Null(catalog.Find("C"));
        var e = Assert.Throws<FormatException>(() => catalog.Find("B"));
        Assert.Equal("catalog line 6: unknown type 'float'", e.Message);
        // The same text, parsed whole, fails at once with the same message.
        Assert.Equal(e.Message, Assert.Throws<FormatException>(() => SettingCatalog.Parse(Text("A" + Root, "A/On" + BoolValue, "B" + Root, "B/Ratio" + BadValue))).Message);
    }

    [Fact]
    public void ParseLazily_SettingBeforeAnyComponent_ThrowsNamingTheLine()
    {
        var e = Assert.Throws<FormatException>(() => Lazily(Text("A/On" + BoolValue, "A" + Root)));
        Assert.Equal("catalog line 3: A/On comes before its parent", e.Message);
    }

    [Fact]
    public void ParseLazily_ComponentListedTwice_ThrowsAsParseDoes()
    {
        var text = Text("A" + Root, "A/On" + BoolValue, "B" + Root, "A" + Root, "C" + Root);

        var e = Assert.Throws<FormatException>(() => Lazily(text));

        Assert.Equal("catalog line 6: A appears twice", e.Message);
        Assert.Equal(e.Message, Assert.Throws<FormatException>(() => SettingCatalog.Parse(text)).Message);
    }

    [Fact]
    public void ParseLazily_SettingOfAnotherComponentInsideABlock_ThrowsWhenLookedUp()
    {
        // Parse accepts a child listed under a later component (it finds its parent by path); the generated catalog never
        // does this, and the lazy parser, which splits at component lines, says so instead of misplacing it.
        var catalog = Lazily(Text("A" + Root, "B" + Root, "A/On" + BoolValue));
        Assert.Contains("catalog line 5: A/On comes before its parent", Assert.Throws<FormatException>(() => catalog.Find("B")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseLazily_NotACatalog_Throws()
    {
        Assert.Equal($"catalog: the first line is not '{CatalogFormat.Magic}'", Assert.Throws<FormatException>(() => Lazily("name\tvalue\n")).Message);
        Assert.Throws<FormatException>(() => Lazily(string.Empty));
    }

    [Fact]
    public void ParseLazily_CrLfLineEnds_SameAsLf()
    {
        var lf = Lazily(Text("A" + Root, "A/On" + BoolValue));
        var crlf = Lazily(Text("A" + Root, "A/On" + BoolValue).Replace("\n", "\r\n", StringComparison.Ordinal));
        Assert.Equal(Dump(lf.Find("A")), Dump(crlf.Find("A")));
    }

    [Fact]
    public void ParseLazily_ByteOrderMark_Skipped()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Text("A" + Root, "A/On" + BoolValue))).ToArray();
        Assert.True(SettingCatalog.ParseLazily(bytes).Find("a")!.Settings.ContainsKey("On"));
    }

    /// <summary>Every public property, recursively, in a stable order: records compare their collections by reference.</summary>
    private static string Dump(object? value)
    {
        var text = new StringBuilder();
        Write(text, value, 0);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, int depth)
    {
        Assert.True(depth < 40, "the catalog nests deeper than any answer file");
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case IDictionary dictionary:
                foreach (var key in dictionary.Keys.Cast<string>().Order(StringComparer.Ordinal))
                {
                    text.Append('\n').Append(' ', depth).Append(key).Append(": ");
                    Write(text, dictionary[key], depth + 1);
                }

                return;
            case IEnumerable items when value.GetType().IsGenericType && value.GetType().Name.Contains("Set", StringComparison.Ordinal):
                text.Append('{').AppendJoin(',', items.Cast<object>().Select(i => i.ToString()).Order(StringComparer.Ordinal)).Append('}');
                return;
            case IEnumerable items:
                text.Append('[').AppendJoin(',', items.Cast<object>()).Append(']');
                return;
        }

        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type.Namespace == "System" || type.IsValueType)
        {
            text.Append(value);
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            text.Append('\n').Append(' ', depth).Append(property.Name).Append('=');
            Write(text, property.GetValue(value), depth + 1);
        }
    }
}
