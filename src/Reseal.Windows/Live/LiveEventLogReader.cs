using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using System.Xml;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>
/// The Event Log through the Windows Event Log API (wevtapi.dll): <c>EvtQuery</c> with an XPath filter, newest first
/// (<c>EvtQueryReverseDirection</c>), <c>EvtNext</c>, <c>EvtRender</c> of the event XML for its system fields, and
/// <c>EvtFormatMessage</c> with the provider's metadata for the message — what Event Viewer and Get-WinEvent show.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed partial class LiveEventLogReader : IEventLogReader
{
    private const int EvtQueryChannelPath = 0x1;
    private const int EvtQueryReverseDirection = 0x200;
    private const int EvtRenderEventXml = 1;
    private const int EvtFormatMessageEvent = 1;
    private const int ErrorNoMoreItems = 259;
    private const int ErrorInsufficientBuffer = 122;
    private const int ErrorEvtChannelNotFound = 15007;

    /// <summary>Longest message kept (a console line, not a dump).</summary>
    public const int MaxMessageLength = 2048;

    /// <summary>Creates the reader; throws off Windows.</summary>
    public LiveEventLogReader() => LivePlatform.Guard("LiveEventLogReader");

    /// <summary>The XPath filter for the query: provider and levels, or every event.</summary>
    public static string Filter(string? provider, IReadOnlyList<int> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var conditions = new List<string>();
        if (!string.IsNullOrEmpty(provider))
        {
            // XPath 1.0 has no escape inside a literal: quote with the mark the name does not hold (both: refused).
            var quote = provider.Contains('\'', StringComparison.Ordinal) ? '"' : '\'';
            if (provider.Contains(quote, StringComparison.Ordinal))
            {
                throw new ArgumentException("a source name cannot hold both kinds of quotation mark", nameof(provider));
            }

            conditions.Add($"Provider[@Name={quote}{provider}{quote}]");
        }

        if (levels.Count > 0)
        {
            conditions.Add("(" + string.Join(" or ", levels.Select(l => "Level=" + l.ToString(CultureInfo.InvariantCulture))) + ")");
        }

        return conditions.Count == 0 ? "*" : "*[System[" + string.Join(" and ", conditions) + "]]";
    }

    /// <inheritdoc/>
    public IReadOnlyList<EventLogEntry> ReadNewest(string logName, string? provider, IReadOnlyList<int> levels, int count)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logName);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var query = EvtQuery(0, logName, Filter(provider, levels), EvtQueryChannelPath | EvtQueryReverseDirection);
        if (query == 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw error == ErrorEvtChannelNotFound
                ? new KeyNotFoundException($"there is no event log '{logName}'")
                : new Win32Exception(error, $"EvtQuery on '{logName}' failed");
        }

        var entries = new List<EventLogEntry>();
        try
        {
            var handles = new nint[Math.Min(count, 64)];
            while (entries.Count < count)
            {
                if (!EvtNext(query, Math.Min(handles.Length, count - entries.Count), handles, 5_000, 0, out var returned))
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error == ErrorNoMoreItems)
                    {
                        break;
                    }

                    throw new Win32Exception(error, $"EvtNext on '{logName}' failed");
                }

                // Every handle of the batch is closed, also those after one whose reading throws (EvtNext hands over
                // ownership of all of them: https://learn.microsoft.com/windows/win32/api/winevt/nf-winevt-evtnext).
                var next = 0;
                try
                {
                    for (; next < returned; next++)
                    {
                        entries.Add(Read(handles[next], logName));
                        EvtClose(handles[next]);
                    }
                }
                finally
                {
                    for (; next < returned; next++)
                    {
                        EvtClose(handles[next]);
                    }
                }
            }
        }
        finally
        {
            EvtClose(query);
        }

        return entries;
    }

    private static EventLogEntry Read(nint handle, string logName)
    {
        var xml = Render(handle);
        string? provider = null, channel = null, time = null;
        int level = 0, id = 0;
        var data = new List<string>();
        using (var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
        {
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "Provider":
                        provider = reader.GetAttribute("Name") ?? reader.GetAttribute("EventSourceName");
                        break;
                    case "EventID":
                        _ = int.TryParse(reader.ReadElementContentAsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out id);
                        break;
                    case "Level":
                        _ = int.TryParse(reader.ReadElementContentAsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out level);
                        break;
                    case "TimeCreated":
                        time = reader.GetAttribute("SystemTime");
                        break;
                    case "Channel":
                        channel = reader.ReadElementContentAsString();
                        break;
                    case "Data":
                        data.Add(reader.ReadElementContentAsString());
                        break;
                }
            }
        }

        var when = DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed.ToUniversalTime() : DateTimeOffset.UnixEpoch;
        var message = (provider is null ? null : FormatMessage(provider, handle)) ?? string.Join(" ", data.Where(d => d.Length > 0));
        if (message.Length > MaxMessageLength)
        {
            message = message[..MaxMessageLength] + "…";
        }

        return new EventLogEntry(channel ?? logName, level, provider ?? "", when, id, message);
    }

    private static string Render(nint handle)
    {
        // Sizes are in bytes; the XML is UTF-16 with its terminator.
        var size = 8192;
        while (true)
        {
            var buffer = new char[size / 2];
            if (EvtRender(0, handle, EvtRenderEventXml, buffer.Length * 2, buffer, out var used, out _))
            {
                return new string(buffer, 0, Math.Clamp((used / 2) - 1, 0, buffer.Length));
            }

            var error = Marshal.GetLastPInvokeError();
            if (error != ErrorInsufficientBuffer || used <= size || used > 16 * 1024 * 1024)
            {
                throw new Win32Exception(error, "EvtRender failed");
            }

            size = used + 2;
        }
    }

    // The message as Event Viewer shows it; null when the provider has no message file here (the data is used instead).
    private static string? FormatMessage(string provider, nint handle)
    {
        var metadata = EvtOpenPublisherMetadata(0, provider, null, 0, 0);
        if (metadata == 0)
        {
            return null;
        }

        try
        {
            _ = EvtFormatMessage(metadata, handle, 0, 0, 0, EvtFormatMessageEvent, 0, null, out var needed);
            if (needed <= 0 || needed > 1024 * 1024)
            {
                return null;
            }

            var buffer = new char[needed];
            if (!EvtFormatMessage(metadata, handle, 0, 0, 0, EvtFormatMessageEvent, buffer.Length, buffer, out var used))
            {
                return null;
            }

            var text = new StringBuilder().Append(buffer, 0, Math.Max(0, used - 1)).ToString();
            return text.Trim();
        }
        finally
        {
            EvtClose(metadata);
        }
    }

    [LibraryImport("wevtapi.dll", EntryPoint = "EvtQuery", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint EvtQuery(nint session, string path, string query, int flags);

    [LibraryImport("wevtapi.dll", EntryPoint = "EvtNext", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool EvtNext(nint resultSet, int eventsSize, [Out] nint[] events, int timeout, int flags, out int returned);

    [LibraryImport("wevtapi.dll", EntryPoint = "EvtRender", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool EvtRender(nint context, nint fragment, int flags, int bufferSize, [Out] char[] buffer, out int bufferUsed, out int propertyCount);

    [LibraryImport("wevtapi.dll", EntryPoint = "EvtOpenPublisherMetadata", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint EvtOpenPublisherMetadata(nint session, string publisherId, string? logFilePath, int locale, int flags);

    [LibraryImport("wevtapi.dll", EntryPoint = "EvtFormatMessage", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool EvtFormatMessage(nint publisherMetadata, nint eventHandle, int messageId, int valueCount, nint values, int flags, int bufferSize,
        [Out] char[]? buffer, out int bufferUsed);

    [LibraryImport("wevtapi.dll", EntryPoint = "EvtClose")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool EvtClose(nint handle);
}
