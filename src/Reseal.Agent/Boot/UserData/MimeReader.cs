// MIME multipart user data (RFC 2046; what cloud-init's and Cloudbase-Init's tools write):
//
//   Content-Type: multipart/mixed; boundary="==BOUNDARY=="
//   MIME-Version: 1.0
//
//   --==BOUNDARY==
//   Content-Type: text/x-shellscript; charset="us-ascii"
//   Content-Transfer-Encoding: base64          (optional: 7bit, 8bit, base64, quoted-printable)
//
//   #ps1_sysnative
//   …
//   --==BOUNDARY==--
//
// Each part is read by its Content-Type; text/plain and text/x-shellscript parts by their first line. Nested
// multiparts are followed up to UserDataLimits.MaxMimeDepth levels; the part count over all levels is bounded too.
using System.Globalization;
using System.Text;
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.UserData;

/// <summary>Reads MIME multipart user data.</summary>
internal static class MimeReader
{
    private static readonly string[] UnsupportedTypes =
    [
        "text/x-include-url", "text/x-include-once-url", "text/cloud-boothook", "text/part-handler", "text/upstart-job",
        "text/x-cfninitdata", "text/jinja2", "text/cloud-config-archive", "text/cloud-config-jsonp", "text/x-shellscript-per-boot",
        "text/x-shellscript-per-instance", "text/x-shellscript-per-once",
    ];

    /// <summary>True when the header block at the start declares a multipart Content-Type.</summary>
    public static bool LooksLikeMime(string text)
    {
        var (headers, _) = SplitHeaders(text);
        return headers.TryGetValue("content-type", out var type) && type.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Reads the multipart <paramref name="text"/>. <paramref name="origin"/> names the user data (a file path may
    /// hold any text, " part " included); <paramref name="parentPart"/> is the number of the part this multipart is
    /// nested in ("2", "2.1"), so its parts are labelled "ORIGIN part 2.1", "ORIGIN part 2.2".
    /// </summary>
    public static void Read(UserDataContext context, string text, string origin, int depth, string? parentPart = null)
    {
        if (depth >= context.Limits.MaxMimeDepth)
        {
            context.Error(BootCodes.UserDataMimeLimit, 0, 0, origin, $"MIME multipart nested more than {context.Limits.MaxMimeDepth} levels deep; the inner parts are refused");
            return;
        }

        var (headers, body) = SplitHeaders(text);
        var boundary = Parameter(headers["content-type"], "boundary");
        if (string.IsNullOrEmpty(boundary))
        {
            context.Error(BootCodes.UserDataMalformed, 1, 1, origin, "multipart Content-Type without a boundary parameter; no part can be read");
            return;
        }

        var parts = SplitParts(body, boundary, out var closed);
        if (!closed)
        {
            context.Warning(BootCodes.UserDataMalformed, 0, 0, origin, $"the closing boundary '--{boundary}--' is missing; read the parts found");
        }

        if (parts.Count == 0)
        {
            context.Warning(BootCodes.UserDataMalformed, 0, 0, origin, "multipart user data with no parts; nothing to run");
        }

        for (var i = 0; i < parts.Count; i++)
        {
            var number = (parentPart is null ? string.Empty : parentPart + ".") + (i + 1).ToString(CultureInfo.InvariantCulture);
            var label = $"{origin} part {number}";
            if (!context.CountMimePart(label))
            {
                return;
            }

            ReadPart(context, parts[i], origin, number, depth);
        }
    }

    private static void ReadPart(UserDataContext context, string part, string source, string number, int depth)
    {
        var (headers, body) = SplitHeaders(part);
        var contentType = headers.GetValueOrDefault("content-type") ?? "text/plain";
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        var origin = $"{source} part {number} ({mediaType})";
        var transfer = (headers.GetValueOrDefault("content-transfer-encoding") ?? "7bit").Trim().ToLowerInvariant();
        byte[]? bytes = transfer switch
        {
            "base64" => context.TryBase64(body),
            "quoted-printable" => DecodeQuotedPrintable(body),
            "7bit" or "8bit" or "binary" => Encoding.UTF8.GetBytes(body),
            _ => null,
        };
        if (bytes is null)
        {
            context.Error(BootCodes.UserDataMalformed, 0, 0, origin,
                transfer == "base64" ? "the part is not valid base64 (or exceeds the decoding budget); not run" : $"Content-Transfer-Encoding '{transfer}' is not supported; not run");
            return;
        }

        if (UnsupportedTypes.Contains(mediaType))
        {
            context.Warning(BootCodes.UserDataUnsupported, 0, 0, origin, $"MIME part of type {mediaType} is not supported; it is not run");
            return;
        }

        switch (mediaType)
        {
            case "text/cloud-config":
                if (UserDataContext.TryDecodeText(bytes, out var config))
                {
                    CloudConfigReader.Read(context, config, origin);
                }
                else
                {
                    context.Read(bytes, origin, 0, depth + 1); // gzip inside, say
                }

                break;
            case "text/x-ps1" or "text/x-powershell" or "text/x-cmd" or "text/x-batch":
                if (!UserDataContext.TryDecodeText(bytes, out var script))
                {
                    context.Error(BootCodes.UserDataMalformed, 0, 0, origin, "the script part is not text; not run");
                    break;
                }

                var first = UserDataContext.FirstLine(script).Trim();
                if (first.StartsWith("#ps1", StringComparison.OrdinalIgnoreCase) || first.StartsWith("rem cmd", StringComparison.OrdinalIgnoreCase))
                {
                    context.Read(bytes, origin, 0, depth + 1);
                    break;
                }

                var language = mediaType is "text/x-cmd" or "text/x-batch" ? ScriptLanguage.Batch : ScriptLanguage.PowerShell;
                context.Items.Add(new ScriptItem(language, script, RunAs.LocalSystem, TaskFrequency.Once, false, [], ExitCodeConvention.CloudbaseInit, null, origin));
                break;
            default:
                if (mediaType.StartsWith("multipart/", StringComparison.Ordinal) || mediaType.StartsWith("text/", StringComparison.Ordinal)
                    || mediaType is "application/gzip" or "application/x-gzip" or "application/octet-stream")
                {
                    if (mediaType.StartsWith("multipart/", StringComparison.Ordinal))
                    {
                        // Nested multipart: the part's own headers carry the boundary.
                        Read(context, part, source, depth + 1, number);
                    }
                    else
                    {
                        context.Read(bytes, origin, 0, depth + 1);
                    }
                }
                else
                {
                    context.Warning(BootCodes.UserDataUnsupported, 0, 0, origin, $"MIME part of type {mediaType} is not supported; it is not run");
                }

                break;
        }
    }

    /// <summary>
    /// Splits a header block (up to the first empty line) from the body. Header names are lower-cased. Linear in the
    /// block: folded lines (RFC 5322 §2.2.3) are gathered per header and joined once, never re-concatenated line by
    /// line (150,000 folded lines once took minutes; now milliseconds).
    /// </summary>
    internal static (Dictionary<string, string> Headers, string Body) SplitHeaders(string text)
    {
        var values = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        var position = 0;
        StringBuilder? last = null;
        var bodyStart = text.Length;
        while (position < text.Length)
        {
            var lineStart = position;
            var end = text.IndexOf('\n', position);
            var line = (end < 0 ? text.AsSpan(position) : text.AsSpan(position, end - position)).TrimEnd('\r');
            position = end < 0 ? text.Length : end + 1;
            if (line.Length == 0)
            {
                bodyStart = position;
                break;
            }

            if (char.IsWhiteSpace(line[0]) && last is not null)
            {
                last.Append(' ').Append(line.Trim()); // folded header
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0 || HasWhiteSpace(line[..colon]))
            {
                bodyStart = lineStart; // no blank line: the body starts at the first line that is not a header
                break;
            }

            var name = line[..colon].Trim().ToString().ToLowerInvariant();
            last = new StringBuilder().Append(line[(colon + 1)..].Trim());
            values[name] = last;
        }

        var headers = new Dictionary<string, string>(values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            headers[name] = value.ToString();
        }

        return (headers, bodyStart >= text.Length ? string.Empty : text[bodyStart..]);
    }

    private static bool HasWhiteSpace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                return true;
            }
        }

