// Test-only Sysprep emulator (issue 8). Never shipped; docs/wine-e2e.md describes its contract.
using Reseal.SysprepEmulator;

if (!OperatingSystem.IsWindows())
{
    Console.Error.WriteLine("sysprep emulator: runs only on Windows or under Wine (it plays sysprep.exe in a Wine prefix)");
    return 4;
}

var paths = EmulatorPaths.Current();
EmulatorOptions options;
try
{
    options = EmulatorOptions.Read(Environment.GetEnvironmentVariable, File.Exists(paths.Config) ? File.ReadAllLines(paths.Config) : []);
}
catch (FormatException e)
{
    Console.Error.WriteLine("sysprep emulator: " + e.Message);
    return ExitCodes.InvalidArguments;
}

var machine = new Machine(paths);
if (args.Length == 1 && args[0].Equals(SysprepCommandLine.BootSwitch, StringComparison.OrdinalIgnoreCase))
{
    return new BootRun(machine, options, TimeProvider.System).Run();
}

return new SysprepRun(machine, options, TimeProvider.System, Console.Error).Run(args, Environment.ProcessPath);
