using System.Globalization;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Explain;

/// <summary>What one line of an explanation describes.</summary>
public enum ExplainItemKind
{
    /// <summary>A setting Setup applies.</summary>
    Setting,

    /// <summary>A command Setup runs.</summary>
    Command,

    /// <summary>A command Setup cannot run (no Path or CommandLine): the pass fails.</summary>
    FailingCommand,
}

/// <summary>One setting applied or one command run in a pass.</summary>
public sealed record ExplainItem(ExplainItemKind Kind, string Component, string Path, string? Value, string? Detail, SourcePosition Position);

/// <summary>A pass that runs, with when it runs and what it does.</summary>
public sealed record ExplainStep(ConfigurationPass Pass, string When, IReadOnlyList<ExplainItem> Items, string? After);

/// <summary>Something in the file that will not take effect, and why.</summary>
public sealed record ExplainIgnored(string What, string Reason, SourcePosition Position);

/// <summary>
/// What Sysprep and Setup will do with an answer file for a given command line. <c>ArchitectureFromFile</c> is true
/// when the architecture was taken from the file (its only one) rather than given.
/// </summary>
public sealed record Explanation(SysprepSwitches Switches, string? File, string Architecture, IReadOnlyList<ExplainStep> Steps,
    IReadOnlyList<ExplainIgnored> Ignored, IReadOnlyList<string> Notes, bool ArchitectureFromFile = false);

/// <summary>
/// Plays an answer file against Sysprep's documented behaviour: which passes run for the switches, in what order, what
/// each applies and runs (commands in Order with their reboot rule), and what is ignored and why. Passwords are never shown.
/// </summary>
public sealed class AnswerFileExplainer(SettingCatalog? catalog = null)
{
    private readonly SettingCatalog _catalog = catalog ?? SettingCatalog.Default;

    /// <summary>
    /// Explains <paramref name="file"/> for <paramref name="switches"/> on an image of <paramref name="architecture"/>;
    /// without one, the file's architecture when all its components name the same one, else amd64.
    /// </summary>
    /// <exception cref="AnswerFileFormatException">The root is not <c>unattend</c> in the answer-file namespace.</exception>
    public Explanation Explain(AnswerFile file, SysprepSwitches switches, string? architecture = null, WindowsRelease? windows = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(switches);
        if (!file.HasUnattendRoot)
        {
            throw new AnswerFileFormatException(file.Path, AnswerFile.PositionOf(file.Root), AnswerFileErrorKind.Malformed,
                $"the root element is <{file.Root.Name.LocalName}> in '{file.Root.Name.NamespaceName}', not <unattend> in 'urn:schemas-microsoft-com:unattend'; this is not an answer file");
        }

        var fromFile = false;
        if (architecture is null)
        {
            var found = AnswerFileTargets.Architectures(file);
            fromFile = found.Count == 1;
            architecture = fromFile ? found[0] : "amd64";
        }

        windows ??= Lint.AnswerFileLinter.TargetOf(file).Release;
        var ignored = new List<ExplainIgnored>();
        var notes = new List<string>();
        var plan = PlanPasses(file, switches, notes);
        var steps = new List<ExplainStep>();
        foreach (var (pass, when, after) in plan)
        {
            steps.Add(new ExplainStep(pass, when, CollectItems(file, pass, architecture, windows, ignored), after));
        }

        var running = plan.Select(p => p.Pass).ToHashSet();
        foreach (var settings in file.Passes)
        {
            if (settings.Pass is not { } pass)
            {
                ignored.Add(new ExplainIgnored($"<settings pass=\"{settings.PassName}\">", "not a configuration pass; Setup cannot use it", AnswerFile.PositionOf(settings.Element)));
            }
            else if (!running.Contains(pass) && settings.Components.Any())
            {
                ignored.Add(new ExplainIgnored($"pass {pass.ToXmlName()}", WhyNotRun(pass, switches), AnswerFile.PositionOf(settings.Element)));
            }
        }

        foreach (var stray in file.Root.Descendants(UnattendNames.Component).Where(c => c.Parent?.Name != UnattendNames.Settings))
        {
            var where = stray.Parent is { } parent && parent != file.Root ? $"inside <{parent.Name.LocalName}>" : "directly under <unattend>";
            ignored.Add(new ExplainIgnored($"component {stray.Attribute("name")?.Value ?? "?"} {where}",
                "outside any <settings pass=\"...\">: Setup reads components only inside a pass, so none of its settings apply", AnswerFile.PositionOf(stray)));
        }

        if (file.Root.Element(UnattendNames.Servicing) is { } servicing)
        {
            ignored.Add(new ExplainIgnored("<servicing>", "packages are applied only in offlineServicing (Setup or DISM), never by Sysprep", AnswerFile.PositionOf(servicing)));
        }

        if (switches.Unattend is null)
        {
            notes.Add("No /unattend: switch: Setup looks for an answer file itself, and a cached %WINDIR%\\Panther\\unattend.xml wins over %WINDIR%\\System32\\Sysprep\\unattend.xml. Pass /unattend:<file> to be sure this file is used.");
        }

        var ordered = ignored.OrderBy(i => i.Position.Line).ThenBy(i => i.Position.Column).ToList();
        return new Explanation(switches, file.Path, architecture, steps, ordered, notes, fromFile);
    }

