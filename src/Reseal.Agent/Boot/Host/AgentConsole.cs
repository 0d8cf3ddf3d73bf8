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

            foreach (var line in text.Split("\r\n", StringSplitOptions.None).SkipLast(text.EndsWith("\r\n", StringComparison.Ordinal) ? 1 : 0))
            {
                _lines.Add(line);
                if (_pending.Count >= MaxPending)
                {
                    _pending.RemoveAt(0);
                    _dropped++;
                }

                _pending.Add(line);
            }

            FlushSerial(force: false);
            _mirror?.Invoke(text);
        }
    }

    /// <summary>How long one serial write may take before it counts as failed (a flow-controlled or blocked port).</summary>
    public TimeSpan SerialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long after a failed write the port is tried again.</summary>
    public TimeSpan SerialRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    private const int MaxPending = 512;
    private readonly List<string> _pending = [];
    private long _retryAtTicks;
    private bool _failing;
    private int _late;
    private int _dropped;

    // Writes the lines the port has not taken yet, in order. A failure (absent, busy, held by SAC, blocked by flow
    // control past SerialTimeout) is said once in agent.log and console.log; the lines stay queued and are written late
    // when the port works again, so the <Password> block is never silently lost from COM1.
    private void FlushSerial(bool force)
    {
        if (!force && _failing && Environment.TickCount64 < _retryAtTicks)
        {
            return;
        }

        while (_pending.Count > 0)
        {
            try
            {
                var write = _serial.WriteLineAsync(_pending[0], CancellationToken.None);
                if (!write.Wait(SerialTimeout))
                {
                    throw new TimeoutException($"a write did not finish within {SerialTimeout.TotalSeconds:0} s (a blocked or flow-controlled port)");
                }
            }
#pragma warning disable CA1031 // Any failure of the port (absent, busy, not supported) only delays the serial copy.
            catch (Exception e)
#pragma warning restore CA1031
            {
                var reason = e is AggregateException { InnerException: { } inner } ? inner : e;
                _retryAtTicks = Environment.TickCount64 + (long)SerialRetryDelay.TotalMilliseconds;
                if (!_failing)
                {
                    _failing = true;
                    var message = $"the serial console cannot be written ({reason.GetType().Name}: {reason.Message}); console.log has every line, and the serial copy is retried";
                    _log.Warning(message);
                    Note("# " + message);
                }

                return;
            }

            _pending.RemoveAt(0);
            if (_failing)
            {
                _late++;
            }
        }

        if (_failing)
        {
            _failing = false;
            _log.Info($"the serial console works again: {_late} line(s) written late{(_dropped > 0 ? $", {_dropped} older line(s) dropped" : "")}");
        }
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

            if (_pending.Count > 0)
            {
                var password = _pending.Any(l => l.Contains("<Password>", StringComparison.Ordinal));
                var message = $"{_pending.Count} console line(s){(password ? ", the <Password> block among them," : "")} never reached the serial console; console.log has them";
                _log.Error(message);
                Note("# " + message);
                _pending.Clear();
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

    private void Write(string level, string message)
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

        _mirror?.Invoke(level + ": " + message);
    }

    /// <inheritdoc/>
    public void Dispose() => _writer?.Dispose();
}
