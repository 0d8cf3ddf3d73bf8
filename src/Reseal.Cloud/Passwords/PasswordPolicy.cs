namespace Reseal.Cloud.Passwords;

/// <summary>
/// How random passwords are made: length, alphabet and how many of Windows' four ASCII character classes (upper,
/// lower, digit, symbol) each password must contain. Windows complexity asks for 3 of them (protocols.md §4); the
/// default asks for all 4.
/// </summary>
public sealed record PasswordPolicy
{
    /// <summary>Default length; cloudbase-init uses 20, GCE at least 15.</summary>
    public const int DefaultLength = 24;

    /// <summary>Shortest length accepted.</summary>
    public const int MinimumLength = 12;

    /// <summary>
    /// Symbols used by default: Windows' specials without quotes, backquote, backslash and space, which break when a
    /// password passes through cmd, PowerShell or JSON by hand.
    /// </summary>
    public const string DefaultSymbols = "~!@#$%^&*_-+=|(){}[]:;<>,.?/";

    /// <summary>Upper case, lower case, digits and <see cref="DefaultSymbols"/>.</summary>
    public const string DefaultAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + DefaultSymbols;

    private PasswordPolicy(int length, string alphabet, int requiredClasses)
    {
        Length = length;
        Alphabet = alphabet;
        RequiredClasses = requiredClasses;
    }

    /// <summary>24 characters from <see cref="DefaultAlphabet"/>, all four classes present.</summary>
    public static PasswordPolicy Default { get; } = new(DefaultLength, DefaultAlphabet, 4);

    /// <summary>Characters per password.</summary>
    public int Length { get; }

    /// <summary>The characters a password is drawn from (distinct, printable ASCII).</summary>
    public string Alphabet { get; }

    /// <summary>How many of the four character classes every password contains (3 or 4).</summary>
    public int RequiredClasses { get; }

    /// <summary>A policy, validated.</summary>
    /// <exception cref="ArgumentException">The length is out of range, or the alphabet has spaces, non-ASCII or
    /// repeated characters, or fewer classes than required.</exception>
    public static PasswordPolicy Create(int length = DefaultLength, string? alphabet = null, int requiredClasses = 4)
    {
        if (length is < MinimumLength or > ClearTextPassword.MaximumLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"password length must be {MinimumLength}..{ClearTextPassword.MaximumLength}");
        }

        if (requiredClasses is < 3 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(requiredClasses), requiredClasses,
                "Windows complexity needs 3 of the 4 character classes; ask for 3 or 4");
        }

        alphabet ??= DefaultAlphabet;
        var seen = new HashSet<char>();
        foreach (var c in alphabet)
        {
            if (c is < '!' or > '~')
            {
                throw new ArgumentException(
                    $"the alphabet may hold only printable ASCII without space; U+{(int)c:X4} is not", nameof(alphabet));
            }

            if (!seen.Add(c))
            {
                throw new ArgumentException($"the alphabet repeats '{c}', which would bias the passwords", nameof(alphabet));
            }
        }

        var classes = PasswordComplexity.CountClasses(alphabet);
        if (classes < requiredClasses)
        {
            throw new ArgumentException(
                $"the alphabet covers {classes} character classes but {requiredClasses} are required", nameof(alphabet));
        }

        if (length < requiredClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "the length cannot hold every required class");
        }

        return new PasswordPolicy(length, alphabet, requiredClasses);
    }
}