        return false;
    }

    internal static string? Parameter(string header, string name)
    {
        foreach (var piece in header.Split(';').Skip(1))
        {
            var equals = piece.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && piece[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return piece[(equals + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    private static List<string> SplitParts(string body, string boundary, out bool closed)
    {
        var parts = new List<string>();
        var delimiter = "--" + boundary;
        closed = false;
        StringBuilder? current = null;
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ', '\t');
            if (line == delimiter + "--")
            {
                closed = true;
                break;
            }

            if (line == delimiter)
            {
                if (current is not null)
                {
                    parts.Add(TrimPart(current));
                }

                current = new StringBuilder();
                continue;
            }

            current?.Append(raw).Append('\n');
        }

        if (current is not null)
        {
            parts.Add(TrimPart(current));
        }

        return parts;
    }

    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    private static string TrimPart(StringBuilder part)
    {
        var text = part.ToString();
        if (text.EndsWith("\r\n", StringComparison.Ordinal))
        {
            return text[..^2];
        }

        return text.EndsWith('\n') ? text[..^1] : text;
    }

    private static byte[] DecodeQuotedPrintable(string body)
    {
        var bytes = new List<byte>(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '=' && i + 1 < body.Length && body[i + 1] is '\n' or '\r')
            {
                i += body[i + 1] == '\r' && i + 2 < body.Length && body[i + 2] == '\n' ? 2 : 1; // soft line break
            }
            else if (c == '=' && i + 2 < body.Length && byte.TryParse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                bytes.Add(value);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }
}
