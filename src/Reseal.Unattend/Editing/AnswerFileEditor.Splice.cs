using System.Text;
using System.Xml.Linq;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Editing;

public sealed partial class AnswerFileEditor
{
    /// <summary>One change to the original text, then the new file.</summary>
    private sealed class Splice(AnswerFile file)
    {
        private readonly string _text = Decode(file);
        private readonly string _newLine = file.Format.NewLine;
        private (int Start, int End, string Text)? _change;
        private XmlTextSpans? _spans;

        private XmlTextSpans Spans => _spans ??= new XmlTextSpans(_text);

        public void ReplaceContent(XElement element, string escaped)
        {
            var span = SpanOf(element);
            if (span.SelfClosing)
            {
                var tag = _text[span.Start..span.End].TrimEnd('>').TrimEnd('/').TrimEnd();
                _change = (span.Start, span.End, $"{tag}>{escaped}</{QualifiedName(element)}>");
            }
            else
            {
                _change = (span.StartTagEnd, span.ContentEnd, escaped);
            }
        }

        public void RemoveElement(XElement element)
        {
            var span = SpanOf(element);
            _change = (Spans.WhitespaceBefore(span.Start), span.End, string.Empty);
        }

        /// <summary>Adds <paramref name="node"/> as the last child of <paramref name="parent"/>.</summary>
        public void InsertChild(XElement parent, NewElement node)
        {
            var span = SpanOf(parent);
            var parentIndent = Spans.IndentOf(span.Start);
            var lastChild = parent.Elements().LastOrDefault();
            var indent = lastChild is not null ? Spans.IndentOf(SpanOf(lastChild).Start) : parentIndent + IndentUnit();
            var fragment = Render(node, indent, parent);
            if (span.SelfClosing)
            {
                var tag = _text[span.Start..span.End].TrimEnd('>').TrimEnd('/').TrimEnd();
                _change = (span.Start, span.End, $"{tag}>{_newLine}{indent}{fragment}{_newLine}{parentIndent}</{QualifiedName(parent)}>");
                return;
            }

            var at = Math.Max(Spans.WhitespaceBefore(span.ContentEnd), span.StartTagEnd);
            var closing = at == span.ContentEnd ? _newLine + parentIndent : string.Empty;
            _change = (at, at, _newLine + indent + fragment + closing);
        }

        /// <summary>Adds a <c>settings</c> element where its pass belongs among the others, or last.</summary>
        public void InsertSettings(XElement root, NewElement node, ConfigurationPass pass)
        {
            var later = root.Elements(UnattendNames.Settings)
                .FirstOrDefault(s => Array.IndexOf(PassOrder, s.Attribute("pass")?.Value) > (int)pass);
            if (later is null)
            {
                var last = root.Elements(UnattendNames.Settings).LastOrDefault();
                if (last is null)
                {
                    InsertChild(root, node);
                    return;
                }

                var lastSpan = SpanOf(last);
                var indent = Spans.IndentOf(lastSpan.Start);
                _change = (lastSpan.End, lastSpan.End, _newLine + indent + Render(node, indent, root));
                return;
            }

            var span = SpanOf(later);
            var laterIndent = Spans.IndentOf(span.Start);
            _change = (span.Start, span.Start, Render(node, laterIndent, root) + _newLine + laterIndent);
        }

        public EditOutcome Finish(string summary, Action<AnswerFile> check)
        {
            var (start, end, text) = _change ?? throw new InvalidOperationException("no change was made");
            if (!Encode(_text).AsSpan().SequenceEqual(file.ToOriginalBytes()))
            {
                // An encoding the declaration names but the bytes do not show: the splice could not keep the other bytes.
                throw new AnswerFileEditException($"the file's text does not re-encode byte for byte as {file.Format.Encoding.WebName}; it was not changed");
            }

            var bytes = Encode(string.Concat(_text.AsSpan(0, start), text, _text.AsSpan(end)));
            AnswerFile result;
            try
            {
                result = AnswerFileReader.Read(bytes, file.Path);
            }
            catch (AnswerFileFormatException e)
            {
                throw new AnswerFileEditException($"the edit would not be well-formed XML ({e.Reason}); the file was not changed");
            }

            check(result);
            return new EditOutcome(bytes, result, summary);
        }

