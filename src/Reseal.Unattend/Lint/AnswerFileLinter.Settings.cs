using System.Globalization;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Lint;


public sealed partial class AnswerFileLinter
{
    /// <summary>One setting and one list item against its catalog definition.</summary>
    private sealed partial class Run
    {
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
    }
}
