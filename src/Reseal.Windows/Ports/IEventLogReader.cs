namespace Reseal.Windows.Ports;

/// <summary>One Event Log entry, as <c>sendEventLogs</c> prints it.</summary>
/// <param name="LogName">The channel it is in (<c>System</c>).</param>
/// <param name="Level">Its level: 1 critical, 2 error, 3 warning, 4 (or 0) information, 5 verbose.</param>
/// <param name="Provider">The source that wrote it.</param>
/// <param name="TimeCreated">When it was written (UTC).</param>
/// <param name="EventId">Its event id.</param>
/// <param name="Message">Its message, formatted by the provider's message file, or its data when there is none.</param>
public sealed record EventLogEntry(string LogName, int Level, string Provider, DateTimeOffset TimeCreated, int EventId, string Message);

/// <summary>Reads the machine's Event Log (the Windows Event Log API).</summary>
public interface IEventLogReader
{
    /// <summary>
    /// The newest <paramref name="count"/> entries of <paramref name="logName"/>, newest first, from
    /// <paramref name="provider"/> only when given, with one of <paramref name="levels"/> when any are given.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no log of that name.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The Event Log service refused the query.</exception>
    IReadOnlyList<EventLogEntry> ReadNewest(string logName, string? provider, IReadOnlyList<int> levels, int count);
}
