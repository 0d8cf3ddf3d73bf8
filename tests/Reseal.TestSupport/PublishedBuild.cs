using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Reseal.TestSupport;

/// <summary>
/// What <c>scripts/publish.sh</c> ships, for tests that run the shipped build (Native AOT for Linux and Windows, and
/// the MSI for Windows). Publishing takes minutes (Native AOT compiles everything), so each build is
/// cached by a hash of what the publish reads and reused until the sources change; concurrent test processes (other
/// worktrees, other assemblies) take a lock file per build.
/// </summary>
public static class PublishedBuild
{
    /// <summary>Where builds are cached (default: <c>$TMPDIR/reseal-publish-cache</c>).</summary>
    public const string CacheVariable = "RESEAL_PUBLISH_CACHE";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The repository root (the folder with Reseal.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// The folder <c>scripts/publish.sh [--project PROJECT] RID</c> wrote: <c>reseal</c> and its <c>.tar.gz</c> for Linux,
    /// <c>reseal.exe</c> and its <c>.msi</c> for win-x64; only the executable for another <paramref name="project"/>.
    /// Throws with the script's output when the publish fails.
    /// </summary>
    public static async Task<string> GetAsync(string rid, string? project = null, string? option = null, CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Publish(rid, project, option, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string Publish(string rid, string? project, string? option, CancellationToken cancellationToken)
    {
        var cacheRoot = Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } c ? c : Path.Combine(Path.GetTempPath(), "reseal-publish-cache");
        Directory.CreateDirectory(cacheRoot);
        // A copy that is not a git checkout publishes a build whose commit is "unknown": cached apart, so a checkout with the
        // same sources never reuses it (it did once: a copy made with git archive, then a clone's test run on this machine).
        var key = $"{rid}-{(project is null ? "reseal" : Path.GetFileName(project.TrimEnd('/')))}{option?.Replace("--", "-", StringComparison.Ordinal)}-{SourceHash(project)}{(IsGitCheckout(RepositoryRoot) ? "" : "-nogit")}";
        var folder = Path.Combine(cacheRoot, key);
        var complete = Path.Combine(folder, ".complete");
        using var lockFile = AcquireLock(Path.Combine(cacheRoot, key + ".lock"), cancellationToken);
        if (File.Exists(complete))
        {
            Directory.SetLastWriteTimeUtc(folder, TimeProvider.System.GetUtcNow().UtcDateTime);
            return folder;
        }

        PruneCache(cacheRoot);
        var staging = folder + ".staging";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var arguments = new List<string> { Path.Combine(RepositoryRoot, "scripts", "publish.sh") };
        if (project is not null)
        {
            arguments.AddRange(["--project", project]);
        }

        if (option is not null)
        {
            arguments.Add(option);
        }

        arguments.AddRange([rid, staging]);
        var (exitCode, output) = RunScript(arguments, TimeSpan.FromMinutes(30), cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"scripts/publish.sh {string.Join(' ', arguments.Skip(1))} failed (exit {exitCode}):\n{output}");
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.Move(staging, folder);
        File.WriteAllText(complete, output);
        return folder;
    }

    /// <summary>True when <paramref name="root"/> is a git checkout (<c>.git</c> is a folder, or a file in a worktree), whose commit publish.sh passes on.</summary>
    internal static bool IsGitCheckout(string root) =>
        Directory.Exists(Path.Combine(root, ".git")) || File.Exists(Path.Combine(root, ".git"));

    /// <summary>
    /// The hash of everything a publish compiles: src/, the extra project, the build props, publish.sh, the MSI's source and
    /// scripts/win-aot/ (not README.md, which the Linux archive carries: a wording change should not cost a Native AOT publish).
    /// Paths and bytes in ordinal order; bin/, obj/ and lock files are left out.
    /// </summary>
    public static string SourceHash(string? project = null)
    {
        var root = RepositoryRoot;
        var files = new List<string>();
        foreach (var folder in project is null ? ["src"] : new[] { "src", project })
        {
            files.AddRange(Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories)
                .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f))));
        }

        // The Wine test builds (--wine-test, --folder) compile the tests' account store into Reseal.Windows; a test program that
        // references Reseal.TestSupport (tests/Reseal.MachineProbe) is built from all of it.
        var testSupport = project is not null && Directory.EnumerateFiles(Path.Combine(root, project), "*.csproj")
            .Any(p => File.ReadAllText(p).Contains("Reseal.TestSupport.csproj", StringComparison.Ordinal));
        files.AddRange(Directory.EnumerateFiles(Path.Combine(root, "tests", "Reseal.TestSupport", testSupport ? "" : "Wine"), testSupport ? "*" : "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f))));

        files.AddRange(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "BannedSymbols.txt", ".editorconfig", "scripts/publish.sh", "scripts/reseal.wxs" }
            .Select(f => Path.Combine(root, f)).Where(File.Exists));
        // The Windows build's start-up code and link settings (scripts/win-aot/).
        files.AddRange(Directory.EnumerateFiles(Path.Combine(root, "scripts", "win-aot")).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Distinct().Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(root, file)));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    private static bool IsBuildOutput(string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar);
        return parts.Any(p => p is "bin" or "obj" or "TestResults") || parts[^1] == "packages.lock.json";
    }

    /// <summary>Removes builds unused for a day (other worktrees may be using theirs right now).</summary>
    private static void PruneCache(string cacheRoot)
    {
        var limit = TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-1);
        foreach (var dir in Directory.EnumerateDirectories(cacheRoot))
        {
            if (Directory.GetLastWriteTimeUtc(dir) < limit)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // In use or gone: not ours to insist on.
                }
            }
        }
    }

    /// <summary>
    /// Runs the script with the SDK on PATH and without this test run's MSBuild/test-host variables (they would point the
    /// publish at the test host's MSBuild). Output goes to a file, so a chatty publish cannot fill a pipe and hang.
    /// </summary>
    private static (int ExitCode, string Output) RunScript(IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var log = Path.Combine(Path.GetTempPath(), "reseal-publish-" + Guid.NewGuid().ToString("N")[..12] + ".log");
        var info = new ProcessStartInfo("bash") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$@\" > \"$RESEAL_PUBLISH_LOG\" 2>&1");
        info.ArgumentList.Add("bash");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["RESEAL_PUBLISH_LOG"] = log;
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && Path.GetDirectoryName(host) is { } dir)
        {
            path = dir + Path.PathSeparator + path;
        }

        info.Environment["PATH"] = path;
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.Equals("MSBuildExtensionsPath", StringComparison.OrdinalIgnoreCase) || key.Equals("MSBuildSDKsPath", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }

        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
            using var registration = cancellationToken.Register(() => Kill(process));
            if (!process.WaitForExit(timeout))
            {
                Kill(process);
                process.WaitForExit();
                return (-1, $"timed out after {timeout.TotalMinutes:0} min\n{ReadLog(log)}");
            }

            cancellationToken.ThrowIfCancellationRequested();
            return (process.ExitCode, ReadLog(log));
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string ReadLog(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    private static FileStream AcquireLock(string path, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (deadline.Elapsed < TimeSpan.FromMinutes(40))
            {
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reseal.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Reseal.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The version every build carries (Directory.Build.props).</summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var props = File.ReadAllText(Path.Combine(RepositoryRoot, "Directory.Build.props"));
        var start = props.IndexOf("<Version>", StringComparison.Ordinal) + "<Version>".Length;
        return props[start..props.IndexOf("</Version>", start, StringComparison.Ordinal)];
    }

    /// <summary>For messages: how long ago a cached build was made.</summary>
    public static string Describe(string folder) =>
        string.Create(CultureInfo.InvariantCulture, $"{folder} (published {File.GetLastWriteTimeUtc(Path.Combine(folder, ".complete")):u})");
}
