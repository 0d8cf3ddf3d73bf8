namespace Reseal.Sysprep.Panther;

/// <summary>When and in which run a line was seen (its file's order among the files read).</summary>
internal readonly record struct LineOccurrence(int Order, int? RunIndex, string? Timestamp);

internal sealed class FindingBuilder(SignatureMatch match)
{
    public List<LineOccurrence> Occurrences { get; } = [];

    public List<LogEvidence> Evidence { get; } = [];

    public int Count { get; set; }

    public string? LastTimestamp { get; set; }

    public DiagnosisFinding Build(bool current) => new(match.Signature, match.Variables,
        match.Signature.RenderCause(match.Variables), match.Signature.RenderFix(match.Variables),
        Count, Evidence.ToArray(), current, LastTimestamp);
}

internal sealed class UnknownBuilder(string pattern, LogEvidence first, LineOccurrence occurrence)
{
    public string Pattern => pattern;

    public LogEvidence First { get; } = first;

    public LogEvidence Last { get; set; } = first;

    public LineOccurrence LastOccurrence { get; set; } = occurrence;

    public int Count { get; set; } = 1;
}

/// <summary>
/// What a diagnosis has counted so far across the files it read: signature hits (with their evidence, bounded), error
/// lines no signature knows grouped by pattern (bounded), Sysprep runs, sources and input problems.
/// </summary>
internal sealed class DiagnosisTally
{
    private const int MaxEvidence = 10;
    private const int MaxUnknownPatterns = 1000;
    private const int MaxDedupeKeys = 100_000;

    private readonly HashSet<string> _lineKeys = new(StringComparer.Ordinal);

    public Dictionary<string, FindingBuilder> Findings { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, UnknownBuilder> Unknown { get; } = new(StringComparer.Ordinal);

    public List<(SysprepRun Run, int Order)> Runs { get; } = [];

    public List<LogSource> Sources { get; } = [];

    public List<InputProblem> Problems { get; } = [];

    public void AddHit(SignatureMatch match, PantherLogRecord record, string? timestamp, int order, int? runIndex)
    {
        var key = match.Signature.Id + "\u0001" + string.Join("\u0001", match.Variables.Select(v => v.Key + "=" + v.Value));
        if (!Findings.TryGetValue(key, out var builder))
        {
            builder = new FindingBuilder(match);
            Findings[key] = builder;
        }

        // setuperr.log repeats setupact.log's error lines: the same timestamp and text count once.
        var duplicate = IsRepeat(key, record);
        if (!duplicate)
        {
            builder.Count++;
            builder.Occurrences.Add(new LineOccurrence(order, runIndex, timestamp));
            if (builder.Occurrences.Count > 64)
            {
                // Keep the first and the latest occurrences only: enough to decide "in the latest run".
                builder.Occurrences.RemoveRange(1, builder.Occurrences.Count - 32);
            }
        }

        if (builder.Evidence.Count < MaxEvidence)
        {
            builder.Evidence.Add(LogEvidence.From(record));
        }
        else
        {
            // Keep the first lines and, in the last slot, the latest one.
            builder.Evidence[^1] = LogEvidence.From(record);
        }

        if (timestamp is not null && (builder.LastTimestamp is null || string.CompareOrdinal(timestamp, builder.LastTimestamp) > 0))
        {
            builder.LastTimestamp = timestamp;
        }
    }

    /// <summary>True when this line (same kind, timestamp and text) was seen in another file already.</summary>
    private bool IsRepeat(string kind, PantherLogRecord record) =>
        record.Timestamp is not null && _lineKeys.Count < MaxDedupeKeys
        && !_lineKeys.Add(kind + "\u0002" + record.Timestamp + "\u0002" + record.Component + "\u0002" + record.Message);

    public void AddUnknown(PantherLogRecord record, string? timestamp, int order, int? runIndex)
    {
        var pattern = ErrorLinePattern.Mask(record);
        var occurrence = new LineOccurrence(order, runIndex, timestamp);
        var repeat = IsRepeat("?", record);
        if (Unknown.TryGetValue(pattern, out var group))
        {
            if (!repeat)
            {
                group.Count++;
            }

            group.Last = LogEvidence.From(record);
            if (timestamp is not null && (group.LastOccurrence.Timestamp is null || string.CompareOrdinal(timestamp, group.LastOccurrence.Timestamp) >= 0))
            {
                group.LastOccurrence = occurrence;
            }
        }
        else if (repeat)
        {
            // Seen already under a pattern that was full: nothing to add.
        }
        else if (Unknown.Count < MaxUnknownPatterns)
        {
            Unknown[pattern] = new UnknownBuilder(pattern, LogEvidence.From(record), occurrence);
        }
        else
        {
            const string overflow = "(other unknown errors)";
            if (Unknown.TryGetValue(overflow, out var rest))
            {
                rest.Count++;
                rest.Last = LogEvidence.From(record);
                rest.LastOccurrence = occurrence;
            }
            else
            {
                Unknown[overflow] = new UnknownBuilder(overflow, LogEvidence.From(record), occurrence);
            }
        }
    }
}
