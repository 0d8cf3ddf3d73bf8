using System.Globalization;

namespace Reseal.Sysprep.Panther;

/// <summary>One log line quoted as evidence.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Timestamp">The timestamp as written, or null.</param>
/// <param name="Text">The line as written.</param>
public sealed record LogEvidence(string File, long Line, string? Timestamp, string Text)
{
    /// <summary>The evidence of a record.</summary>
    public static LogEvidence From(PantherLogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new LogEvidence(record.File, record.LineNumber, record.Timestamp, record.RawText);
    }

    /// <summary><c>file:line</c>.</summary>
    public string Location => File + ":" + Line.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string ToString() => Location + ": " + Text;
}

/// <summary>A known signature found in the logs, with its evidence.</summary>
/// <param name="Signature">What was recognised.</param>
/// <param name="Variables">Values taken from the line (package, hr, pass, answerFile, line, column...).</param>
/// <param name="Cause">The cause with the variables filled in.</param>
/// <param name="Fix">The fix with the variables filled in.</param>
/// <param name="Occurrences">How many lines matched (setupact.log and setuperr.log copies of one line count once).</param>
/// <param name="Evidence">Matching lines in reading order: the first nine and the latest (at most 10).</param>
/// <param name="InLatestRun">Logged during or after the latest Sysprep run (true when there are no run markers).</param>
/// <param name="LastTimestamp">The timestamp of the latest occurrence, or null.</param>
public sealed record DiagnosisFinding(
    PantherSignature Signature,
    IReadOnlyDictionary<string, string> Variables,
    string Cause,
    string Fix,
    int Occurrences,
    IReadOnlyList<LogEvidence> Evidence,
    bool InLatestRun,
    string? LastTimestamp)
{
    /// <summary>The signature id.</summary>
    public string Id => Signature.Id;
}

/// <summary>Error lines no signature knows, grouped by their text with numbers, GUIDs and paths masked.</summary>
/// <param name="Pattern">The component and masked text (<c>SYSPRP Foo failed for Vendor&lt;n&gt;; hr = &lt;hex&gt;</c>).</param>
/// <param name="Count">How many lines.</param>
/// <param name="First">The first line.</param>
/// <param name="Last">The last line.</param>
/// <param name="InLatestRun">The last line was logged during or after the latest Sysprep run.</param>
public sealed record UnknownErrorGroup(string Pattern, int Count, LogEvidence First, LogEvidence Last, bool InLatestRun);

/// <summary>A log file that was read.</summary>
/// <param name="Path">The file.</param>
/// <param name="Encoding">The encoding it was read with.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="BytesRead">How many bytes were parsed (less than the size when only the end was read).</param>
/// <param name="Lines">The last line number read.</param>
/// <param name="Note">What was skipped or odd, or null.</param>
public sealed record LogSource(string Path, string Encoding, long Length, long BytesRead, long Lines, string? Note);

/// <summary>A path that could not be used, and why.</summary>
public sealed record InputProblem(string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Path + ": " + Message;
}

/// <summary>The result of reading Sysprep / Setup logs: what happened, why, and what to do.</summary>
/// <param name="Outcome">Succeeded, failed, incomplete, unknown or no logs.</param>
/// <param name="Summary">One sentence saying why this outcome.</param>
/// <param name="RootCause">The finding that best explains a failure, or null (success, or no known signature).</param>
/// <param name="OtherFindings">The other findings, most relevant first.</param>
/// <param name="UnknownErrors">Error lines no signature knows, grouped, most frequent first (at most 50 groups).</param>
/// <param name="Runs">Sysprep runs found, oldest first.</param>
/// <param name="Sources">The files read.</param>
/// <param name="SuccessTag">The Sysprep_succeeded.tag found, or null.</param>
/// <param name="Problems">Paths that could not be used (missing, unreadable, not a log).</param>
/// <param name="ImageState">The ImageState from the tree's <c>Setup\State\State.ini</c>, or null when none was found.</param>
public sealed record PantherDiagnosis(
    SysprepOutcome Outcome,
    string Summary,
    DiagnosisFinding? RootCause,
    IReadOnlyList<DiagnosisFinding> OtherFindings,
    IReadOnlyList<UnknownErrorGroup> UnknownErrors,
    IReadOnlyList<SysprepRun> Runs,
    IReadOnlyList<LogSource> Sources,
    string? SuccessTag,
    IReadOnlyList<InputProblem> Problems,
    SysprepImageState? ImageState = null)
{
    /// <summary>All findings, root cause first.</summary>
    public IEnumerable<DiagnosisFinding> AllFindings => RootCause is null ? OtherFindings : OtherFindings.Prepend(RootCause);

    /// <summary>The latest Sysprep run, or null.</summary>
    public SysprepRun? LatestRun => Runs.Count == 0 ? null : Runs[^1];
}
