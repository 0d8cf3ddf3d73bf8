// User data, as a clone fetches it from its metadata service (agents.md §1 and §3):
//
//   1F 8B …                        gzip (magic bytes): inflated (bounded), then read again
//   <powershell>…</powershell>     EC2 XML tags (plus <script>, <persist>, <runAsLocalSystem>, <powershellArguments>)
//   version: 1.1 / tasks: […]      EC2Launch v2 YAML (1.0 or 1.1)
//   #ps1 / #ps1_sysnative / #ps1_x86 / rem cmd / #!…   Cloudbase-Init script headers (first line)
//   #cloud-config                  cloud-config (write_files, set_hostname, set_timezone, users, runcmd)
//   Content-Type: multipart/…      MIME multipart: each part read by its Content-Type (or its first line)
//   SGVsbG8…                       base64 of any of the above, when that is how it was given
//
// Everything is bounded: raw size, total decoded size (gzip bombs), encoding layers, MIME depth and part count.
// Nothing is dropped silently: unsupported or malformed content becomes a diagnostic naming the part.
using System.Buffers.Text;
using System.IO.Compression;
using System.Text;
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.UserData;

/// <summary>Turns raw user data into work items and diagnostics. Never throws for bad input.</summary>
public static class UserDataParser
{
    /// <summary>Reads the file at <paramref name="path"/> (size-checked before reading) and parses it.</summary>
    public static UserDataResult ParseFile(string path, UserDataLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        limits ??= UserDataLimits.Default;
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return new(UserDataFormat.Unrecognized, UserDataPlacement.BeforePostReady, [],
                [BootDiagnostic.Error(BootCodes.FileNotReadable, 0, 0, "the file does not exist", path)], 0);
        }

        if (info.Length > limits.MaxRawBytes)
        {
            return TooLarge(info.Length, limits, path);
        }

        try
        {
            return Parse(Reseal.IO.RegularFile.ReadAllBytes(path, limits.MaxRawBytes), limits, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(UserDataFormat.Unrecognized, UserDataPlacement.BeforePostReady, [],
                [BootDiagnostic.Error(BootCodes.FileNotReadable, 0, 0, "cannot read the file: " + e.Message, path)], 0);
        }
    }

    /// <summary>
    /// Parses raw user data (as <see cref="Reseal.Cloud.Metadata.InstanceMetadata.UserData"/> holds it); EC2Launch v2 YAML
    /// tasks are validated against <paramref name="tasks"/> (the built-in tasks when null).
    /// </summary>
    public static UserDataResult Parse(ReadOnlySpan<byte> raw, UserDataLimits? limits = null, string? source = null, Tasks.TaskRegistry? tasks = null)
    {
        limits ??= UserDataLimits.Default;
        source ??= "user-data";
        if (raw.Length > limits.MaxRawBytes)
        {
            return TooLarge(raw.Length, limits, source);
        }

        var context = new UserDataContext(limits, source, tasks ?? Tasks.TaskRegistry.BuiltIn);
        if (raw.IsEmpty)
        {
            return new(UserDataFormat.None, UserDataPlacement.BeforePostReady, [], [], 0);
        }

        if (raw.Length > limits.Ec2RawLimitBytes)
        {
            context.Info(BootCodes.UserDataNote, 0, 0, source,
                $"user data is {raw.Length} bytes; EC2Config and EC2Launch v1 accept at most 16 KB (EC2Launch v2: 60 KB compressed), so this may not be what the cloud delivers");
        }

        var format = context.Read(raw.ToArray(), source, layers: 0, mimeDepth: 0);
        return new(format, context.Placement, context.Items, context.Diagnostics, raw.Length);
    }

    private static UserDataResult TooLarge(long length, UserDataLimits limits, string source) =>
        new(UserDataFormat.Unrecognized, UserDataPlacement.BeforePostReady, [],
            [BootDiagnostic.Error(BootCodes.TooLarge, 0, 0, $"user data is {length} bytes, more than the {limits.MaxRawBytes} allowed; refused unread", source)],
            length);
}

/// <summary>The state of one parse: items and diagnostics so far, and the decoding budget left.</summary>
internal sealed class UserDataContext(UserDataLimits limits, string source, Tasks.TaskRegistry tasks)
{
    private long _decodedBudget = limits.MaxDecodedBytes;
    private int _mimeParts;

    public UserDataLimits Limits => limits;

    public List<UserDataItem> Items { get; } = [];

    public List<BootDiagnostic> Diagnostics { get; } = [];

    public UserDataPlacement Placement { get; set; } = UserDataPlacement.BeforePostReady;

    public string Source => source;

    /// <summary>The tasks YAML user data may name.</summary>
    public Tasks.TaskRegistry Tasks => tasks;

