using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Reseal.Unattend.Lint;

/// <summary>
/// Recognises the placeholders template tools leave in answer files before they fill them in: Jinja/Ansible/Go/Handlebars
/// <c>{{ var }}</c> and <c>{% if %}</c>, <c>$Var$</c> (WiX, MDT), <c>@@VAR@@</c>, and — where a literal is expected
/// (a true/false, a number, an allowed value, a name, an architecture) — <c>%VAR%</c>, <c>${var}</c> and <c>{Var}</c>.
/// In command lines and free text <c>%VAR%</c> and <c>${env:X}</c> are Windows and PowerShell syntax, so they count
/// there only when the file is declared a template (<c>--template</c>).
/// </summary>
public static partial class TemplatePlaceholders
{
    /// <summary>True when <paramref name="value"/> holds a placeholder.</summary>
    /// <param name="value">The value or attribute text.</param>
    /// <param name="literalExpected">The setting takes a literal (typed value, identity attribute, pass name).</param>
    /// <param name="forced">The file is declared a template.</param>
    public static bool IsTemplated(string value, bool literalExpected, bool forced)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < 3)
        {
            return false;
        }

        if (Unambiguous().IsMatch(value))
        {
            return true;
        }

        return (literalExpected || forced) && Contextual().IsMatch(value);
    }

    /// <summary>True when text between the children of <paramref name="parent"/> holds template statements (<c>{% if %}</c>).</summary>
    public static bool HasTemplateStatements(XElement parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        foreach (var node in parent.Nodes())
        {
            if (node is XText text && text.Value.Length > 2 && Statement().IsMatch(text.Value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first placeholder in <paramref name="value"/>, for messages.</summary>
    public static string? First(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var match = Unambiguous().Match(value);
        if (!match.Success)
        {
            match = Contextual().Match(value);
        }

        return match.Success ? match.Value : null;
    }

    [GeneratedRegex(@"\{\{.*?\}\}|\{%.*?%\}|\$[A-Za-z_][A-Za-z0-9_]*\$|@@[A-Za-z_][A-Za-z0-9_]*@@", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Unambiguous();

    [GeneratedRegex(@"%[A-Za-z_][A-Za-z0-9_()]*%|\$\{[^}]+\}|\{[A-Za-z_][A-Za-z0-9_.]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex Contextual();

    [GeneratedRegex(@"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Statement();
}
