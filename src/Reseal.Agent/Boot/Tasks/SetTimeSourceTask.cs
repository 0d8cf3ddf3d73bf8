using System.ComponentModel;
using System.Globalization;
using System.Net;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setTimeSource</c>: Windows Time (W32Time) takes its time from <c>servers</c>, by default the cloud's own time service
/// (EC2: the Amazon Time Sync Service at 169.254.169.123; GCE: metadata.google.internal). It writes
/// <c>W32Time\Parameters!NtpServer</c> (each server with the flags 0x8, client mode) and <c>Type</c> = <c>NTP</c>, then
/// <c>w32tm /config /update</c> makes the running service read them and <c>w32tm /resync /nowait</c> asks for a sample now.
/// On Azure, OpenStack and NoCloud without <c>servers</c> it leaves Windows' settings alone and says why (Azure documents
/// host time through VMICTimeSync plus time.windows.com as the default; the OpenStack and NoCloud readers have no NTP
/// servers), and without <c>servers</c> a domain member (W32Time Type NT5DS or AllSync) keeps its domain's time.
/// <c>realTimeClockUtc</c> sets <c>TimeZoneInformation!RealTimeIsUniversal</c> (Cloudbase-Init's
/// <c>real_time_clock_utc</c>): true makes Windows keep the hardware clock in UTC, false in local time; it takes effect at
/// the next boot. Writing the same values again changes nothing, so it runs every boot.
/// </summary>
public sealed class SetTimeSourceTask() : BootTask(
    "setTimeSource",
    FrequencyRule.Always,
    [AgentStage.PreReady],
    InputSchema.MapOf(
        new InputField("servers", InputSchema.ListOf(InputSchema.TextUpTo(253), acceptsSingleItem: true)),
        new InputField("realTimeClockUtc", InputSchema.Flag)),
    "set Windows Time's NTP servers (default: the cloud's time service) and whether the hardware clock is UTC")
{
    /// <summary>W32Time's parameters key in the SYSTEM hive.</summary>
    public const string ParametersKey = @"CurrentControlSet\Services\W32Time\Parameters";

    /// <summary>Where Windows says whether the hardware clock keeps UTC.</summary>
    public const string TimeZoneKey = @"CurrentControlSet\Control\TimeZoneInformation";

    /// <summary>The flags each server gets: 0x8, client mode (the poll interval follows NTP, not SpecialPollInterval).</summary>
    public const string ServerFlags = "0x8";

    /// <summary>The Amazon Time Sync Service's IPv4 address.</summary>
    public const string Ec2TimeServer = "169.254.169.123";

    /// <summary>GCE's time service (the metadata server answers NTP).</summary>
    public const string GceTimeServer = "metadata.google.internal";

    /// <summary>The most servers accepted (W32Time uses one at a time; the rest are fallbacks).</summary>
    public const int MaxServers = 16;

    /// <summary>Where w32tm is.</summary>
    public const string W32Tm = @"%WINDIR%\System32\w32tm.exe";

    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Fields.GetValueOrDefault("servers") is InputList list)
        {
            if (list.Items.Count > MaxServers)
            {
                problems.Error(BootCodes.BadValue, list, $"'servers' lists {list.Items.Count} servers; at most {MaxServers}");
            }

            foreach (var server in list.Items.OfType<InputText>())
            {
                if (ServerProblem(server.Value) is { } problem)
                {
                    problems.Error(BootCodes.BadValue, server, problem);
                }
            }
        }
    }

    /// <summary>Why <paramref name="server"/> cannot be a W32Time server (not a host name or IP address), or null.</summary>
    public static string? ServerProblem(string server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (IPAddress.TryParse(server, out _) && server.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':'))
        {
            return null;
        }

        // NtpServer is a space-separated list of "name,flags": a blank or comma would split one entry into two, a control
        // character would end up in the registry. Only a DNS name or an IP address is accepted.
        return SelfSignedCertificateRequest.DnsNameProblem(server) is { } problem
            ? $"time server '{ConsoleOutput.ConsoleLines.OneLine(server)}' {problem}; give a DNS name or an IP address (Reseal adds the flags)"
            : null;
    }

    /// <summary>The cloud's own time service for <paramref name="source"/>, or why there is none to use.</summary>
    internal static (IReadOnlyList<string> Servers, string? Why) CloudDefault(MetadataSource? source) => source switch
    {
        MetadataSource.Ec2 => ([Ec2TimeServer], null),
        MetadataSource.Gce => ([GceTimeServer], null),
        MetadataSource.Azure => ([], "on Azure Windows takes host time through VMICTimeSync and time.windows.com by default, as Azure documents; Windows' settings are kept"),
        null => ([], "no metadata, so no cloud time service is known; Windows' settings are kept"),
        _ => ([], $"the {source} metadata names no NTP server; Windows' settings are kept (give 'servers' to choose some)"),
    };

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var context = run.Context;
        var registry = context.Machine.Registry;
        var notes = new List<string>();
        var given = run.Inputs.Texts("servers");
        var (servers, why) = given.Count > 0 ? (given, null) : CloudDefault(context.Metadata?.Source);
        if (given.Count == 0 && servers.Count > 0 && registry.GetString(RegistryHive.System, ParametersKey, "Type") is { } type
            && (type.Equals("NT5DS", StringComparison.OrdinalIgnoreCase) || type.Equals("AllSync", StringComparison.OrdinalIgnoreCase)))
        {
            // A domain member keeps the domain's time: Kerberos fails when members drift from their domain controllers.
            (servers, why) = ([], $"this machine takes its time from the domain hierarchy (W32Time Type {type}); Windows' settings are kept (give 'servers' to override)");
        }

        if (servers.FirstOrDefault(s => ServerProblem(s) is not null) is { } bad)
        {
            return TaskExecutionResult.Failed(ServerProblem(bad)!);
        }

        var w32tm = context.Machine.Files.Expand(W32Tm);
        if (servers.Count > 0 && !context.Machine.Files.FileExists(W32Tm))
        {
            // Checked before anything is written: without w32tm there is no Windows Time to tell (Wine has neither).
            return TaskExecutionResult.Failed($"{w32tm} is not there, so Windows Time cannot be configured on this Windows; nothing was changed");
        }

        try
        {
            if (run.Inputs.Flag("realTimeClockUtc") is { } utc)
            {
                var wanted = utc ? 1u : 0u;
                if (registry.GetDWord(RegistryHive.System, TimeZoneKey, "RealTimeIsUniversal") == wanted)
                {
                    notes.Add($"RealTimeIsUniversal already {wanted}");
                }
                else
                {
                    registry.SetValue(RegistryHive.System, TimeZoneKey, "RealTimeIsUniversal", RegistryData.FromDWord(wanted));
                    notes.Add($"RealTimeIsUniversal set to {wanted} (the hardware clock keeps {(utc ? "UTC" : "local time")} from the next boot)");
                }
            }

            if (servers.Count == 0)
            {
                notes.Add(why!);
                return notes.Count == 1 ? TaskExecutionResult.Skip(why!) : TaskExecutionResult.Done(string.Join("; ", notes));
            }

            var list = string.Join(' ', servers.Distinct(StringComparer.OrdinalIgnoreCase).Select(s => s + "," + ServerFlags));
            var changed = false;
            if (registry.GetString(RegistryHive.System, ParametersKey, "NtpServer") != list)
            {
                registry.SetValue(RegistryHive.System, ParametersKey, "NtpServer", RegistryData.FromString(list));
                changed = true;
            }

            if (registry.GetString(RegistryHive.System, ParametersKey, "Type") != "NTP")
            {
                registry.SetValue(RegistryHive.System, ParametersKey, "Type", RegistryData.FromString("NTP"));
                changed = true;
            }

            notes.Add(changed ? $"NtpServer set to '{list}', Type NTP" : $"NtpServer already '{list}', Type NTP");
        }
        catch (Exception e) when (e is Win32Exception or UnauthorizedAccessException or IOException or PlatformNotSupportedException)
        {
            return TaskExecutionResult.Failed($"could not write Windows Time's settings: {e.Message}");
        }

        var update = await W32TmAsync(w32tm, ["/config", "/update"], context, cancellationToken).ConfigureAwait(false);
        if (!update.Succeeded)
        {
            // The values stay: they are the configuration, and the service reads them when it next starts.
            var how = update.TimedOut ? "timed out" : $"exited {update.ExitCode.ToString(CultureInfo.InvariantCulture)}";
            return TaskExecutionResult.Failed(string.Join("; ", notes) + $"; w32tm /config /update {how} (is the Windows Time service running?): " +
                SetMonitorAlwaysOnTask.Brief(update.StandardOutput + " " + update.StandardError));
        }

        // Asked, not waited for: at preReady the network may still be coming up, and W32Time retries on its own.
        var resync = await W32TmAsync(w32tm, ["/resync", "/nowait"], context, cancellationToken).ConfigureAwait(false);
        notes.Add(resync.Succeeded ? "resync requested" : $"w32tm /resync /nowait exited {resync.ExitCode.ToString(CultureInfo.InvariantCulture)} (W32Time will poll on its own)");
        return TaskExecutionResult.Done(string.Join("; ", notes));
    }

    private static async Task<ProcessOutcome> W32TmAsync(string w32tm, IReadOnlyList<string> arguments, BootTaskContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await context.Machine.Processes.RunAsync(new ProcessRequest(w32tm, arguments, context.CommandTimeout), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Win32Exception or IOException)
        {
            return new ProcessOutcome(-1, string.Empty, e.Message, false, TimeSpan.Zero);
        }
    }
}
