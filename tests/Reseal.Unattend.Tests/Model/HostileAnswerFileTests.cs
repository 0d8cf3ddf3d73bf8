using System.Diagnostics;
using System.Text;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Tests.Model;

/// <summary>
/// Issue 16's answer-file findings, each from a generated file: attributes on one element (quadratic in LINQ to XML:
/// 50,000 took seconds, 500,000 never ended), namespace-declaration storms, 4 million tiny elements through lint,
/// a 15 MB CDATA section. Each is now refused early, with its line and column, in bounded time and memory.
/// </summary>
public sealed class HostileAnswerFileTests
{
    private static readonly AnswerFileReadOptions Limits = AnswerFileReadOptions.Default;

    private static string Wrap(string settingsBody, string settingsAttributes = "") =>
        $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">\n<settings pass=\"specialize\"{settingsAttributes}>{settingsBody}</settings></unattend>";

    private static string Attributes(int count, Func<int, string> one)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append(' ').Append(one(i));
        }

        return text.ToString();
    }

    private static (AnswerFileFormatException? Error, TimeSpan Took, long Allocated) Read(string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        try
        {
            var file = AnswerFileReader.Read(bytes, "hostile.xml");
            new AnswerFileLinter().Lint(file);
            return (null, watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (AnswerFileFormatException e)
        {
            return (e, watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    private static void AssertRefusedQuickly(string xml, string reason, int line)
    {
        var (error, took, _) = Read(xml);

        Assert.NotNull(error);
        Assert.Equal(AnswerFileErrorKind.Refused, error.Kind);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal(line, error.Position.Line);
        Assert.True(error.Position.Column > 0);
        // Linear work is seconds even on a busy CI machine; the quadratic paths took minutes to hours (500,000 attributes).
        Assert.True(took < TimeSpan.FromSeconds(120), $"took {took}");
    }

    [Fact]
    public void Read_AttributesAtTheLimit_Read()
    {
        var (error, _, _) = Read(Wrap(string.Empty, Attributes(Limits.MaxAttributesPerElement - 1, i => $"a{i}=\"v\"")));

        Assert.Null(error);
    }

    [Theory]
    [InlineData(257)]
    [InlineData(50_000)]
    [InlineData(500_000)]
    public void Read_ManyAttributesOnOneElement_RefusedQuickly(int count) =>
        AssertRefusedQuickly(Wrap(string.Empty, Attributes(count, i => $"a{i}=\"v\"")), "attributes", 3);

    [Theory]
    [InlineData(50_000)]
    public void Read_NamespaceDeclarationsOnOneElement_RefusedQuickly(int count) =>
        AssertRefusedQuickly(Wrap(string.Empty, Attributes(count, i => $"xmlns:p{i}=\"urn:x{i}\"")), "attributes", 3);

    [Fact]
    public void Read_NamespaceDeclarationOnEveryElement_RefusedAfterTheLimit()
    {
        // Each element declares a prefix of its own: 200 attributes or fewer each, but thousands in the file.
        var body = new StringBuilder();
        for (var i = 0; i < 100_000; i++)
        {
            body.Append($"<p{i}:c xmlns:p{i}=\"urn:x{i}\"/>\n");
        }

        AssertRefusedQuickly(Wrap(body.ToString()), "namespace declarations", Limits.MaxNamespaceDeclarations + 2);
    }

    [Fact]
    public void Read_NestedNamespaceStorm_RefusedQuickly()
    {
        var open = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            open.Append($"<e{i} {Attributes(100, j => $"xmlns:q{j}=\"urn:{i}:{j}\"")}>");
        }

        var close = string.Concat(Enumerable.Range(0, 100).Reverse().Select(i => $"</e{i}>"));
        AssertRefusedQuickly(Wrap(open + close), "namespace declarations", 3);
    }

    [Fact]
    public void Read_FourMillionTinyElements_RefusedQuickly()
    {
        var body = new StringBuilder(4_000_000 * 4);
        for (var i = 0; i < 4_000_000; i++)
        {
            body.Append("<a/>");
        }

        var xml = Wrap(body.ToString());
        Assert.True(xml.Length < Limits.MaxBytes);

        AssertRefusedQuickly(xml, "nodes", 3);
    }

    [Fact]
    public void Read_FifteenMegabyteCdata_RefusedInBoundedMemory()
    {
        var xml = Wrap(Xml.Shell($"<ComputerName><![CDATA[{new string('x', 15_000_000)}]]></ComputerName>"));

        var (error, took, allocated) = Read(xml);

        Assert.NotNull(error);
        Assert.Contains("CDATA section of 15,000,000 characters", error.Reason, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(20), $"took {took}");
        // The bytes (15 MB) are decoded once into the text (30 MB as UTF-16) and its reader buffer; nothing is linted.
        Assert.True(allocated < 200L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData("<!--{0}-->", "comment")]
    [InlineData("<?pi {0}?>", "processing instruction")]
    [InlineData("<Foo>{0}</Foo>", "text")]
    [InlineData("<Foo a=\"{0}\"/>", "attribute value")]
    public void Read_OversizedNode_RefusedNamingIt(string template, string kind)
    {
        var xml = Wrap(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, new string('y', Limits.MaxTextChars + 1)));

        var (error, _, _) = Read(xml);

        Assert.NotNull(error);
        Assert.Contains($"a {kind} of", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LargestAcceptedText_Reads()
    {
        var (error, _, _) = Read(Wrap($"<!--{new string('y', Limits.MaxTextChars)}-->"));

        Assert.Null(error);
    }
}

/// <summary>Issue 16: files that are not regular files (a FIFO blocks open(2) forever; /dev/zero never ends).</summary>
public sealed class NonRegularAnswerFileTests
{
    [Fact]
    public async Task ReadFile_Fifo_RefusedAtOnce()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("FIFOs in the file system exist only on Linux and macOS");
        }

        using var temp = new Reseal.TestSupport.TempDirectory();
        var path = temp.File("unattend.xml");
        var mkfifo = Reseal.TestSupport.ExternalTool.Require("mkfifo", "coreutils");
        Assert.Equal(0, Reseal.TestSupport.ExternalTool.Run(mkfifo, [path], timeout: TimeSpan.FromSeconds(30)).ExitCode);

        var read = Task.Run(() => Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadFile(path)), TestContext.Current.CancellationToken);
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.True(finished == read, "ReadFile blocked on a FIFO");
        var error = await read;
        Assert.Contains("not a regular file", error.Reason, StringComparison.Ordinal);
        Assert.Equal(AnswerFileErrorKind.Unreadable, error.Kind);
    }

    [Fact]
    public void ReadFile_LinkToDevZero_RefusedAfterTheLimit()
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Skip("no /dev/zero here");
        }

        using var temp = new Reseal.TestSupport.TempDirectory();
        var path = temp.File("unattend.xml");
        File.CreateSymbolicLink(path, "/dev/zero");

        var error = Assert.Throws<AnswerFileFormatException>(() => AnswerFileReader.ReadFile(path, AnswerFileReadOptions.Default with { MaxBytes = 1024 * 1024 }));

        Assert.Contains("larger than", error.Reason, StringComparison.Ordinal);
    }
}
