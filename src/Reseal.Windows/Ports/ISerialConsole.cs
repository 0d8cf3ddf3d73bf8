namespace Reseal.Windows.Ports;

/// <summary>The serial console (COM1), where launch agents print what clouds show as the instance's console output.</summary>
public interface ISerialConsole
{
    /// <summary>Writes one line (CR LF appended) to the port, opening it at the first line. Needs a running Windows.</summary>
    Task WriteLineAsync(string line, CancellationToken cancellationToken);

    /// <summary>Releases the port (when open) so that other programs can use it; the next line opens it again.</summary>
    void Close();
}
