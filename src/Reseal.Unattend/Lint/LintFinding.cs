using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Lint;

/// <summary>One problem found in one file; <c>Reference</c> is the page of Microsoft's reference it rests on, or null.</summary>
public sealed record LintFinding(LintRule Rule, Severity Severity, string Message, string? File, SourcePosition Position, string? Reference = null)
{
    /// <summary><c>file:line:col: severity CODE: message</c>, the form editors and CI logs understand.</summary>
    public override string ToString() => $"{Where}: {Severity.ToString().ToLowerInvariant()} {Rule.Id}: {Message}";

    /// <summary><c>file:line:col</c>, or just the file when the position is unknown.</summary>
    public string Where => Position.IsKnown ? $"{File ?? "<input>"}:{Position.Line}:{Position.Column}" : File ?? "<input>";
}

/// <summary>Where the Windows release a file was checked against came from.</summary>
public enum WindowsReleaseSource
{
    /// <summary>Given by the caller (<c>--windows</c>).</summary>
    Option,

    /// <summary>Named by the file's <c>cpi:offlineImage</c> (the image WSIM validated against).</summary>
    OfflineImage,

    /// <summary>Nothing said: the newest release.</summary>
    Newest,
}

/// <summary>The findings for one file, and whether it could be read at all.</summary>
public sealed record LintReport(string? File, IReadOnlyList<LintFinding> Findings, bool Readable)
{
    /// <summary>The Windows release the file was checked against (null when it could not be read).</summary>
    public WindowsRelease? Windows { get; init; }

    public WindowsReleaseSource WindowsSource { get; init; }

    public int Count(Severity severity) => Findings.Count(f => f.Severity == severity);

    /// <summary>True when any finding is at or above <paramref name="threshold"/>.</summary>
    public bool HasFindingsAtOrAbove(Severity threshold) => Findings.Any(f => f.Severity >= threshold);
}

/// <summary>Options for a lint run.</summary>
public sealed record LintOptions
{
    /// <summary>
    /// Treat the file as one Setup caches (clear-text passwords become errors). Null: decide from the path
    /// (a folder named Panther, as in <c>%WINDIR%\Panther\unattend.xml</c>).
    /// </summary>
    public bool? Cached { get; init; }

    /// <summary>The Windows release to check against. Null: the one <c>cpi:offlineImage</c> names, else the newest.</summary>
    public WindowsRelease? Windows { get; init; }

    /// <summary>The image's processor architecture (amd64, arm64, x86): components for others are reported. Null: not checked.</summary>
    public string? Architecture { get; init; }

    /// <summary>
    /// The file is a template: placeholders in free text and commands (<c>%VAR%</c>, <c>{Var}</c>) count too. Otherwise
    /// only unambiguous placeholders, and placeholders where a literal is expected, are recognised.
    /// </summary>
    public bool Template { get; init; }

    public static LintOptions Default { get; } = new();
}
