using System.Globalization;
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
public sealed partial class AnswerFileEditor(SettingCatalog? catalog = null)
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
}
