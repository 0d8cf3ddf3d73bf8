using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Lint;

/// <summary>
/// Checks an answer file against the structure Setup expects and the catalog generated from Microsoft's reference
/// (<see cref="SettingCatalog"/>), for the Windows release it targets, and for the mistakes that break Sysprep or lock
/// people out. What the reference does not state is not checked. Rules and codes are in <see cref="LintRules"/>.
/// </summary>
public sealed partial class AnswerFileLinter
{
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
        var (windows, source) = TargetOf(file, options);
        var run = new Run(this, file, options, options.Cached ?? IsCachedPath(file.Path), windows);
        run.Execute();
        var ordered = run.Findings
            .OrderBy(f => f.Position.Line).ThenBy(f => f.Position.Column).ThenBy(f => f.Rule.Id, StringComparer.Ordinal)
            .ToList();
        return new LintReport(file.Path, ordered, Readable: true) { Windows = windows, WindowsSource = source };
    }

    /// <summary>The release to check against: the option, else the file's <c>cpi:offlineImage</c>, else the newest.</summary>
    public static (WindowsRelease Release, WindowsReleaseSource Source) TargetOf(AnswerFile file, LintOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (options?.Windows is { } given)
        {
            return (given, WindowsReleaseSource.Option);
        }

        return AnswerFileTargets.OfflineImageRelease(file) is { } named
            ? (named, WindowsReleaseSource.OfflineImage)
            : (WindowsRelease.Newest, WindowsReleaseSource.Newest);
    }

    /// <summary>True for paths Setup caches answer files in: any folder named Panther.</summary>
    public static bool IsCachedPath(string? path) =>
        path is not null && path.Replace('\\', '/').Split('/').SkipLast(1).Any(p => p.Equals("Panther", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"(^|[\s""'&|;(])(shutdown(\.exe)?\s+([^\r\n]*\s)?[/-][rg]\b|restart-computer\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RebootCommand();

    [GeneratedRegex(@"^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){4}$", RegexOptions.CultureInvariant)]
    private static partial Regex ProductKey();

    // The reference: "the pattern language-region is used" (en-US, fr-FR); script subtags (sr-Latn-RS) pass too.
    [GeneratedRegex(@"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){1,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageTag();

    [GeneratedRegex(@"^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}|[0-9A-Fa-f]{4}:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{4}:\{[0-9A-Fa-f-]{36}\}\{[0-9A-Fa-f-]{36}\})$", RegexOptions.CultureInvariant)]
    private static partial Regex InputLocaleEntry();

    /// <summary>State for one file.</summary>
    private sealed class Run(AnswerFileLinter owner, AnswerFile file, LintOptions options, bool cached, WindowsRelease windows)
    {
        public List<LintFinding> Findings { get; } = [];

        private readonly HashSet<string> _uncataloguedComponents = new(StringComparer.Ordinal);
        private int _templated;
        private XObject? _firstTemplated;
        private readonly List<string> _placeholders = [];

        // Elements reported deprecated: their children are not reported again.
        private readonly HashSet<XElement> _deprecated = [];

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

            if (_templated > 0)
            {
                Report(LintRules.Templated, _firstTemplated!,
                    $"{_templated} value{(_templated == 1 ? " is a template placeholder" : "s are template placeholders")} ({string.Join(", ", _placeholders)}) and {(_templated == 1 ? "was" : "were")} not checked; lint the file the template produces");
            }
        }

        /// <summary>True (and counted once per file) when a value is a placeholder; such values are not checked.</summary>
        private bool Templated(XObject node, string value, bool literalExpected)
        {
            if (!TemplatePlaceholders.IsTemplated(value, literalExpected, options.Template))
            {
                return false;
            }

            _templated++;
            _firstTemplated ??= node;
            if (_placeholders.Count < 3 && TemplatePlaceholders.First(value) is { } placeholder && !_placeholders.Contains(placeholder))
            {
                _placeholders.Add(placeholder);
            }

            return true;
        }

        private void CheckPass(PassSettings settings, Dictionary<(string, string, string), XElement> identities, Dictionary<string, XElement> architectures)
        {
            var passName = settings.PassName;
            ConfigurationPass? pass = settings.Pass;
            if (passName is null)
            {
                Report(LintRules.UnknownPass, settings.Element, "<settings> has no pass attribute");
            }
            else if (pass is null && !Templated(settings.Element.Attribute("pass")!, passName, literalExpected: true))
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
            var nameTemplated = name is not null && Templated(element.Attribute("name")!, name, literalExpected: true);
            var archTemplated = arch is not null && Templated(element.Attribute("processorArchitecture")!, arch, literalExpected: true);
            if (string.IsNullOrEmpty(name))
            {
                Report(LintRules.ComponentAttributes, element, "<component> has no name attribute");
            }

            if (string.IsNullOrEmpty(arch))
            {
                Report(LintRules.ComponentAttributes, element, $"component {name ?? "?"} has no processorArchitecture attribute");
            }
            else if (archTemplated)
            {
                // Filled in by the template; nothing to compare.
            }
            else if (!AnswerFileTargets.KnownArchitectures.Contains(arch))
            {
                Report(LintRules.ComponentAttributes, element.Attribute("processorArchitecture")!,
                    $"processorArchitecture '{arch}' is not one of x86, amd64, wow64, arm64 (case-sensitive)");
            }
            else
            {
                architectures.TryAdd(arch, element);
                if (options.Architecture is { } image && !AnswerFileTargets.Applies(arch, image))
                {
                    Report(LintRules.ArchitectureMismatch, element.Attribute("processorArchitecture")!,
                        $"component {name ?? "?"} is for {arch}; the image is {image} (--arch), so Setup does not apply its settings");
                }
            }

            CheckIdentity(component);

            if (!string.IsNullOrEmpty(name) && !string.IsNullOrEmpty(arch) && !nameTemplated && !archTemplated)
            {
                if (!identities.TryAdd((passName, name, arch), element))
                {
                    var first = AnswerFile.PositionOf(identities[(passName, name, arch)]);
                    Report(LintRules.DuplicateComponent, element,
                        $"{name} ({arch}) appears again in pass {passName} (first at line {first.Line})");
                }
            }

            if (nameTemplated)
            {
                return;
            }

            var definition = owner._catalog.Find(name);
            if (definition is null)
            {
                if (!string.IsNullOrEmpty(name) && _uncataloguedComponents.Add(name))
                {
                    Report(LintRules.NotInCatalog, element, $"component {name} is not in Microsoft's reference; its settings were not checked");
                }

                return;
            }

            if (!CheckLifecycle(element, definition.Lifecycle, name!, definition.PageUrl))
            {
                return;
            }

            if (pass is { } p && definition.PassesKnown && !definition.Passes.Contains(p))
            {
                Report(LintRules.ComponentWrongPass, element,
                    $"{name} is not valid in {passName}; its settings are valid in {Passes(definition.Passes)}", reference: definition.PageUrl);
                return;
            }

            CheckChildren(element, definition.Settings, pass, name!);
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

            if (token is not null && (token.Length != 16 || !token.All(Uri.IsHexDigit))
                && !Templated(element.Attribute("publicKeyToken")!, token, literalExpected: true))
            {
                Report(LintRules.ComponentIdentityIncomplete, element.Attribute("publicKeyToken")!,
                    $"publicKeyToken '{token}' is not 16 hexadecimal digits (Microsoft components use {UnattendNames.MicrosoftPublicKeyToken})");
            }

            // Microsoft's own samples write NonSxS as well as nonSxS.
            if (component.VersionScope is { } scope && !scope.Equals("nonSxS", StringComparison.OrdinalIgnoreCase)
                && !scope.Equals("SxS", StringComparison.OrdinalIgnoreCase)
                && !Templated(element.Attribute("versionScope")!, scope, literalExpected: true))
            {
                Report(LintRules.ComponentIdentityIncomplete, element.Attribute("versionScope")!,
                    $"versionScope '{scope}' is not nonSxS or SxS");
            }
        }

        /// <summary>Removed (error), not yet available (error) or deprecated (warning) on the target; false when the node should not be checked further.</summary>
        private bool CheckLifecycle(XElement element, SettingLifecycle lifecycle, string path, string? page)
        {
            if (lifecycle.IsRemovedOn(windows))
            {
                Report(LintRules.RemovedSetting, element,
                    $"{path} was removed {When(lifecycle.Removed!.Value)}; {windows} does not have it", reference: page);
                return false;
            }

            if (lifecycle.IsNewerThan(windows))
            {
                Report(LintRules.SettingTooNew, element,
                    $"{path} first appeared in {WindowsRelease.DescribeBuild(lifecycle.Since!.Value)}; {windows} does not have it", reference: page);
                return false;
            }

            if (lifecycle.IsDeprecatedOn(windows) && !element.Ancestors().Any(_deprecated.Contains))
            {
                _deprecated.Add(element);
                Report(LintRules.Deprecated, element,
                    $"{path} is deprecated {When(lifecycle.Deprecated!.Value)}; Microsoft says not to use it (checked for {windows})", reference: page);
            }

            return true;
        }

        private static string When(int build) => build == 0
            ? "(the reference gives no version; it describes Windows 10 and Server 2016)"
            : "since " + WindowsRelease.DescribeBuild(build);

        private void CheckChildren(XElement parent, IReadOnlyDictionary<string, SettingDefinition> definitions, ConfigurationPass? pass, string context)
        {
            // {% if %} ... {% else %} ... {% endif %} between elements: the template keeps one branch, so repeats are expected.
            var templatedBranches = TemplatePlaceholders.HasTemplateStatements(parent);
            if (templatedBranches)
            {
                Templated(parent, "{% %}", literalExpected: false);
            }

            Dictionary<string, XElement>? seen = null;
            Dictionary<string, Dictionary<string, XElement>>? keys = null;
            foreach (var child in parent.Elements())
            {
                if (child.Name.Namespace != UnattendNames.Unattend)
                {
                    continue;
                }

                var name = child.Name.LocalName;
                definitions.TryGetValue(name, out var definition);
                var isItem = definition?.IsListItem == true || (definition is null && child.Attribute(UnattendNames.WcmAction) is not null);
                if (!isItem && !templatedBranches)
                {
                    seen ??= new Dictionary<string, XElement>(StringComparer.Ordinal);
                    if (seen.TryGetValue(name, out var first))
                    {
                        Report(LintRules.DuplicateSetting, child,
                            $"{context}/{name} appears more than once (first at line {AnswerFile.PositionOf(first).Line})");
                    }
                    else
                    {
                        seen.Add(name, child);
                    }
                }

                if (definition is null)
                {
                    ReportUnknown(child, definitions, context);
                    continue;
                }

                if (definition.IsListItem)
                {
                    keys ??= new Dictionary<string, Dictionary<string, XElement>>(StringComparer.Ordinal);
                    if (!keys.TryGetValue(name, out var itemKeys))
                    {
                        keys[name] = itemKeys = new Dictionary<string, XElement>(StringComparer.Ordinal);
                    }

                    CheckItem(child, definition, pass, context, itemKeys, templatedBranches);
                }
                else
                {
                    CheckSetting(child, definition, pass, context);
                }
            }
        }

        private void ReportUnknown(XElement child, IReadOnlyDictionary<string, SettingDefinition> definitions, string context)
        {
            var name = child.Name.LocalName;
            var match = definitions.Values.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                Report(LintRules.SettingCase, child,
                    $"{context}/{name} does not exist; names are case-sensitive: did you mean {match.Name}?", reference: match.PageUrl);
            }
            else
            {
                Report(LintRules.NotInCatalog, child, $"{context}/{name} is not in Microsoft's reference; not checked");
            }
        }

        private void CheckItem(XElement item, SettingDefinition definition, ConfigurationPass? pass, string context,
            Dictionary<string, XElement> keys, bool templatedBranches)
        {
            var itemPath = $"{context}/{definition.Name}";
            var action = item.Attribute(UnattendNames.WcmAction)?.Value;
            if (action is null)
            {
                Report(LintRules.ListItemAction, item, $"{itemPath} has no wcm:action; write wcm:action=\"add\"");
            }
            else if (!ListActions.Contains(action) && !Templated(item.Attribute(UnattendNames.WcmAction)!, action, literalExpected: true))
            {
                Report(LintRules.ListItemAction, item.Attribute(UnattendNames.WcmAction)!,
                    $"{itemPath} has wcm:action '{action}'; it must be add, remove or modify");
            }

            CheckSetting(item, definition, pass, context);
            if (definition.Kind == SettingKind.Group && !definition.Open)
            {
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
            }

            var key = definition.Key == "@keyValue"
                ? item.Attribute(UnattendNames.WcmKeyValue)?.Value
                : definition.Key is { } child ? item.Element(UnattendNames.Unattend + child)?.Value.Trim() : null;
            if (key is null || templatedBranches || TemplatePlaceholders.IsTemplated(key, literalExpected: true, options.Template))
            {
                return;
            }

            if (long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                key = number.ToString(CultureInfo.InvariantCulture);
            }

            if (key.Length > 0 && !keys.TryAdd(key, item))
            {
                Report(LintRules.OrderDuplicate, item,
                    $"{itemPath} {definition.Key!.TrimStart('@')} {key} is used twice (first at line {AnswerFile.PositionOf(keys[key]).Line})");
            }
        }

        private void CheckSetting(XElement element, SettingDefinition definition, ConfigurationPass? pass, string context)
        {
            var path = $"{context}/{definition.Name}";
            if (!CheckLifecycle(element, definition.Lifecycle, path, definition.PageUrl))
            {
                return;
            }

            if (pass is { } p && definition.PassesKnown && !definition.Passes.Contains(p))
            {
                if (definition.Path == "CopyProfile")
                {
                    Report(LintRules.CopyProfilePass, element, $"CopyProfile is in {p.ToXmlName()}; it works only in specialize", reference: definition.PageUrl);
                }
                else
                {
                    Report(LintRules.SettingWrongPass, element,
                        $"{path} is not valid in {p.ToXmlName()}; it is valid in {Passes(definition.Passes)}", reference: definition.PageUrl);
                }

                return;
            }

            if (definition.Kind == SettingKind.Value)
            {
                CheckValue(element, definition, path);
                return;
            }

            if (definition.Open)
            {
                return;
            }

            if (!element.HasElements && element.Value.Trim().Length == 0)
            {
                if (!definition.AllowEmpty)
                {
                    Report(LintRules.EmptyForbidden, element, $"{path} is empty; the reference does not allow an empty element here", reference: definition.PageUrl);
                }

                return;
            }

            CheckChildren(element, definition.Children, pass, path);
            if (AnswerFilePasswords.Holding(definition) == PasswordHolding.Obfuscatable)
            {
                CheckPassword(element, definition, path);
            }
        }

        private void CheckValue(XElement element, SettingDefinition definition, string path)
        {
            if (element.HasElements)
            {
                Report(LintRules.InvalidValue, element, $"{path} takes a value, not child elements", reference: definition.PageUrl);
                return;
            }

            var raw = element.Value;
            var value = raw.Trim();
            var literal = definition.Type is not (SettingType.Text or SettingType.Any) || definition.Format != ValueFormat.None
                || definition.Forbidden.Length > 0 || definition.PasswordSuffix is not null;
            if (value.Length > 0 && Templated(element, value, literal))
            {
                return;
            }

            var isCommand = definition.Name is "Path" or "CommandLine" && definition.Required;
            if (value.Length == 0)
            {
                if (isCommand)
                {
                    Report(LintRules.CommandEmpty, element, $"{path} is empty", reference: definition.PageUrl);
                }
                else if (!definition.AllowEmpty)
                {
                    Report(LintRules.EmptyForbidden, element, $"{path} is empty; the reference does not allow an empty element here", reference: definition.PageUrl);
                }

                return;
            }

            if (AnswerFilePasswords.Holding(definition) == PasswordHolding.ClearTextOnly)
            {
                ReportClearText(LintRules.ClearTextCredential, element, path,
                    "Windows reads this password only in clear text (it has no PlainText form)");
            }

            switch (definition.Type)
            {
                case SettingType.Boolean:
                    if (!value.Equals("true", StringComparison.OrdinalIgnoreCase) && !value.Equals("false", StringComparison.OrdinalIgnoreCase))
                    {
                        Report(LintRules.InvalidValue, element, $"{path} is '{value}'; it must be true or false", reference: definition.PageUrl);
                    }

                    break;
                case SettingType.Number:
                    CheckNumber(element, definition, path, value);
                    break;
                case SettingType.Choice:
                    if (!definition.AllowsValue(value))
                    {
                        var rule = definition.Name == "WillReboot" ? LintRules.WillRebootValue : LintRules.InvalidValue;
                        Report(rule, element, $"{path} is '{value}'; it must be one of {string.Join(", ", definition.Values)}", reference: definition.PageUrl);
                    }

                    break;
                case SettingType.ComputerName:
                    CheckComputerName(element, definition, path, value);
                    break;
                default:
                    CheckText(element, definition, path, raw, value, isCommand);
                    break;
            }
        }

        private void CheckText(XElement element, SettingDefinition definition, string path, string raw, string value, bool isCommand)
        {
            var bad = value.Where(c => definition.Forbidden.Contains(c, StringComparison.Ordinal)).Distinct().ToArray();
            if (bad.Length > 0)
            {
                Report(LintRules.InvalidValue, element, $"{path} '{value}' contains characters Windows forbids here: {string.Join(" ", bad)}", reference: definition.PageUrl);
            }

            if (definition.Reserved.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                Report(LintRules.InvalidValue, element, $"{path} cannot be '{value}'", reference: definition.PageUrl);
            }

            switch (definition.Format)
            {
                case ValueFormat.ProductKey when !ProductKey().IsMatch(value):
                    Report(LintRules.ProductKeyFormat, element,
                        $"{path} is not five groups of five letters or digits separated by dashes ({value.Length} characters)", reference: definition.PageUrl);
                    return;
                case ValueFormat.LanguageTag when !LanguageTag().IsMatch(value):
                    Report(LintRules.InvalidValue, element, $"{path} is '{value}'; expected a language tag such as en-US", reference: definition.PageUrl);
                    break;
                case ValueFormat.InputLocale when !value.Split(';').All(part => InputLocaleEntry().IsMatch(part.Trim())):
                    Report(LintRules.InvalidValue, element,
                        $"{path} is '{value}'; expected language tags (en-US) or locale:keyboard pairs (0409:00000409) separated by semicolons", reference: definition.PageUrl);
                    break;
            }

            if (definition.MaxLength is { } max && raw.Length > max)
            {
                var rule = isCommand ? LintRules.CommandTooLong : LintRules.ValueLength;
                Report(rule, element, $"{path} is {raw.Length} characters; the limit is {max}", reference: definition.PageUrl);
            }

            if (definition.ExactLength is { } exact && value.Length != exact)
            {
                Report(LintRules.ValueLength, element, $"{path} is {value.Length} characters; the reference gives {exact}", reference: definition.PageUrl);
            }

            if (isCommand && definition.Name == "Path" && RebootCommand().IsMatch(value))
            {
                Report(LintRules.CommandReboots, element, $"{path} restarts the machine itself; use WillReboot instead");
            }
        }

        private void CheckNumber(XElement element, SettingDefinition definition, string path, string value)
        {
            var isOrder = definition.Name == "Order";
            var rule = isOrder ? LintRules.OrderRange : LintRules.InvalidValue;
            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                Report(rule, element, $"{path} is '{value}'; it must be a whole number{Range(definition)}", reference: definition.PageUrl);
                return;
            }

            if ((definition.Min is { } min && number < min) || (definition.Max is { } max && number > max))
            {
                Report(rule, element, $"{path} is {number}; it must be{Range(definition)}", reference: definition.PageUrl);
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
                Report(LintRules.ComputerNameLength, element, $"{path} '{value}' is {bytes} bytes; the limit is {max}", reference: definition.PageUrl);
            }

            var forbidden = definition.Forbidden.Length > 0 ? definition.Forbidden : ForbiddenComputerNameCharacters;
            var bad = value.Where(c => forbidden.Contains(c, StringComparison.Ordinal)).Distinct().ToArray();
            if (bad.Length > 0)
            {
                var shown = string.Join(" ", bad.Select(c => c == ' ' ? "space" : c.ToString()));
                Report(LintRules.ComputerNameCharacters, element, $"{path} '{value}' contains forbidden characters: {shown}", reference: definition.PageUrl);
            }
            else if (value.All(char.IsAsciiDigit))
            {
                Report(LintRules.ComputerNameCharacters, element, $"{path} '{value}' is only digits; Windows rejects numeric names", reference: definition.PageUrl);
            }
        }

        private void CheckPassword(XElement group, SettingDefinition definition, string path)
        {
            var valueDefinition = definition.Children.Values.First(c => c.PasswordSuffix is not null);
            var valueElement = group.Element(UnattendNames.Unattend + valueDefinition.Name);
            var plainElement = group.Element(UnattendNames.Unattend + "PlainText");
            if (valueElement is null || TemplatePlaceholders.IsTemplated(valueElement.Value, literalExpected: true, options.Template))
            {
                return;
            }

            var plainText = plainElement is null || !plainElement.Value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);
            var value = valueElement.Value;
            if (plainText)
            {
                if (value.Length > 0)
                {
                    ReportClearText(LintRules.PlainTextPassword, valueElement, path, "it is stored in clear text");
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

        /// <summary>RU050/RU053: a warning, or an error in a file Setup caches. Never prints the password.</summary>
        private void ReportClearText(LintRule rule, XElement element, string path, string why)
        {
            var severity = cached ? Severity.Error : Severity.Warning;
            Report(rule, element, cached
                ? $"{path}: {why}, in a file Setup caches; anyone who can read the disk can read it"
                : $"{path}: {why}; Setup copies the file to %WINDIR%\\Panther where it stays readable",
                severity);
        }

        private void CheckComponentRules(ComponentSettings component, ConfigurationPass? pass)
        {
            var autoLogon = component.Find("AutoLogon");
            if (autoLogon is not null && component.Name == "Microsoft-Windows-Shell-Setup")
            {
                var enabled = autoLogon.Element(UnattendNames.Unattend + "Enabled")?.Value.Trim();
                var disabled = string.Equals(enabled, "false", StringComparison.OrdinalIgnoreCase);
                if (!disabled && autoLogon.Element(UnattendNames.Unattend + "LogonCount") is null && !TemplatePlaceholders.HasTemplateStatements(autoLogon))
                {
                    Report(LintRules.AutoLogonCount, autoLogon, "AutoLogon is enabled without LogonCount, which the reference says must be given with AutoLogon",
                        reference: SettingCatalog.ReferenceUrl + "microsoft-windows-shell-setup-autologon");
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
                if (string.Equals(force, "true", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "OOBE", StringComparison.OrdinalIgnoreCase))
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

        private void Report(LintRule rule, XObject node, string message, Severity? severity = null, string? reference = null) =>
            Findings.Add(new LintFinding(rule, severity ?? rule.DefaultSeverity, message, file.Path, AnswerFile.PositionOf(node), reference));

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
