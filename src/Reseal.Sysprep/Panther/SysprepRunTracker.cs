using System.Text.RegularExpressions;

namespace Reseal.Sysprep.Panther;

/// <summary>How a Sysprep run (or the whole diagnosis) ended.</summary>
public enum SysprepOutcome
{
    /// <summary>No Sysprep run markers, no success tag and no errors: nothing to say.</summary>
    Unknown,

    /// <summary>Sysprep finished (Sysprep_succeeded.tag, or a run that ended without errors).</summary>
    Succeeded,

    /// <summary>Sysprep or Setup failed.</summary>
    Failed,

    /// <summary>A run started and did not end (still running, killed, or the machine lost power).</summary>
    Incomplete,

    /// <summary>No log could be read.</summary>
    NoLogs,
}

/// <summary>One Sysprep run in one file, from <c>Beginning of a new sysprep run</c> to <c>Shutting down SysPrep log</c>.</summary>
/// <param name="File">The log file.</param>
/// <param name="Index">0-based index of the run in that file.</param>
/// <param name="StartLine">The line of the Beginning marker.</param>
/// <param name="EndLine">The line of the Shutting down marker, or null when the run did not end.</param>
/// <param name="StartTimestamp">The marker's timestamp as written.</param>
/// <param name="EndTimestamp">The timestamp of the last entry seen in the run.</param>
/// <param name="Options">Command-line options Sysprep reported (<c>GENERALIZE</c>, <c>OOBE</c>, <c>SHUTDOWN</c>...).</param>
/// <param name="Mode">The <c>Sysprep mode [vm]</c> value, or null.</param>
/// <param name="ErrorLines">Error and Fatal entries in the run.</param>
/// <param name="WarningLines">Warning entries in the run.</param>
/// <param name="LastLines">The last few lines of the run, as evidence of how it ended.</param>
public sealed record SysprepRun(
    string File,
    int Index,
    long StartLine,
    long? EndLine,
    string? StartTimestamp,
    string? EndTimestamp,
    IReadOnlyList<string> Options,
    string? Mode,
    int ErrorLines,
    int WarningLines,
    IReadOnlyList<LogEvidence> LastLines)
{
    /// <summary>The run reached <c>Shutting down SysPrep log</c>.</summary>
    public bool Ended => EndLine is not null;
}

/// <summary>
/// Splits a stream of records into Sysprep runs, keeping only a bounded summary of each (counts, options, last lines),
/// so any size of log can be tracked. Feed it the records of one file in order.
/// </summary>
public sealed partial class SysprepRunTracker
{
    private const int LastLineCount = 5;
    private const int MaxOptions = 16;

    private readonly List<SysprepRun> _finished = [];
    private Builder? _current;

    /// <summary>The runs seen so far, including the open one.</summary>
    public IReadOnlyList<SysprepRun> Runs => _current is null ? _finished.ToArray() : [.. _finished, _current.Build()];

    /// <summary>The index of the run the last record belongs to, or null when it is outside any run.</summary>
    public int? CurrentRunIndex => _current?.Index;

    /// <summary>Takes the next record of the file.</summary>
    public void Observe(PantherLogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var message = record.Message;
        if (message.Contains("Beginning of a new sysprep run", StringComparison.OrdinalIgnoreCase))
        {
            if (_current is not null)
            {
                _finished.Add(_current.Build());
            }

            _current = new Builder(record.File, _finished.Count, record.LineNumber, record.Timestamp);
        }

        if (_current is null)
        {
            return;
        }

        _current.Add(record);
        if (record.Kind == PantherLineKind.Entry && message.Contains("Shutting down SysPrep log", StringComparison.OrdinalIgnoreCase))
        {
            _current.EndLine = record.LineNumber;
            _finished.Add(_current.Build());
            _current = null;
        }
    }

    /// <summary>Splits records already in memory into runs.</summary>
    public static IReadOnlyList<SysprepRun> Split(IEnumerable<PantherLogRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var tracker = new SysprepRunTracker();
        foreach (var record in records)
        {
            tracker.Observe(record);
        }

        return tracker.Runs;
    }

    [GeneratedRegex(@"Found supported command line option '(?<option>[^']+)'", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"Sysprep mode \[(?<mode>[^\]]*)\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex ModePattern();

    private sealed class Builder(string file, int index, long startLine, string? startTimestamp)
    {
        private readonly List<string> _options = [];
        private readonly Queue<LogEvidence> _last = new();
        private string? _mode;
        private readonly string? _startTimestamp = startTimestamp;
        private string? _endTimestamp = startTimestamp;
        private int _errors;
        private int _warnings;

        public int Index => index;

        public long? EndLine { get; set; }

        public void Add(PantherLogRecord record)
        {
            if (record.Timestamp is not null)
            {
                _endTimestamp = record.Timestamp;
            }

            if (record.IsError)
            {
                _errors++;
            }
            else if (record.Level == PantherLogLevel.Warning)
            {
                _warnings++;
            }

            if (record.Message.Contains("command line option", StringComparison.OrdinalIgnoreCase))
            {
                var m = OptionPattern().Match(record.Message);
                if (m.Success && _options.Count < MaxOptions && !_options.Contains(m.Groups["option"].Value, StringComparer.OrdinalIgnoreCase))
                {
                    _options.Add(m.Groups["option"].Value.ToUpperInvariant());
                }
            }
            else if (_mode is null && record.Message.Contains("Sysprep mode", StringComparison.OrdinalIgnoreCase))
            {
                var m = ModePattern().Match(record.Message);
                if (m.Success)
                {
                    _mode = m.Groups["mode"].Value;
                }
            }

            _last.Enqueue(LogEvidence.From(record));
            if (_last.Count > LastLineCount)
            {
                _last.Dequeue();
            }
        }

        public SysprepRun Build() => new(file, index, startLine, EndLine, _startTimestamp, _endTimestamp,
            _options.ToArray(), _mode, _errors, _warnings, _last.ToArray());
    }
}
