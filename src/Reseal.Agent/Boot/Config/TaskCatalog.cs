using Reseal.Agent.Boot.Tasks;

namespace Reseal.Agent.Boot.Config;

/// <summary>How a task's frequency is decided (agents.md §1).</summary>
public enum FrequencyRule
{
    /// <summary>Documented as once per instance.</summary>
    Once,

    /// <summary>Documented as every run.</summary>
    Always,

    /// <summary>Each input says (<c>frequency</c> on executeScript, executeProgram, writeFile).</summary>
    PerInput,
}

/// <summary>
/// The built-in tasks (<see cref="TaskRegistry.BuiltIn"/>: the 15 EC2Launch v2 documents, agents.md §1) seen from the
/// configuration side, and the "did you mean" every reader of names uses. Names and input names are case-sensitive, as
/// EC2Launch v2 reads them.
/// </summary>
/// <remarks>
/// Reseal additions (in the tasks' schemas): <c>activateWindows</c> also takes <c>type: kms</c> with a <c>server</c>
/// (<c>host[:port]</c>) for clouds without Amazon's KMS; every per-input entry and every task entry may carry
/// <c>frequency</c> and <c>independent</c> (see <see cref="AgentConfigReader"/>).
/// </remarks>
public static class TaskCatalog
{
    /// <summary>The attributes <c>setWallpaper</c> can print (EC2Launch v2's list).</summary>
    public static IReadOnlyList<string> WallpaperAttributes => WallpaperText.Attributes;

    /// <summary>Every built-in task, in registration order.</summary>
    public static IReadOnlyList<BootTask> All => TaskRegistry.BuiltIn.All;

    /// <summary>The built-in task called <paramref name="name"/> (case-sensitive), or null.</summary>
    public static BootTask? Find(string name) => TaskRegistry.BuiltIn.Find(name);

    /// <summary>A "did you mean" for a misspelt name among <paramref name="candidates"/>, or null.</summary>
    public static string? Suggest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return bestDistance <= Math.Max(2, name.Length / 4) ? best : null;
    }

    // Levenshtein distance over short names (task and stage names are under 30 characters; longer input is not compared).
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
