using System.Diagnostics;

namespace Reseal.TestSupport;

/// <summary>
/// How much longer a large input takes than a small one, for tests that prove an algorithm is linear rather than
/// quadratic. Wall-clock time on a shared two-core CI machine is noisy, so each size is timed several times, interleaved,
/// after a collection, and the fastest run of each is kept: interference only ever adds time, so the minimum is the
/// closest to the algorithm's own cost. Callers pick sizes sixteen times apart, where linear work gives about 16 and
/// quadratic about 256, and assert a bound between the two with a wide margin on both sides.
/// </summary>
public static class GrowthRatio
{
    public const int Runs = 5;

    public static double Measure(Action small, Action large)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(large);
        small();
        large();
        var fastestSmall = double.MaxValue;
        var fastestLarge = double.MaxValue;
        for (var i = 0; i < Runs; i++)
        {
            fastestSmall = Math.Min(fastestSmall, Seconds(small));
            fastestLarge = Math.Min(fastestLarge, Seconds(large));
        }

        return fastestLarge / fastestSmall;
    }

    private static double Seconds(Action run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalSeconds;
    }
}
