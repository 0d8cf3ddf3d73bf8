using System.Diagnostics;
using System.Text;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// MIME user data findings of issue 16: part labels were derived by searching the origin for " part ", so a file
/// path holding those five characters crashed the parser; folded header lines were joined by repeated string
/// concatenation, quadratic (150,000 lines never finished). Inputs are generated.
/// </summary>
public sealed class HostileMimeTests
{
    private static string Multipart(string boundary, params string[] parts)
    {
        var text = new StringBuilder($"Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n");
        foreach (var part in parts)
        {
            text.Append("--").Append(boundary).Append('\n').Append(part).Append('\n');
        }

        return text.Append("--").Append(boundary).Append("--\n").ToString();
    }

    private static readonly string Nested = Multipart("outer",
        "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\nContent-Type: text/x-shellscript\n\n#ps1\nWrite-Host a\n--inner--",
        "Content-Type: text/plain\n\nrem cmd\necho b");

    // File and source names a user or a metadata folder may have, built around the word that confused the parser.
    public static TheoryData<string> OriginNames()
    {
        var data = new TheoryData<string>();
        foreach (var left in (string[])["", "my ", "x (", "a part 1 (", "("])
        {
            foreach (var right in (string[])["", " 2", " (text/plain)", ")", " part "])
            {
                data.Add(left + "part" + right);
                data.Add(left + " part " + right);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OriginNames))]
    public void Parse_SourceNameHoldingPart_LabelsPartsByNumber(string name)
    {
        var result = UserDataParser.Parse(Encoding.UTF8.GetBytes(Nested), source: name);

        Assert.Equal(UserDataFormat.MimeMultipart, result.Format);
        Assert.Equal([$"{name} part 1.1 (text/x-shellscript)", $"{name} part 2 (text/plain)"], result.Items.Select(i => i.Origin));
    }

    [Fact]
    public void ParseFile_PathHoldingPart_ReadsEveryPart()
    {
        using var temp = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(temp.Path, "user data part (copy)")).FullName;
        var path = Path.Combine(folder, "ud part 2");
        File.WriteAllText(path, Nested);

        var result = UserDataParser.ParseFile(path);

        Assert.Equal([$"{path} part 1.1 (text/x-shellscript)", $"{path} part 2 (text/plain)"], result.Items.Select(i => i.Origin));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(150_000)]
    public void Parse_ManyFoldedHeaderLines_LinearTime(int lines)
    {
        // A Content-Type folded over many lines, then one script part: every fold is one more parameter.
        var header = new StringBuilder("Content-Type: multipart/mixed;\n boundary=\"B\"");
        for (var i = 0; i < lines; i++)
        {
            header.Append(";\n x-fold-").Append(i).Append("=\"v\"");
        }

        var text = header + "\n\n--B\nContent-Type: text/x-shellscript\n\n#ps1\nWrite-Host hi\n--B--\n";
        var watch = Stopwatch.StartNew();

        var result = UserDataParser.Parse(Encoding.UTF8.GetBytes(text));

        watch.Stop();
        Assert.Equal(UserDataFormat.MimeMultipart, result.Format);
        Assert.Single(result.Items);
        // Quadratic joining took minutes at 150,000 lines; linear takes well under a second even on a busy machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{lines} folded lines took {watch.Elapsed}");
    }

    [Fact]
    public void Parse_ManyFoldedLinesInAPartHeader_LinearTime()
    {
        var part = new StringBuilder("Content-Type: text/x-shellscript;\n charset=us-ascii");
        for (var i = 0; i < 150_000; i++)
        {
            part.Append("\n\tx");
        }

        var text = Multipart("B", part + "\n\n#ps1\nWrite-Host hi");
        var watch = Stopwatch.StartNew();

        var result = UserDataParser.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Single(result.Items);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }
}