        private byte[] Encode(string text)
        {
            var encoding = file.Format.Encoding;
            var preamble = file.Format.HasByteOrderMark ? encoding.GetPreamble() : [];
            var bytes = new byte[preamble.Length + encoding.GetByteCount(text)];
            preamble.CopyTo(bytes, 0);
            encoding.GetBytes(text, 0, text.Length, bytes, preamble.Length);
            return bytes;
        }

        private ElementSpan SpanOf(XElement element)
        {
            var position = AnswerFile.PositionOf(element);
            if (!position.IsKnown)
            {
                throw new InvalidOperationException("the element has no source position");
            }

            return Spans.Element(position.Line, position.Column);
        }

        /// <summary>The indentation step the file uses: the first child's indentation beyond its parent's; four spaces when flat.</summary>
        private string IndentUnit()
        {
            foreach (var element in file.Root.DescendantsAndSelf())
            {
                if (element.Elements().FirstOrDefault() is not { } child)
                {
                    continue;
                }

                var outer = Spans.IndentOf(SpanOf(element).Start);
                var inner = Spans.IndentOf(SpanOf(child).Start);
                if (inner.Length > outer.Length && inner.StartsWith(outer, StringComparison.Ordinal))
                {
                    return inner[outer.Length..];
                }
            }

            return "    ";
        }

        private string Render(NewElement node, string indent, XElement context)
        {
            var text = new StringBuilder();
            Render(node, indent, IndentUnit(), context, context.GetPrefixOfNamespace(UnattendNames.Wcm), text, top: true);
            return text.ToString();
        }

        // wcmPrefix: the prefix bound to the wcm namespace where the element goes, or null when none is.
        private void Render(NewElement node, string indent, string unit, XElement context, string? wcmPrefix, StringBuilder text, bool top)
        {
            var prefix = context.GetPrefixOfNamespace(UnattendNames.Unattend);
            var defaultIsUnattend = context.GetDefaultNamespace() == UnattendNames.Unattend;
            var name = defaultIsUnattend || string.IsNullOrEmpty(prefix) ? node.Name : prefix + ":" + node.Name;
            text.Append('<').Append(name);
            if (top && !defaultIsUnattend && string.IsNullOrEmpty(prefix))
            {
                text.Append(" xmlns=\"").Append(UnattendNames.Unattend.NamespaceName).Append('"');
            }

            // A new component declares xmlns:wcm as WSIM writes it; an item elsewhere declares it only when no prefix is bound.
            var declares = node.Attributes.Any(a => a.Name == "xmlns:wcm");
            var usesWcm = node.Attributes.Any(a => a.Name.StartsWith("wcm:", StringComparison.Ordinal));
            var needsDeclaration = usesWcm && wcmPrefix is null && !declares;
            var effectivePrefix = declares || needsDeclaration ? "wcm" : wcmPrefix;
            foreach (var (attribute, value) in node.Attributes)
            {
                var attributeName = attribute.StartsWith("wcm:", StringComparison.Ordinal) ? effectivePrefix + attribute[3..] : attribute;
                text.Append(' ').Append(attributeName).Append("=\"").Append(new XAttribute("a", value).ToString()[3..^1]).Append('"');
            }

            if (needsDeclaration)
            {
                text.Append(" xmlns:wcm=\"").Append(UnattendNames.Wcm.NamespaceName).Append('"');
            }

            text.Append('>');
            if (node.Text is not null)
            {
                text.Append(node.Text);
            }
            else
            {
                foreach (var child in node.Children)
                {
                    text.Append(_newLine).Append(indent).Append(unit);
                    Render(child, indent + unit, unit, context, effectivePrefix, text, top: false);
                }

                text.Append(_newLine).Append(indent);
            }

            text.Append("</").Append(name).Append('>');
        }

        private static string QualifiedName(XElement element)
        {
            var prefix = element.GetPrefixOfNamespace(element.Name.Namespace);
            return string.IsNullOrEmpty(prefix) || element.GetDefaultNamespace() == element.Name.Namespace
                ? element.Name.LocalName
                : prefix + ":" + element.Name.LocalName;
        }

        private static string Decode(AnswerFile file)
        {
            var bytes = file.ToOriginalBytes();
            var skip = file.Format.HasByteOrderMark ? file.Format.Encoding.GetPreamble().Length : 0;
            return file.Format.Encoding.GetString(bytes, skip, bytes.Length - skip);
        }
    }
}
