using System.Diagnostics;
using System.Globalization;
using Reseal.TestSupport;

namespace Reseal.Wine.Tests.Harness;

/// <summary>
/// The win-x64 builds the prefix gets: reseal (src/Reseal.Cli with the tests' account store: Native AOT like the shipped
/// file, <c>scripts/publish.sh --wine-test</c>, or with RESEAL_WINE_JIT=1 a JIT-compiled folder, <c>--folder</c>) and the Sysprep emulator
/// (tests/Reseal.SysprepEmulator, a folder), and
/// the shipped build (<c>scripts/publish.sh win-x64</c>: reseal.exe and its MSI), cached by <see cref="PublishedBuild"/>.
/// </summary>
/// <param name="ResealFolder">The Wine test build's reseal.exe (one file), installed as <c>C:\Program Files\Reseal\reseal.exe</c>.</param>
/// <param name="SysprepFolder">The published emulator (sysprep.exe, one file), installed in <c>C:\Windows\System32\Sysprep\</c>.</param>
/// <param name="Seconds">How long publishing took (0 when the cache had it).</param>
/// <param name="FromCache">Whether an earlier run's publish of the same sources was reused.</param>
public sealed record WineBuild(string ResealFolder, string SysprepFolder, double Seconds, bool FromCache)
{
    /// <summary>
    /// A folder with <c>reseal/</c> and <c>sysprep/</c> already published (e.g. by CI); when set, nothing is published.
    /// </summary>
    public const string PublishedVariable = "RESEAL_WINE_PUBLISHED";

    /// <summary>Set to 1: the end-to-end tests install the JIT-compiled folder instead of the Native AOT Wine test build.</summary>
    public const string JitVariable = "RESEAL_WINE_JIT";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static WineBuild? _built;

    /// <summary>The repository root (the folder with Reseal.slnx).</summary>
    public static string RepositoryRoot => PublishedBuild.RepositoryRoot;

    /// <summary>The shipped build (scripts/publish.sh win-x64: the Native AOT reseal.exe and its MSI); null with <see cref="PublishedVariable"/>.</summary>
    public string? ShippedFolder { get; init; }

    /// <summary>The MSI scripts/publish.sh built beside the shipped reseal.exe.</summary>
    public string MsiPath => Path.Combine(ShippedFolder ?? ResealFolder, $"reseal-{PublishedBuild.Version}-x64.msi");

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

        // The prefix gets the Wine test build, with the tests' account store compiled in (Wine has no account database,
        // docs/wine-e2e.md): the shipped Native AOT reseal.exe with that store (--wine-test), or with RESEAL_WINE_JIT=1
        // the same sources JIT-compiled as a folder (--folder), which the tests installed until the Native AOT build had
        // clean full runs (docs/wine-e2e.md, "Which build"). The shipped build itself and its MSI are ShippedFolder
        // (Install/ShippedExeTests, the MSI test). The emulator is a test program: JIT, as a folder.
        var watch = Stopwatch.StartNew();
        var resealOption = Environment.GetEnvironmentVariable(JitVariable) == "1" ? "--folder" : "--wine-test";
        var reseal = PublishedBuild.GetAsync("win-x64", null, resealOption, cancellationToken).GetAwaiter().GetResult();
        var sysprep = PublishedBuild.GetAsync("win-x64", "tests/Reseal.SysprepEmulator", "--folder", cancellationToken).GetAwaiter().GetResult();
        var shipped = PublishedBuild.GetAsync("win-x64", cancellationToken: cancellationToken).GetAwaiter().GetResult();
        var seconds = watch.Elapsed.TotalSeconds;
        return Check(new WineBuild(reseal, sysprep, seconds, seconds < 5) { ShippedFolder = shipped });
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

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ResealFolder} ({(FromCache ? "cached" : $"published in {Seconds:0} s")})");
}
