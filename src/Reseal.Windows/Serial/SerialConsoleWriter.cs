using System.Text;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Serial;

/// <summary>How the agent drives a serial console port: fixed line settings, bounded opens and writes.</summary>
public sealed record SerialConsoleSettings
{
    /// <summary>115200 baud, what cloud serial consoles and EC2Launch v2 use.</summary>
    public const int BaudRate = 115200;

    /// <summary>How long one write may take before it counts as failed (SerialPort.WriteTimeout).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Tries of one write that timed out (the whole line again: a timed-out write sent nothing).</summary>
    public int WriteAttempts { get; init; } = 2;

    /// <summary>Tries to open a busy port (held by another program) before the open counts as failed.</summary>
    public int OpenAttempts { get; init; } = 3;

    /// <summary>The pause between two tries to open a busy port.</summary>
    public TimeSpan OpenRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>One open serial port: what <see cref="SerialConsoleWriter"/> needs of it.</summary>
public interface ISerialConnection : IDisposable
{
    /// <summary>Writes bytes within the connection's write timeout; <see cref="TimeoutException"/> when none went out.</summary>
    void Write(byte[] bytes);
}

/// <summary>The port could not be opened or written, with what was tried and who may own the port.</summary>
public sealed class SerialConsoleUnavailableException(string message, Exception inner) : IOException(message, inner);

/// <summary>
/// A serial console port written line by line through one open connection per run: opened at the first write (a busy
/// port tried <see cref="SerialConsoleSettings.OpenAttempts"/> times), kept open, a timed-out write tried again, and
/// closed by <see cref="Close"/>. A port that cannot be opened or written throws
/// <see cref="SerialConsoleUnavailableException"/> saying why, including who may own it (EMS/SAC); the caller keeps the
/// line and tries again later (the agent's console does). Every call is bounded: no flow control is used, writes have a
/// timeout, and opens and retries are counted.
/// </summary>
public sealed class SerialConsoleWriter : ISerialConsole, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<ISerialConnection> _open;
    private readonly Func<string> _owners;
    private readonly TimeProvider _time;
    private ISerialConnection? _connection;

    /// <summary>Creates the writer; nothing is opened until the first line.</summary>
    /// <param name="portName">The port, e.g. <c>COM1</c> (for messages).</param>
    /// <param name="open">Opens the port with the fixed line settings (115200 8N1, no flow control, the write timeout).</param>
    /// <param name="owners">Says who may own the port (EMS/SAC), called only when the port fails.</param>
    /// <param name="settings">Bounds.</param>
    /// <param name="time">For the pauses between tries.</param>
    public SerialConsoleWriter(string portName, Func<ISerialConnection> open, Func<string> owners, SerialConsoleSettings? settings = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(portName);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(owners);
        PortName = portName;
        _open = open;
        _owners = owners;
        Settings = settings ?? new SerialConsoleSettings();
        _time = time ?? TimeProvider.System;
        if (Settings.OpenAttempts < 1 || Settings.WriteAttempts < 1 || Settings.WriteTimeout <= TimeSpan.Zero || Settings.OpenRetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "serial console settings need at least one try, a positive write timeout and no negative delay");
        }
    }

    /// <summary>The port name.</summary>
    public string PortName { get; }

    /// <summary>The bounds in force.</summary>
    public SerialConsoleSettings Settings { get; }

    /// <summary>How many times the port was opened (one per run unless a write broke the connection).</summary>
    public int Opens { get; private set; }

    /// <inheritdoc/>
    public Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        lock (_gate)
        {
            var connection = _connection ?? Open(cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    connection.Write(bytes);
                    return Task.CompletedTask;
                }
                catch (TimeoutException) when (attempt < Settings.WriteAttempts)
                {
                    // Nothing went out (SerialStream reports a timeout only then): the whole line again.
                }
                catch (TimeoutException e)
                {
                    throw new SerialConsoleUnavailableException(
                        $"{PortName} took no byte of a line within {Settings.WriteTimeout.TotalMilliseconds:0} ms, {attempt} times (the device does not drain: a blocked or flow-controlled line; this side uses no flow control); {Owners()}", e);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // The connection is broken (device removed, handle closed): the next line opens the port again.
                    CloseLocked();
                    throw new SerialConsoleUnavailableException($"{PortName} failed while writing ({e.Message}); {Owners()}", e);
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Close()
    {
        lock (_gate)
        {
            CloseLocked();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Close();

    private ISerialConnection Open(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _connection = _open();
                Opens++;
                return _connection;
            }
            catch (UnauthorizedAccessException) when (attempt < Settings.OpenAttempts)
            {
                // Busy: another program (a terminal, EC2Launch, SAC) holds the port. Windows gives COM ports to one
                // opener at a time; it may let go.
                if (Settings.OpenRetryDelay > TimeSpan.Zero)
                {
                    Task.Delay(Settings.OpenRetryDelay, _time, cancellationToken).GetAwaiter().GetResult();
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException or ArgumentException or InvalidOperationException)
            {
                var what = e is UnauthorizedAccessException
                    ? $"is held by another program or denied (tried {attempt} times, {Settings.OpenRetryDelay.TotalSeconds:0.#} s apart)"
                    : "cannot be opened";
                throw new SerialConsoleUnavailableException($"{PortName} {what} ({e.Message}); {Owners()}", e);
            }
        }
    }

    private string Owners()
    {
        try
        {
            return _owners();
        }
#pragma warning disable CA1031 // The diagnosis is a courtesy in an error message; its own failure must not hide the port's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"who owns the port could not be checked ({e.Message})";
        }
    }

    private void CloseLocked()
    {
        var connection = _connection;
        _connection = null;
        try
        {
            connection?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Closing a port whose device is gone can fail (SerialStream's CLRDTR); the handle is released anyway.
        }
    }
}
