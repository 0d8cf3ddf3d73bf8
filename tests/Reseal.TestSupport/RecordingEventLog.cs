using Reseal.Windows.Events;

namespace Reseal.TestSupport;

/// <summary>One event a <see cref="RecordingEventLog"/> received.</summary>
public sealed record RecordedEvent(EventLogLevel Level, int EventId, string Message);

/// <summary>
/// An event log that keeps what it is given, in order, for tests to assert on. It checks its arguments as the live writer
/// does (so a bad event ID fails the test), and can be told to fail like an unavailable event log: then it drops the
/// event and tells <see cref="OnFailure"/> once, as <c>LiveEventLog</c> does. Thread-safe.
/// </summary>
public sealed class RecordingEventLog : IEventLogWriter
{
    private readonly Lock _gate = new();
    private readonly List<RecordedEvent> _events = [];
    private bool _reported;

    /// <summary>When true, writes fail (nothing is recorded) and the first failure is reported to <see cref="OnFailure"/>.</summary>
    public bool Failing { get; set; }

    /// <summary>The fallback told about the first failed write.</summary>
    public Action<string>? OnFailure { get; init; }

    /// <summary>The events so far, oldest first.</summary>
    public IReadOnlyList<RecordedEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public void Write(EventLogLevel level, int eventId, string message)
    {
        EventIds.ValidateWrite(level, eventId, message);
        lock (_gate)
        {
            if (!Failing)
            {
                _events.Add(new RecordedEvent(level, eventId, message));
                return;
            }

            if (!_reported)
            {
                _reported = true;
                OnFailure?.Invoke($"cannot write to the event log (event {eventId}): the recording log is set to fail");
            }
        }
    }
}
