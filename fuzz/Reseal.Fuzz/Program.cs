// reseal-fuzz: the fuzzing harness scripts/fuzz.sh drives.
//
//   Reseal.Fuzz list                       the targets, one a line
//   Reseal.Fuzz run TARGET                 under afl-fuzz (SharpFuzz's out-of-process fork server)
//   Reseal.Fuzz replay TARGET PATH...      every file (folders: every file below) through the target, in process,
//                                          each with a time limit; exit 1 when any crashes or hangs
//   Reseal.Fuzz seeds TARGET DIR           writes small generated seeds for the target into DIR
using System.Diagnostics;
using SharpFuzz;

namespace Reseal.Fuzz;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["list"])
        {
            foreach (var t in FuzzTargets.All)
            {
                Console.WriteLine($"{t.Name}\t{t.Description}");
            }

            return 0;
        }

        if (args.Length < 2 || FuzzTargets.Find(args[1]) is not { } target)
        {
            Console.Error.WriteLine("usage: Reseal.Fuzz list | run TARGET | replay TARGET PATH... | seeds TARGET DIR");
            return 2;
        }

        if (args[0] != "run")
        {
            GiveInstrumentationAPlaceToWrite();
        }

        switch (args[0])
        {
            case "run":
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    target.Run(buffer.ToArray());
                });
                return 0;
            case "replay":
                return Replay(target, args[2..]);
            case "seeds" when args.Length == 3:
                Directory.CreateDirectory(args[2]);
                var n = 0;
                foreach (var seed in Seeds.For(target.Name))
                {
                    File.WriteAllBytes(Path.Combine(args[2], $"seed-{n++:D3}"), seed);
                }

                Console.WriteLine($"{target.Name}: {n} generated seeds in {args[2]}");
                return 0;
            default:
                Console.Error.WriteLine("usage: Reseal.Fuzz list | run TARGET | replay TARGET PATH... | seeds TARGET DIR");
                return 2;
        }
    }

    // The instrumented assemblies record every branch into afl-fuzz's shared memory; outside afl-fuzz (replay, seeds)
    // that pointer is null, so give them a buffer of the same size to write into.
    private static unsafe void GiveInstrumentationAPlaceToWrite()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
        }
    }

    // Replays inputs in this process. A hang is an input that takes longer than the limit (afl-fuzz's -t is 10 s
    // on a busy machine; the replay limit is the same).
    private static int Replay(FuzzTarget target, string[] paths)
    {
        var limit = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("RESEAL_FUZZ_REPLAY_SECONDS") ?? "10",
            System.Globalization.CultureInfo.InvariantCulture));
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith("README.txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var failures = 0;
        var slowest = TimeSpan.Zero;
        foreach (var file in files)
        {
            var data = File.ReadAllBytes(file);
            var watch = Stopwatch.StartNew();
            var run = Task.Run(() => target.Run(data));
            try
            {
                if (!run.Wait(limit))
                {
                    Console.Error.WriteLine($"HANG {target.Name} {file}: still running after {limit.TotalSeconds} s");
                    return 1; // the stuck thread cannot be stopped; give up now
                }
            }
            catch (AggregateException e)
            {
                failures++;
                Console.Error.WriteLine($"CRASH {target.Name} {file}: {e.InnerException}");
            }

            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }

        Console.WriteLine($"{target.Name}: {files.Count} inputs replayed, {failures} crashed, slowest {slowest.TotalMilliseconds:F0} ms");
        return failures == 0 ? 0 : 1;
    }
}
