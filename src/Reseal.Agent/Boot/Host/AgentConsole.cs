using System.Globalization;
using System.Text;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>
/// Where the agent's console lines go: the serial console (COM1, what clouds show as console output), <c>console.log</c>
/// (the same bytes, appended), and optionally a mirror (the terminal of <c>reseal agent run</c>). A serial port that fails
/// (absent, held by SAC) is reported once in the log and never stops the run; the file still gets every line.
/// </summary>
public sealed class AgentConsole : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ISerialConsole _serial;
    private readonly FileStream? _file;
    private readonly Action<string>? _mirror;
    private readonly AgentLog _log;

    /// <summary>Opens <paramref name="consoleLogPath"/> for appending (creating its folder).</summary>
    public AgentConsole(ISerialConsole serial, string consoleLogPath, AgentLog log, Action<string>? mirror = null)
    {
        ArgumentNullException.ThrowIfNull(serial);
        ArgumentNullException.ThrowIfNull(log);
        _serial = serial;
        _mirror = mirror;
        _log = log;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(consoleLogPath))!);
            _file = new FileStream(consoleLogPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"console.log cannot be written ({e.Message}); console lines go to the serial port only");
        }
    }

    /// <summary>The lines written, in order (for the run's result and tests).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    private readonly List<string> _lines = [];

    /// <summary>
    /// Writes console text: one or more lines, each ending with CRLF (as <see cref="ConsoleOutput.ConsoleLines"/> formats
    /// them). Lines are written whole and in call order.
    /// </summary>
    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_gate)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (_file is not null)
            {
                try
                {
                    _file.Write(bytes);
                    _file.Flush(flushToDisk: true);
                }
                catch (IOException e)
                {
                    _log.Warning($"console.log write failed: {e.Message}");
                }
            }

            _call++;
            foreach (var line in text.Split("\r\n", StringSplitOptions.None).SkipLast(text.EndsWith("\r\n", StringComparison.Ordinal) ? 1 : 0))
            {
                _lines.Add(line);
                if (_pending.Count >= MaxPending)
                {
                    _droppedPassword |= _pending[0].Line.Contains("<Password>", StringComparison.Ordinal);
                    _pending.RemoveAt(0);
                    _dropped++;
                }

                _pending.Add((line, _call));
            }

            FlushSerial(force: false);
            _mirror?.Invoke(text);
        }
    }

    /// <summary>
    /// How long one serial write may take before it counts as failed. The port bounds its own writes (the live one:
    /// write timeout and retries); this guards against any that does not, so the run is never held by the port.
    /// </summary>
    public TimeSpan SerialTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long after a failed write the port is tried again.</summary>
    public TimeSpan SerialRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    private const int MaxPending = 4096;
    private readonly List<(string Line, long Call)> _pending = [];
    private long _call;
    private Task? _inflight;
    private long _retryAtTicks;
    private bool _failing;
    private int _late;
    private int _dropped;
    private bool _droppedPassword;

    // Writes the lines the port has not taken yet, in order, one at a time and each bounded by SerialTimeout. A failure
    // (absent, busy, held by SAC, a blocked or flow-controlled line) is said once in agent.log and console.log; the lines
    // stay queued and are written late when the port works again, so the <Password> block is never silently lost from
    // COM1. A write that outlived SerialTimeout stays "in flight": no second write is started beside it, and if it ends
    // well later its line counts as written (not written twice).
    private void FlushSerial(bool force)
    {
        while (_pending.Count > 0)
        {
            if (_inflight is { } previous)
            {
                if (!previous.IsCompleted && !(force && WaitQuietly(previous)))
                {
                    return;
                }

                _inflight = null;
                if (previous.IsCompletedSuccessfully)
                {
                    Written();
                    continue;
                }
            }

            if (!force && _failing && Environment.TickCount64 < _retryAtTicks)
            {
                return;
            }

            var line = _pending[0].Line;
            var write = Task.Run(() => _serial.WriteLineAsync(line, CancellationToken.None));
            if (!WaitQuietly(write))
            {
                _inflight = write;
                Fail(new TimeoutException($"a write did not finish within {SerialTimeout.TotalSeconds:0.#} s (a blocked or flow-controlled port)"));
                return;
            }

            if (!write.IsCompletedSuccessfully)
            {
                var error = write.Exception?.InnerException ?? write.Exception ?? (Exception)new OperationCanceledException("the write was canceled");
                Fail(error);
                return;
            }

            Written();
        }

        if (_failing)
        {
            _failing = false;
            _log.Info($"the serial console works again: {_late} line(s) written late{(_dropped > 0 ? $", {_dropped} older line(s) dropped" : "")}");
        }
    }

    private bool WaitQuietly(Task task)
    {
        try
        {
            return task.Wait(SerialTimeout);
        }
        catch (AggregateException)
        {
            return true; // Completed, with a fault the caller reads from the task.
        }
    }

    private void Written()
    {
        if (_pending[0].Call < _call)
        {
            _late++;
        }

        _pending.RemoveAt(0);
    }

    private void Fail(Exception reason)
    {
        _retryAtTicks = Environment.TickCount64 + (long)SerialRetryDelay.TotalMilliseconds;
        if (_failing)
        {
            return;
        }

        _failing = true;
        var message = $"the serial console cannot be written ({reason.Message}); console.log has every line, and the serial copy is retried";
        _log.Warning(message);
        Note("# " + message);
    }

    private void Note(string text)
    {
        try
        {
            _file?.Write(Encoding.UTF8.GetBytes(text + "\r\n"));
            _file?.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // console.log is best effort here; agent.log has the same line.
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_pending.Count > 0)
            {
                FlushSerial(force: true);
            }

            if (_pending.Count > 0 || _droppedPassword)
            {
                var password = _droppedPassword || _pending.Any(p => p.Line.Contains("<Password>", StringComparison.Ordinal));
                var message = $"{_pending.Count + _dropped} console line(s){(password ? ", the <Password> block among them," : "")} never reached the serial console; console.log has them";
                _log.Error(message);
                Note("# " + message);
                _pending.Clear();
            }

            if (_inflight is null || _inflight.IsCompleted)
            {
                try
                {
                    _serial.Close(); // one open per run: the port is released for other programs when the run ends
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    _log.Warning($"the serial console could not be closed: {e.Message}");
                }
            }
        }

        _file?.Dispose();
    }
}

