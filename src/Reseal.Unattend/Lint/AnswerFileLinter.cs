using System.Text.RegularExpressions;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;

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
    private sealed partial class Run(AnswerFileLinter owner, AnswerFile file, LintOptions options, bool cached, WindowsRelease windows)
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

        private void Report(LintRule rule, XObject node, string message, Severity? severity = null, string? reference = null) =>
            Findings.Add(new LintFinding(rule, severity ?? rule.DefaultSeverity, message, file.Path, AnswerFile.PositionOf(node), reference));

        private static string Passes(IEnumerable<ConfigurationPass> passes) =>
            string.Join(", ", passes.Order().Select(p => p.ToXmlName()));
    }
}
