using System.Text;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// YAML that made YamlDotNet's scanner throw something other than YamlException (issue 16: a six-byte agent config,
/// "...\0" and a character, escaped as InvalidOperationException; "!![" as ArgumentException). Inputs are generated:
/// every short combination of YAML punctuation and control characters, through agent-config.yml and user data.
/// </summary>
public sealed class HostileYamlTests
{
    private static readonly string[] Fragments =
    [
        "...", "---", "- ", "[", "{", "]", "}", ",", "? ", ": ", "a", "\0", "\u0004", "\u0010", "\u0001", "\u007F", "\u0080", "\u009F",
        "\uFFFE", "\uD800", "\t", "\n", "'", "\"", "|", ">", "&a", "*a", "!", "!!", "%", "#", "%YAML 1.1", "%TAG ! !",
    ];

    /// <summary>Every concatenation of up to three fragments (about 40,000 documents).</summary>
    private static IEnumerable<string> Generated()
    {
        foreach (var a in Fragments)
        {
            yield return a;
            foreach (var b in Fragments)
            {
                yield return a + b;
                foreach (var c in Fragments)
                {
                    yield return a + b + c;
                }
            }
        }
    }

    /// <summary>
    /// A directive line (<c>%</c> in the first column) that ends the text without a line break, the text ending at a
    /// boundary of YamlDotNet's 1,024-character read buffer: its scanner spun for 20-30 s of CPU (fuzzing, agent-config,
    /// 2026-12-07). The bound below is a hang guard, not a speed target: the read takes milliseconds.
    /// </summary>
    [Theory]
    [InlineData("", 1024)]
    [InlineData("", 2048)]
    [InlineData("a: 1\n", 1024)]
    [InlineData("version: 1.0\nconfig:\n", 4096)]
    public async Task Read_DirectiveLineEndingAtReadBufferBoundary_SameVerdictWithoutSpinning(string before, int length)
    {
        var text = before + "%K " + new string('y', length - before.Length - 3);

        var read = Task.Run(() => AgentConfigReader.Read(text, "agent-config.yml"), TestContext.Current.CancellationToken);

        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken));
        Assert.True(finished == read, $"reading {length} characters did not finish in 15 s");
        // The same verdict as for the text one character shorter, away from the boundary (YamlDotNet reads a final
        // directive with no document after it as an empty stream).
        var shorter = AgentConfigReader.Read(text[..^1], "agent-config.yml");
        Assert.Equal(Verdict(shorter.Diagnostics), Verdict((await read).Diagnostics));
    }

    private static string Verdict(IEnumerable<BootDiagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Where(d => d.IsError).Select(d => $"{d.Code} {d.Line}:{d.Column}"));

    [Theory]
    [InlineData("%K x", "%K x\n")]
    [InlineData("a: 1\n%YAML 1.2", "a: 1\n%YAML 1.2\n")]
    [InlineData("a: 1\r%K", "a: 1\r%K\n")]
    [InlineData("%K x\n", "%K x\n")]
    [InlineData("a: 1\n %K", "a: 1\n %K")]
    [InlineData("a: '%K'", "a: '%K'")]
    [InlineData("", "")]
    public void EndDirectiveLine_LineBreakOnlyAfterAFinalDirectiveLine(string text, string expected) =>
        Assert.Equal(expected, Reseal.Agent.Boot.Yaml.BoundedYamlReader.EndDirectiveLine(text));

    [Fact]
    public void Read_SixByteDocumentEndThenNul_YamlErrorWithPosition()
    {
        // The issue's six bytes: a document end marker, NUL, then anything.
        var result = AgentConfigReader.Read("...\0- "u8, "agent-config.yml");

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal(BootCodes.YamlSyntax, error.Code);
        Assert.Equal((1, 4), (error.Line, error.Column));
        Assert.Contains("U+0000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GlobalTagThatIsNoUri_YamlErrorWithPosition()
    {
        var result = AgentConfigReader.Read("!![", "agent-config.yml");

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal(BootCodes.YamlSyntax, error.Code);
        Assert.True(error.Line >= 1 && error.Column >= 1, error.ToString());
    }

    [Fact]
    public void Read_GeneratedHostileYaml_NeverThrowsAndErrorsHavePositions()
    {
        var count = 0;
        foreach (var text in Generated())
        {
            count++;
            AgentConfigResult result;
            try
            {
                result = AgentConfigReader.Read(text, "agent-config.yml");
            }
            catch (Exception e)
            {
                Assert.Fail($"agent-config {Escape(text)} threw {e}");
                return;
            }

            Assert.True(result.Config is not null || result.Diagnostics.Any(d => d.IsError), $"{Escape(text)}: no config and no error");
            foreach (var error in result.Diagnostics.Where(d => d.Code == BootCodes.YamlSyntax))
            {
                Assert.True(error.Line >= 1 && error.Column >= 1, $"{Escape(text)}: {error}");
            }
        }

        Assert.True(count > 40_000, $"only {count} documents generated");
    }

    [Fact]
    public void Parse_GeneratedHostileYamlUserData_NeverThrows()
    {
        foreach (var text in Generated())
        {
            foreach (var header in (string[])["version: 1.1\ntasks:\n", "#cloud-config\n"])
            {
                try
                {
                    _ = UserDataParser.Parse(Encoding.UTF8.GetBytes(header + text));
                }
                catch (Exception e)
                {
                    Assert.Fail($"user data {Escape(header + text)} threw {e}");
                }
            }
        }
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
