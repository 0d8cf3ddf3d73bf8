using System.Globalization;
using System.IO.Compression;
using Reseal.Unattend.Explain;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;

namespace Reseal.Bench;

/// <summary>
/// The issue's measure of lint and explain: runs both over the public answer files (../shared/data/answerfiles/public,
/// gzip) and prints findings by rule and severity, what explain made of each file, and every error and warning for
/// review against Microsoft's reference (README "Answer files from public projects" records the verdicts).
/// </summary>
internal static class AnswerFileEvaluation
{
    public static int Run(string folder)
    {
        if (!Directory.Exists(folder))
        {
            Console.Error.WriteLine($"eval: {folder} not found (the public answer files: ../shared/data/answerfiles/public)");
            return 4;
        }

        var files = Directory.GetFiles(folder, "*.xml*").Order(StringComparer.Ordinal).ToList();
        var linter = new AnswerFileLinter();
        var explainer = new AnswerFileExplainer();
        var reports = new List<LintReport>();
        var explained = new List<(string File, string Outcome)>();
        foreach (var path in files)
        {
            var name = Path.GetFileName(path).Replace(".gz", string.Empty, StringComparison.Ordinal);
            var bytes = Read(path);
            AnswerFile file;
            try
            {
                file = AnswerFileReader.Read(bytes, name);
            }
            catch (AnswerFileFormatException e)
            {
                reports.Add(AnswerFileLinter.Unreadable(e));
                explained.Add((name, "refused (exit 3): " + e.Reason));
                continue;
            }

            reports.Add(linter.Lint(file));
            try
            {
                var explanation = explainer.Explain(file, SysprepSwitches.CloudDefault);
                var items = explanation.Steps.SelectMany(s => s.Items).ToList();
                explained.Add((name, string.Create(CultureInfo.InvariantCulture,
                    $"{explanation.Architecture}{(explanation.ArchitectureFromFile ? " (file)" : string.Empty)}: {explanation.Steps.Count} passes, {items.Count(i => i.Kind == ExplainItemKind.Setting)} settings, " +
                    $"{items.Count(i => i.Kind == ExplainItemKind.Command)} commands, {items.Count(i => i.Kind == ExplainItemKind.FailingCommand)} failing, {explanation.Ignored.Count} ignored")));
            }
            catch (AnswerFileFormatException e)
            {
                explained.Add((name, "refused (exit 3): " + e.Reason));
            }
        }

        Console.WriteLine($"# lint and explain over {files.Count} public answer files ({folder})");
        Console.WriteLine();
        Console.WriteLine("## Findings by rule and severity");
        Console.WriteLine();
        Console.WriteLine("| rule | name | severity | findings | files |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var group in reports.SelectMany(r => r.Findings.Select(f => (Report: r, Finding: f)))
            .GroupBy(x => (x.Finding.Rule.Id, x.Finding.Rule.Name, x.Finding.Severity))
            .OrderByDescending(g => g.Key.Severity).ThenBy(g => g.Key.Id, StringComparer.Ordinal))
        {
            Console.WriteLine($"| {group.Key.Id} | {group.Key.Name} | {group.Key.Severity.ToString().ToLowerInvariant()} | {group.Count()} | {group.Select(x => x.Report.File).Distinct().Count()} |");
        }

        Console.WriteLine();
        Console.WriteLine($"Totals: {reports.Sum(r => r.Count(Severity.Error))} errors, {reports.Sum(r => r.Count(Severity.Warning))} warnings, " +
            $"{reports.Sum(r => r.Count(Severity.Info))} info; {reports.Count(r => !r.Readable)} files unreadable; " +
            $"{reports.Count(r => r.Readable && !r.Findings.Any(f => f.Severity >= Severity.Warning))} files without errors or warnings.");
        Console.WriteLine();
        Console.WriteLine("## Windows release checked");
        Console.WriteLine();
        foreach (var group in reports.Where(r => r.Windows is not null).GroupBy(r => (r.Windows!.Name, r.WindowsSource)).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            Console.WriteLine($"- {group.Key.Name} ({group.Key.WindowsSource.ToString().ToLowerInvariant()}): {group.Count()} files");
        }

        Console.WriteLine();
        Console.WriteLine("## explain /generalize /oobe /shutdown");
        Console.WriteLine();
        foreach (var (file, outcome) in explained)
        {
            Console.WriteLine($"- {file}: {outcome}");
        }

        Console.WriteLine();
        Console.WriteLine("## Every error and warning (for review)");
        Console.WriteLine();
        foreach (var finding in reports.SelectMany(r => r.Findings).Where(f => f.Severity >= Severity.Warning)
            .OrderBy(f => f.Rule.Id, StringComparer.Ordinal).ThenBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Position.Line))
        {
            Console.WriteLine($"- {finding}");
        }

        return 0;
    }

    private static byte[] Read(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return File.ReadAllBytes(path);
        }

        using var input = File.OpenRead(path);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
