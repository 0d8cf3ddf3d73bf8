[assembly: AssemblyFixture(typeof(Reseal.Windows.Tests.StateHomeFixture))]

namespace Reseal.Windows.Tests;

/// <summary>
/// Points XDG_STATE_HOME at a temporary folder for the whole test run, so that the hive backups every edit test makes
/// (one per hive per session, in the per-user state folder by default) do not pile up in the home directory.
/// </summary>
public sealed class StateHomeFixture : IDisposable
{
    private readonly string? _previous = Environment.GetEnvironmentVariable("XDG_STATE_HOME");

    public StateHomeFixture()
    {
        Path = Directory.CreateTempSubdirectory("reseal-windows-tests-state-").FullName;
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", _previous);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp folder.
        }
    }
}