    /// <summary>Detects the format of <paramref name="bytes"/> and adds its items. Returns the format found.</summary>
    public UserDataFormat Read(byte[] bytes, string origin, int layers, int mimeDepth)
    {
        if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
        {
            if (!EnterLayer(ref layers, origin))
            {
                return UserDataFormat.Unrecognized;
            }

            return Inflate(bytes, origin) is { } inflated ? Read(inflated, origin, layers, mimeDepth) : UserDataFormat.Unrecognized;
        }

        if (!TryDecodeText(bytes, out var text))
        {
            // A warning, like unrecognised text: user data is also where applications keep their own data.
            Warning(BootCodes.UserDataUnrecognized, 0, 0, origin,
                $"binary data that is not gzip or text (starts {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}); nothing from it will run");
            return UserDataFormat.Unrecognized;
        }

        var format = ReadText(text, origin, mimeDepth);
        if (format != UserDataFormat.Unrecognized || !IsUnrecognizedText(text))
        {
            return format;
        }

        if (TryBase64(text) is { } decoded && EnterLayer(ref layers, origin))
        {
            var (diagnostics, items) = (Diagnostics.Count, Items.Count);
            var inner = Read(decoded, origin, layers, mimeDepth);
            if (inner != UserDataFormat.Unrecognized)
            {
                Info(BootCodes.UserDataNote, 0, 0, origin, "user data was base64-encoded; decoded it");
                return inner;
            }

            // Not base64 of anything known after all: forget what reading it as such said.
            Diagnostics.RemoveRange(diagnostics, Diagnostics.Count - diagnostics);
            Items.RemoveRange(items, Items.Count - items);
        }

        Warning(BootCodes.UserDataUnrecognized, 1, 1, origin,
            $"user data format not recognised ({DescribeUnrecognized(text)}; its content is not shown); expected <powershell>/<script> tags, EC2Launch v2 YAML, " +
            "#ps1, #ps1_sysnative, #ps1_x86, rem cmd, #!, #cloud-config or MIME multipart; nothing from it will run");
        return UserDataFormat.Unrecognized;
    }

    // Text ReadText could not place and said nothing about (not a recognised-but-unsupported header).
    private static bool IsUnrecognizedText(string text) => UnsupportedHeader(FirstLine(text).Trim()) is null;

    private UserDataFormat ReadText(string text, string origin, int mimeDepth)
    {
        var firstLine = FirstLine(text);
        var trimmed = firstLine.Trim();
        if (MimeReader.LooksLikeMime(text))
        {
            MimeReader.Read(this, text, origin, mimeDepth);
            return UserDataFormat.MimeMultipart;
        }

        if (trimmed.StartsWith("#cloud-config", StringComparison.OrdinalIgnoreCase))
        {
            CloudConfigReader.Read(this, text, origin);
            return UserDataFormat.CloudConfig;
        }

        if (CloudbaseScript(trimmed) is { } language)
        {
            var body = text[Math.Min(text.Length, firstLine.Length + 1)..];
            var interpreter = language == ScriptLanguage.Shebang ? trimmed[2..].Trim() : null;
            if (language == ScriptLanguage.Shebang)
            {
                Info(BootCodes.UserDataNote, 1, 1, origin, $"'#!{interpreter}' script: it runs only if that interpreter is installed on the instance");
                body = text; // the interpreter may read its own #! line; keep it.
            }
            else if (language == ScriptLanguage.Batch)
            {
                body = text; // "rem cmd" is a comment in batch.
            }

            Items.Add(new ScriptItem(language, body, RunAs.LocalSystem, TaskFrequency.Once, false, [], ExitCodeConvention.CloudbaseInit, interpreter, origin));
            return UserDataFormat.CloudbaseScript;
        }

        if (UnsupportedHeader(trimmed) is { } unsupported)
        {
            Warning(BootCodes.UserDataUnsupported, 1, 1, origin, $"{unsupported} is not supported; this part is not run");
            return UserDataFormat.Unrecognized;
        }

        if (Ec2LaunchYamlReader.LooksLikeYaml(text) && Ec2LaunchYamlReader.Read(this, text, origin) is { } yamlFormat)
        {
            return yamlFormat;
        }

        if (Ec2XmlReader.TryRead(this, text, origin))
        {
            return UserDataFormat.Ec2Xml;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            Info(BootCodes.UserDataNote, 0, 0, origin, "user data is only white space; nothing to run");
            return UserDataFormat.None;
        }

        return UserDataFormat.Unrecognized;
    }

    private static ScriptLanguage? CloudbaseScript(string firstLine)
    {
        if (firstLine.StartsWith("#ps1_sysnative", StringComparison.OrdinalIgnoreCase))
        {
            return ScriptLanguage.PowerShellSysnative;
        }

        if (firstLine.StartsWith("#ps1_x86", StringComparison.OrdinalIgnoreCase))
        {
            return ScriptLanguage.PowerShellX86;
        }

        if (firstLine.StartsWith("#ps1", StringComparison.OrdinalIgnoreCase))
        {
            return ScriptLanguage.PowerShell;
        }

        if (firstLine.StartsWith("rem cmd", StringComparison.OrdinalIgnoreCase))
        {
            return ScriptLanguage.Batch;
        }

        return firstLine.StartsWith("#!", StringComparison.Ordinal) && firstLine.Length > 2 ? ScriptLanguage.Shebang : null;
    }

