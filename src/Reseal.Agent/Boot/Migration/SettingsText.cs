using System.Text;

namespace Reseal.Agent.Boot.Migration;

/// <summary>
/// Turns a settings file's bytes into text for the readers: at most <see cref="MaxFileBytes"/>, UTF-8 (a byte-order mark
/// allowed), or UTF-16 with its byte-order mark (PowerShell 5's <c>Out-File</c> and <c>Set-Content -Encoding Unicode</c>
/// write that, and the old agents' own tools read it). UTF-16 without a byte-order mark and other bytes that are not
/// UTF-8 are refused with the offset of the first bad byte.
/// </summary>
internal static class SettingsText
{
    /// <summary>Larger files are refused unread (the agents' own settings files are a few KiB).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The text, or null with an error added to <paramref name="diagnostics"/>.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, string file, List<BootDiagnostic> diagnostics)
    {
        if (bytes.Length > MaxFileBytes)
        {
            diagnostics.Add(BootDiagnostic.Error(BootCodes.MigrationMalformed, 0, 0,
                $"the file is {bytes.Length} bytes, more than the {MaxFileBytes} a settings file may have; refused unread", file));
            return null;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            var encoding = bytes[0] == 0xFF
                ? new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true)
                : new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true);
            try
            {
                var text = encoding.GetString(bytes[2..]);
                diagnostics.Add(BootDiagnostic.Info(BootCodes.MigrationNote, 0, 0, "the file is UTF-16 (it has a byte-order mark); read as such", file));
                return text;
            }
            catch (DecoderFallbackException e)
            {
                diagnostics.Add(BootDiagnostic.Error(BootCodes.MigrationMalformed, 0, 0,
                    $"the file starts with a UTF-16 byte-order mark but is not valid UTF-16 (byte offset {e.Index + 2})", file));
                return null;
            }
        }

        if (!Config.AgentConfigReader.TryDecodeUtf8(bytes, out var utf8, out var bad))
        {
            var hint = bytes.Length >= 2 && (bytes[0] == 0 || bytes[1] == 0) ? "; it looks like UTF-16 without a byte-order mark: save it as UTF-8" : "";
            diagnostics.Add(BootDiagnostic.Error(BootCodes.MigrationMalformed, 0, 0, $"the file is not UTF-8 text (invalid byte at offset {bad}){hint}", file));
            return null;
        }

        if (utf8.Contains('\0', StringComparison.Ordinal))
        {
            var line = 1 + utf8.AsSpan(0, utf8.IndexOf('\0', StringComparison.Ordinal)).Count('\n');
            diagnostics.Add(BootDiagnostic.Error(BootCodes.MigrationMalformed, line, 0,
                "the file contains a NUL character; it looks like UTF-16 without a byte-order mark or a binary file: save it as UTF-8", file));
            return null;
        }

        return utf8;
    }

    /// <summary>The 1-based line of character <paramref name="index"/> in <paramref name="text"/>.</summary>
    public static int LineOf(string text, int index) => 1 + text.AsSpan(0, Math.Clamp(index, 0, text.Length)).Count('\n');
}