/// <summary>The agent's own log (<c>agent.log</c>): one stamped line per event, appended; never a secret.</summary>
public sealed class AgentLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly StreamWriter? _writer;
    private readonly Action<string>? _mirror;

    /// <summary>Opens <paramref name="path"/> for appending, or logs nowhere but <paramref name="mirror"/> when it is null or cannot be opened.</summary>
    public AgentLog(string? path, TimeProvider time, Action<string>? mirror = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _mirror = mirror;
        if (path is null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\r\n" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _mirror?.Invoke($"warning: {path} cannot be written: {e.Message}");
        }
    }

    /// <summary>Every line logged in this run (for tests and the run result).</summary>
    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    private readonly List<string> _entries = [];

    /// <summary>Logs information.</summary>
    public void Info(string message) => Write("info", message);

    /// <summary>Logs a warning.</summary>
    public void Warning(string message) => Write("warning", message);

    /// <summary>Logs an error.</summary>
    public void Error(string message) => Write("error", message);

    /// <summary>
    /// Logs detail for a bug report (an exception's type and stack) at debug level: in agent.log only, never mirrored to
    /// the console or standard error, where a person reads plain sentences.
    /// </summary>
    public void Debug(string message) => Write("debug", message, mirror: false);

    private void Write(string level, string message, bool mirror = true)
    {
        var line = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " " + level + " " +
            message.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        lock (_gate)
        {
            _entries.Add(line);
            try
            {
                _writer?.WriteLine(line);
            }
            catch (IOException)
            {
                // The log is best effort.
            }
        }

        if (mirror)
        {
            _mirror?.Invoke(level + ": " + message);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _writer?.Dispose();
}
