using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Editing;

/// <summary>A change to an answer file could not be made; the message says why.</summary>
public sealed class AnswerFileEditException(string message) : Exception(message);

/// <summary>The result of an edit: the new file (bytes and model) and what was done.</summary>
/// <param name="Bytes">The whole file; every byte outside the changed setting is the original's.</param>
/// <param name="File">The new file, read back from <paramref name="Bytes"/>.</param>
/// <param name="Summary">What changed, in words (never a password).</param>
public sealed record EditOutcome(byte[] Bytes, AnswerFile File, string Summary);

/// <summary>
/// Changes one setting of an answer file and nothing else. Elements are found through the positions the reader
/// recorded and the change is spliced into the original text: comments, whitespace, attribute order and quoting,
/// <c>&lt;a/&gt;</c> and every other byte stay as they were. Missing passes, components, groups and list items are
/// created with the attributes WSIM writes (<c>publicKeyToken</c>, <c>language</c>, <c>versionScope</c>, the
/// <c>wcm</c> and <c>xsi</c> namespaces, <c>wcm:action="add"</c> and the item's key), indented like their siblings.
/// The result is read back and checked before it is returned.
/// </summary>
public sealed class AnswerFileEditor(SettingCatalog? catalog = null)
{
    private static readonly string[] PassOrder = [.. ConfigurationPasses.All.Select(p => p.ToXmlName())];
    private readonly SettingCatalog _catalog = catalog ?? SettingCatalog.Default;

    /// <summary>The element a path names, or null when the file does not have it.</summary>
    /// <exception cref="AnswerFileEditException">The path is ambiguous (several architectures) or names a list item without a key.</exception>
    public XElement? Find(AnswerFile file, ConfigurationPass pass, SettingPath path, string? architecture = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        RequireAnswerFile(file);
        var component = FindComponent(file, pass, path.Component, architecture, forCreate: false);
        if (component is null)
        {
            return null;
        }

        XElement current = component.Value.Element;
        var definitions = _catalog.Find(path.Component)?.Settings;
        foreach (var step in path.Steps)
        {
            var (child, definition) = FindChild(current, step, definitions, path);
            if (child is null)
            {
                return null;
            }

            current = child;
            definitions = definition?.Children;
        }

        return current;
    }

    /// <summary>The catalog's definition of a path's last step, or null when the reference does not document it.</summary>
    public SettingDefinition? Definition(SettingPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IReadOnlyDictionary<string, SettingDefinition>? level = _catalog.Find(path.Component)?.Settings;
        SettingDefinition? found = null;
        foreach (var step in path.Steps)
        {
            if (level is null || !level.TryGetValue(step.Name, out found))
            {
                return null;
            }

            level = found.Children;
        }

        return found;
    }

    /// <summary>Sets a value, creating what is missing on the way.</summary>
    public EditOutcome Set(AnswerFile file, ConfigurationPass pass, SettingPath path, string value, string? architecture = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(value);
        RequireAnswerFile(file);
        var edit = new Splice(file);
        var existing = Find(file, pass, path, architecture);
        if (existing is not null)
        {
            if (existing.HasElements)
            {
                throw new AnswerFileEditException($"{path} holds settings, not a value; set one of them: {string.Join(", ", existing.Elements().Select(e => e.Name.LocalName).Distinct())}");
            }

            edit.ReplaceContent(existing, Escape(value));
            return edit.Finish($"{pass.ToXmlName()}: {path} changed", f => Check(f, pass, path, architecture, value));
        }

        var component = FindComponent(file, pass, path.Component, architecture, forCreate: true);
        if (component is null)
        {
            var settings = SettingsFor(file, pass);
            var arch = ArchitectureForNew(file, architecture);
            var componentNode = new NewElement("component", ComponentAttributes(ComponentName(path.Component), arch), null,
                [Chain(path.Steps, _catalog.Find(path.Component)?.Settings, value, path)]);
            if (settings is null)
            {
                var node = new NewElement("settings", [("pass", pass.ToXmlName())], null, [componentNode]);
                edit.InsertSettings(file.Root, node, pass);
            }
            else
            {
                edit.InsertChild(settings, componentNode);
            }

            return edit.Finish($"{pass.ToXmlName()}: {path} added", f => Check(f, pass, path, architecture ?? arch, value));
        }

        // Walk down the existing part, then add the rest.
        XElement current = component.Value.Element;
        var definitions = _catalog.Find(path.Component)?.Settings;
        for (var i = 0; i < path.Steps.Count; i++)
        {
            var (child, definition) = FindChild(current, path.Steps[i], definitions, path);
            if (child is null)
            {
                if (!current.HasElements && current.Value.Trim().Length > 0)
                {
                    throw new AnswerFileEditException($"{path}: {current.Name.LocalName} holds a value, not settings");
                }

                edit.InsertChild(current, Chain(path.Steps.Skip(i).ToList(), definitions, value, path));
                return edit.Finish($"{pass.ToXmlName()}: {path} added", f => Check(f, pass, path, architecture, value));
            }

            current = child;
            definitions = definition?.Children;
        }

        throw new InvalidOperationException("unreachable: the path was not found, yet every step exists");
    }