    private static List<(ConfigurationPass Pass, string When, string? After)> PlanPasses(AnswerFile file, SysprepSwitches switches, List<string> notes)
    {
        var plan = new List<(ConfigurationPass, string, string?)>();
        if (switches.Generalize)
        {
            plan.Add((ConfigurationPass.Generalize, "now, while Sysprep generalizes this machine (SID, computer name and event logs are removed)",
                ActionText(switches.Action)));
            plan.Add((ConfigurationPass.Specialize, "at the next boot: the first boot of each clone (new SID and computer name)", null));
        }
        else if (switches.Action != SysprepShutdownAction.None)
        {
            notes.Add("Without /generalize this machine keeps its SID and name: clones of it would share them. Cloud images need /generalize.");
        }

        if (switches.Oobe)
        {
            var when = switches.Generalize ? "right after specialize, before Windows Welcome" : "at the next boot, before Windows Welcome";
            plan.Add((ConfigurationPass.OobeSystem, when,
                "then %WINDIR%\\Setup\\Scripts\\SetupComplete.cmd runs as SYSTEM (launch agents start here), then the logon screen"));
            if (ResealMode(file, ConfigurationPass.OobeSystem) == "Audit")
            {
                notes.Add("Reseal Mode=Audit in oobeSystem restarts into audit mode after this pass, where auditSystem and auditUser run.");
                AddAudit(plan, "after Reseal Mode=Audit restarts into audit mode");
            }
        }
        else
        {
            AddAudit(plan, switches.Generalize ? "after specialize, in audit mode" : "at the next boot, in audit mode");
            if (ResealMode(file, ConfigurationPass.AuditUser) == "OOBE" || ResealMode(file, ConfigurationPass.AuditSystem) == "OOBE")
            {
                notes.Add("Reseal Mode=OOBE in an audit pass restarts into Windows Welcome afterwards, where oobeSystem runs.");
                plan.Add((ConfigurationPass.OobeSystem, "after Reseal Mode=OOBE restarts into Windows Welcome", null));
            }
        }

        return plan;

        static void AddAudit(List<(ConfigurationPass, string, string?)> plan, string when)
        {
            plan.Add((ConfigurationPass.AuditSystem, when + ", as SYSTEM before logon", null));
            plan.Add((ConfigurationPass.AuditUser, "after the built-in Administrator logs on in audit mode", null));
        }
    }

    private static string? ResealMode(AnswerFile file, ConfigurationPass pass) =>
        file.Passes.Where(p => p.Pass == pass)
            .SelectMany(p => p.Components)
            .Where(c => c.Name == "Microsoft-Windows-Deployment")
            .Select(c => c.Find("Reseal/Mode")?.Value.Trim())
            .FirstOrDefault(v => v is not null);

    private static string? ActionText(SysprepShutdownAction action) => action switch
    {
        SysprepShutdownAction.Shutdown => "then Sysprep shuts the machine down: capture the image from the stopped machine",
        SysprepShutdownAction.Reboot => "then Sysprep restarts this machine at once, so this machine itself goes through specialize: do not use /reboot on a machine you still have to capture",
        SysprepShutdownAction.Quit => "then Sysprep exits and leaves the machine running: shut it down before capturing, and do not restart it (it would specialize itself)",
        _ => "then Sysprep exits and leaves the machine running (no /shutdown, /reboot or /quit)",
    };

    private static string WhyNotRun(ConfigurationPass pass, SysprepSwitches switches) => pass switch
    {
        ConfigurationPass.WindowsPE => "runs only when Setup starts from installation media, never after Sysprep",
        ConfigurationPass.OfflineServicing => "runs only when an image is applied (Setup, or DISM /Apply-Unattend), never after Sysprep",
        ConfigurationPass.Generalize => "runs only with /generalize",
        ConfigurationPass.Specialize => "runs only on the boot after /generalize",
        ConfigurationPass.AuditSystem or ConfigurationPass.AuditUser => "runs only with /audit or after Reseal Mode=Audit",
        ConfigurationPass.OobeSystem => "runs only with /oobe or after Reseal Mode=OOBE",
        _ => $"not run by {switches}",
    };

