using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Lint;

/// <summary>
/// Checks an answer file against the structure Setup expects and the catalog (<see cref="SettingCatalog"/>), and for
/// the mistakes that break Sysprep or lock people out. Rules and codes are in <see cref="LintRules"/>.
/// </summary>
public sealed partial class AnswerFileLinter
{
    private static readonly HashSet<string> Architectures = ["x86", "amd64", "wow64", "arm64"];
    private static readonly HashSet<string> ListActions = ["add", "remove", "modify"];
    private const string ForbiddenComputerNameCharacters = "{|}~[\\]^':;<=>?@!\"#$%`()+/.,*& ";

    private readonly SettingCatalog _catalog;

    public AnswerFileLinter(SettingCatalog? catalog = null) => _catalog = catalog ?? SettingCatalog.Default;

    /// <summary>Reads and lints a file; an unreadable or malformed file gives one RU001/RU002 finding.</summary>
    public LintReport LintFile(string path, LintOptions? options = null)
    {
        AnswerFile file;
        try
        {
            file = AnswerFileReader.ReadFile(path);
        }
        catch (AnswerFileFormatException e)
        {
            return Unreadable(e);
        }

        return Lint(file, options);
    }

    /// <summary>A report for a file that could not be read.</summary>
    public static LintReport Unreadable(AnswerFileFormatException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var rule = error.Kind == AnswerFileErrorKind.Refused ? LintRules.RefusedXml : LintRules.MalformedXml;
        return new LintReport(error.File, [new LintFinding(rule, rule.DefaultSeverity, error.Reason, error.File, error.Position)], Readable: false);
    }

    /// <summary>Lints a file already read.</summary>
    public LintReport Lint(AnswerFile file, LintOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= LintOptions.Default;
        var run = new Run(this, file, options.Cached ?? IsCachedPath(file.Path));
        run.Execute();
        var ordered = run.Findings
            .OrderBy(f => f.Position.Line).ThenBy(f => f.Position.Column).ThenBy(f => f.Rule.Id, StringComparer.Ordinal)
            .ToList();
        return new LintReport(file.Path, ordered, Readable: true);
    }