    /// <summary>
    /// Sets a password group (<c>AdministratorPassword</c>, <c>LocalAccount[Name=x]/Password</c>, <c>AutoLogon/Password</c>):
    /// its <c>Value</c> obfuscated as Windows reads it, and <c>PlainText</c> false.
    /// </summary>
    public EditOutcome SetPassword(AnswerFile file, ConfigurationPass pass, SettingPath group, string password, string? architecture = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(password);
        var definition = Definition(group);
        var valueDefinition = definition?.Children.Values.FirstOrDefault(c => c.PasswordSuffix is not null)
            ?? throw new AnswerFileEditException($"{group} is not a password the reference lets Windows read obfuscated");
        var encoded = UnattendPassword.Encode(password, AnswerFilePasswords.FieldOf(valueDefinition));
        var first = Set(file, pass, group with { Steps = [.. group.Steps, new PathStep("Value", null, null)] }, encoded, architecture);
        var second = Set(first.File, pass, group with { Steps = [.. group.Steps, new PathStep("PlainText", null, null)] }, "false", architecture);
        return second with { Summary = $"{pass.ToXmlName()}: {group} set (obfuscated, PlainText false)" };
    }

    /// <summary>Removes a setting (and what it holds).</summary>
    /// <exception cref="AnswerFileEditException">The file does not have it.</exception>
    public EditOutcome Remove(AnswerFile file, ConfigurationPass pass, SettingPath path, string? architecture = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        var existing = Find(file, pass, path, architecture)
            ?? throw new AnswerFileEditException($"{path} is not in pass {pass.ToXmlName()}; nothing to remove");
        var edit = new Splice(file);
        edit.RemoveElement(existing);
        var count = existing.DescendantsAndSelf().Count();
        return edit.Finish($"{pass.ToXmlName()}: {path} removed", f =>
        {
            if (Find(f, pass, path, architecture) is not null && path.Steps[^1].IsItem)
            {
                throw new AnswerFileEditException($"{path} is still there after removing it");
            }

            if (f.Root.DescendantsAndSelf().Count() != file.Root.DescendantsAndSelf().Count() - count)
            {
                throw new AnswerFileEditException("the edit changed more than the setting removed");
            }
        });
    }

