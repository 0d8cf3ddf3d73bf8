using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Reseal.Wine.Tests.Harness;

/// <summary>
/// The win-x64 self-contained builds the prefix gets: reseal (src/Reseal.Cli) and the Sysprep emulator
/// (tests/Reseal.SysprepEmulator), published by <c>scripts/publish-wine.sh</c> from a temporary copy of the sources.
/// </summary>
/// <param name="ResealFolder">The published reseal (reseal.exe and the runtime), installed as <c>C:\Program Files\Reseal\</c>.</param>
/// <param name="SysprepFolder">The published emulator (sysprep.exe and the runtime), installed in <c>C:\Windows\System32\Sysprep\</c>.</param>
/// <param name="Seconds">How long publishing took (0 when the cache had it).</param>
/// <param name="FromCache">Whether an earlier run's publish of the same sources was reused.</param>
public sealed record WineBuild(string ResealFolder, string SysprepFolder, double Seconds, bool FromCache)
{
    /// <summary>
    /// A folder with <c>reseal/</c> and <c>sysprep/</c> already published (e.g. by CI); when set, nothing is published.
    /// </summary>
    public const string PublishedVariable = "RESEAL_WINE_PUBLISHED";

    /// <summary>Where published builds are cached, keyed by a hash of the sources (default: the temp folder).</summary>
    public const string CacheVariable = "RESEAL_WINE_CACHE";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static WineBuild? _built;

    /// <summary>The repository root (the folder with Reseal.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// Publishes once per test process (the same sources are reused from the cache across runs: publishing takes
    /// 20–75 s, a cache hit none). Thread-safe; concurrent processes take a lock file.
    /// </summary>
    public static async Task<WineBuild> GetAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return _built ??= await Task.Run(() => Build(cancellationToken), cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static WineBuild Build(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(PublishedVariable) is { Length: > 0 } published)
        {
            return Check(new WineBuild(Path.Combine(published, "reseal"), Path.Combine(published, "sysprep"), 0, true));
        }

        var cacheRoot = Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } c ? c : Path.Combine(Path.GetTempPath(), "reseal-wine-cache");
        Directory.CreateDirectory(cacheRoot);
        var hash = SourceHash();
        var folder = Path.Combine(cacheRoot, hash);
        var complete = Path.Combine(folder, ".complete");
        using var lockFile = AcquireLock(Path.Combine(cacheRoot, hash + ".lock"), cancellationToken);
        if (File.Exists(complete))
        {
            Directory.SetLastWriteTimeUtc(folder, TimeProvider.System.GetUtcNow().UtcDateTime);
            return Check(new WineBuild(Path.Combine(folder, "reseal"), Path.Combine(folder, "sysprep"), 0, true));
        }

        PruneCache(cacheRoot, hash);
        var staging = folder + ".staging";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var watch = Stopwatch.StartNew();
        var script = Path.Combine(RepositoryRoot, "scripts", "publish-wine.sh");
        var environment = DotnetEnvironment();
        var result = HostProcess.Run("bash", [script, staging], TimeSpan.FromMinutes(10), environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/publish-wine.sh failed (exit {result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.Move(staging, folder);
        File.WriteAllText(complete, result.StandardOutput);
        return Check(new WineBuild(Path.Combine(folder, "reseal"), Path.Combine(folder, "sysprep"), watch.Elapsed.TotalSeconds, false));
    }

    private static WineBuild Check(WineBuild build)
    {
        foreach (var exe in new[] { Path.Combine(build.ResealFolder, "reseal.exe"), Path.Combine(build.SysprepFolder, "sysprep.exe") })
        {
            if (!File.Exists(exe))
            {
                throw new InvalidOperationException($"{exe} is missing: the win-x64 publish is incomplete");
            }
        }

        return build;
    }

    /// <summary>
    /// The hash of everything the publish reads: src/, the emulator, the build props and the script. Paths and bytes,
    /// in ordinal order; bin/obj and lock files are left out.
    /// </summary>
    internal static string SourceHash()
    {
        var root = RepositoryRoot;
        var files = new List<string>();
        foreach (var folder in new[] { "src", Path.Combine("tests", "Reseal.SysprepEmulator") })
        {
            files.AddRange(Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories)
                .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f))));
        }

        files.AddRange(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "BannedSymbols.txt", ".editorconfig", "scripts/publish-wine.sh" }
            .Select(f => Path.Combine(root, f)).Where(File.Exists));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(root, file)));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    private static bool IsBuildOutput(string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar);
        return parts.Any(p => p is "bin" or "obj") || parts[^1] == "packages.lock.json";
    }

    /// <summary>Builds older than a day other than this one (other worktrees may be using theirs right now).</summary>
    private static void PruneCache(string cacheRoot, string keep)
    {
        var limit = TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-1);
        foreach (var dir in Directory.EnumerateDirectories(cacheRoot))
        {
            var name = Path.GetFileName(dir);
            if (!name.StartsWith(keep, StringComparison.Ordinal) && Directory.GetLastWriteTimeUtc(dir) < limit)
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

    /// <summary>The environment for dotnet publish: the SDK on PATH, no MSBuild/test-host variables of this test run.</summary>
    private static Dictionary<string, string?> DotnetEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && Path.GetDirectoryName(host) is { } dir)
        {
            path = dir + Path.PathSeparator + path;
        }

        environment["PATH"] = path;
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.Equals("MSBuildExtensionsPath", StringComparison.OrdinalIgnoreCase) || key.Equals("MSBuildSDKsPath", StringComparison.OrdinalIgnoreCase))
            {
                environment[key] = null;
            }
        }

        return environment;
    }

    private static FileStream AcquireLock(string path, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (deadline.Elapsed < TimeSpan.FromMinutes(15))
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

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ResealFolder} ({(FromCache ? "cached" : $"published in {Seconds:0} s")})");
}
