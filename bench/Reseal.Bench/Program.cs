using System.Diagnostics;
using BenchmarkDotNet.Running;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;

namespace Reseal.Bench;

/// <summary>
/// Reseal benchmarks.
///   dotnet run -c Release --project bench/Reseal.Bench -- lint            BenchmarkDotNet: lint throughput (files/s)
///   dotnet run -c Release --project bench/Reseal.Bench -- lint --quick    one timed pass, no BenchmarkDotNet (seconds)
///   dotnet run -c Release --project bench/Reseal.Bench -- corpus DIR      write the generated corpus to DIR (for bench/unattend-lint.sh)
///   Reseal.Bench agent-once PUBKEY                                          one agent run, default config, instant tasks (bench/agent.sh)
///   dotnet run -c Release --project bench/Reseal.Bench -- eval [DIR]      lint + explain over the public answer files (bench/unattend-eval.sh)
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "lint" when args.Contains("--quick"):
                return Quick();
            case "lint":
                var summary = BenchmarkRunner.Run<LintBenchmark>();
                foreach (var report in summary.Reports.Where(r => r.ResultStatistics is not null))
                {
                    var seconds = report.ResultStatistics!.Mean / 1e9;
                    Console.WriteLine($"lint throughput: {LintBenchmark.CorpusSize / seconds:N0} files/s ({LintBenchmark.CorpusSize} files in {seconds * 1000:N2} ms, parse + lint, in memory)");
                }

                return 0;
            case "eval":
                return AnswerFileEvaluation.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "answerfiles", "public"));
            case "corpus" when args.Length == 2:
                Directory.CreateDirectory(args[1]);
                foreach (var (name, bytes) in LintCorpus.Create())
                {
                    File.WriteAllBytes(Path.Combine(args[1], name), bytes);
                }

                Console.WriteLine($"wrote {LintBenchmark.CorpusSize} files to {args[1]}");
                return 0;
            default:
                Console.Error.WriteLine("usage: Reseal.Bench lint [--quick] | corpus DIR | eval [DIR] | agent-once PUBKEY-FILE");
                return 2;
        }
    }

    private static int Quick()
    {
        var corpus = LintCorpus.Create();
        var linter = new AnswerFileLinter();
        for (var warm = 0; warm < 3; warm++)
        {
            foreach (var (name, bytes) in corpus)
            {
                linter.Lint(AnswerFileReader.Read(bytes, name));
            }
        }

        const int rounds = 20;
        var watch = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, bytes) in corpus)
            {
                linter.Lint(AnswerFileReader.Read(bytes, name));
            }
        }

        watch.Stop();
        Console.WriteLine($"lint throughput: {corpus.Count * rounds / watch.Elapsed.TotalSeconds:N0} files/s (quick: {rounds} rounds of {corpus.Count} files)");
        return 0;
    }
}