    /// <summary>The component element of a pass, or null; refuses to guess between architectures.</summary>
    private static (XElement Element, string Architecture)? FindComponent(AnswerFile file, ConfigurationPass pass, string name, string? architecture, bool forCreate)
    {
        var candidates = file.Passes.Where(p => p.Pass == pass)
            .SelectMany(p => p.Components)
            .Where(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (architecture is not null)
        {
            return candidates.Where(c => c.ProcessorArchitecture == architecture).Select(c => (c.Element, architecture)).Cast<(XElement, string)?>().FirstOrDefault();
        }

        var archs = candidates.Select(c => c.ProcessorArchitecture ?? string.Empty).Distinct(StringComparer.Ordinal).ToList();
        if (archs.Count > 1)
        {
            throw new AnswerFileEditException($"pass {pass.ToXmlName()} has {name} for {string.Join(" and ", archs)}; say which with --arch");
        }

        if (candidates.Count == 0 && forCreate)
        {
            return null;
        }

        return candidates.Select(c => (c.Element, c.ProcessorArchitecture ?? string.Empty)).Cast<(XElement, string)?>().FirstOrDefault();
    }

    private static string ArchitectureForNew(AnswerFile file, string? architecture)
    {
        if (architecture is not null)
        {
            return architecture;
        }

        var found = AnswerFileTargets.Architectures(file);
        return found.Count switch
        {
            0 => "amd64",
            1 => found[0],
            _ => throw new AnswerFileEditException($"the file has components for {string.Join(" and ", found)}; say which architecture the new component is for with --arch"),
        };
    }

    private string ComponentName(string name) => _catalog.Find(name)?.Name ?? name;

    private static IReadOnlyList<(string Name, string Value)> ComponentAttributes(string name, string architecture) =>
    [
        ("name", name), ("processorArchitecture", architecture), ("publicKeyToken", UnattendNames.MicrosoftPublicKeyToken),
        ("language", "neutral"), ("versionScope", "nonSxS"),
        ("xmlns:wcm", UnattendNames.Wcm.NamespaceName), ("xmlns:xsi", UnattendNames.Xsi.NamespaceName),
    ];

    private static XElement? SettingsFor(AnswerFile file, ConfigurationPass pass) =>
        file.Passes.Where(p => p.Pass == pass).Select(p => p.Element).FirstOrDefault();

    /// <summary>A child of <paramref name="parent"/> for one step: by name, and for an item by its key.</summary>
    private static (XElement? Child, SettingDefinition? Definition) FindChild(XElement parent, PathStep step, IReadOnlyDictionary<string, SettingDefinition>? definitions,
        SettingPath path)
    {
        SettingDefinition? definition = null;
        definitions?.TryGetValue(step.Name, out definition);
        var named = parent.Elements().Where(e => e.Name.LocalName == step.Name && e.Name.Namespace == UnattendNames.Unattend).ToList();
        if (!step.IsItem)
        {
            if (definition?.IsListItem == true || named.Count > 1 && named.All(e => e.Attribute(UnattendNames.WcmAction) is not null))
            {
                var key = definition?.Key is { } k ? $"[{(k == "@keyValue" ? "1" : $"{k}=...")}]" : "[Child=value]";
                throw new AnswerFileEditException($"{path}: {step.Name} is a list item; say which one, e.g. {step.Name}{key}");
            }

            return (named.FirstOrDefault(), definition);
        }

        var keyName = KeyName(step, definition, path);
        return (named.FirstOrDefault(e => KeyMatches(e, keyName, step.KeyValue!)), definition);
    }

    private static string KeyName(PathStep step, SettingDefinition? definition, SettingPath path) =>
        step.KeyName ?? definition?.Key
        ?? throw new AnswerFileEditException($"{path}: the reference names no key for {step.Name}; write {step.Name}[Child=value], e.g. {step.Name}[Name=ops]");

    private static bool KeyMatches(XElement item, string keyName, string keyValue)
    {
        var actual = keyName == "@keyValue"
            ? item.Attribute(UnattendNames.WcmKeyValue)?.Value
            : item.Element(UnattendNames.Unattend + keyName)?.Value.Trim();
        if (actual is null)
        {
            return false;
        }

        return actual == keyValue
            || (long.TryParse(actual, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a)
                && long.TryParse(keyValue, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b) && a == b);
    }

    /// <summary>The elements to create for the remaining steps, the last holding the value.</summary>
    private static NewElement Chain(IReadOnlyList<PathStep> steps, IReadOnlyDictionary<string, SettingDefinition>? definitions, string value, SettingPath path)
    {
        var step = steps[0];
        SettingDefinition? definition = null;
        definitions?.TryGetValue(step.Name, out definition);
        var attributes = new List<(string, string)>();
        var children = new List<NewElement>();
        if (definition?.IsListItem == true && !step.IsItem)
        {
            throw new AnswerFileEditException($"{path}: {step.Name} is a list item; say which one with [key]");
        }

        if (step.IsItem)
        {
            var keyName = KeyName(step, definition, path);
            attributes.Add(("wcm:action", "add"));
            if (keyName == "@keyValue")
            {
                attributes.Add(("wcm:keyValue", step.KeyValue!));
            }
            else if (steps.Count == 1 || steps[1].Name != keyName)
            {
                children.Add(new NewElement(keyName, [], Escape(step.KeyValue!), []));
            }
        }

        if (steps.Count == 1)
        {
            return new NewElement(step.Name, attributes, children.Count == 0 ? Escape(value) : null,
                children.Count == 0 ? [] : [.. children]);
        }

        children.Add(Chain(steps.Skip(1).ToList(), definition?.Children, value, path));
        return new NewElement(step.Name, attributes, null, children);
    }

    /// <summary>The edit took: the file reads back and the path holds the value.</summary>
    private void Check(AnswerFile result, ConfigurationPass pass, SettingPath path, string? architecture, string value)
    {
        var found = Find(result, pass, path, architecture);
        if (found is null || found.Value != value)
        {
            throw new AnswerFileEditException($"{path} does not read back as set; the file was not changed");
        }
    }

    private static void RequireAnswerFile(AnswerFile file)
    {
        if (!file.HasUnattendRoot)
        {
            throw new AnswerFileFormatException(file.Path, AnswerFile.PositionOf(file.Root), AnswerFileErrorKind.Malformed,
                $"the root element is <{file.Root.Name.LocalName}>, not <unattend> in 'urn:schemas-microsoft-com:unattend'; this is not an answer file");
        }
    }

    private static string Escape(string value) => new XText(value).ToString();

    /// <summary>An element to write: name, attributes, escaped text or children.</summary>
    private sealed record NewElement(string Name, IReadOnlyList<(string Name, string Value)> Attributes, string? Text, IReadOnlyList<NewElement> Children);

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
