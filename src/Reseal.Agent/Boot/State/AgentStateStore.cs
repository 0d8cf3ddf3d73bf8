// The agent state on disk, in %ProgramData%\Reseal\state (EC2Launch v2 keeps state.json and previous-state.json the same way):
//
//   state.json            the current state, UTF-8 JSON:
//                         {"format":1,"instanceId":"i-…","untrusted":false,"savedAt":"2026-…Z",
//                          "tasks":[{"key":"preReady/setAdminAccount#0@…","status":"completed","attempts":1,"reboots":0,
//                                    "exitCode":0,"updatedAt":"…"}]}
//   previous-state.json   the state before the last save (the backup File.Replace keeps)
//   .state.json.reseal-*.tmp  a save in progress (the project's one atomic writer, AtomicFile): written, flushed to
//                         disk, then renamed over state.json. A crash mid-write leaves it behind: the next start deletes
//                         it, unless there is no state.json and it parses as a complete state (the first save stopped
//                         before its rename), in which case it becomes state.json.
//   state.json.corrupt-*  a state.json that did not parse, moved aside for a human (never silently reset).
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Reseal.Windows.Layout;

namespace Reseal.Agent.Boot.State;

/// <summary>How loading went.</summary>
public enum StateLoadOutcome
{
    /// <summary>No state yet: a first boot (or after a reset).</summary>
    Fresh,

    /// <summary>The saved state of this instance.</summary>
    Loaded,

    /// <summary>
    /// state.json was corrupt or missing; previous-state.json was used (the last task may run again). The state is marked
    /// <see cref="AgentState.Untrusted"/>: tasks that must not repeat are skipped unless recorded as completed.
    /// </summary>
    RecoveredFromPrevious,

    /// <summary>The saved state belongs to another instance id (a new clone): once-tasks run again.</summary>
    NewInstance,

    /// <summary>Nothing usable: the state is <see cref="AgentState.Untrusted"/>.</summary>
    Corrupt,
}

/// <summary>The loaded state, how it was found, and what is worth reporting.</summary>
public sealed record StateLoadResult(AgentState State, StateLoadOutcome Outcome, IReadOnlyList<BootDiagnostic> Diagnostics)
{
    /// <summary>Keys of tasks that were running when the agent last stopped.</summary>
    public IReadOnlyList<string> InterruptedTasks =>
        [.. State.Tasks.Values.Where(t => t.Status == TaskRunStatus.Running).Select(t => t.Key).Order(StringComparer.Ordinal)];
}

/// <summary>Points in <see cref="AgentStateStore.Save"/> where a crash can happen (for tests).</summary>
internal enum SaveStep
{
    TemporaryWritten,
    Replaced,
}

/// <summary>Loads and atomically saves <see cref="AgentState"/> in one folder.</summary>
public sealed class AgentStateStore
{
    /// <summary>The current state file name.</summary>
    public const string StateFileName = AgentStateFiles.State;

    /// <summary>The backup of the state before the last save.</summary>
    public const string PreviousFileName = AgentStateFiles.PreviousState;

    /// <summary>True for the name of a save in progress (or one a crash interrupted) beside state.json.</summary>
    public static bool IsTemporaryFileName(string fileName) => AgentStateFiles.IsTemporaryStateFile(fileName);

    /// <summary>State files larger than this (4 MiB) are treated as corrupt.</summary>
    public const int MaxStateBytes = 4 * 1024 * 1024;

    private readonly TimeProvider _time;

