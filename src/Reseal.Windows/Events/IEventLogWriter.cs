namespace Reseal.Windows.Events;

/// <summary>An event's level, as the Windows event log shows it. The value is the level digit of <see cref="EventIds"/>.</summary>
public enum EventLogLevel
{
    /// <summary>Information (EVENTLOG_INFORMATION_TYPE); level digit 0.</summary>
    Information = 0,

    /// <summary>Warning (EVENTLOG_WARNING_TYPE); level digit 1.</summary>
    Warning = 1,

    /// <summary>Error (EVENTLOG_ERROR_TYPE); level digit 2.</summary>
    Error = 2,
}

/// <summary>
/// Writes events to the Windows event log (Reseal's source in the Application log). A failure to write never throws into
/// the caller: the agent must not stop because the event log is full or the service is down. Only a bad argument (an
/// event ID outside 0–65535, a null message) throws, because that is a bug.
/// </summary>
public interface IEventLogWriter
{
    /// <summary>Writes one event. <paramref name="eventId"/> is 0–65535; build it with <see cref="EventIds.For"/>.</summary>
    void Write(EventLogLevel level, int eventId, string message);
}

/// <summary>An event log that drops everything (off Windows, or when events are turned off).</summary>
public sealed class NullEventLog : IEventLogWriter
{
    /// <summary>The one instance.</summary>
    public static NullEventLog Instance { get; } = new();

    private NullEventLog()
    {
    }

    /// <inheritdoc/>
    public void Write(EventLogLevel level, int eventId, string message) => EventIds.ValidateWrite(level, eventId, message);
}
