using System.IO.Ports;
using System.Runtime.Versioning;
using Microsoft.Win32;
using Reseal.Windows.Ports;
using Reseal.Windows.Serial;

namespace Reseal.Windows.Live;

/// <summary>
/// A serial console port through System.IO.Ports: opened once per run at the first line with explicit settings
/// (115200 baud, 8 data bits, no parity, 1 stop bit, Handshake.None, DTR/RTS off, a write timeout), a busy port tried
/// again, and when the port fails the message says whether EMS/SAC owns it (<see cref="EmsDetection"/>: the live BCD
/// store under <c>HKLM\BCD00000000</c> and the <c>sacdrv</c> driver).
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class LiveSerialConsole : ISerialConsole, IDisposable
{
    private readonly SerialConsoleWriter _writer;

    /// <summary>Creates the port (default <c>COM1</c>; <c>\\.\COM4</c> is accepted too); nothing is opened yet. Throws off Windows.</summary>
    public LiveSerialConsole(string port = "COM1", IServices? services = null, SerialConsoleSettings? settings = null)
    {
        LiveWindows.Guard("LiveSerialConsole");
        ArgumentException.ThrowIfNullOrEmpty(port);
        var name = port.StartsWith(@"\\.\", StringComparison.Ordinal) ? port[4..] : port;
        var bounds = settings ?? new SerialConsoleSettings();
        _writer = new SerialConsoleWriter(name, () => SerialPortConnection.Open(name, bounds.WriteTimeout),
            () => EmsDetection.Read(() => new LiveBcdStore(), services).Describe(name), bounds);
    }

    /// <summary>The port name (<c>COM1</c>).</summary>
    public string PortName => _writer.PortName;

    /// <summary>How many times the port was opened.</summary>
    public int Opens => _writer.Opens;

    /// <inheritdoc/>
    public Task WriteLineAsync(string line, CancellationToken cancellationToken) => _writer.WriteLineAsync(line, cancellationToken);

    /// <inheritdoc/>
    public void Close() => _writer.Close();

    /// <inheritdoc/>
    public void Dispose() => _writer.Dispose();

    private sealed class SerialPortConnection(SerialPort port) : ISerialConnection
    {
        public static SerialPortConnection Open(string name, TimeSpan writeTimeout)
        {
            var port = new SerialPort(name, SerialConsoleSettings.BaudRate, Parity.None, 8, StopBits.One)
            {
                Handshake = Handshake.None,
                DtrEnable = false,
                RtsEnable = false,
                WriteTimeout = (int)Math.Clamp(writeTimeout.TotalMilliseconds, 1, int.MaxValue),
            };
            try
            {
                port.Open();
                return new SerialPortConnection(port);
            }
            catch
            {
                port.Dispose();
                throw;
            }
        }

        public void Write(byte[] bytes) => port.Write(bytes, 0, bytes.Length);

        public void Dispose() => port.Dispose();
    }

    /// <summary>The system BCD store the running Windows mounts at <c>HKLM\BCD00000000</c> (readable by administrators and SYSTEM).</summary>
    private sealed class LiveBcdStore : IBcdStore
    {
        private const string Root = "BCD00000000";

        public string Source => @"HKLM\" + Root;

        public RegistryData? GetElement(string objectId, uint elementType)
        {
            using var key = Microsoft.Win32.Registry.LocalMachine.OpenSubKey(Root + @"\" + EmsDetection.ElementPath(objectId, elementType));
            return key?.GetValue("Element", null, RegistryValueOptions.DoNotExpandEnvironmentNames) switch
            {
                byte[] bytes => new RegistryData(RegistryData.TypeBinary, bytes),
                string text => RegistryData.FromString(text),
                _ => null,
            };
        }
    }
}