    private List<ExplainItem> CollectItems(AnswerFile file, ConfigurationPass pass, string architecture, WindowsRelease windows, List<ExplainIgnored> ignored)
    {
        var items = new List<ExplainItem>();
        foreach (var component in file.Passes.Where(p => p.Pass == pass).SelectMany(p => p.Components))
        {
            var name = component.Name ?? "?";
            var arch = component.ProcessorArchitecture;
            var label = $"{name} ({arch ?? "no architecture"})";
            var templated = arch is not null && Lint.TemplatePlaceholders.IsTemplated(arch, literalExpected: true, forced: false);
            if (!templated && !AnswerFileTargets.Applies(arch, architecture))
            {
                ignored.Add(new ExplainIgnored($"{label} in {pass.ToXmlName()}",
                    $"applies only to {arch ?? "?"} images; this explanation is for {architecture} (use --arch)", AnswerFile.PositionOf(component.Element)));
                continue;
            }

            var definition = _catalog.Find(name);
            if (definition is not null && definition.Lifecycle.IsRemovedOn(windows))
            {
                ignored.Add(new ExplainIgnored($"{label} in {pass.ToXmlName()}",
                    $"removed from Windows before {windows}: Setup reports that the component does not exist", AnswerFile.PositionOf(component.Element)));
                continue;
            }

            if (definition is not null && definition.PassesKnown && !definition.Passes.Contains(pass))
            {
                ignored.Add(new ExplainIgnored($"{label} in {pass.ToXmlName()}",
                    $"this component is not valid in {pass.ToXmlName()}", AnswerFile.PositionOf(component.Element)));
                continue;
            }

            new Walker(pass, label, windows, items, ignored).Walk(component.Element, definition?.Settings, string.Empty, known: definition is not null);
        }

        return items;
    }

    /// <summary>Walks a component's settings into items, commands and ignored entries.</summary>
    private sealed class Walker(ConfigurationPass pass, string component, WindowsRelease windows, List<ExplainItem> items, List<ExplainIgnored> ignored)
    {
        public void Walk(XElement parent, IReadOnlyDictionary<string, SettingDefinition>? definitions, string prefix, bool known)
        {
            foreach (var element in parent.Elements().Where(e => e.Name.Namespace == UnattendNames.Unattend))
            {
                var name = element.Name.LocalName;
                var path = prefix + name;
                SettingDefinition? definition = null;
                definitions?.TryGetValue(name, out definition);
                if (definition is not null && definition.PassesKnown && !definition.Passes.Contains(pass))
                {
                    ignored.Add(new ExplainIgnored($"{component}/{path}",
                        $"not valid in {pass.ToXmlName()} (valid in {string.Join(", ", definition.Passes.Order().Select(p => p.ToXmlName()))})",
                        AnswerFile.PositionOf(element)));
                    continue;
                }

                if (definition is not null && definition.Lifecycle.IsRemovedOn(windows))
                {
                    ignored.Add(new ExplainIgnored($"{component}/{path}", $"removed from Windows before {windows}: Setup reports that the setting does not exist", AnswerFile.PositionOf(element)));
                    continue;
                }

                if (definition is not null && definition.Lifecycle.IsNewerThan(windows))
                {
                    ignored.Add(new ExplainIgnored($"{component}/{path}", $"{windows} does not have this setting yet: Setup reports that it does not exist", AnswerFile.PositionOf(element)));
                    continue;
                }

                if (definition is { Kind: SettingKind.List } list && CommandItem(list) is { } item)
                {
                    AddCommands(element, list, item, path);
                    continue;
                }

                var deprecated = definition is not null && definition.Lifecycle.IsDeprecatedOn(windows)
                    ? $"deprecated for {windows}: Microsoft says not to rely on it" : null;
                var label = definition?.IsListItem == true || element.Attribute(UnattendNames.WcmAction) is not null
                    ? $"{path}[{KeyOf(element, definition)}]"
                    : path;
                if (definition is not null && AnswerFilePasswords.Holding(definition) == PasswordHolding.Obfuscatable)
                {
                    items.Add(Setting(label, DescribePassword(element, definition.Children.Values.First(c => c.PasswordSuffix is not null)), null, element));
                    continue;
                }

                if (element.HasElements)
                {
                    Walk(element, definition?.Open == true ? null : definition?.Children, label + "/", known && definition is not null);
                    continue;
                }

                var value = element.Value.Trim();
                if (definition is not null && AnswerFilePasswords.Holding(definition) == PasswordHolding.ClearTextOnly)
                {
                    value = value.Length == 0 ? "(empty)" : "(hidden; stored in CLEAR TEXT in the file: Windows has no obfuscated form for it)";
                }
                else if (definition is null && name.EndsWith("Password", StringComparison.Ordinal) && value.Length > 0)
                {
                    value = "(hidden)";
                }

                var detail = deprecated ?? (definition is null && known ? "not in Microsoft's reference: applied if the image has it" : null);
                items.Add(Setting(label, value, detail, element));
            }
        }