    /// <summary>A store in <paramref name="directory"/> (created on first save).</summary>
    public AgentStateStore(string directory, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(time);
        Directory = directory;
        _time = time;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Called after each step of a save; a test throws from it to simulate a crash there.</summary>
    internal Action<SaveStep>? AfterStep { get; set; }

    private string StatePath => Path.Combine(Directory, StateFileName);

    private string PreviousPath => Path.Combine(Directory, PreviousFileName);

    /// <summary>
    /// Loads the state for <paramref name="instanceId"/>. Never throws for bad files: a torn temporary file is
    /// deleted, a corrupt state.json is moved aside and previous-state.json used, and when nothing is usable the state
    /// is marked untrusted rather than reset to "run everything again".
    /// </summary>
    public StateLoadResult Load(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var diagnostics = new List<BootDiagnostic>();
        var leftovers = AtomicFile.FindStaleTemps(StatePath);
        if (leftovers.Count > 0)
        {
            if (!File.Exists(StatePath) && TryRead(leftovers[0], out _) is not null)
            {
                // The first save (no state.json yet) stopped between writing the temporary file and renaming it: the
                // newest temporary file is complete (it parsed) and is the newest state there is, so it becomes state.json.
                File.Move(leftovers[0], StatePath);
                diagnostics.Add(Diagnostic(BootCodes.StateTornWrite, DiagnosticSeverity.Info,
                    "a state save was interrupted before state.json existed; its leftover temporary file is complete, so it became state.json"));
            }
            else
            {
                diagnostics.Add(Diagnostic(BootCodes.StateTornWrite, DiagnosticSeverity.Info,
                    "a state save was interrupted (leftover temporary file); discarded it and kept the last complete state"));
            }

            AtomicFile.RemoveStaleTemps(StatePath);
        }

        var outcome = StateLoadOutcome.Loaded;
        AgentState? state = null;
        var stateExists = File.Exists(StatePath);
        if (stateExists)
        {
            state = TryRead(StatePath, out var problem);
            if (state is null)
            {
                var aside = StatePath + ".corrupt-" + _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
                File.Move(StatePath, aside, overwrite: true);
                diagnostics.Add(Diagnostic(BootCodes.StateCorrupt, DiagnosticSeverity.Error, $"state.json is corrupt ({problem}); moved it to {Path.GetFileName(aside)}"));
            }
        }

        if (state is null && File.Exists(PreviousPath) && TryRead(PreviousPath, out _) is { } previous)
        {
            // previous-state.json is one save behind: the lost save may have started (or finished) a task that must
            // not repeat, so the restored state is untrusted for those tasks (BootRunner skips them unless completed).
            state = previous with { Untrusted = true };
            outcome = StateLoadOutcome.RecoveredFromPrevious;
            diagnostics.Add(Diagnostic(BootCodes.StateRecovered, DiagnosticSeverity.Warning,
                "restored the state from previous-state.json; the task that finished last may run again, except tasks that must not repeat " +
                "(the administrator password), which are skipped unless recorded as completed; reset the state to run them"));
        }

        if (state is null)
        {
            if (stateExists || File.Exists(PreviousPath))
            {
                diagnostics.Add(Diagnostic(BootCodes.StateCorrupt, DiagnosticSeverity.Error,
                    "no usable state: this instance has run before, so tasks that must not repeat (the administrator password) are skipped"));
                return new(AgentState.Fresh(instanceId) with { Untrusted = true }, StateLoadOutcome.Corrupt, diagnostics);
            }

            return new(AgentState.Fresh(instanceId), StateLoadOutcome.Fresh, diagnostics);
        }

        if (!string.Equals(state.InstanceId, instanceId, StringComparison.Ordinal))
        {
            diagnostics.Add(Diagnostic(BootCodes.StateNewInstance, DiagnosticSeverity.Info,
                $"the state belongs to instance {state.InstanceId}, this is {instanceId}: a new clone; once-tasks run again"));
            return new(AgentState.Fresh(instanceId), StateLoadOutcome.NewInstance, diagnostics);
        }

        foreach (var interrupted in state.Tasks.Values.Where(t => t.Status == TaskRunStatus.Running).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            diagnostics.Add(Diagnostic(BootCodes.StateInterruptedTask, DiagnosticSeverity.Warning,
                $"task {interrupted.Key} was running when the agent stopped (interrupted {interrupted.Interrupted} time(s) in a row)"));
        }

        return new(state, outcome, diagnostics);
    }

    /// <summary>
    /// The instance id the saved state belongs to (state.json, else previous-state.json), or null when there is none
    /// readable. Used when metadata is unavailable: a boot without metadata is the same instance as before, not a new one.
    /// </summary>
    public string? PeekInstanceId()
    {
        foreach (var path in new[] { StatePath, PreviousPath })
        {
            if (File.Exists(path) && TryRead(path, out _) is { } state)
            {
                return state.InstanceId;
            }
        }

        return null;
    }

    /// <summary>
    /// Writes <paramref name="state"/> atomically through the project's one writer (<see cref="AtomicFile"/>): a new
    /// temporary file, flushed to disk, then renamed over state.json with the old state.json kept as
    /// previous-state.json. A crash at any point leaves a complete state.json (old or new).
    /// </summary>
    public void Save(AgentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bytes = Serialize(state, _time.GetUtcNow());
        AtomicFile.Write(StatePath, bytes, new AtomicWriteOptions
        {
            // Runs once the temporary file is flushed, before the rename; a failure there leaves state.json as it was.
            Verify = _ => AfterStep?.Invoke(SaveStep.TemporaryWritten),
            BackupPath = PreviousPath,
        });
        AfterStep?.Invoke(SaveStep.Replaced);
    }

    /// <summary>Deletes the state (and its backup): every once-task runs again at the next start. Returns how many files it deleted.</summary>
    public int Reset()
    {
        var deleted = 0;
        foreach (var path in new[] { StatePath, PreviousPath }.Where(File.Exists))
        {
            File.Delete(path);
            deleted++;
        }

        deleted += AtomicFile.RemoveStaleTemps(StatePath);

        return deleted;
    }

    private BootDiagnostic Diagnostic(string code, DiagnosticSeverity severity, string message) => new(code, severity, 0, 0, message, Directory);

    internal static byte[] Serialize(AgentState state, DateTimeOffset savedAt)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", 1);
            json.WriteString("instanceId", state.InstanceId);
            json.WriteBoolean("untrusted", state.Untrusted);
            json.WriteString("savedAt", savedAt);
            json.WriteStartArray("tasks");
            foreach (var task in state.Tasks.Values.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("key", task.Key);
                json.WriteString("status", JsonNamingPolicy.CamelCase.ConvertName(task.Status.ToString()));
                json.WriteNumber("attempts", task.Attempts);
                json.WriteNumber("reboots", task.Reboots);
                json.WriteNumber("interrupted", task.Interrupted);
                if (task.LastExitCode is { } code)
                {
                    json.WriteNumber("exitCode", code);
                }

                json.WriteString("updatedAt", task.UpdatedAt);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    internal static AgentState? TryRead(string path, out string problem)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxStateBytes)
            {
                problem = $"{info.Length} bytes, more than {MaxStateBytes}";
                return null;
            }

            return Parse(File.ReadAllBytes(path), out problem);
        }
        catch (IOException e)
        {
            problem = e.Message;
            return null;
        }
    }

    internal static AgentState? Parse(byte[] bytes, out string problem)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetInt32() != 1)
            {
                problem = "not a format-1 state document";
                return null;
            }

            var instanceId = root.GetProperty("instanceId").GetString();
            if (string.IsNullOrEmpty(instanceId))
            {
                problem = "no instanceId";
                return null;
            }

            var tasks = ImmutableDictionary.CreateBuilder<string, TaskRecord>(StringComparer.Ordinal);
            foreach (var task in root.GetProperty("tasks").EnumerateArray())
            {
                var key = task.GetProperty("key").GetString() ?? throw new FormatException("a task has no key");
                if (!Enum.TryParse<TaskRunStatus>(task.GetProperty("status").GetString(), ignoreCase: true, out var status))
                {
                    throw new FormatException($"task {key} has an unknown status");
                }

                int? exitCode = task.TryGetProperty("exitCode", out var code) ? code.GetInt32() : null;
                var attempts = task.GetProperty("attempts").GetInt32();

                // Files from before the interrupted count: a running task counts every start as interrupted (the old rule).
                var interrupted = task.TryGetProperty("interrupted", out var count) ? count.GetInt32() : status == TaskRunStatus.Running ? attempts : 0;
                tasks[key] = new TaskRecord(key, status, attempts, task.GetProperty("reboots").GetInt32(), exitCode,
                    task.GetProperty("updatedAt").GetDateTimeOffset(), interrupted);
            }

            var untrusted = root.TryGetProperty("untrusted", out var flag) && flag.GetBoolean();
            problem = string.Empty;
            return new AgentState(instanceId, tasks.ToImmutable(), untrusted);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            problem = e.Message;
            return null;
        }
    }
}
