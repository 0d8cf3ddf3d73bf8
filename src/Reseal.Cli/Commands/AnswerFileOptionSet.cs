using System.CommandLine;
using Reseal.Cloud.Passwords;
using Reseal.Unattend.Profiles;

namespace Reseal.Cli.Commands;

/// <summary>
/// The answer-file options <c>unattend new</c> and <c>seal</c> share (<c>--locale</c>, <c>--time-zone</c>,
/// <c>--copy-profile</c>, <c>--skip-rearm</c>), checked the same way for both, and the administrator password prompt.
/// </summary>
internal sealed class AnswerFileOptionSet
{
    public Option<string?> Locale { get; } = new("--locale") { Description = "Input, system, UI and user locale, e.g. en-US (profile default: en-US).", HelpName = "tag" };

    public Option<string?> TimeZone { get; } = new("--time-zone") { Description = "Windows time zone name, e.g. UTC or \"Pacific Standard Time\" (profile default: UTC).", HelpName = "name" };

    public Option<bool?> CopyProfile { get; } = new("--copy-profile") { Description = "Copy the Administrator's profile to the default profile (true/false; profile default).", HelpName = "true|false" };

    public Option<bool> SkipRearm { get; } = new("--skip-rearm") { Description = "Keep the licensing state (Security-SPP SkipRearm=1) instead of using a rearm." };

    /// <summary>The options, in help order.</summary>
    public IEnumerable<Option> All => [Locale, TimeZone, CopyProfile, SkipRearm];

    /// <summary><paramref name="options"/> with what the command line gives (each value checked; a bad one is a usage error).</summary>
    public ProfileOptions Apply(ParseResult parse, ProfileOptions options) => options with
    {
        Locale = CheckLocale(parse.GetValue(Locale)) ?? options.Locale,
        TimeZone = CheckTimeZone(parse.GetValue(TimeZone)) ?? options.TimeZone,
        CopyProfile = parse.GetValue(CopyProfile) ?? options.CopyProfile,
        SkipRearm = parse.GetValue(SkipRearm) || options.SkipRearm,
    };

    /// <summary>--time-zone: a Windows time zone name (the registry's Time Zones keys), in the registry's spelling.</summary>
    private static string? CheckTimeZone(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (WindowsTimeZones.Canonical(value) is { } canonical)
        {
            return canonical;
        }

        var near = WindowsTimeZones.Suggestions(value);
        throw new UsageException($"--time-zone '{value}' is not a Windows time zone name" +
            (near.Count > 0 ? $"; did you mean {string.Join(", ", near.Select(n => $"'{n}'"))}?" : string.Empty) +
            " Names are those 'tzutil /l' lists (UTC, Pacific Standard Time, W. Europe Standard Time...), optionally ending in _dstoff.");
    }

    /// <summary>--locale: a language tag as the International-Core pages describe it (language-region).</summary>
    private static string? CheckLocale(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        var parts = trimmed.Split('-');
        var valid = parts.Length is >= 2 and <= 4 && parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 2 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
        return valid
            ? trimmed
            : throw new UsageException($"--locale '{value}' is not a language tag in the form language-region, such as en-US, de-DE or sr-Latn-RS");
    }

    /// <summary>
    /// A given Administrator password: asked twice on a terminal (a typo would lock the image), read once from redirected
    /// input, and refused unless it meets Windows' complexity rules (which Windows enforces when it is set).
    /// </summary>
    public static string ReadAdministratorPassword(CliContext context, string what)
    {
        var secret = context.ReadSecret("Administrator password: ");
        if (secret.Length == 0)
        {
            throw new BadInputException($"the {what} Administrator password is empty");
        }

        if (!context.InputRedirected && context.ReadSecret("Again: ") != secret)
        {
            throw new BadInputException("the two passwords differ; nothing was written");
        }

        var complexity = PasswordComplexity.Check(ClearTextPassword.FromString(secret), "Administrator");
        if (!complexity.Passes)
        {
            throw new BadInputException($"the {what} Administrator password does not meet Windows complexity rules: {complexity.Problem}");
        }

        return secret;
    }
}
