using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Lint;

public sealed partial class AnswerFileLinter
{
    /// <summary>Value rules: text, numbers, computer names, clear-text passwords.</summary>
    private sealed partial class Run
    {
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

        private static string Range(SettingDefinition definition) => (definition.Min, definition.Max) switch
        {
            ({ } min, { } max) => $" from {min} to {max}",
            ({ } min, null) => $" of at least {min}",
            (null, { } max) => $" of at most {max}",
            _ => string.Empty,
        };
    }
}