    /// <summary>True for paths Setup caches answer files in: any folder named Panther.</summary>
    public static bool IsCachedPath(string? path) =>
        path is not null && path.Replace('\\', '/').Split('/').SkipLast(1).Any(p => p.Equals("Panther", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"(^|[\s""'&|;(])(shutdown(\.exe)?\s+([^\r\n]*\s)?[/-][rg]\b|restart-computer\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RebootCommand();

    /// <summary>State for one file.</summary>
    private sealed class Run(AnswerFileLinter owner, AnswerFile file, bool cached)
    {
        public List<LintFinding> Findings { get; } = [];

        private readonly HashSet<string> _uncataloguedComponents = new(StringComparer.Ordinal);

        public void Execute()
        {
            var root = file.Root;
            if (root.Name != UnattendNames.Root)
            {
                var why = root.Name.LocalName == "unattend"
                    ? $"the root <unattend> is in namespace '{root.Name.NamespaceName}' instead of 'urn:schemas-microsoft-com:unattend'"
                    : $"the root element is <{root.Name.LocalName}>, not <unattend>; this is not an answer file";
                Report(LintRules.WrongRoot, root, why);
                return;
            }

            var identities = new Dictionary<(string Pass, string Name, string Arch), XElement>();
            var architectures = new Dictionary<string, XElement>(StringComparer.Ordinal);
            foreach (var child in root.Elements())
            {
                if (child.Name == UnattendNames.Settings)
                {
                    CheckPass(new PassSettings(child), identities, architectures);
                }
                else if (child.Name.Namespace == UnattendNames.Unattend && child.Name != UnattendNames.Servicing)
                {
                    Report(LintRules.UnexpectedElement, child,
                        $"<{child.Name.LocalName}> is not allowed under <unattend>; only <settings>, <servicing> and elements of other namespaces are");
                }
            }

            var realArchitectures = architectures.Keys.Where(a => a != "wow64").ToList();
            if (realArchitectures.Count > 1)
            {
                var second = architectures[realArchitectures[1]];
                Report(LintRules.MixedArchitecture, second,
                    $"components target {string.Join(" and ", realArchitectures)}; an image has one architecture");
            }
        }

        private void CheckPass(PassSettings settings, Dictionary<(string, string, string), XElement> identities, Dictionary<string, XElement> architectures)
        {
            var passName = settings.PassName;
            ConfigurationPass? pass = settings.Pass;
            if (passName is null)
            {
                Report(LintRules.UnknownPass, settings.Element, "<settings> has no pass attribute");
            }
            else if (pass is null)
            {
                var suggestion = ConfigurationPasses.SuggestionFor(passName);
                Report(LintRules.UnknownPass, settings.Element.Attribute("pass")!,
                    suggestion is null
                        ? $"'{passName}' is not a configuration pass"
                        : $"'{passName}' is not a configuration pass; pass names are case-sensitive: did you mean '{suggestion}'?");
            }

            foreach (var component in settings.Components)
            {
                CheckComponent(component, pass, passName ?? string.Empty, identities, architectures);
            }
        }

        private void CheckComponent(ComponentSettings component, ConfigurationPass? pass, string passName,
            Dictionary<(string, string, string), XElement> identities, Dictionary<string, XElement> architectures)
        {
            var element = component.Element;
            var name = component.Name;
            var arch = component.ProcessorArchitecture;
            if (string.IsNullOrEmpty(name))
            {
                Report(LintRules.ComponentAttributes, element, "<component> has no name attribute");
            }

            if (string.IsNullOrEmpty(arch))
            {
                Report(LintRules.ComponentAttributes, element, $"component {name ?? "?"} has no processorArchitecture attribute");
            }
            else if (!Architectures.Contains(arch))
            {
                Report(LintRules.ComponentAttributes, element.Attribute("processorArchitecture")!,
                    $"processorArchitecture '{arch}' is not one of x86, amd64, wow64, arm64 (case-sensitive)");
            }
            else
            {
                architectures.TryAdd(arch, element);
            }

            CheckIdentity(component);

            if (!string.IsNullOrEmpty(name) && !string.IsNullOrEmpty(arch))
            {
                if (!identities.TryAdd((passName, name, arch), element))
                {
                    var first = AnswerFile.PositionOf(identities[(passName, name, arch)]);
                    Report(LintRules.DuplicateComponent, element,
                        $"{name} ({arch}) appears again in pass {passName} (first at line {first.Line})");
                }
            }

            var definition = owner._catalog.Find(name);
            if (definition is null)
            {
                if (!string.IsNullOrEmpty(name) && _uncataloguedComponents.Add(name))
                {
                    Report(LintRules.NotInCatalog, element, $"component {name} is not in Reseal's catalog; its settings were not checked");
                }

                return;
            }

            if (pass is { } p && !definition.Passes.Contains(p))
            {
                Report(LintRules.ComponentWrongPass, element,
                    $"{name} is not valid in {passName}; it is valid in {Passes(definition.Passes)}");
                return;
            }

            CheckChildren(element, definition.Settings, pass, name!, open: false);
            CheckComponentRules(component, pass);
        }

        private void CheckIdentity(ComponentSettings component)
        {
            var element = component.Element;
            var token = component.PublicKeyToken;
            if (token is null || component.Language is null || component.VersionScope is null)
            {
                var missing = new[] { ("publicKeyToken", token), ("language", component.Language), ("versionScope", component.VersionScope) }
                    .Where(a => a.Item2 is null).Select(a => a.Item1);
                Report(LintRules.ComponentIdentityIncomplete, element,
                    $"component {component.Name ?? "?"} lacks {string.Join(", ", missing)}");
            }

            if (token is not null && (token.Length != 16 || !token.All(Uri.IsHexDigit)))
            {
                Report(LintRules.ComponentIdentityIncomplete, element.Attribute("publicKeyToken")!,
                    $"publicKeyToken '{token}' is not 16 hexadecimal digits (Microsoft components use {UnattendNames.MicrosoftPublicKeyToken})");
            }

            if (component.VersionScope is { } scope && scope is not ("nonSxS" or "SxS"))
            {
                Report(LintRules.ComponentIdentityIncomplete, element.Attribute("versionScope")!,
                    $"versionScope '{scope}' is not nonSxS or SxS");
            }
        }

        private void CheckChildren(XElement parent, IReadOnlyDictionary<string, SettingDefinition> definitions, ConfigurationPass? pass,
            string context, bool open)
        {
            var seen = new Dictionary<string, XElement>(StringComparer.Ordinal);
            foreach (var child in parent.Elements())
            {
                if (child.Name.Namespace != UnattendNames.Unattend)
                {
                    continue;
                }

                var name = child.Name.LocalName;
                if (seen.TryGetValue(name, out var first))
                {
                    Report(LintRules.DuplicateSetting, child,
                        $"{context}/{name} appears more than once (first at line {AnswerFile.PositionOf(first).Line})");
                }
                else
                {
                    seen.Add(name, child);
                }

                if (!definitions.TryGetValue(name, out var definition))
                {
                    if (!open)
                    {
                        ReportUnknown(child, definitions, context);
                    }

                    continue;
                }

                CheckSetting(child, definition, pass, context);
            }
        }

        private void ReportUnknown(XElement child, IReadOnlyDictionary<string, SettingDefinition> definitions, string context)
        {
            var name = child.Name.LocalName;
            var match = definitions.Values.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                Report(LintRules.SettingCase, child,
                    $"{context}/{name} does not exist; names are case-sensitive: did you mean {match.Name}?");
            }
            else
            {
                Report(LintRules.NotInCatalog, child, $"{context}/{name} is not in Reseal's catalog; not checked");
            }
        }

        private void CheckSetting(XElement element, SettingDefinition definition, ConfigurationPass? pass, string context)
        {
            var path = $"{context}/{definition.Path}";
            if (pass is { } p && !definition.Passes.Contains(p))
            {
                if (definition.Path == "CopyProfile")
                {
                    Report(LintRules.CopyProfilePass, element, $"CopyProfile is in {p.ToXmlName()}; it works only in specialize");
                }
                else
                {
                    Report(LintRules.SettingWrongPass, element,
                        $"{path} is not valid in {p.ToXmlName()}; it is valid in {Passes(definition.Passes)}");
                }

                return;
            }

            if (definition.Deprecated is { } reason)
            {
                Report(LintRules.Deprecated, element, $"{path} is {reason}");
            }

            switch (definition.Kind)
            {
                case SettingKind.Value:
                    CheckValue(element, definition, path);
                    break;
                case SettingKind.Group:
                    if (!definition.Open)
                    {
                        CheckChildren(element, definition.Children, pass, context, open: false);
                        if (definition.Children.Values.Any(c => c.PasswordSuffix is not null))
                        {
                            CheckPassword(element, definition);
                        }
                    }

                    break;
                case SettingKind.List:
                    CheckList(element, definition, pass, context);
                    break;
            }
        }

        private void CheckValue(XElement element, SettingDefinition definition, string path)
        {
            if (element.HasElements)
            {
                Report(LintRules.InvalidValue, element, $"{path} takes a value, not child elements");
                return;
            }

            var raw = element.Value;
            var value = raw.Trim();
            var isCommand = definition.Name is "Path" or "CommandLine";
            if (value.Length == 0)
            {
                if (isCommand)
                {
                    Report(LintRules.CommandEmpty, element, $"{path} is empty");
                }
                else if (!definition.AllowEmpty)
                {
                    Report(LintRules.ValueLength, element, $"{path} is empty; it needs a value");
                }

                return;
            }

            switch (definition.Type)
            {
                case SettingType.Boolean:
                    if (!value.Equals("true", StringComparison.OrdinalIgnoreCase) && !value.Equals("false", StringComparison.OrdinalIgnoreCase))
                    {
                        Report(LintRules.InvalidValue, element, $"{path} is '{value}'; it must be true or false");
                    }

                    break;
                case SettingType.Number:
                    CheckNumber(element, definition, path, value);
                    break;
                case SettingType.Choice:
                    if (!definition.Values.Contains(value, StringComparer.Ordinal))
                    {
                        var rule = definition.Name == "WillReboot" ? LintRules.WillRebootValue : LintRules.InvalidValue;
                        var near = definition.Values.FirstOrDefault(v => v.Equals(value, StringComparison.OrdinalIgnoreCase));
                        Report(rule, element, near is null
                            ? $"{path} is '{value}'; it must be one of {string.Join(", ", definition.Values)}"
                            : $"{path} is '{value}'; values are case-sensitive: use '{near}'");
                    }

                    break;
                case SettingType.ComputerName:
                    CheckComputerName(element, definition, path, value);
                    break;
                case SettingType.Text:
                    CheckTextShape(element, definition, path, value);
                    if (definition.MaxLength is { } max && raw.Length > max)
                    {
                        var rule = isCommand ? LintRules.CommandTooLong : LintRules.ValueLength;
                        Report(rule, element, $"{path} is {raw.Length} characters; the limit is {max}");
                    }

                    if (isCommand && definition.Name == "Path" && RebootCommand().IsMatch(value))
                    {
                        Report(LintRules.CommandReboots, element, $"{path} restarts the machine itself; use WillReboot instead");
                    }

                    break;
                default:
                    break;
            }
        }

        private void CheckTextShape(XElement element, SettingDefinition definition, string path, string value)
        {
            if (definition.Pattern is { } pattern && !pattern.IsMatch(value))
            {
                Report(LintRules.InvalidValue, element, $"{path} is '{value}'; expected {definition.PatternHelp ?? pattern.ToString()}");
            }

            var bad = value.Where(c => definition.Forbidden.Contains(c, StringComparison.Ordinal)).Distinct().ToArray();
            if (bad.Length > 0)
            {
                Report(LintRules.InvalidValue, element, $"{path} '{value}' contains characters Windows forbids here: {string.Join(" ", bad)}");
            }

            if (definition.Reserved.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                Report(LintRules.InvalidValue, element, $"{path} cannot be '{value}'");
            }
        }

        private void CheckNumber(XElement element, SettingDefinition definition, string path, string value)
        {
            var isOrder = definition.Name == "Order";
            var rule = isOrder ? LintRules.OrderRange : LintRules.InvalidValue;
            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                Report(rule, element, $"{path} is '{value}'; it must be a whole number{Range(definition)}");
                return;
            }

            if ((definition.Min is { } min && number < min) || (definition.Max is { } max && number > max))
            {
                Report(rule, element, $"{path} is {number}; it must be{Range(definition)}");
            }
        }

        private void CheckComputerName(XElement element, SettingDefinition definition, string path, string value)
        {
            if (value == "*")
            {
                return;
            }

            var bytes = Encoding.UTF8.GetByteCount(value);
            if (definition.MaxBytes is { } max && bytes > max)
            {
                Report(LintRules.ComputerNameLength, element, $"{path} '{value}' is {bytes} bytes; the limit is {max}");
            }

            var bad = value.Where(c => ForbiddenComputerNameCharacters.Contains(c, StringComparison.Ordinal)).Distinct().ToArray();
            if (bad.Length > 0)
            {
                var shown = string.Join(" ", bad.Select(c => c == ' ' ? "space" : c.ToString()));
                Report(LintRules.ComputerNameCharacters, element, $"{path} '{value}' contains forbidden characters: {shown}");
            }
            else if (value.All(char.IsAsciiDigit))
            {
                Report(LintRules.ComputerNameCharacters, element, $"{path} '{value}' is only digits; Windows rejects numeric names");
            }
        }

        private void CheckList(XElement list, SettingDefinition definition, ConfigurationPass? pass, string context)
        {
            var path = $"{context}/{definition.Path}";
            if (definition.Open)
            {
                return;
            }

            var items = new List<XElement>();
            foreach (var child in list.Elements())
            {
                if (child.Name.LocalName == definition.ItemName && child.Name.Namespace == UnattendNames.Unattend)
                {
                    items.Add(child);
                }
                else if (child.Name.Namespace == UnattendNames.Unattend)
                {
                    var near = string.Equals(child.Name.LocalName, definition.ItemName, StringComparison.OrdinalIgnoreCase);
                    Report(near ? LintRules.SettingCase : LintRules.NotInCatalog, child, near
                        ? $"{path}/{child.Name.LocalName} does not exist; names are case-sensitive: did you mean {definition.ItemName}?"
                        : $"{path}/{child.Name.LocalName} is not a {definition.ItemName} item; not checked");
                }
            }

            if (items.Count == 0)
            {
                Report(LintRules.ValueLength, list, $"{path} is an empty list; remove it or add a {definition.ItemName}");
                return;
            }

            var keys = new Dictionary<string, XElement>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var itemPath = $"{path}/{definition.ItemName}";
                var action = item.Attribute(UnattendNames.WcmAction)?.Value;
                if (action is null)
                {
                    Report(LintRules.ListItemAction, item, $"{itemPath} has no wcm:action; write wcm:action=\"add\"");
                }
                else if (!ListActions.Contains(action))
                {
                    Report(LintRules.ListItemAction, item.Attribute(UnattendNames.WcmAction)!,
                        $"{itemPath} has wcm:action '{action}'; it must be add, remove or modify");
                }

                CheckChildren(item, definition.Children, pass, $"{path}/{definition.ItemName}", open: false);
                foreach (var required in definition.Children.Values.Where(c => c.Required))
                {
                    if (item.Element(UnattendNames.Unattend + required.Name) is null)
                    {
                        var rule = required.Name switch
                        {
                            "Order" => LintRules.OrderMissing,
                            "Path" or "CommandLine" => LintRules.CommandEmpty,
                            _ => LintRules.RequiredMissing,
                        };
                        Report(rule, item, $"{itemPath} has no {required.Name}");
                    }
                }

                var key = definition.Key == "@keyValue"
                    ? item.Attribute(UnattendNames.WcmKeyValue)?.Value
                    : item.Element(UnattendNames.Unattend + (definition.Key ?? string.Empty))?.Value.Trim();
                if (definition.Key == "Order" && key is not null && long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var order))
                {
                    key = order.ToString(CultureInfo.InvariantCulture);
                }

                if (!string.IsNullOrEmpty(key) && !keys.TryAdd(key, item))
                {
                    Report(LintRules.OrderDuplicate, item,
                        $"{itemPath} {definition.Key?.TrimStart('@')} {key} is used twice (first at line {AnswerFile.PositionOf(keys[key]).Line})");
                }
            }
        }

        private void CheckPassword(XElement group, SettingDefinition definition)
        {
            var valueDefinition = definition.Children.Values.First(c => c.PasswordSuffix is not null);
            var valueElement = group.Element(UnattendNames.Unattend + valueDefinition.Name);
            var plainElement = group.Element(UnattendNames.Unattend + "PlainText");
            if (valueElement is null)
            {
                return;
            }

            var plainText = plainElement is null || !plainElement.Value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);
            var value = valueElement.Value;
            var path = definition.Path;
            if (plainText)
            {
                if (value.Length > 0)
                {
                    var severity = cached ? Severity.Error : Severity.Warning;
                    Report(LintRules.PlainTextPassword, valueElement, cached
                        ? $"{path} holds a clear-text password in a file Setup caches; anyone who can read the disk can read it"
                        : $"{path} holds a clear-text password; Setup copies the file to %WINDIR%\\Panther where it stays readable",
                        severity);
                }

                return;
            }

            // The one classifier's decoding, with the suffix the setting takes (OfflineAdministratorPassword included).
            var decoded = AnswerFilePasswords.Decode(value, valueDefinition.PasswordSuffix!);
            if (!decoded.Success)
            {
                var rule = decoded.Error == PasswordDecodeError.WrongSuffix ? LintRules.PasswordSuffix : LintRules.PasswordUndecodable;
                Report(rule, valueElement, $"{path}: {decoded.Message}");
            }
        }

        private void CheckComponentRules(ComponentSettings component, ConfigurationPass? pass)
        {
            var autoLogon = component.Find("AutoLogon");
            if (autoLogon is not null && component.Name == "Microsoft-Windows-Shell-Setup")
            {
                var enabled = autoLogon.Element(UnattendNames.Unattend + "Enabled")?.Value.Trim();
                var disabled = string.Equals(enabled, "false", StringComparison.OrdinalIgnoreCase);
                if (!disabled && autoLogon.Element(UnattendNames.Unattend + "LogonCount") is null)
                {
                    Report(LintRules.AutoLogonCount, autoLogon, "AutoLogon is enabled without LogonCount");
                }
            }

            if (component.Name != "Microsoft-Windows-Deployment")
            {
                return;
            }

            var reseal = component.Find("Reseal");
            if (pass == ConfigurationPass.AuditSystem && reseal is not null)
            {
                var force = reseal.Element(UnattendNames.Unattend + "ForceShutdownNow")?.Value.Trim();
                var mode = reseal.Element(UnattendNames.Unattend + "Mode")?.Value.Trim();
                if (string.Equals(force, "true", StringComparison.OrdinalIgnoreCase) && mode != "OOBE")
                {
                    Report(LintRules.ResealLoop, reseal,
                        $"Reseal in auditSystem with ForceShutdownNow=true and Mode {(mode is null ? "unset" : mode)} reboots into audit mode forever");
                }
            }

            if (pass == ConfigurationPass.AuditUser && reseal is not null && component.Find("Generalize") is { } generalize)
            {
                Report(LintRules.GeneralizeWithReseal, generalize, "Generalize and Reseal are both set in auditUser; Reseal will be ignored");
            }
        }

        private void Report(LintRule rule, XObject node, string message, Severity? severity = null) =>
            Findings.Add(new LintFinding(rule, severity ?? rule.DefaultSeverity, message, file.Path, AnswerFile.PositionOf(node)));

        private static string Passes(IEnumerable<ConfigurationPass> passes) =>
            string.Join(", ", passes.Order().Select(p => p.ToXmlName()));

        private static string Range(SettingDefinition definition) => (definition.Min, definition.Max) switch
        {
            ({ } min, { } max) => $" from {min} to {max}",
            ({ } min, null) => $" of at least {min}",
            (null, { } max) => $" of at most {max}",
            _ => string.Empty,
        };
    }
}
