using Reseal.Registry;

// Usage: HiveTool export HIVE [PREFIX] | get HIVE KEYPATH VALUE | replay HIVE LOG... | rewrite IN OUT | profile HIVE N
if (args.Length >= 2 && args[0] == "export")
{
    var hive = Hive.Open(args[1]);
    using var stdout = StandardOutput();
    RegExporter.Export(hive, stdout, new RegExportOptions { Prefix = args.Length > 2 ? args[2] : null });
    return 0;
}

if (args.Length == 3 && args[0] == "profile")
{
    // In-process timings of the phases, for finding where the time goes (not used by bench.sh).
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var bytes = File.ReadAllBytes(args[1]);
    var read = clock.Elapsed.TotalMilliseconds;
    for (var i = 0; i < int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture); i++)
    {
        clock.Restart();
        var hive = Hive.Load(bytes);
        var load = clock.Elapsed.TotalMilliseconds;
        RegExporter.Export(hive, Stream.Null);
        Console.Error.WriteLine($"read {read:F1} ms, load {load:F1} ms, export {clock.Elapsed.TotalMilliseconds - load:F1} ms");
    }

    return 0;
}

if (args.Length == 4 && args[0] == "get")
{
    var hive = Hive.Open(args[1]);
    var value = hive.OpenKey(args[2])?.GetValue(args[3] == "@" ? string.Empty : args[3]);
    if (value is null)
    {
        Console.Error.WriteLine("not found");
        return 2;
    }

    // Raw stdout: System.Console costs more start-up time and memory than the lookup itself.
    var text = value.Value.Type is RegistryValueType.Sz or RegistryValueType.ExpandSz
        ? value.Value.GetString()
        : Convert.ToHexString(value.Value.GetData());
    using var output = StandardOutput();
    output.Write(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
    return 0;
}

if (args.Length >= 3 && args[0] == "replay")
{
    var hive = Hive.Open(args[1], args[2..]);
    foreach (var warning in hive.Warnings)
    {
        Console.Error.WriteLine(warning);
    }

    Console.Error.WriteLine($"seq {hive.Header.PrimarySequence}/{hive.Header.SecondarySequence} size {hive.HiveBinsSize} issues {HiveChecker.Check(hive).Count}");
    using var stdout = Console.OpenStandardOutput();
    RegExporter.Export(hive, stdout);
    return 0;
}

if (args.Length == 3 && args[0] == "rewrite")
{
    HiveDocument.Open(args[1]).Save(args[2], new HiveSaveOptions { KeepBackup = false });
    return 0;
}

Console.Error.WriteLine("usage: HiveTool export HIVE [PREFIX] | get HIVE KEYPATH VALUE | replay HIVE LOG... | rewrite IN OUT | profile HIVE N");
return 1;

// File descriptor 1 as a stream, without loading System.Console (about 1 MiB and 2 ms of a short process).
static FileStream StandardOutput() =>
    new(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
