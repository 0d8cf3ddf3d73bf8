using System.Text.RegularExpressions;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Editing;

/// <summary>Which settings are passwords, for editing (through the one classification lint and explain use).</summary>
public static class PasswordTargets
{
    /// <summary>A <c>Value</c>/<c>PlainText</c> group Windows reads obfuscated.</summary>
    public static bool IsObfuscatableGroup(SettingDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return AnswerFilePasswords.Holding(definition) == PasswordHolding.Obfuscatable;
    }

    /// <summary>A password value: an obfuscatable group's <c>Value</c> or a clear-text-only credential.</summary>
    public static bool IsPassword(SettingDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.PasswordSuffix is not null || AnswerFilePasswords.Holding(definition) == PasswordHolding.ClearTextOnly;
    }
}

/// <summary>What an edit added to a file's lint findings.</summary>
public static partial class LintDelta
{
    /// <summary>
    /// Findings of <paramref name="after"/> that <paramref name="before"/> does not have, compared by rule and message
    /// (positions move when lines are added, and "first at line N" with them).
    /// </summary>
    public static IReadOnlyList<LintFinding> Added(IReadOnlyList<LintFinding> before, IReadOnlyList<LintFinding> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var remaining = before.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var added = new List<LintFinding>();
        foreach (var finding in after)
        {
            var key = Key(finding);
            if (remaining.TryGetValue(key, out var count) && count > 0)
            {
                remaining[key] = count - 1;
            }
            else
            {
                added.Add(finding);
            }
        }

        return added;
    }

    private static string Key(LintFinding finding) => finding.Rule.Id + "\0" + LineNumbers().Replace(finding.Message, "line N");

    [GeneratedRegex(@"line \d+")]
    private static partial Regex LineNumbers();
}
