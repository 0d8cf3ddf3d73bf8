using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.State;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>The run's start on the machine: its folder locked down, which instance this is, and the information lines.</summary>
internal static class IdentityPhase
{
    /// <summary>
    /// Restricts <c>%ProgramData%\Reseal</c> to SYSTEM and Administrators: ProgramData lets every user create files, and
    /// the agent runs what its folders hold as SYSTEM. Called before the run creates or opens anything there (its state
    /// folder, run lock, agent.log, console.log), so nothing is created through a link a user planted; the outcome is
    /// logged once the log is open (<see cref="LogProtection"/>). A failure is reported, never fatal to the boot: a clone
    /// whose agent stops here would have no password.
    /// </summary>
    public static (bool Restricted, string? Problem) Protect(IWindowsMachine machine)
    {
        try
        {
            return (machine.Files.RestrictToAdministrators(@"%ProgramData%\Reseal"), null);
        }
#pragma warning disable CA1031 // Any failure to set the access list is reported, never fatal to the boot.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (false, e.Message);
        }
    }

    /// <summary>Logs what <see cref="Protect"/> did.</summary>
    public static void LogProtection(AgentRun run, (bool Restricted, string? Problem) protection)
    {
        if (protection.Problem is { } problem)
        {
            run.Log.Warning($"could not restrict %ProgramData%\\Reseal to SYSTEM and Administrators: {problem}");
        }
        else if (protection.Restricted)
        {
            run.Log.Info(@"%ProgramData%\Reseal is restricted to SYSTEM and Administrators");
        }
    }

    /// <summary>
    /// The instance id: the metadata's; without metadata the instance that ran before (its once-tasks stay done), never a
    /// new one: a boot that missed the metadata service must not make the next boot set and print a second password.
    /// </summary>
    public static string InstanceId(AgentRun run, InstanceMetadata? metadata, AgentStateStore store)
    {
        if (metadata?.InstanceId is { Length: > 0 } id)
        {
            return id;
        }

        return store.PeekInstanceId() ?? "no-metadata-" +
            (run.Machine.Registry.GetString(RegistryHive.Software, @"Microsoft\Cryptography", "MachineGuid") ?? run.Machine.System.GetComputerName() ?? "unknown");
    }

    /// <summary>Writes <c>Launch:</c>, <c>Instance-ID:</c>, <c>HOSTNAME:</c> and the Remote Desktop certificate lines.</summary>
    public static void WriteInformationLines(AgentRun run, string instanceId)
    {
        run.Line(ConsoleLines.Agent(run.Options.Version));
        run.Line(ConsoleLines.InstanceId(instanceId));
        if (run.Machine.System.GetComputerName() is { } hostName)
        {
            run.Line(ConsoleLines.HostName(hostName));
        }

        RdpCertificateInfo? certificate;
        try
        {
            certificate = RdpCertificate.Read(run.Machine.Registry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveUnavailableException or PlatformNotSupportedException)
        {
            run.Log.Warning($"the Remote Desktop certificate cannot be read: {e.Message}");
            certificate = null;
        }

        if (certificate is not null)
        {
            run.Line(ConsoleLines.RdpCertificateSubject(certificate.SubjectName));
            run.Line(ConsoleLines.RdpCertificateThumbprint(certificate.Der));
        }
    }
}
