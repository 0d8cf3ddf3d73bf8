using System.Globalization;
using System.Text;

namespace Reseal.SysprepEmulator;

/// <summary>
/// Writes Panther logs (setupact.log, setuperr.log) in the format Sysprep and Setup use (answerfiles.md §5; read by
/// src/Reseal.Sysprep/Panther/PantherLogReader.cs):
/// <c>YYYY-MM-DD HH:MM:SS, &lt;Level&gt; [&lt;msg-id&gt;] &lt;Component&gt; &lt;message&gt;</c> — local time; the level
/// padded to 11 columns before a message id, to 22 without; the component padded to 6 columns (an empty column before a
/// bracketed tag such as <c>[Shell Unattend]</c>). Files are UTF-16LE with a byte-order mark and CRLF line ends, and are
/// appended to (several Sysprep runs share one file). Error and Warning lines go to setuperr.log too.
/// </summary>
public sealed class PantherLog(string folder, TimeProvider time)
{
    private static readonly Encoding Utf16 = new UnicodeEncoding(bigEndian: false, byteOrderMark: true);

    public string Folder { get; } = folder;

    public string ActionLog => Path.Combine(Folder, "setupact.log");

    public string ErrorLog => Path.Combine(Folder, "setuperr.log");

    public void Info(string component, string message, string? id = null) => Write("Info", component, message, id);

    public void Warning(string component, string message, string? id = null) => Write("Warning", component, message, id);

    public void Error(string component, string message, string? id = null) => Write("Error", component, message, id);

    /// <summary>One line, formatted (no line break).</summary>
    public static string Format(DateTimeOffset localTime, string level, string component, string message, string? id)
    {
        var builder = new StringBuilder(128);
        builder.Append(localTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(", ");
        builder.Append(id is null ? level.PadRight(22) : level.PadRight(11) + "[" + id + "] ");
        builder.Append(component.PadRight(6)).Append(' ').Append(message);
        return builder.ToString();
    }

    private void Write(string level, string component, string message, string? id)
    {
        var line = Format(time.GetLocalNow(), level, component, message, id) + "\r\n";
        Directory.CreateDirectory(Folder);
        Append(ActionLog, line);
        if (level != "Info")
        {
            Append(ErrorLog, line);
        }
    }

    private static void Append(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var bytes = stream.Length == 0 ? [.. Utf16.GetPreamble(), .. Utf16.GetBytes(line)] : Utf16.GetBytes(line);
        stream.Write(bytes);
    }
}
