// YAML as the agent reads it (agent-config.yml, EC2Launch v2 YAML user data, #cloud-config):
//
//   version: 1.0            <- a mapping of plain keys
//   config:
//   - stage: boot           <- sequences of mappings, scalars
//     tasks: [...]
//
// - One document. Scalars keep their text and whether they were plain (unquoted): only plain scalars can be
//   booleans, integers or null, exactly as in YAML's core schema.
// - Aliases (*name) are refused: no file the agent reads needs them, and they are how "billion laughs" bombs are built
//   (each alias doubles the tree a naive reader expands). Anchors alone are harmless and ignored.
// - Bounded: input size, nesting depth and node count are checked while the events stream in, so a hostile file
//   is refused before it costs memory or time. Duplicate keys are reported (YAML forbids them; parsers disagree on
//   which one wins).
// - Line and column come from YamlDotNet's marks (1-based).
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reseal.Agent.Boot.Yaml;

/// <summary>A node of a parsed YAML document, with its 1-based position.</summary>
internal abstract record YamlValue(int Line, int Column)
{
    /// <summary>A short name of the node kind for messages: <c>a string</c>, <c>a list</c>, <c>a mapping</c>.</summary>
    public abstract string KindName { get; }
}

/// <summary>A scalar. <paramref name="IsPlain"/>: written without quotes or block style (only those can be bool/int/null).</summary>
internal sealed record YamlScalarValue(string Text, bool IsPlain, string? Tag, int Line, int Column) : YamlValue(Line, Column)
{
    public bool IsNull => IsPlain && Tag is null && Text is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "empty (null)" : "a scalar";

    /// <summary>The boolean a plain scalar spells (YAML 1.2 core schema), or null.</summary>
    public bool? AsBoolean() => !IsPlain && Tag != "tag:yaml.org,2002:bool" ? null : Text switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    /// <summary>The integer a plain scalar spells (decimal), or null.</summary>
    public long? AsInteger() =>
        (IsPlain || Tag == "tag:yaml.org,2002:int") && long.TryParse(Text, System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}

/// <summary>A sequence.</summary>
internal sealed record YamlSequenceValue(IReadOnlyList<YamlValue> Items, int Line, int Column) : YamlValue(Line, Column)
{
    public override string KindName => "a list";
}

/// <summary>A mapping whose keys are scalars, in document order (duplicates already reported and dropped).</summary>
internal sealed record YamlMappingValue(IReadOnlyList<KeyValuePair<YamlScalarValue, YamlValue>> Entries, int Line, int Column)
    : YamlValue(Line, Column)
{
    public override string KindName => "a mapping";

    public YamlValue? Get(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Text == key)
            {
                return entry.Value;
            }
        }

        return null;
    }
}

/// <summary>Limits for <see cref="BoundedYamlReader"/>.</summary>
internal sealed record YamlLimits(int MaxChars, int MaxDepth, int MaxNodes)
{
    /// <summary>agent-config.yml: 1 Mi characters, depth 32, 100 000 nodes (the default config has under 100).</summary>
    public static YamlLimits Config { get; } = new(1024 * 1024, 32, 100_000);

    /// <summary>User data documents: 16 Mi characters (the user-data cap), depth 64, 1 000 000 nodes.</summary>
    public static YamlLimits UserData { get; } = new(16 * 1024 * 1024, 64, 1_000_000);
}

