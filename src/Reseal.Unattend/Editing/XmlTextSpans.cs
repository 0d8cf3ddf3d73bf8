namespace Reseal.Unattend.Editing;

/// <summary>Where an element lies in the text of a well-formed document.</summary>
/// <param name="Start">Offset of its <c>&lt;</c>.</param>
/// <param name="StartTagEnd">Offset just after the start tag's <c>&gt;</c>.</param>
/// <param name="ContentEnd">Offset of its end tag's <c>&lt;</c> (equal to <paramref name="StartTagEnd"/> for <c>&lt;a/&gt;</c>).</param>
/// <param name="End">Offset just after the element.</param>
/// <param name="SelfClosing">Written <c>&lt;a/&gt;</c>.</param>
internal readonly record struct ElementSpan(int Start, int StartTagEnd, int ContentEnd, int End, bool SelfClosing);

/// <summary>
/// Finds elements in the text of a document the reader already accepted as well-formed, so an edit can replace exactly
/// the characters it changes and leave every other byte as it was. The reader gives each element's line and column;
/// this turns them into offsets and scans the markup (attribute values, comments, CDATA, processing instructions,
/// nested elements) to the element's end.
/// </summary>
internal sealed class XmlTextSpans
{
    private readonly string _text;
    private readonly List<int> _lineStarts = [0];

    public XmlTextSpans(string text)
    {
        _text = text;
        // Line breaks as XML counts them: CRLF, LF, and a lone CR.
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    /// <summary>The span of the element whose name the reader placed at <paramref name="line"/>:<paramref name="column"/>.</summary>
    /// <exception cref="InvalidOperationException">The position does not point at an element (a bug: positions come from the reader).</exception>
    public ElementSpan Element(int line, int column)
    {
        var nameStart = _lineStarts[line - 1] + column - 1;
        var start = nameStart - 1;
        if (start < 0 || start >= _text.Length || _text[start] != '<')
        {
            throw new InvalidOperationException($"no element starts at line {line}, column {column}");
        }

        var (startTagEnd, selfClosing) = TagEnd(start);
        if (selfClosing)
        {
            return new ElementSpan(start, startTagEnd, startTagEnd, startTagEnd, true);
        }

        var depth = 1;
        var i = startTagEnd;
        while (i < _text.Length)
        {
            var lt = _text.IndexOf('<', i);
            if (lt < 0)
            {
                break;
            }

            if (Matches(lt, "<!--"))
            {
                i = After(lt, "-->");
            }
            else if (Matches(lt, "<![CDATA["))
            {
                i = After(lt, "]]>");
            }
            else if (Matches(lt, "<?"))
            {
                i = After(lt, "?>");
            }
            else if (Matches(lt, "</"))
            {
                var gt = _text.IndexOf('>', lt);
                depth--;
                if (depth == 0)
                {
                    return new ElementSpan(start, startTagEnd, lt, gt + 1, false);
                }

                i = gt + 1;
            }
            else
            {
                var (end, closes) = TagEnd(lt);
                depth += closes ? 0 : 1;
                i = end;
            }
        }

        throw new InvalidOperationException($"the element at line {line}, column {column} does not end");
    }

    /// <summary>The whitespace that starts the line holding <paramref name="offset"/>, when only whitespace precedes it there.</summary>
    public string IndentOf(int offset)
    {
        if (offset == 0)
        {
            return string.Empty;
        }

        var lineStart = _text.LastIndexOfAny(['\n', '\r'], Math.Max(0, offset - 1)) + 1;
        var prefix = _text[lineStart..offset];
        return prefix.All(c => c is ' ' or '\t') ? prefix : string.Empty;
    }

    /// <summary>Offset where the whitespace run ending at <paramref name="offset"/> begins.</summary>
    public int WhitespaceBefore(int offset)
    {
        var i = offset;
        while (i > 0 && _text[i - 1] is ' ' or '\t' or '\r' or '\n')
        {
            i--;
        }

        return i;
    }

    /// <summary>The end of a start or empty tag beginning at <paramref name="lt"/>, skipping quoted attribute values.</summary>
    private (int End, bool SelfClosing) TagEnd(int lt)
    {
        var quote = '\0';
        for (var i = lt + 1; i < _text.Length; i++)
        {
            var c = _text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return (i + 1, _text[i - 1] == '/');
            }
        }

        throw new InvalidOperationException($"the tag at offset {lt} does not end");
    }

    private bool Matches(int offset, string token) => string.CompareOrdinal(_text, offset, token, 0, token.Length) == 0;

    private int After(int offset, string terminator)
    {
        var end = _text.IndexOf(terminator, offset, StringComparison.Ordinal);
        return end < 0 ? _text.Length : end + terminator.Length;
    }
}
