using System.Globalization;
using System.Text;

namespace Reseal.Sysprep.Tests.Panther;

public enum LogEncoding
{
    Utf16LeBom,
    Utf16Le,
    Utf8,
    Utf8Bom,
    Ansi,
}

/// <summary>Writes Panther logs the way Sysprep and Setup do: timestamp, padded level, optional id, component, message.</summary>
internal sealed class PantherLogBuilder
{
    private readonly List<string> _lines = [];
    private DateTime _time;

    public PantherLogBuilder(DateTime? start = null) => _time = start ?? new DateTime(2024, 5, 14, 10, 0, 0, DateTimeKind.Unspecified);

    /// <summary>How many lines have been written so far (the next line is LineCount + 1).</summary>
    public int LineCount => _lines.Count;

    public PantherLogBuilder At(DateTime time)
    {
        _time = time;
        return this;
    }

    public PantherLogBuilder Entry(string level, string? component, string message, string? id = null, string? gle = null)
    {
        var ts = _time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        _time = _time.AddSeconds(1);
        var column = id is null ? level.PadRight(22) : level.PadRight(11) + "[" + id + "] ";
        var text = ts + ", " + column + (component is null ? string.Empty : component + " ") + message + (gle is null ? string.Empty : "[gle=" + gle + "]");
        _lines.Add(text);
        return this;
    }

    public PantherLogBuilder Info(string message, string component = "SYSPRP", string? id = null) => Entry("Info", component, message, id);

    public PantherLogBuilder Error(string message, string? component = "SYSPRP", string? id = null) => Entry("Error", component, message, id);

    public PantherLogBuilder Raw(string text)
    {
        _lines.Add(text);
        return this;
    }

    /// <summary>The chatter between the interesting lines.</summary>
    public PantherLogBuilder Noise()
    {
        Info("SysprepSession::Validate: Validating actions from C:\\Windows\\System32\\Sysprep\\ActionFiles\\Generalize.xml", id: "0x0f004d");
        Info("ActionPlatform::LaunchModule: Executing method 'Sysprep_Clean_Validate_Opk' from C:\\Windows\\System32\\spopk.dll");
        Entry("Info", "CSI", "00000001 Shim considered [l:123]'\\??\\C:\\Windows\\Servicing\\Packages\\Package_for_RollupFix.mum' : got STATUS_SUCCESS");
        Raw("    [Multi-line continuation of the previous message: component store details]");
        Info("ActionPlatform::ExecuteAction: Successfully executed the action");
        return this;
    }

    public PantherLogBuilder BeginRun(params string[] options)
    {
        Info("================================================================");
        Info("===          Beginning of a new sysprep run          ===");
        Info("================================================================");
        foreach (var option in options.Length == 0 ? ["GENERALIZE", "OOBE", "SHUTDOWN"] : options)
        {
            Info($"ParseCommands:Found supported command line option '{option}'", id: "0x0f0079");
        }

        Info("WinMain:Sysprep mode [vm]; was specified");
        Info("SysprepSession::CreateSession: Successfully created instance with action file C:\\Windows\\System32\\Sysprep\\ActionFiles\\Generalize.xml");
        return this;
    }

    public PantherLogBuilder EndRun() => Info("Shutting down SysPrep log", id: "0x0f0052");

    public string Text(string newline = "\r\n") => string.Join(newline, _lines) + newline;

    public byte[] Bytes(LogEncoding encoding, string newline = "\r\n") => Encode(Text(newline), encoding);

    public string WriteTo(string path, LogEncoding encoding = LogEncoding.Utf16LeBom, string newline = "\r\n")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Bytes(encoding, newline));
        return path;
    }

    public static byte[] Encode(string text, LogEncoding encoding) => encoding switch
    {
        LogEncoding.Utf16LeBom => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)],
        LogEncoding.Utf16Le => Encoding.Unicode.GetBytes(text),
        LogEncoding.Utf8 => Encoding.UTF8.GetBytes(text),
        LogEncoding.Utf8Bom => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
        _ => Encoding.Latin1.GetBytes(text),
    };
}
