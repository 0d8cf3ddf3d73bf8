using System.Collections.Concurrent;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.TestSupport;

/// <summary>
/// An <see cref="IServiceInstaller"/> over <see cref="FakeServices"/>: an install adds the service (automatic, stopped),
/// an uninstall removes it; <see cref="FailInstall"/> makes the next installs throw as the SCM's refusal would.
/// </summary>
public sealed class FakeServiceInstaller(FakeServices services) : IServiceInstaller
{
    /// <summary>Every call, as "install NAME" / "uninstall NAME".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>When set, Install throws it (after recording the call).</summary>
    public Exception? FailInstall { get; set; }

    public ServiceInstallResult Install(ServiceInstallSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Calls.Enqueue("install " + spec.Name);
        if (FailInstall is { } failure)
        {
            throw failure;
        }

        var created = services.Find(spec.Name) is null;
        services.Add(new ServiceInfo(spec.Name, spec.DisplayName, spec.CommandLine, spec.StartMode, false, ServiceRunState.Stopped));
        return new ServiceInstallResult(spec.Name, created, spec.CommandLine, null);
    }

    public ServiceUninstallResult Uninstall(string name)
    {
        Calls.Enqueue("uninstall " + name);
        var was = services.Remove(name);
        return new ServiceUninstallResult(name, was, was, was ? $"removed {name}" : $"{name} was not installed");
    }
}
