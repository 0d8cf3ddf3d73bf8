using System.Text;
using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// Issue 16: `unattend lint FILE` and `unattend lint -` disagreed on broken encodings (standard input was decoded
/// as text by the CLI before the reader saw it); SARIF and JSON output were built in memory whole. Inputs generated.
/// </summary>
public sealed class HostileLintInputTests
{
    private const string Body = "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\"/></unattend>";

    /// <summary>Byte sequences whose encoding is broken or disputed, built from a valid answer file.</summary>
    public static TheoryData<string, byte[]> BrokenEncodings()
    {
        var utf8 = Encoding.UTF8.GetBytes(Body);
        var utf16 = Encoding.Unicode.GetBytes(Body);
        byte[] Insert(byte[] bytes, int at, params byte[] extra) => [.. bytes[..at], .. extra, .. bytes[at..]];
        var attribute = Body.IndexOf("specialize", StringComparison.Ordinal);
        return new TheoryData<string, byte[]>
        {
            { "invalid UTF-8 byte", Insert(utf8, attribute, 0xFF) },
            { "truncated UTF-8 sequence", Insert(utf8, attribute, 0xE2, 0x82) },
            { "overlong UTF-8", Insert(utf8, attribute, 0xC0, 0xAF) },
            { "UTF-8 surrogate", Insert(utf8, attribute, 0xED, 0xA0, 0x80) },
            { "UTF-16LE BOM, odd length", [0xFF, 0xFE, .. utf16, 0x41] },
            { "UTF-16LE BOM, lone surrogate", [0xFF, 0xFE, .. Insert(utf16, attribute * 2, 0x00, 0xD8)] },
            { "UTF-8 BOM, declared UTF-16", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-16\"?>" + Body)] },
            { "unknown declared encoding", Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"x-no-such\"?>" + Body) },
            { "Latin-1 declared, high bytes", [.. Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"), .. Insert(utf8, attribute, 0xE9)] },
            { "UTF-16 without BOM, odd", [.. utf16[..^1]] },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenEncodings))]
    public void Lint_BrokenEncoding_FileAndStandardInputAgree(string name, byte[] bytes)
    {
        using var temp = new TempDirectory();
        var path = temp.File("broken.xml");
        File.WriteAllBytes(path, bytes);

        var fromFile = CliRunner.Run(["unattend", "lint", path, "--format", "json"]);
        var fromStdin = CliRunner.Run(["unattend", "lint", "-", "--format", "json"], stdinBytes: bytes);

        Assert.True(fromFile.ExitCode == fromStdin.ExitCode, $"{name}: file exit {fromFile.ExitCode}, stdin exit {fromStdin.ExitCode}\n{fromFile.Out}\n{fromStdin.Out}");
        Assert.Equal(Findings(fromFile.Out), Findings(fromStdin.Out));
    }

    private static string Findings(string json)
    {
        using var document = JsonDocument.Parse(json);
        var file = document.RootElement.GetProperty("files")[0];
        return file.GetProperty("readable").GetBoolean() + " " + string.Join(" | ", file.GetProperty("findings").EnumerateArray()
            .Select(f => $"{f.GetProperty("rule").GetString()} {f.GetProperty("line")}:{f.GetProperty("column")} {f.GetProperty("message").GetString()}"));
    }

    [Theory]
    [InlineData("sarif")]
    [InlineData("json")]
    public void Lint_HundredThousandFindings_StreamedAndComplete(string format)
    {
        // 100,000 settings Reseal's catalog does not know (one RU023 each), within the reader's 200,000-node limit.
        var settings = new StringBuilder();
        for (var i = 0; i < 100_000; i++)
        {
            settings.Append("<Unknown").Append(i).Append("/>");
        }

        using var temp = new TempDirectory();
        var path = temp.Write("many.xml", "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"specialize\">" +
            "<component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\">\n" +
            settings + "</component></settings></unattend>");

        var result = CliRunner.Run(["unattend", "lint", path, "--format", format, "--fail-on", "none"]);

        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Out);
        var findings = format == "sarif"
            ? document.RootElement.GetProperty("runs")[0].GetProperty("results")
            : document.RootElement.GetProperty("files")[0].GetProperty("findings");
        Assert.True(findings.GetArrayLength() >= 100_000, $"{findings.GetArrayLength()} findings");
        var last = findings[findings.GetArrayLength() - 1];
        Assert.Equal(JsonValueKind.Object, last.ValueKind);
    }
}
