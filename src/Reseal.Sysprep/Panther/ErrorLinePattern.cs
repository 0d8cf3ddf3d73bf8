using System.Text.RegularExpressions;

namespace Reseal.Sysprep.Panther;

/// <summary>The shape of an error line no signature knows, so that its repeats group under one pattern.</summary>
internal static partial class ErrorLinePattern
{
/// <summary>Masks the parts of an error line that vary (numbers, GUIDs, paths) so that repeats group together.</summary>
public static string Mask(PantherLogRecord record)
{
    var text = record.Message;
    text = GuidPattern().Replace(text, "<guid>");
    text = PathPattern().Replace(text, "<path>");
    text = HexPattern().Replace(text, "<hex>");
    text = NumberPattern().Replace(text, "<n>");
    if (text.Length > 200)
    {
        text = text[..200] + "…";
    }

    return record.Component is null ? text : record.Component + " " + text;
}

[GeneratedRegex(@"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
private static partial Regex GuidPattern();

[GeneratedRegex(@"(?<![\w])(?:[a-z]:\\|\\\\)[^\s;,'""\]\[]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
private static partial Regex PathPattern();

[GeneratedRegex(@"0x[0-9a-f]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
private static partial Regex HexPattern();

[GeneratedRegex(@"\d+", RegexOptions.CultureInvariant, 1000)]
private static partial Regex NumberPattern();
}
