namespace Reseal.Cloud.Passwords;

/// <summary>The outcome of a Windows complexity check; <see cref="Problem"/> is null when the password passes.</summary>
public readonly record struct ComplexityResult(bool Passes, int CharacterClasses, string? Problem);

/// <summary>
/// Windows' "Password must meet complexity requirements" (protocols.md §4): at least 3 of upper case, lower case,
/// digits, symbols and other Unicode letters, and no account name (3+ characters) inside it, case-insensitively.
/// Upper and lower case are Unicode's (<c>Ä</c>, <c>Ω</c>, <c>Ж</c> are upper case); "other letters" are letters that
/// are neither.
/// </summary>
public static class PasswordComplexity
{
    /// <summary>The symbols Windows counts as a class.</summary>
    public const string WindowsSymbols = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";

    /// <summary>Checks a password against Windows complexity and a minimum length.</summary>
    public static ComplexityResult Check(ClearTextPassword password, string? userName = null, int minimumLength = 8,
        int requiredClasses = 3)
    {
        ArgumentNullException.ThrowIfNull(password);
        var value = password.Reveal();
        var classes = CountClasses(value);
        if (value.Length < minimumLength)
        {
            return new ComplexityResult(false, classes, $"it has {value.Length} characters; at least {minimumLength} are required");
        }

        if (classes < requiredClasses)
        {
            return new ComplexityResult(false, classes,
                $"it uses {classes} character classes; at least {requiredClasses} of upper case, lower case, digits, symbols and other letters are required");
        }

        if (userName is { Length: >= 3 } && value.Contains(userName, StringComparison.OrdinalIgnoreCase))
        {
            return new ComplexityResult(false, classes, "it contains the account name");
        }

        return new ComplexityResult(true, classes, null);
    }

    /// <summary>How many of the five Windows character classes occur in the text.</summary>
    public static int CountClasses(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool upper = false, lower = false, digit = false, symbol = false, other = false;
        foreach (var c in text)
        {
            // Windows' passfilt counts upper and lower case of every script (accented Latin, Greek, Cyrillic…), and
            // only letters with no case (CJK, Arabic, Hebrew…) as "other letters".
            if (char.IsUpper(c))
            {
                upper = true;
            }
            else if (char.IsLower(c))
            {
                lower = true;
            }
            else if (c is >= '0' and <= '9')
            {
                digit = true;
            }
            else if (WindowsSymbols.Contains(c, StringComparison.Ordinal))
            {
                symbol = true;
            }
            else if (char.IsLetter(c))
            {
                other = true;
            }
        }

        return (upper ? 1 : 0) + (lower ? 1 : 0) + (digit ? 1 : 0) + (symbol ? 1 : 0) + (other ? 1 : 0);
    }
}
