using Reseal.Sysprep.Inspection;
using Reseal.Sysprep.Seal;

namespace Reseal.Cli.Rendering;

/// <summary>
/// The one-line verdict <c>reseal inspect</c> and <c>reseal seal --dry-run</c> end their text with and put in their
/// JSON as <c>summary</c>. Both reports count errors and warnings the same way, so one piece words them.
/// </summary>
internal static class ReportSummary
{
    /// <summary>The preflight's verdict.</summary>
    public static string Of(SealReport report) => Words(
        report.Readiness == SealReadiness.NotWindows ? SealReport.NotWindowsSummary : null,
        report.Readiness == SealReadiness.Forced,
        report.Checks.Count(c => c.Severity == CheckSeverity.Error),
        report.Checks.Count(c => c.Severity == CheckSeverity.Warning),
        " (--force to seal anyway)");

    /// <summary>The inspection's verdict.</summary>
    public static string Of(InspectionReport report) => Words(
        report.Readiness == Readiness.Unreadable ? "UNREADABLE: not a Windows tree, or its SYSTEM and SOFTWARE hives cannot be read" : null,
        forced: false,
        report.Findings.Count(f => f.Severity == FindingSeverity.Error),
        report.Findings.Count(f => f.Severity == FindingSeverity.Warning),
        "");

    /// <summary>
    /// The wording: <paramref name="unreadable"/> when the tree could not be judged, else ready with no error, forced
    /// past errors, or not ready (followed by <paramref name="notReadyHint"/>).
    /// </summary>
    private static string Words(string? unreadable, bool forced, int errors, int warnings, string notReadyHint) =>
        unreadable
        ?? (errors == 0 ? $"READY to seal ({Count(warnings, "warning")})"
            : forced ? $"FORCED: {Count(errors, "error")} ignored (--force), {Count(warnings, "warning")}"
            : $"NOT READY to seal: {Count(errors, "error")}, {Count(warnings, "warning")}{notReadyHint}");

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
