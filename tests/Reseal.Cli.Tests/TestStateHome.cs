using System.Runtime.CompilerServices;

namespace Reseal.Cli.Tests;

/// <summary>
/// Offline hive edits keep a backup of the original hive in the per-user state folder (XDG_STATE_HOME). Tests point it at
/// a folder of their own so they never write into the home directory of whoever runs them.
/// </summary>
internal static class TestStateHome
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"reseal-tests-state-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", folder);
    }
}