        private ExplainItem Setting(string path, string? value, string? detail, XElement element) =>
            new(ExplainItemKind.Setting, component, path, value, detail, AnswerFile.PositionOf(element));

        private static string? KeyOf(XElement item, SettingDefinition? definition) =>
            item.Attribute(UnattendNames.WcmKeyValue)?.Value
            ?? (definition?.Key is { } key && !key.StartsWith('@') ? item.Element(UnattendNames.Unattend + key)?.Value.Trim() : null);

        /// <summary>The item of a command list: RunSynchronous, RunAsynchronous, FirstLogonCommands, LogonCommands.</summary>
        private static SettingDefinition? CommandItem(SettingDefinition list) =>
            list.Children.Values.FirstOrDefault(i => i.IsListItem && i.Children.ContainsKey("Order")
                && (i.Children.ContainsKey("Path") || i.Children.ContainsKey("CommandLine")));

        private void AddCommands(XElement list, SettingDefinition definition, SettingDefinition item, string path)
        {
            var field = item.Children.ContainsKey("Path") ? "Path" : "CommandLine";
            var commands = list.Elements(UnattendNames.Unattend + item.Name)
                .Select(i => (Item: i, Order: int.TryParse(i.Element(UnattendNames.Unattend + "Order")?.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : int.MaxValue))
                .OrderBy(c => c.Order);
            foreach (var (command, order) in commands)
            {
                var run = command.Element(UnattendNames.Unattend + field)?.Value.Trim();
                var description = command.Element(UnattendNames.Unattend + "Description")?.Value.Trim();
                var label = order == int.MaxValue ? "?" : order.ToString(CultureInfo.InvariantCulture);
                if (string.IsNullOrEmpty(run))
                {
                    items.Add(new ExplainItem(ExplainItemKind.FailingCommand, component, $"{path} #{label}", null,
                        $"no {field}: nothing to run, and the reference does not allow an empty {field}, so Setup fails this pass", AnswerFile.PositionOf(command)));
                    continue;
                }

                var detail = definition.Name switch
                {
                    "RunSynchronous" => $"{(pass == ConfigurationPass.AuditUser ? "as the logged-on Administrator" : "as SYSTEM")}, waits for it; {RebootRule(command.Element(UnattendNames.Unattend + "WillReboot")?.Value.Trim())}",
                    "RunAsynchronous" => $"{(pass == ConfigurationPass.AuditUser ? "as the logged-on Administrator" : "as SYSTEM")}, does not wait for it",
                    "FirstLogonCommands" => "when the first user logs on; on Windows 10 and later these start together, not one after another",
                    "LogonCommands" => "at every logon of a user, without waiting, without admin rights",
                    _ => null,
                };
                if (!string.IsNullOrEmpty(description))
                {
                    detail = $"{description} — {detail}";
                }

                items.Add(new ExplainItem(ExplainItemKind.Command, component, $"{path} #{label}", run, detail, AnswerFile.PositionOf(command)));
            }
        }
    }

    /// <summary>The documented meaning of a RunSynchronous exit code under each WillReboot value.</summary>
    public static string RebootRule(string? willReboot) => willReboot switch
    {
        "Always" => "WillReboot Always: restarts after it whatever the exit code; a non-zero code is marked failed but is not fatal",
        "OnRequest" => "WillReboot OnRequest: exit 0 = done; 1 = done, restart, then the next command; 2 = restart and run this command again; any other code is a fatal Setup error",
        null or "" or "Never" => "WillReboot Never: no restart; a non-zero exit code is marked failed but is not fatal",
        var other => $"WillReboot '{other}' is not valid (Always, OnRequest, Never): Setup rejects the file",
    };

    private static string DescribePassword(XElement group, SettingDefinition valueDefinition)
    {
        var value = group.Element(UnattendNames.Unattend + valueDefinition.Name)?.Value ?? string.Empty;
        var plain = group.Element(UnattendNames.Unattend + "PlainText")?.Value.Trim();
        if (value.Length == 0)
        {
            return "(empty: a blank password)";
        }

        if (!string.Equals(plain, "false", StringComparison.OrdinalIgnoreCase))
        {
            return "(hidden; stored in CLEAR TEXT in the file)";
        }

        var decoded = UnattendPassword.Decode(value, AnswerFilePasswords.FieldOf(valueDefinition));
        return decoded.Success ? "(hidden; obfuscated, decodes correctly)" : $"(obfuscated but broken: {decoded.Message})";
    }
}
