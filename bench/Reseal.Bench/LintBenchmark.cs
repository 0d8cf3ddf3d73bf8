using BenchmarkDotNet.Attributes;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;

namespace Reseal.Bench;

/// <summary>Parse and lint every file of the corpus, from bytes in memory.</summary>
[MemoryDiagnoser]
public class LintBenchmark
{
    private IReadOnlyList<(string Name, byte[] Bytes)> _corpus = [];
    private readonly AnswerFileLinter _linter = new();

    public static int CorpusSize => LintCorpus.Create().Count;

    [GlobalSetup]
    public void Setup() => _corpus = LintCorpus.Create();

    [Benchmark(Description = "parse + lint the corpus")]
    public int LintCorpusFiles()
    {
        var findings = 0;
        foreach (var (name, bytes) in _corpus)
        {
            findings += _linter.Lint(AnswerFileReader.Read(bytes, name)).Findings.Count;
        }

        return findings;
    }
}
