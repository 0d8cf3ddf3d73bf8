using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Events;

namespace Reseal.Windows.Live;

/// <summary>
/// Writes to the Windows event log through <c>RegisterEventSourceW</c> / <c>ReportEventW</c> / <c>DeregisterEventSource</c>,
/// as a source in the Application log (default <c>Reseal</c>; the installer registers its message file, see
/// <see cref="EventLogSource"/>). The message is the event's one insertion string. Never throws because a write failed:
/// the first failure is passed to the fallback callback, later ones are only counted. Thread-safe.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class LiveEventLog : IEventLogWriter, IDisposable
{
    /// <summary>Reseal's event source.</summary>
    public const string DefaultSource = "Reseal";

    /// <summary>ReportEventW takes at most 31,839 characters per insertion string; longer messages are cut to this.</summary>
    public const int MaxMessageLength = 31_839;

    private const string TruncatedMarker = " … (truncated)";

    private readonly Lock _gate = new();
    private readonly string _source;
    private readonly Action<string>? _onFailure;
    private nint _handle;
    private bool _disposed;
    private bool _reported;

    /// <summary>
    /// Creates the writer; throws <see cref="PlatformNotSupportedException"/> off Windows. The source is opened at the first
    /// write. <paramref name="onFailure"/> hears about the first write that fails (it must not throw).
    /// </summary>
    public LiveEventLog(string source = DefaultSource, Action<string>? onFailure = null)
    {
        LivePlatform.Guard("LiveEventLog");
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        _source = source;
        _onFailure = onFailure;
    }

    /// <summary>How many writes failed so far.</summary>
    public int FailureCount { get; private set; }

    /// <inheritdoc/>
    public void Write(EventLogLevel level, int eventId, string message)
    {
        EventIds.ValidateWrite(level, eventId, message);
        var text = Truncate(message);
        lock (_gate)
        {
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_handle == 0)
                {
                    _handle = NativeMethods.RegisterEventSource(null, _source);
                    if (_handle == 0)
                    {
                        throw new Win32Exception(Marshal.GetLastPInvokeError(), $"RegisterEventSource({_source}) failed");
                    }
                }

                Report(level, eventId, text);
            }
            catch (Exception e) when (e is Win32Exception or ObjectDisposedException or ExternalException)
            {
                FailureCount++;
                if (!_reported)
                {
                    _reported = true;
                    try
                    {
                        _onFailure?.Invoke($"cannot write to the Windows event log (source {_source}, event {eventId}): {e.Message}; " +
                                           "further failures are not reported");
                    }
                    catch (Exception)
                    {
                        // The fallback is the last resort; its own failure is not the agent's problem.
                    }
                }
            }
        }
    }

    /// <summary>Closes the event source handle.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_handle != 0)
            {
                _ = NativeMethods.DeregisterEventSource(_handle);
                _handle = 0;
            }

            _disposed = true;
        }
    }

    /// <summary>The message as written: at most <see cref="MaxMessageLength"/> characters, with a marker when cut.</summary>
    internal static string Truncate(string message) =>
        message.Length <= MaxMessageLength ? message : string.Concat(message.AsSpan(0, MaxMessageLength - TruncatedMarker.Length), TruncatedMarker);

    private unsafe void Report(EventLogLevel level, int eventId, string text)
    {
        var type = level switch
        {
            EventLogLevel.Error => NativeMethods.EventlogErrorType,
            EventLogLevel.Warning => NativeMethods.EventlogWarningType,
            _ => NativeMethods.EventlogInformationType,
        };
        fixed (char* chars = text)
        {
            var strings = stackalloc char*[1];
            strings[0] = chars;
            if (!NativeMethods.ReportEvent(_handle, type, 0, (uint)eventId, 0, 1, 0, strings, 0))
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"ReportEvent({_source}, {eventId}) failed");
            }
        }
    }
}
