using System.Text;

namespace Reseal.Unattend.Catalog;

/// <summary>
/// The line format of the embedded catalog (<c>Catalog/catalog.tsv</c>, written by tools/Reseal.CatalogGen): a magic
/// first line, <c>#</c> comment lines (the header documents every column), then one tab-separated line per node with
/// <c>-</c> for "the reference does not say". Chosen over XML because it loads in a single pass without a parser.
/// </summary>
public static class CatalogFormat
{
    /// <summary>The first line; the number is the format version.</summary>
    public const string Magic = "#! reseal-unattend-catalog 2";

    /// <summary>Columns per node line.</summary>
    public const int Columns = 17;

    /// <summary>Written for "not stated".</summary>
    public const string None = "-";

    /// <summary>Written for "deprecated/removed, the reference does not say since when".</summary>
    public const string Unversioned = "?";

    /// <summary>A set of characters as one field: space as <c>\s</c>, backslash as <c>\\</c>.</summary>
    public static string EscapeCharacters(string characters)
    {
        ArgumentNullException.ThrowIfNull(characters);
        var text = new StringBuilder();
        foreach (var c in characters)
        {
            text.Append(c switch
            {
                ' ' => "\\s",
                '\\' => "\\\\",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return text.ToString();
    }

    /// <summary>The inverse of <see cref="EscapeCharacters"/>.</summary>
    public static string UnescapeCharacters(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var text = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 1 < field.Length)
            {
                i++;
                text.Append(field[i] switch
                {
                    's' => ' ',
                    't' => '\t',
                    var other => other,
                });
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }
}
