using System.Text;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Panther;

/// <summary>
/// Follows one Panther log (setupact.log or setuperr.log, format in <see cref="PantherLogReader"/>) while Sysprep appends
/// to it, through the machine's file port: each <see cref="ReadNew"/> parses the complete lines written since the last
/// one. <see cref="Start"/> marks where this run begins, so only its lines count. A file that shrinks or whose first
/// bytes change (Sysprep starting a fresh log, as it may for each run) is read again from its start. Memory stays bounded: at most <see cref="MaxReadBytes"/> per read and one
/// partial line of at most <see cref="MaxLineBytes"/>.
/// </summary>
internal sealed class PantherLogFollower(IWindowsFiles files, string windowsPath)
{
    /// <summary>The most bytes one <see cref="ReadNew"/> reads; the rest waits for the next.</summary>
    public const int MaxReadBytes = 1024 * 1024;

    /// <summary>A partial line longer than this is parsed as it is (a file of junk has no line breaks).</summary>
    public const int MaxLineBytes = 64 * 1024;

    private readonly List<byte> _carry = [];
    private long _offset;
    private long _lineNumber = 1;
    private string? _encodingName;
    private byte[] _head = [];
    private bool _started;

    /// <summary>The log (Windows path).</summary>
    public string Path { get; } = windowsPath;

    /// <summary>Bytes consumed so far (the next read starts here).</summary>
    public long Offset => _offset;

    /// <summary>
    /// Starts following at the file's current end: lines already there belong to earlier runs. Their line breaks are
    /// counted, so line numbers in evidence stay true. A missing file is followed from its start once it appears.
    /// </summary>
    public void Start()
    {
        _started = true;
        _carry.Clear();
        if (!Exists())
        {
            (_offset, _lineNumber, _encodingName, _head) = (0, 1, null, []);
            return;
        }

        var head = files.ReadHead(Path, 4096, out var length);
        _encodingName = head.Length == 0 ? null : PantherLogEncoding.DetectEncoding(head).Name;
        _head = head[..Math.Min(head.Length, HeadBytes)];
        _offset = length;
        _lineNumber = 1 + CountLineBreaks(length);
    }

    /// <summary>
    /// The complete lines written since the last call, parsed (continuation lines as raw records). Empty when nothing new
    /// was written, the file is missing, or it cannot be read now (Sysprep holds it: the next call tries again).
    /// </summary>
    public IReadOnlyList<PantherLogRecord> ReadNew()
    {
        if (!_started)
        {
            throw new InvalidOperationException("call Start first");
        }

        byte[] bytes;
        long length;
        try
        {
            if (!Exists())
            {
                return [];
            }

            var replaced = _head.Length > 0 && !files.ReadHead(Path, _head.Length, out _).AsSpan().SequenceEqual(_head);
            bytes = files.ReadFrom(Path, _offset, MaxReadBytes, out length);
            if (length < _offset || replaced)
            {
                // The file was truncated or replaced: a fresh log, read from its start.
                (_offset, _lineNumber, _encodingName, _head) = (0, 1, null, []);
                _carry.Clear();
                bytes = files.ReadFrom(Path, 0, MaxReadBytes, out length);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        if (bytes.Length == 0)
        {
            return [];
        }

        var skip = 0;
        if (_offset == 0)
        {
            _head = bytes[..Math.Min(bytes.Length, HeadBytes)];
            var (name, bomLength) = PantherLogEncoding.DetectEncoding(bytes.AsSpan(0, Math.Min(bytes.Length, 4096)));
            _encodingName = name;
            skip = bomLength;
        }

        _offset += bytes.Length;
        _carry.AddRange(bytes.AsSpan(skip));
        return TakeLines();
    }

    /// <summary>How many first bytes identify the file (a fresh log starts with another timestamp).</summary>
    private const int HeadBytes = 256;

    private List<PantherLogRecord> TakeLines()
    {
        var encodingName = _encodingName ?? "utf-8";
        var unit = encodingName.StartsWith("utf-16", StringComparison.Ordinal) ? 2 : 1;
        var bigEndian = encodingName == "utf-16be";
        var encoding = PantherLogEncoding.EncodingFor(encodingName);
        var records = new List<PantherLogRecord>();
        var data = _carry.ToArray();
        var lineStart = 0;
        for (var i = 0; i + unit <= data.Length; i += unit)
        {
            var isBreak = unit == 1 ? data[i] == (byte)'\n' : (bigEndian ? data[i] == 0 && data[i + 1] == (byte)'\n' : data[i] == (byte)'\n' && data[i + 1] == 0);
            var tooLong = i + unit - lineStart >= MaxLineBytes;
            if (!isBreak && !tooLong)
            {
                continue;
            }

            var end = isBreak ? i : i + unit;
            Add(encoding.GetString(data, lineStart, end - lineStart));
            lineStart = i + unit;
        }

        _carry.RemoveRange(0, lineStart);
        return records;

        void Add(string text)
        {
            var line = PantherLogReader.Clean(text);
            if (line is not null)
            {
                records.Add(PantherLogReader.ParseLine(line, Path, _lineNumber));
            }

            _lineNumber++;
        }
    }

    private bool Exists()
    {
        try
        {
            return files.FileExists(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Line breaks in the first <paramref name="length"/> bytes, read in bounded chunks.</summary>
    private long CountLineBreaks(long length)
    {
        var utf16 = _encodingName?.StartsWith("utf-16", StringComparison.Ordinal) == true;
        var bigEndian = _encodingName == "utf-16be";
        long count = 0;
        long at = 0;
        while (at < length)
        {
            var chunk = files.ReadFrom(Path, at, MaxReadBytes & ~1, out _);
            if (chunk.Length == 0)
            {
                break;
            }

            if (!utf16)
            {
                count += chunk.AsSpan().Count((byte)'\n');
            }
            else
            {
                for (var i = 0; i + 1 < chunk.Length; i += 2)
                {
                    if (bigEndian ? chunk[i] == 0 && chunk[i + 1] == (byte)'\n' : chunk[i] == (byte)'\n' && chunk[i + 1] == 0)
                    {
                        count++;
                    }
                }
            }

            at += chunk.Length;
        }

        return count;
    }

    /// <summary>For tests and messages: the encoding the log is read with, once known.</summary>
    public string? EncodingName => _encodingName;

    /// <summary>The text of a record's line as people read it in a progress stream.</summary>
    public static string Describe(PantherLogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Kind == PantherLineKind.Raw)
        {
            return record.RawText;
        }

        var text = new StringBuilder();
        text.Append(record.LevelText).Append(' ');
        if (record.Component is not null)
        {
            text.Append(record.Component).Append(' ');
        }

        return text.Append(record.Message).ToString();
    }
}
