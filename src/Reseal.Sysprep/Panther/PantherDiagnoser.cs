using System.Globalization;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Panther;

/// <summary>
/// Reads Sysprep / Setup logs and names the root cause of a failure, its evidence and its fix
/// (what <c>reseal diagnose</c> and <c>reseal seal</c>'s watch print).
/// </summary>
/// <remarks>
/// <para>Every line is checked against the <see cref="PantherSignatureCatalog"/>; Error lines no signature knows are
/// grouped and counted. Lines copied from setupact.log into setuperr.log count once.</para>
/// <para>The root cause is chosen among findings logged during or after the latest Sysprep run: first those that are not
/// noise (SD011, SD012), then lines no other finding explains (<see cref="PantherSignature.PointsTo"/>: SD003 is explained by
/// SD001), then detailed lines before summaries (SD004 and SD017 only say that something failed), then the
/// most severe, then specific before generic, then the latest. Noise is the root cause only when nothing else, not even an
/// unknown error, was logged.</para>
/// <para>Outcome: <see cref="SysprepOutcome.Failed"/> when a fatal signature was logged in the latest run (or after it);
/// otherwise <see cref="SysprepOutcome.Succeeded"/> when Sysprep_succeeded.tag is present, ImageState (State.ini) says
/// generalize is done, or the latest run ended without errors; <see cref="SysprepOutcome.Failed"/> when ImageState is
/// UNDEPLOYABLE and no run is still open; <see cref="SysprepOutcome.Incomplete"/> when it did not end; <see cref="SysprepOutcome.Failed"/>
/// when it ended with errors.</para>
/// </remarks>
public sealed class PantherDiagnoser
{
    private const int MaxUnknownReported = 50;

    private readonly PantherSignatureCatalog _catalog;
    private readonly PantherReadOptions _options;

    /// <summary>A diagnoser with a catalog (default: <see cref="PantherSignatureCatalog.Default"/>) and read limits.</summary>
    public PantherDiagnoser(PantherSignatureCatalog? catalog = null, PantherReadOptions? options = null)
    {
        _catalog = catalog ?? PantherSignatureCatalog.Default;
        _options = options ?? PantherReadOptions.Default;
    }

    /// <summary>Diagnoses the logs found under the given files and folders (see <see cref="PantherLogLocator"/>).</summary>
    public PantherDiagnosis Diagnose(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var located = PantherLogLocator.Locate(paths);
        var state = new DiagnosisTally();
        state.Problems.AddRange(located.Problems);
        for (var order = 0; order < located.Files.Count; order++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = located.Files[order];
            ReadFile(path, () => Reseal.IO.RegularFile.OpenRead(path, 1, FileOptions.SequentialScan),
                order, state, cancellationToken);
        }

        SysprepImageState? imageState = null;
        if (located.StateIni is not null)
        {
            try
            {
                imageState = SysprepImageState.ReadStateIni(located.StateIni);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                state.Problems.Add(new InputProblem(located.StateIni, "cannot be read: " + e.Message));
            }
        }

        return Conclude(state, located.SuccessTag, imageState);
    }

    /// <summary>Diagnoses one path.</summary>
    public PantherDiagnosis Diagnose(string path, CancellationToken cancellationToken = default) => Diagnose([path], cancellationToken);

    /// <summary>The Panther folders of a machine, Sysprep's own first (answerfiles.md §5).</summary>
    public static IReadOnlyList<string> MachineLogFolders { get; } =
        [SealPaths.SysprepPantherDirectory, @"%WINDIR%\Panther", @"%WINDIR%\Panther\UnattendGC"];