/// <summary>Reads one YAML document into <see cref="YamlValue"/>s, reporting problems as diagnostics.</summary>
internal static class BoundedYamlReader
{
    /// <summary>
    /// Parses <paramref name="text"/>. Returns the root (null when the document is empty or unusable); every problem
    /// goes to <paramref name="diagnostics"/>. Never throws for bad input.
    /// </summary>
    public static YamlValue? Read(string text, YamlLimits limits, List<BootDiagnostic> diagnostics, string? source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (text.Length > limits.MaxChars)
        {
            diagnostics.Add(BootDiagnostic.Error(BootCodes.TooLarge, 0, 0,
                $"the YAML is {text.Length} characters, more than the {limits.MaxChars} allowed; refused without parsing", source));
            return null;
        }

        if (FindNonPrintable(text) is { } bad)
        {
            diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlSyntax, bad.Line, bad.Column,
                $"YAML syntax error: the character {bad.Name} is not allowed in YAML (only tab, line breaks and printable characters are)", source));
            return null;
        }

        var builder = new Builder(limits, diagnostics, source);
        try
        {
            return builder.Run(new Parser(new StringReader(EndDirectiveLine(text))));
        }
        catch (YamlException e)
        {
            var (line, column) = ErrorPosition(e, builder.LastEnd, text);
            diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlSyntax, line, column, SyntaxMessage(e), source));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            // YamlDotNet's scanner and parser throw these (not YamlException) on some malformed input, for example a
            // stray global tag ("!![") or a document end marker followed by junk. They carry no position: the error is
            // after the last event read.
            diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlSyntax, Math.Max(1, Line(builder.LastEnd)), Math.Max(1, Column(builder.LastEnd)),
                "YAML syntax error: the YAML parser could not read the document here (" + e.Message.TrimEnd('.') + ")", source));
            return null;
        }
    }

    // YAML 1.2 §5.1 (c-printable): a stream may hold tab, LF, CR, x20-x7E, x85, xA0-xD7FF, xE000-xFFFD and the
    // supplementary planes; anything else (NUL and the other C0 controls, DEL, C1 controls, lone surrogates, U+FFFE/FFFF)
    // is not YAML. Checked here, with its position, rather than left to YamlDotNet, whose scanner does not always say.
    // A byte-order mark is allowed at the start.
    private static (int Line, int Column, string Name)? FindNonPrintable(string text)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                lineStart = i + 1;
                continue;
            }

            if (c is '\t' or '\r' or '\u0085' || (c >= ' ' && c <= '~') || (c >= '\u00A0' && c <= '\uD7FF') || (c >= '\uE000' && c <= '\uFFFD')
                || (i == 0 && c == '\uFEFF'))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return (line, i - lineStart + 1, $"U+{(int)c:X4}");
        }

        return null;
    }

    /// <summary>
    /// The text with a line break added when its last line is a directive (<c>%</c> in the first column) with none after
    /// it. YamlDotNet's scanner spins for 20-30 s of CPU on such a line when the text ends exactly at a boundary of its
    /// 1,024-character read buffer (found by fuzzing the agent configuration: <c>%K yyy…</c>, 1,024 characters). With
    /// the break the verdict is the one YamlDotNet gives the same text away from a boundary (a final directive with no
    /// document after it reads as an empty stream). Other texts are passed as they are.
    /// </summary>
    internal static string EndDirectiveLine(string text)
    {
        var lastBreak = text.AsSpan().LastIndexOfAny('\n', '\r');
        return lastBreak + 1 < text.Length && text[lastBreak + 1] == '%' ? text + "\n" : text;
    }

    // YamlDotNet reports some scanner errors (a tab in indentation, for one) at 1:1. Then the error is after the last
    // event that parsed: for a tab, at the first line from there indented with one; otherwise at that event's end.
    private static (int Line, int Column) ErrorPosition(YamlException e, Mark lastEnd, string text)
    {
        if (e.Start.Index > 0 || lastEnd.Index == 0)
        {
            return (Line(e.Start), Column(e.Start));
        }

        if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            var lines = text.Split('\n');
            for (var i = Line(lastEnd) - 1; i >= 0 && i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
                if (tab >= 0 && tab < indent)
                {
                    return (i + 1, tab + 1);
                }
            }
        }

        return (Line(lastEnd), Column(lastEnd));
    }

    internal static int Line(Mark mark) => (int)Math.Clamp(mark.Line, 0, int.MaxValue);

    internal static int Column(Mark mark) => (int)Math.Clamp(mark.Column, 0, int.MaxValue);

    private static string SyntaxMessage(YamlException e)
    {
        // YamlDotNet prefixes "(Lin: 3, Col: 5, Chr: 20) - (…): "; the position is reported separately.
        var message = e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Lin", StringComparison.Ordinal) && cut >= 0)
        {
            message = message[(cut + 3)..];
        }

        return "YAML syntax error: " + message;
    }

    private sealed class Builder(YamlLimits limits, List<BootDiagnostic> diagnostics, string? source)
    {
        private int _nodes;
        private bool _refused;

        /// <summary>The end of the last event read (where a syntax error without a position is, at the latest).</summary>
        public Mark LastEnd { get; private set; } = Mark.Empty;

        public YamlValue? Run(Parser parser)
        {
            YamlValue? root = null;
            var documents = 0;
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case DocumentStart start:
                        documents++;
                        if (documents > 1)
                        {
                            diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlDocumentCount, Line(start.Start), Column(start.Start),
                                "the file holds more than one YAML document (a second '---'); only one is allowed", source));
                            return null;
                        }

                        if (!parser.MoveNext())
                        {
                            return root;
                        }

                        if (parser.Current is DocumentEnd)
                        {
                            continue;
                        }

                        root = ReadNode(parser, 1);
                        if (_refused)
                        {
                            return null;
                        }

                        break;
                    default:
                        break;
                }
            }

            return root;
        }

        // Reads the node at parser.Current (and its children); leaves parser.Current on the node's last event.
        private YamlValue? ReadNode(Parser parser, int depth)
        {
            var current = parser.Current!;
            LastEnd = current.End;
            if (++_nodes > limits.MaxNodes)
            {
                Refuse(BootCodes.YamlTooManyNodes, current.Start, $"the YAML has more than {limits.MaxNodes} nodes; refused");
                return null;
            }

            if (depth > limits.MaxDepth)
            {
                Refuse(BootCodes.YamlTooDeep, current.Start, $"the YAML is nested more than {limits.MaxDepth} levels deep; refused");
                return null;
            }

            switch (current)
            {
                case AnchorAlias alias:
                    Refuse(BootCodes.YamlAlias, alias.Start,
                        $"alias '*{alias.Value}' refused: aliases are not allowed (they can expand into a 'billion laughs' bomb); write the value out");
                    return null;
                case Scalar scalar:
                    return new YamlScalarValue(scalar.Value, scalar.Style == ScalarStyle.Plain, Tag(scalar), Line(scalar.Start), Column(scalar.Start));
                case SequenceStart start:
                {
                    var items = new List<YamlValue>();
                    while (parser.MoveNext() && parser.Current is not SequenceEnd)
                    {
                        var item = ReadNode(parser, depth + 1);
                        if (_refused)
                        {
                            return null;
                        }

                        if (item is not null)
                        {
                            items.Add(item);
                        }
                    }

                    return new YamlSequenceValue(items, Line(start.Start), Column(start.Start));
                }

                case MappingStart start:
                {
                    var entries = new List<KeyValuePair<YamlScalarValue, YamlValue>>();
                    var seen = new Dictionary<string, YamlScalarValue>(StringComparer.Ordinal);
                    while (parser.MoveNext() && parser.Current is not MappingEnd)
                    {
                        var key = ReadNode(parser, depth + 1);
                        if (_refused || !parser.MoveNext())
                        {
                            return null;
                        }

                        var value = ReadNode(parser, depth + 1);
                        if (_refused)
                        {
                            return null;
                        }

                        if (key is not YamlScalarValue scalarKey)
                        {
                            if (key is not null)
                            {
                                diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlUnsupported, key.Line, key.Column,
                                    $"a mapping key is {key.KindName}; keys must be plain text", source));
                            }

                            continue;
                        }

                        if (seen.TryGetValue(scalarKey.Text, out var first))
                        {
                            diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlDuplicateKey, scalarKey.Line, scalarKey.Column,
                                $"duplicate key '{scalarKey.Text}' (first at {first.Line}:{first.Column}); the second is ignored", source));
                            continue;
                        }

                        seen.Add(scalarKey.Text, scalarKey);
                        entries.Add(new(scalarKey, value ?? new YamlScalarValue(string.Empty, true, null, scalarKey.Line, scalarKey.Column)));
                    }

                    return new YamlMappingValue(entries, Line(start.Start), Column(start.Start));
                }

                default:
                    return null;
            }
        }

        private string? Tag(NodeEvent node)
        {
            if (node.Tag.IsEmpty || node.Tag.IsNonSpecific)
            {
                return null;
            }

            var tag = node.Tag.Value;
            if (!tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
            {
                diagnostics.Add(BootDiagnostic.Warning(BootCodes.YamlUnsupported, Line(node.Start), Column(node.Start),
                    $"custom tag '{tag}' is ignored; the value is read as plain text", source));
                return null;
            }

            return tag;
        }

        private void Refuse(string code, Mark at, string message)
        {
            _refused = true;
            diagnostics.Add(BootDiagnostic.Error(code, Line(at), Column(at), message, source));
        }
    }
}