    private static string? UnsupportedHeader(string firstLine)
    {
        string[] headers = ["#include-once", "#include", "#cloud-boothook", "#part-handler", "#upstart-job", "#cloud-config-archive", "#template:", "## template:"];
        foreach (var header in headers)
        {
            if (firstLine.StartsWith(header, StringComparison.OrdinalIgnoreCase))
            {
                return $"'{header}' content";
            }
        }

        return firstLine.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) ? "a PEM certificate (Cloudbase-Init's WinRM certificate user data)" : null;
    }

    private bool EnterLayer(ref int layers, string origin)
    {
        if (++layers > limits.MaxEncodingLayers)
        {
            Error(BootCodes.UserDataDecompression, 0, 0, origin, $"more than {limits.MaxEncodingLayers} layers of gzip/base64 encoding; refused");
            return false;
        }

        return true;
    }

    /// <summary>Inflates gzip, stopping as soon as the decoding budget is exceeded (a gzip bomb costs at most the budget).</summary>
    public byte[]? Inflate(byte[] compressed, string origin)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > _decodedBudget)
                {
                    Error(BootCodes.UserDataDecompression, 0, 0, origin,
                        $"gzip data inflates beyond {limits.MaxDecodedBytes} bytes (from {compressed.Length} compressed): a decompression bomb or oversized data; refused");
                    _decodedBudget = 0;
                    return null;
                }

                output.Write(buffer, 0, read);
            }

            // The gzip trailer ends with the inflated size mod 2^32: a truncated download inflates "fine" to less.
            var expected = compressed.Length >= 18 ? BitConverter.ToUInt32(compressed, compressed.Length - 4) : (uint?)null;
            if (expected is null || expected != (uint)output.Length)
            {
                Error(BootCodes.UserDataDecompression, 0, 0, origin,
                    $"truncated or corrupt gzip data ({compressed.Length} bytes; the trailer does not match the {output.Length} bytes it inflates to)");
                return null;
            }

            _decodedBudget -= output.Length;
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            Error(BootCodes.UserDataDecompression, 0, 0, origin, "corrupt gzip data: " + e.Message);
            return null;
        }
    }

    /// <summary>Decodes base64 text when all of it is base64 (ignoring white space) and the budget allows; else null.</summary>
    public byte[]? TryBase64(string text)
    {
        var compact = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }

        if (compact.Length < 8 || compact.Length % 4 != 0 || !Base64.IsValid(compact.ToString()))
        {
            return null;
        }

        var bytes = Convert.FromBase64String(compact.ToString());
        if (bytes.Length > _decodedBudget)
        {
            return null;
        }

        _decodedBudget -= bytes.Length;
        return bytes;
    }

    /// <summary>Counts a MIME part; false (and a diagnostic, once) when the limit is passed.</summary>
    public bool CountMimePart(string origin)
    {
        if (++_mimeParts == limits.MaxMimeParts + 1)
        {
            Error(BootCodes.UserDataMimeLimit, 0, 0, origin, $"more than {limits.MaxMimeParts} MIME parts; the rest are refused");
        }

        return _mimeParts <= limits.MaxMimeParts;
    }

    internal static bool TryDecodeText(byte[] bytes, out string text)
    {
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
        {
            // UTF-16LE with BOM: what PowerShell's Out-File wrote before version 6.
            try
            {
                text = new UnicodeEncoding(false, true, true).GetString(bytes, 2, bytes.Length - 2);
                return true;
            }
            catch (DecoderFallbackException)
            {
                text = string.Empty;
                return false;
            }
        }

        if (!AgentConfigReader.TryDecodeUtf8(bytes, out text, out _))
        {
            return false;
        }

        // Text has no NULs or C0 controls other than tab, CR, LF, form feed.
        return !text.Any(c => c < ' ' && c is not '\t' and not '\r' and not '\n' and not '\f');
    }

    internal static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    /// <summary>
    /// Size and a coarse kind of text nothing recognised (<c>120 bytes, 3 lines of JSON-like text</c>): user data is
    /// also where applications keep their own data, secrets included, so none of it is quoted.
    /// </summary>
    internal static string DescribeUnrecognized(string text)
    {
        var trimmed = text.TrimStart();
        var kind = trimmed.Length == 0 ? "blank text"
            : trimmed[0] is '{' or '[' ? "JSON-like text"
            : trimmed[0] == '<' ? "markup-like text"
            : trimmed[0] == '#' ? "text starting with a '#' line"
            : "plain text";
        var lines = text.AsSpan().TrimEnd('\n').Count('\n') + 1;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{System.Text.Encoding.UTF8.GetByteCount(text)} bytes, {lines} line{(lines == 1 ? string.Empty : "s")} of {kind}");
    }

    internal static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    public void Error(string code, int line, int column, string origin, string message) =>
        Diagnostics.Add(BootDiagnostic.Error(code, line, column, message, origin));

    public void Warning(string code, int line, int column, string origin, string message) =>
        Diagnostics.Add(BootDiagnostic.Warning(code, line, column, message, origin));

    public void Info(string code, int line, int column, string origin, string message) =>
        Diagnostics.Add(BootDiagnostic.Info(code, line, column, message, origin));
}
