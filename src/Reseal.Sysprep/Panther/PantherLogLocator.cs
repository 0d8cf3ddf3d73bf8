namespace Reseal.Sysprep.Panther;

/// <summary>The log files and success tag found for the paths a user gave.</summary>
/// <param name="Files">setupact.log / setuperr.log files (and any file named directly), in a stable order.</param>
/// <param name="SuccessTag">The first <c>Sysprep_succeeded.tag</c> found, or null.</param>
/// <param name="Problems">Paths that do not exist or hold no log.</param>
/// <param name="StateIni">The first <c>Setup\State\State.ini</c> of a Windows folder found, or null.</param>
public sealed record LocatedLogs(IReadOnlyList<string> Files, string? SuccessTag, IReadOnlyList<InputProblem> Problems, string? StateIni = null);

/// <summary>
/// Finds Sysprep and Setup logs under the paths a user gives: a log file; a Panther folder (<c>%WINDIR%\Panther</c>,
/// <c>%WINDIR%\System32\Sysprep\Panther</c>, <c>Panther\UnattendGC</c>); or a Windows tree (the drive root, the Windows
/// folder, System32 or System32\Sysprep). Names are matched case-insensitively, since offline trees copied to Linux keep
/// Windows' mixed case (<c>System32</c> vs <c>system32</c>).
/// </summary>
public static class PantherLogLocator
{
    /// <summary>The log file names, in reading order.</summary>
    public static IReadOnlyList<string> LogNames { get; } = ["setupact.log", "setuperr.log"];

    /// <summary>The file Sysprep writes when it succeeds.</summary>
    public const string SuccessTagName = "Sysprep_succeeded.tag";

    // Relative to any folder the user gives; the first match of each is used. Sysprep's own folder first.
    private static readonly string[] LogFolders =
    [
        "",
        "Panther",
        "Panther/UnattendGC",
        "UnattendGC",
        "Sysprep/Panther",
        "System32/Sysprep/Panther",
        "Windows/System32/Sysprep/Panther",
        "Windows/Panther",
        "Windows/Panther/UnattendGC",
        "$WINDOWS.~BT/Sources/Panther",
    ];

    private static readonly string[] TagFolders = ["", "Sysprep", "System32/Sysprep", "Windows/System32/Sysprep"];

    /// <summary>Finds the logs for each path. Never throws for a missing or unreadable path: it becomes a problem.</summary>
    public static LocatedLogs Locate(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<InputProblem>();
        string? tag = null;
        string? stateIni = null;
        foreach (var path in paths)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                problems.Add(new InputProblem(path ?? string.Empty, "empty path"));
                continue;
            }

            try
            {
                if (File.Exists(path))
                {
                    if (Path.GetFileName(path).Equals(SuccessTagName, StringComparison.OrdinalIgnoreCase))
                    {
                        tag ??= Path.GetFullPath(path);
                    }
                    else if (seen.Add(Path.GetFullPath(path)))
                    {
                        files.Add(path);
                    }

                    continue;
                }

                if (!Directory.Exists(path))
                {
                    problems.Add(new InputProblem(path, "no such file or folder"));
                    continue;
                }

                var before = files.Count;
                foreach (var folder in LogFolders.SelectMany(relative => Resolve(path, relative)))
                {
                    foreach (var name in LogNames)
                    {
                        var file = FindEntry(folder, name, directories: false);
                        if (file is not null && seen.Add(Path.GetFullPath(file)))
                        {
                            files.Add(file);
                        }
                    }
                }

                var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
                var tagFolders = TagFolders.SelectMany(relative => Resolve(path, relative));
                if (Path.GetFileName(full).Equals("Panther", StringComparison.OrdinalIgnoreCase) && Path.GetDirectoryName(full) is { } parent)
                {
                    // Given System32\Sysprep\Panther: the tag is beside the Panther folder.
                    tagFolders = tagFolders.Append(parent);
                }

                foreach (var folder in tagFolders)
                {
                    tag ??= FindEntry(folder, SuccessTagName, directories: false);
                }

                stateIni ??= FindStateIni(full);

                if (files.Count == before)
                {
                    problems.Add(new InputProblem(path,
                        "no setupact.log or setuperr.log found here, in Panther, Panther\\UnattendGC, System32\\Sysprep\\Panther or Windows\\…\\Panther"));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new InputProblem(path, "cannot be read: " + e.Message));
            }
        }

        return new LocatedLogs(files, tag, problems, stateIni);
    }

    /// <summary>
    /// <c>Setup\State\State.ini</c> of the Windows folder the path is in or holds: the path itself, <c>Windows</c> under it,
    /// or up to three folders up (from <c>System32\Sysprep\Panther</c>), when that folder looks like %WINDIR% (it has
    /// System32 or Panther).
    /// </summary>
    private static string? FindStateIni(string folder)
    {
        var candidates = new List<string>();
        candidates.AddRange(Resolve(folder, "Windows"));
        var current = folder;
        for (var up = 0; up <= 3 && current is not null; up++)
        {
            candidates.Add(current);
            current = Path.GetDirectoryName(current);
        }

        foreach (var windows in candidates)
        {
            if (!Resolve(windows, "System32").Any() && !Resolve(windows, "Panther").Any())
            {
                continue;
            }

            foreach (var state in Resolve(windows, "Setup/State"))
            {
                var ini = FindEntry(state, "State.ini", directories: false);
                if (ini is not null)
                {
                    return ini;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Every folder a relative path names, matching each segment case-insensitively (a tree copied to a case-sensitive
    /// file system can hold both <c>System32</c> and <c>system32</c>).
    /// </summary>
    internal static IEnumerable<string> Resolve(string root, string relative)
    {
        IEnumerable<string> current = [root];
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current.SelectMany(folder => FindEntries(folder, segment, directories: true)).ToArray();
        }

        return current;
    }

    private static string? FindEntry(string folder, string name, bool directories) =>
        FindEntries(folder, name, directories).FirstOrDefault();

    private static string[] FindEntries(string folder, string name, bool directories)
    {
        try
        {
            var entries = directories ? Directory.EnumerateDirectories(folder) : Directory.EnumerateFiles(folder);
            return entries.Where(e => Path.GetFileName(e).Equals(name, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
