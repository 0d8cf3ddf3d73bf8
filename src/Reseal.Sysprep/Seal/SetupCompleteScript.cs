using System.Collections.Immutable;
using Reseal.Windows.Layout;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// Edits SetupComplete.cmd the way sealing needs: the first-boot hook lines added once, before a final <c>exit</c>,
/// keeping every existing byte and the file's encoding (UTF-16 with its byte-order mark, or byte for byte for ANSI and
/// UTF-8).
/// </summary>
public static class SetupCompleteScript
{
    /// <summary>
    /// SetupComplete.cmd with a kept agent's hook lines added (each once, as a block, before a final <c>exit</c>); Reseal's
    /// own line goes through <see cref="WithFirstBootHook"/>. No lines: unchanged.
    /// </summary>
    public static ImmutableArray<byte> WithHookLines(ReadOnlySpan<byte> existing, ImmutableArray<string> lines)
    {
        if (lines.IsEmpty)
        {
            return [.. existing];
        }

        if (lines is [var only] && only == SealPaths.FirstBootHookLine)
        {
            return WithFirstBootHook(existing);
        }

        var result = existing.ToArray();
        foreach (var line in lines)
        {
            result = [.. AddLine(result, line)];
        }

        return [.. result];
    }

    /// <summary>
    /// SetupComplete.cmd with the agent's line added once: existing bytes are kept as they are; the line goes before a
    /// final <c>exit</c> (which would otherwise skip it), or at the end. Already present: unchanged. A UTF-16 file (with
    /// its byte-order mark) gets the line in UTF-16; anything else is edited byte for byte (ANSI, UTF-8).
    /// </summary>
    public static ImmutableArray<byte> WithFirstBootHook(ReadOnlySpan<byte> existing) => AddLine(existing, SealPaths.FirstBootHookLine, legacy: SealPaths.LegacyFirstBootHookLine);

    private static ImmutableArray<byte> AddLine(ReadOnlySpan<byte> existing, string hookLine, string? legacy = null)
    {
        var encoding = ScriptText.ScriptEncoding(existing, out var bomLength, out var bytesPerChar);
        var body = existing[bomLength..];
        // An odd trailing byte of a UTF-16 file is not a character: it stays where it is, after our line.
        var text = encoding.GetString(body[..(body.Length - (body.Length % bytesPerChar))]);
        var lines = text.Split('\n');
        if (lines.Any(l => l.Trim().Equals(hookLine, StringComparison.OrdinalIgnoreCase)))
        {
            return [.. existing];
        }

        // An earlier version's line ran the whole agent inside SetupComplete.cmd: it is replaced where it stands.
        var legacyAt = legacy is null ? -1 : Array.FindIndex(lines, l => l.Trim().Equals(legacy, StringComparison.OrdinalIgnoreCase));
        if (legacyAt >= 0)
        {
            var lineStart = lines.Take(legacyAt).Sum(l => l.Length + 1);
            var content = lines[legacyAt].TrimEnd('\r');
            var from = bomLength + (lineStart * bytesPerChar);
            var to = from + (content.Length * bytesPerChar);
            return [.. existing[..from], .. encoding.GetBytes(hookLine), .. existing[to..]];
        }

        var newline = text.Contains('\n', StringComparison.Ordinal) && !text.Contains("\r\n", StringComparison.Ordinal) ? "\n" : "\r\n";
        var line = hookLine + newline;

        // A final "exit" ends the script before anything after it: the line goes before it. Chars map to a fixed number
        // of bytes, so the bytes around the insertion point are kept exactly.
        var lastIndex = Array.FindLastIndex(lines, l => l.Trim().Length > 0);
        string insert;
        int at;
        if (lastIndex >= 0 && IsExit(lines[lastIndex]))
        {
            insert = line;
            at = lines.Take(lastIndex).Sum(l => l.Length + 1);
        }
        else
        {
            insert = (text.Length > 0 && !text.EndsWith('\n') ? newline : "") + line;
            at = text.Length;
        }

        var cut = bomLength + (at * bytesPerChar);
        return [.. existing[..cut], .. encoding.GetBytes(insert), .. existing[cut..]];
    }

    /// <summary>
    /// SetupComplete.cmd without the lines equal (blanks and case aside) to one of <paramref name="lines"/>, each removed
    /// with its line break; every other byte is kept, in the file's encoding (<c>agent migrate --apply</c> removing the
    /// old agent's hook). Null when no line matches.
    /// </summary>
    public static ImmutableArray<byte>? WithoutLines(ReadOnlySpan<byte> existing, ImmutableArray<string> lines)
    {
        var encoding = ScriptText.ScriptEncoding(existing, out var bomLength, out var bytesPerChar);
        var body = existing[bomLength..];
        var text = encoding.GetString(body[..(body.Length - (body.Length % bytesPerChar))]);
        var kept = new List<byte>(existing.Length);
        kept.AddRange(existing[..bomLength]);
        var removed = false;
        var offset = 0;
        foreach (var line in text.Split('\n'))
        {
            var length = line.Length + (offset + line.Length < text.Length ? 1 : 0);
            if (lines.Any(l => line.Trim().Equals(l, StringComparison.OrdinalIgnoreCase)))
            {
                removed = true;
            }
            else
            {
                kept.AddRange(body.Slice(offset * bytesPerChar, length * bytesPerChar));
            }

            offset += length;
        }

        kept.AddRange(body[(offset * bytesPerChar)..]);
        return removed ? [.. kept] : null;
    }

    /// <summary>True when a SetupComplete.cmd line is an `exit` command (which would end the script before a line after it).</summary>
    private static bool IsExit(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Equals("exit", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("exit ", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("exit/", StringComparison.OrdinalIgnoreCase);
    }
}
