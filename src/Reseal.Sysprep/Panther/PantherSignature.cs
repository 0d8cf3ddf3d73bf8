using System.Text.RegularExpressions;

namespace Reseal.Sysprep.Panther;

/// <summary>How bad a known log message is.</summary>
public enum SignatureSeverity
{
    /// <summary>Worth knowing; nothing failed because of it.</summary>
    Info,

    /// <summary>Something is off and may explain a failure (or is usually harmless noise).</summary>
    Warning,

    /// <summary>A step failed; Sysprep or Setup may or may not have stopped because of it.</summary>
    Error,

    /// <summary>Sysprep or Setup stops (or refuses to start) because of it.</summary>
    Fatal,
}

/// <summary>
/// A known Sysprep / Setup log message: how to recognise it, what it means and what to do.
/// </summary>
/// <param name="Id">Stable id (<c>SD001</c>...). <c>SD001</c>–<c>SD018</c> are the rows of answerfiles.md §5 in order.</param>
/// <param name="Title">A short name.</param>
/// <param name="Pattern">A .NET regular expression (case-insensitive) matched against the message; named groups become
/// <see cref="SignatureMatch.Variables"/>.</param>
/// <param name="Anchors">Literal substrings (case-insensitive) one of which every matching line contains; a cheap filter
/// run before the expression.</param>
/// <param name="Severity">How bad it is.</param>
/// <param name="Cause">Why it happens.</param>
/// <param name="Fix">What to do; <c>{name}</c> is replaced with the variable of that name when the match has it.</param>
/// <param name="Source">Where this is documented or reported.</param>
public sealed record PantherSignature(
    string Id,
    string Title,
    string Pattern,
    IReadOnlyList<string> Anchors,
    SignatureSeverity Severity,
    string Cause,
    string Fix,
    string Source)
{
    // Interpreted, not compiled: only lines that contain an anchor reach it, and compiling 30 patterns would slow CLI start-up.
    private Regex? _regex;

    /// <summary>Usually logged next to the real error and harmless by itself (it is the root cause only when nothing else is).</summary>
    public bool IsNoise { get; init; }

    /// <summary>A summary line (e.g. "Hit failure while ..."): it says that something failed, and the detailed lines say what.</summary>
    public bool IsSummary { get; init; }

    /// <summary>A catch-all for a family (e.g. any LaunchDll failure); dropped for a line a more specific signature matches.</summary>
    public bool IsGeneric { get; init; }

    /// <summary>
    /// The ids of signatures that explain this one in more detail (for summaries, and for lines like SD003 that a
    /// package line, SD001, explains); when one of them was found in the same run it is preferred as the root cause.
    /// </summary>
    public IReadOnlyList<string> PointsTo { get; init; } = [];

    internal Regex Regex => _regex ??= new Regex(Pattern,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>Matches one message; null when it does not match.</summary>
    public SignatureMatch? Match(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        System.Text.RegularExpressions.Match m;
        try
        {
            m = Regex.Match(message);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }

        if (!m.Success)
        {
            return null;
        }

        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in m.Groups.Values)
        {
            if (group.Success && !int.TryParse(group.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                variables[group.Name] = group.Value.Trim();
            }
        }

        return new SignatureMatch(this, variables);
    }

    /// <summary>The fix with <c>{name}</c> placeholders replaced by the variables that are known.</summary>
    public string RenderFix(IReadOnlyDictionary<string, string> variables) => Render(Fix, variables);

    /// <summary>The cause with <c>{name}</c> placeholders replaced by the variables that are known.</summary>
    public string RenderCause(IReadOnlyDictionary<string, string> variables) => Render(Cause, variables);

    private static string Render(string template, IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        foreach (var (name, value) in variables)
        {
            template = template.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return template;
    }
}

/// <summary>A signature that matched one line, and the values it extracted (package name, hr code, pass, file...).</summary>
public sealed record SignatureMatch(PantherSignature Signature, IReadOnlyDictionary<string, string> Variables);