    /// <summary>
    /// Diagnoses the logs of a machine read through its ports (a running Windows, an offline tree, a test fake):
    /// setupact.log and setuperr.log in each of <see cref="MachineLogFolders"/>, Sysprep_succeeded.tag, and the ImageState
    /// the registry holds (State.ini when the registry cannot say).
    /// </summary>
    public PantherDiagnosis Diagnose(IWindowsMachine machine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var files = machine.Files;
        var state = new DiagnosisTally();
        var order = 0;
        foreach (var folder in MachineLogFolders)
        {
            foreach (var name in PantherLogLocator.LogNames)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string path;
                try
                {
                    path = files.Expand(folder + "\\" + name);
                    if (!files.FileExists(path))
                    {
                        continue;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    state.Problems.Add(new InputProblem(folder + "\\" + name, "cannot be read: " + e.Message));
                    continue;
                }

                ReadFile(path, () => files.OpenRead(path), order++, state, cancellationToken);
            }
        }

        if (order == 0)
        {
            state.Problems.Add(new InputProblem(files.Expand(SealPaths.SysprepPantherDirectory),
                "no setupact.log or setuperr.log found in System32\\Sysprep\\Panther, Panther or Panther\\UnattendGC"));
        }

        string? tag = null;
        SysprepImageState? imageState = null;
        try
        {
            var tagPath = files.Expand(SealPaths.SysprepSucceededTag);
            tag = files.FileExists(tagPath) ? tagPath : null;
            if (machine.System.GetImageState().RawText is { Length: > 0 } raw)
            {
                imageState = new SysprepImageState(raw, @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State!ImageState");
            }
            else if (files.FileExists(StateIni))
            {
                imageState = SysprepImageState.ParseStateIni(PantherLogReader.DecodeText(files.ReadHead(StateIni, 64 * 1024, out _)), files.Expand(StateIni));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            state.Problems.Add(new InputProblem("ImageState", "cannot be read: " + e.Message));
        }

        return Conclude(state, tag, imageState);
    }

    private const string StateIni = @"%WINDIR%\Setup\State\State.ini";

    private void ReadFile(string path, Func<Stream> open, int order, DiagnosisTally state, CancellationToken cancellationToken)
    {
        PantherLogFileInfo info;
        try
        {
            using var stream = open();
            info = PantherLogReader.Inspect(stream, path, _options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            state.Problems.Add(new InputProblem(path, "cannot be read: " + e.Message));
            return;
        }

        if (info.IsBinary)
        {
            state.Problems.Add(new InputProblem(path, info.Note ?? "not a text log"));
            state.Sources.Add(new LogSource(path, info.EncodingName, info.Length, 0, 0, info.Note));
            return;
        }

        var tracker = new SysprepRunTracker();
        string? lastTimestamp = null;
        long lastLine = info.SkippedLines;
        try
        {
            foreach (var record in PantherLogReader.ReadRecords(open, info, _options, cancellationToken))
            {
                tracker.Observe(record);
                lastLine = record.LineNumber;
                var timestamp = record.Timestamp ?? lastTimestamp;
                lastTimestamp = timestamp;
                var matches = _catalog.Match(record.Message);
                if (matches.Count > 0)
                {
                    foreach (var match in matches)
                    {
                        state.AddHit(match, record, timestamp, order, tracker.CurrentRunIndex);
                    }
                }
                else if (record.IsError)
                {
                    state.AddUnknown(record, timestamp, order, tracker.CurrentRunIndex);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            state.Problems.Add(new InputProblem(path, $"reading stopped at line {lastLine.ToString(CultureInfo.InvariantCulture)}: {e.Message}"));
        }

        foreach (var run in tracker.Runs)
        {
            state.Runs.Add((run, order));
        }

        state.Sources.Add(new LogSource(path, info.EncodingName, info.Length, info.Length - info.StartOffset, lastLine, info.Note));
    }

    private static PantherDiagnosis Conclude(DiagnosisTally state, string? tag, SysprepImageState? imageState)
    {
        var runs = state.Runs
            .OrderBy(r => r.Run.StartTimestamp ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(r => r.Order).ThenBy(r => r.Run.Index)
            .ToArray();
        var latest = runs.Length == 0 ? ((SysprepRun Run, int Order)?)null : runs[^1];

        bool IsCurrent(LineOccurrence o)
        {
            if (latest is not { } l)
            {
                return true;
            }

            if (o.Order == l.Order && o.RunIndex is int index)
            {
                return index >= l.Run.Index;
            }

            return o.Timestamp is null || l.Run.StartTimestamp is null
                || string.CompareOrdinal(o.Timestamp, l.Run.StartTimestamp) >= 0;
        }

        var findings = state.Findings.Values.Select(b => b.Build(b.Occurrences.Any(IsCurrent))).ToList();
        var unknown = state.Unknown.Values
            .Select(u => new UnknownErrorGroup(u.Pattern, u.Count, u.First, u.Last, IsCurrent(u.LastOccurrence)))
            .OrderByDescending(u => u.InLatestRun).ThenByDescending(u => u.Count).ThenBy(u => u.Pattern, StringComparer.Ordinal)
            .Take(MaxUnknownReported)
            .ToArray();

        var current = findings.Where(f => f.InLatestRun).ToList();
        var currentIds = current.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var fatal = current.Any(f => !f.Signature.IsNoise && f.Signature.Severity == SignatureSeverity.Fatal);
        var currentErrors = current.Any(f => !f.Signature.IsNoise && f.Signature.Severity >= SignatureSeverity.Error)
            || unknown.Any(u => u.InLatestRun);
        var readable = state.Sources.Any(s => s.BytesRead > 0 || s.Note is null);

        SysprepOutcome outcome;
        string summary;
        if (!readable && tag is null && imageState is null)
        {
            outcome = SysprepOutcome.NoLogs;
            summary = state.Problems.Count > 0
                ? "No log could be read: " + string.Join("; ", state.Problems)
                : "No log could be read: the files are empty.";
        }
        else if (fatal)
        {
            outcome = SysprepOutcome.Failed;
            summary = "Failed";
        }
        else if (tag is not null)
        {
            outcome = SysprepOutcome.Succeeded;
            summary = "Sysprep succeeded: " + tag + " is present.";
        }
        else if (imageState is { IsGeneralized: true })
        {
            outcome = SysprepOutcome.Succeeded;
            summary = $"Sysprep succeeded: ImageState is {imageState.Value} ({imageState.Meaning}).";
        }
        else if (imageState is { IsUndeployable: true } && latest is not { Run.Ended: false })
        {
            outcome = SysprepOutcome.Failed;
            summary = "Failed";
        }
        else if (latest is { } l)
        {
            if (!l.Run.Ended)
            {
                outcome = SysprepOutcome.Incomplete;
                summary = $"The latest Sysprep run (started {l.Run.File}:{l.Run.StartLine.ToString(CultureInfo.InvariantCulture)}" +
                    $"{(l.Run.StartTimestamp is null ? string.Empty : " at " + l.Run.StartTimestamp)}) did not end: Sysprep is still running or was interrupted.";
            }
            else if (currentErrors)
            {
                outcome = SysprepOutcome.Failed;
                summary = "Failed";
            }
            else
            {
                outcome = SysprepOutcome.Succeeded;
                summary = $"The latest Sysprep run ended without errors ({l.Run.File}:{l.Run.EndLine!.Value.ToString(CultureInfo.InvariantCulture)}).";
            }
        }
        else if (currentErrors)
        {
            outcome = SysprepOutcome.Failed;
            summary = "Failed";
        }
        else
        {
            outcome = SysprepOutcome.Unknown;
            summary = findings.Count > 0
                ? "No Sysprep run, success tag or error in the logs; only warnings were found."
                : "No Sysprep run, success tag, known message or error in the logs.";
        }

        DiagnosisFinding? root = null;
        if (outcome is SysprepOutcome.Failed or SysprepOutcome.Incomplete)
        {
            root = Rank(current.Where(f => !f.Signature.IsNoise), currentIds).FirstOrDefault();
            if (root is null && !unknown.Any(u => u.InLatestRun))
            {
                root = Rank(current, currentIds).FirstOrDefault();
            }
        }

        if (outcome == SysprepOutcome.Failed)
        {
            var stateNote = imageState is { IsUndeployable: true } ? $" ImageState is {imageState.Value}: {imageState.Meaning}." : string.Empty;
            if (tag is not null)
            {
                stateNote += $" {PantherLogLocator.SuccessTagName} is present: Sysprep itself finished, a later pass failed.";
            }

            summary = (root is not null
                ? $"Failed: {root.Signature.Title} ({root.Id}) at {root.Evidence[^1].Location}."
                : unknown.FirstOrDefault(u => u.InLatestRun) is { } first
                    ? $"Failed, with no known signature: {unknown.Count(u => u.InLatestRun).ToString(CultureInfo.InvariantCulture)} kind(s) of unknown error, the most frequent at {first.First.Location}."
                    : "Failed, with no known signature.") + stateNote;
        }

        var others = Rank(findings.Where(f => !ReferenceEquals(f, root)), currentIds).ToArray();
        return new PantherDiagnosis(outcome, summary, root, others, unknown, runs.Select(r => r.Run).ToArray(),
            state.Sources.ToArray(), tag, state.Problems.ToArray(), imageState);
    }

    private static IEnumerable<DiagnosisFinding> Rank(IEnumerable<DiagnosisFinding> findings, HashSet<string> currentIds) =>
        findings
            .OrderByDescending(f => f.InLatestRun)
            .ThenBy(f => f.Signature.IsNoise)
            .ThenBy(f => f.InLatestRun && f.Signature.PointsTo.Any(currentIds.Contains))
            .ThenBy(f => f.Signature.IsSummary)
            .ThenByDescending(f => f.Signature.Severity)
            .ThenBy(f => f.Signature.IsGeneric)
            .ThenByDescending(f => f.LastTimestamp ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(f => f.Id, StringComparer.Ordinal);
}
