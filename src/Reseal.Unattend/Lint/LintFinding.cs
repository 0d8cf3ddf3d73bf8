using Reseal.Unattend.Model;

namespace Reseal.Unattend.Lint;

/// <summary>One problem found in one file.</summary>
public sealed record LintFinding(LintRule Rule, Severity Severity, string Message, string? File, SourcePosition Position)
{
    /// <summary><c>file:line:col: severity CODE: message</c>, the form editors and CI logs understand.</summary>
    public override string ToString() => $"{Where}: {Severity.ToString().ToLowerInvariant()} {Rule.Id}: {Message}";

    /// <summary><c>file:line:col</c>, or just the file when the position is unknown.</summary>
    public string Where => Position.IsKnown ? $"{File ?? "<input>"}:{Position.Line}:{Position.Column}" : File ?? "<input>";
}

/// <summary>The findings for one file, and whether it could be read at all.</summary>
public sealed record LintReport(string? File, IReadOnlyList<LintFinding> Findings, bool Readable)
{
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

    public static LintOptions Default { get; } = new();
}
