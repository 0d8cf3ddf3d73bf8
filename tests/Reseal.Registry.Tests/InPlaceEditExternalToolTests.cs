using System.Text.RegularExpressions;
using Reseal.TestSupport;

namespace Reseal.Registry.Tests;

/// <summary>
/// Every real hive hivex reads, edited in place (see <see cref="InPlaceEdits"/>): hivexsh finds it clean, Windows'
/// loader rules (the checker) find nothing the original did not have, and hivexregedit, reglookup, regfexport and
/// reged read it exactly as they read the same edits made by the compact rewrite.
/// </summary>
public partial class InPlaceEditExternalToolTests
{
    public static TheoryData<string> Readable => [.. HiveData.Readable];

    [Theory]
    [MemberData(nameof(Readable))]
    public void Hivexregedit_InPlaceEdits_SameExportAsCompactRewrite(string name)
    {
        var tool = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        var result = InPlaceEdits.For(name);
        using var dir = new TempDirectory();

        var inPlace = HivexExportComparisonTests.RunHivexExport(tool, result.InPlace, dir, prefix: null);
        var compact = HivexExportComparisonTests.RunHivexExport(tool, result.Compact, dir, prefix: null);

        HivexExportComparisonTests.AssertSameBytes(compact, inPlace, name + " edited in place, read by hivex");
        HivexExportComparisonTests.AssertSameBytes(inPlace, RegExporter.ExportToBytes(Hive.Open(result.InPlace)), name + " edited in place, read by Reseal");
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void HivexshAndChecker_InPlaceEdits_CleanAndNoNewFindings(string name)
    {
        var hivexsh = ExternalTool.Require("hivexsh", "libhivex-bin");
        var result = InPlaceEdits.For(name);

        var run = ExternalTool.Run(hivexsh, ["-d", result.InPlace], standardInput: "");
        var output = run.StandardError + run.StandardOutput;
        var sequence = SequenceLine().Match(output);
        var checksum = ChecksumLine().Match(output);

        Assert.True(sequence.Success, output);
        Assert.Equal(sequence.Groups[1].Value, sequence.Groups[2].Value);
        Assert.True(checksum.Success, output);
        Assert.Equal(checksum.Groups[1].Value, checksum.Groups[2].Value);
        string[] Findings(string path) => [.. HiveChecker.Check(Hive.Open(path)).Select(d => $"{d.Severity} {d.Structure}: {Regex.Replace(d.Message, "0x[0-9A-F]+", "0x…")}").Distinct()];
        Assert.Empty(Findings(result.InPlace).Except(Findings(result.Original)));
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void Reglookup_InPlaceEdits_SameRowsAsCompactRewrite(string name)
    {
        var reglookup = ExternalTool.Require("reglookup", "reglookup");
        var result = InPlaceEdits.For(name);

        string[] Rows(string path)
        {
            var run = ExternalTool.Run(reglookup, [path]);
            Assert.Equal(0, run.ExitCode);
            // PATH,TYPE,VALUE: the modification times differ between the two writers.
            return [.. run.StandardOutput.Split('\n').Select(l => string.Join(',', l.Split(',').Take(3))).Order(StringComparer.Ordinal)];
        }

        var rows = Rows(result.InPlace);
        Assert.Contains(rows, r => r.StartsWith("/ResealInPlace/Types/T05,DWORD,0xDEADBEEF", StringComparison.Ordinal));
        Assert.Equal(Rows(result.Compact), rows);
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public async Task Regfexport_InPlaceEdits_SameChangesAsCompactRewrite(string name)
    {
        var regfexport = ExternalTool.Require("regfexport", "libregf-utils");
        var result = InPlaceEdits.For(name);

        // libregf's view of some untouched values depends on their cells' slack (it reports a 210-byte string of
        // ntuser_software_partial as 204 bytes once the compact rewrite trims the cell), so the two writers are
        // compared by what the edits changed in regfexport's dump: the lines added and removed against the dump of
        // the same hive before the edits (the original for the in-place edit, its compact rewrite for the rewrite).
        string[] Dump(string path)
        {
            var run = ExternalTool.Run(regfexport, [path], timeout: TimeSpan.FromMinutes(10));
            Assert.Equal(0, run.ExitCode);
            return [.. run.StandardOutput.Split('\n').Where(l => !l.StartsWith("Last written time", StringComparison.Ordinal))];
        }

        var dumps = await Task.WhenAll(new[] { result.Original, result.InPlace, result.CompactOriginal, result.Compact }.Select(p => Task.Run(() => Dump(p))));
        var (addedInPlace, removedInPlace) = Changes(dumps[0], dumps[1]);
        var (addedCompact, removedCompact) = Changes(dumps[2], dumps[3]);

        Assert.Contains(addedInPlace, l => l.Contains("ResealInPlace", StringComparison.Ordinal));
        Assert.Equal(addedCompact, addedInPlace);
        Assert.Equal(removedCompact, removedInPlace);
    }

    /// <summary>Lines added and removed between two dumps, as sorted multisets.</summary>
    private static (string[] Added, string[] Removed) Changes(string[] before, string[] after)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in after)
        {
            counts[line] = counts.GetValueOrDefault(line) + 1;
        }

        foreach (var line in before)
        {
            counts[line] = counts.GetValueOrDefault(line) - 1;
        }

        string[] Expand(Func<int, bool> keep) =>
            [.. counts.Where(c => keep(c.Value)).SelectMany(c => Enumerable.Repeat(c.Key, Math.Abs(c.Value))).Order(StringComparer.Ordinal)];
        return (Expand(n => n > 0), Expand(n => n < 0));
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void Reged_InPlaceEdits_SameExportAsCompactRewrite(string name)
    {
        var reged = ExternalTool.Require("reged", "chntpw");
        var result = InPlaceEdits.For(name);
        using var dir = new TempDirectory();

        // reged does not know big-data (db) values: it prints whatever cells follow the db cell, which differ between
        // two layouts of the same content; and it prints a DWORD that is not 4 bytes long (SECURITY's empty REG_DWORD
        // defaults) from memory it never read, different at each run. Those values are left out. As with regfexport,
        // the writers are compared by what the edits changed against the same hive before them.
        var big = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<RegistryKey>([Hive.Open(result.Original).Root, Hive.Open(result.InPlace).Root]);
        while (pending.Count > 0)
        {
            var key = pending.Pop();
            foreach (var value in key.GetValues().Where(v => v.DataLength > BigDataLayout.SegmentSize || (v.RawType == 4 && v.DataLength != 4)))
            {
                big.Add($"{key.Path.TrimStart('\\')}|{(value.Name.Length == 0 ? "@" : $"\"{value.Name}\"")}=");
            }

            foreach (var child in key.GetSubkeys())
            {
                pending.Push(child);
            }
        }

        // A root without the HIVE_ENTRY flag (ez-SECURITYNoRoot) is printed by name; the compact rewrite sets the flag.
        var original = Hive.Open(result.Original).Root;
        var rootPrefix = (original.Flags & KeyNodeAttributes.HiveEntry) == 0 ? original.Name + "\\" : null;

        string[] Export(string path, string output)
        {
            var target = dir.File(output);
            var run = ExternalTool.Run(reged, ["-x", path, "HKEY_LOCAL_MACHINE\\X", "\\", target], standardInput: "");
            Assert.True(File.Exists(target), run.StandardOutput + run.StandardError);
            return [.. RegedEntries(File.ReadAllLines(target))
                .Select(e => rootPrefix is not null && e.StartsWith(rootPrefix, StringComparison.Ordinal) ? e[rootPrefix.Length..] : e)
                .Where(e => !big.Any(b => e.StartsWith(b, StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal)];
        }

        var (addedInPlace, removedInPlace) = Changes(Export(result.Original, "original.reg"), Export(result.InPlace, "inplace.reg"));
        var (addedCompact, removedCompact) = Changes(Export(result.CompactOriginal, "compact-original.reg"), Export(result.Compact, "compact.reg"));

        Assert.Contains(addedInPlace, e => e.EndsWith("ResealInPlace\\Types|\"T05\"=dword:deadbeef", StringComparison.Ordinal));
        Assert.Equal(addedCompact, addedInPlace);
        Assert.Equal(removedCompact, removedInPlace);
    }

    /// <summary>reged's export as "key|value line" entries (continuation lines joined).</summary>
    private static IEnumerable<string> RegedEntries(string[] lines)
    {
        const string Prefix = "[HKEY_LOCAL_MACHINE\\X";
        var key = string.Empty;
        var entry = new System.Text.StringBuilder();
        foreach (var line in lines)
        {
            entry.Append(line.Trim());
            if (entry.Length > 0 && entry[^1] == '\\')
            {
                entry.Length--;
                continue;
            }

            var text = entry.ToString();
            entry.Clear();
            if (text.StartsWith(Prefix, StringComparison.Ordinal))
            {
                key = text[Prefix.Length..^1].TrimStart('\\');
                yield return key + "|";
            }
            else if (text.Length > 0)
            {
                yield return key + "|" + text;
            }
        }
    }

    [GeneratedRegex(@"sequence nos\s+(\d+)\s+(\d+)")]
    private static partial Regex SequenceLine();

    [GeneratedRegex(@"checksum\s+(0x[0-9a-f]+)\s+\(calculated\s+(0x[0-9a-f]+)\)")]
    private static partial Regex ChecksumLine();
}
