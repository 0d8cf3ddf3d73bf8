// Runs the machine contract's scenarios (all, or those named as arguments) against the Windows this process runs on —
// a Wine prefix in the tests — and prints one line per scenario: "PASS name", "SKIP name: reason" or "FAIL name: what".
// Exit code 0 when none failed, 1 otherwise, 2 when the machine cannot be opened (not Windows).
using Reseal.TestSupport.MachineContract;
using Reseal.Windows.Live;
using Reseal.Windows.Ports;

IWindowsMachine machine;
try
{
    machine = LiveMachine.Create();
}
catch (PlatformNotSupportedException e)
{
    Console.Error.WriteLine("machine-probe: " + e.Message);
    return 2;
}

var failed = 0;
foreach (var name in args.Length > 0 ? args : [.. MachineContract.Scenarios.Keys])
{
    try
    {
        MachineContract.Run(name, machine);
        Console.WriteLine("PASS " + name);
    }
    catch (Exception e) when (e.GetType().Name == "SkipException")
    {
        Console.WriteLine($"SKIP {name}: {OneLine(e.Message.Replace("$XunitDynamicSkip$", "", StringComparison.Ordinal))}");
    }
    catch (Exception e)
    {
        // Any exception is the scenario's verdict (an assertion, or a port that threw): reported, not a crash.
        failed++;
        Console.WriteLine($"FAIL {name}: {e.GetType().Name}: {OneLine(e.Message)}");
    }
}

return failed == 0 ? 0 : 1;

static string OneLine(string text) => text.ReplaceLineEndings(" | ");
