using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>An Amazon ENA adapter as its driver instance key records it.</summary>
/// <param name="InstanceKey">The driver key under the network class (<c>…\Class\{4d36e972-…}\0001</c>).</param>
/// <param name="InterfaceGuid">Its <c>NetCfgInstanceId</c> (<c>{GUID}</c>), which <c>Get-NetAdapter</c> reports as <c>InterfaceGuid</c>.</param>
/// <param name="Description">Its <c>DriverDesc</c>, for messages.</param>
/// <param name="JumboPacket">Its <c>*JumboPacket</c> keyword value, or null when the driver never wrote one (the 1514 default).</param>
public sealed record EnaAdapter(string InstanceKey, string InterfaceGuid, string Description, string? JumboPacket);

/// <summary>
/// Finds the ENA adapters in the registry: the network adapter class' driver keys whose <c>MatchingDeviceId</c> names
/// Amazon's ENA PCI device (vendor 1D0F, devices EC20, EC21, 1EC2 and 0EC2). Reading the class key, not the adapter
/// name, finds them on every language of Windows and whatever the connection is called ("Ethernet 3").
/// </summary>
public static class EnaAdapters
{
    /// <summary>The network adapter device class (GUID_DEVCLASS_NET).</summary>
    public const string NetClassKey = @"CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}";

    /// <summary>The value AWS documents for jumbo frames on ENA driver 2.1.0 and later (9001 MTU plus the 14-byte Ethernet header).</summary>
    public const string JumboPacketValue = "9015";

    /// <summary>Amazon's PCI vendor id and the ENA device ids, as the driver's hardware ids spell them.</summary>
    internal static IReadOnlyList<string> DeviceIds { get; } =
        [@"pci\ven_1d0f&dev_ec20", @"pci\ven_1d0f&dev_ec21", @"pci\ven_1d0f&dev_1ec2", @"pci\ven_1d0f&dev_0ec2"];

    /// <summary>The ENA adapters the registry knows, in key order.</summary>
    public static IReadOnlyList<EnaAdapter> Find(IRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var found = new List<EnaAdapter>();
        foreach (var sub in registry.GetSubkeyNames(RegistryHive.System, NetClassKey).Order(StringComparer.OrdinalIgnoreCase))
        {
            var key = NetClassKey + "\\" + sub;
            var device = registry.GetString(RegistryHive.System, key, "MatchingDeviceId") ?? registry.GetString(RegistryHive.System, key, "ComponentId");
            var guid = registry.GetString(RegistryHive.System, key, "NetCfgInstanceId");
            if (device is null || guid is null || !DeviceIds.Any(id => device.StartsWith(id, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            found.Add(new EnaAdapter(key, guid.Trim(), registry.GetString(RegistryHive.System, key, "DriverDesc") ?? "Amazon Elastic Network Adapter",
                registry.GetString(RegistryHive.System, key, "*JumboPacket")?.Trim()));
        }

        return found;
    }

    /// <summary>Why an ENA task would skip from what the cloud said: not on EC2, or null when it may run.</summary>
    public static string? NotOnEc2(InstanceMetadata? metadata) =>
        metadata is { Source: not MetadataSource.Ec2 } ? $"not on EC2 (the metadata came from {metadata.Source}); ENA adapters exist only there" : null;

    /// <summary>The ENA adapters of the machine, or the skip reason when there is nothing to tune.</summary>
    internal static (IReadOnlyList<EnaAdapter> Adapters, TaskExecutionResult? Skip) Select(BootTaskContext context)
    {
        if (NotOnEc2(context.Metadata) is { } reason)
        {
            return ([], TaskExecutionResult.Skip(reason));
        }

        var adapters = Find(context.Machine.Registry);
        return adapters.Count == 0
            ? ([], TaskExecutionResult.Skip("no Amazon ENA adapter on this machine (an older instance type, or another hypervisor's adapter)"))
            : (adapters, null);
    }

    /// <summary>PowerShell lines that set <c>$a</c> to the adapter with this interface GUID, or fail naming it.</summary>
    internal static string SelectAdapterLines(EnaAdapter adapter) =>
        "$ErrorActionPreference = 'Stop'\r\n"
        + $"$a = Get-NetAdapter | Where-Object {{ $_.InterfaceGuid -eq {SystemTasks.Quote(adapter.InterfaceGuid)} }} | Select-Object -First 1\r\n"
        + $"if (-not $a) {{ throw ('no network adapter with interface GUID ' + {SystemTasks.Quote(adapter.InterfaceGuid)}) }}\r\n";
}

/// <summary>
/// <c>enableJumboFrames</c>: sets <c>*JumboPacket</c> to 9015 on every ENA adapter that does not have it, with
/// <c>Set-NetAdapterAdvancedProperty</c> as AWS documents ("Set the MTU for your EC2 instance", ENA driver 2.1.0+).
/// </summary>
public sealed class EnableJumboFramesTask() : BootTask(
    "enableJumboFrames",
    FrequencyRule.Always,
    [AgentStage.PostReady, AgentStage.UserData],
    null,
    "enable jumbo frames (9001 MTU) on the ENA adapters")
{
    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return EnaAdapters.NotOnEc2(facts.Metadata);
    }

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (adapters, skip) = EnaAdapters.Select(run.Context);
        if (skip is not null)
        {
            return skip;
        }

        var changed = new List<string>();
        foreach (var adapter in adapters.Where(a => a.JumboPacket != EnaAdapters.JumboPacketValue))
        {
            // The cmdlet, not a registry write: it checks the value against the driver's allowed range and restarts the
            // adapter so the value takes effect now; Microsoft discourages editing the keywords directly.
            var script = EnaAdapters.SelectAdapterLines(adapter)
                + $"Set-NetAdapterAdvancedProperty -Name $a.Name -RegistryKeyword '*JumboPacket' -RegistryValue {EnaAdapters.JumboPacketValue}\r\n";
            var result = await SystemTasks.PowerShellAsync(script, run.FileName, run.Context, cancellationToken).ConfigureAwait(false);
            if (result.Action != ExitAction.Completed)
            {
                return TaskExecutionResult.Failed($"could not enable jumbo frames on {adapter.Description} {adapter.InterfaceGuid}: {result.Message ?? "the cmdlet failed"}");
            }

            changed.Add(adapter.InterfaceGuid);
        }

        if (changed.Count == 0)
        {
            return TaskExecutionResult.Done($"jumbo frames already on for {adapters.Count} ENA adapter(s)");
        }

        run.Console.WriteLine($"Message: Jumbo frames enabled on {changed.Count} ENA adapter(s)");
        return TaskExecutionResult.Done($"*JumboPacket set to {EnaAdapters.JumboPacketValue} on {string.Join(", ", changed)}");
    }
}

/// <summary>
/// <c>optimizeEna</c>: the ENA settings AWS recommends — Receive Buffers 8192 on every ENA adapter (AWS's SQL Server
/// clustering guide), and on instances with more than 16 logical processors RSS kept off the boot processor (base
/// processor 1, or 2 with hyper-threading; "Optimize network performance on EC2 Windows instances"). Both cmdlets change
/// only what differs and restart the adapter themselves, so no reboot is needed.
/// </summary>
public sealed class OptimizeEnaTask() : BootTask(
    "optimizeEna",
    FrequencyRule.Always,
    [AgentStage.PostReady, AgentStage.UserData],
    null,
    "apply AWS's ENA settings (receive buffers, RSS off the boot processor)")
{
    /// <summary>The lines run per adapter after <see cref="EnaAdapters.SelectAdapterLines"/>; each prints what it changed.</summary>
    internal const string TuneLines = """
        $p = Get-NetAdapterAdvancedProperty -Name $a.Name -AllProperties | Where-Object { $_.RegistryKeyword -eq '*ReceiveBuffers' -or $_.DisplayName -eq 'Receive Buffers' } | Select-Object -First 1
        if ($p -and "$($p.RegistryValue)" -ne '8192') { Set-NetAdapterAdvancedProperty -Name $a.Name -RegistryKeyword $p.RegistryKeyword -RegistryValue 8192; 'changed: receive buffers 8192' }
        $cpu = @(Get-CimInstance -ClassName Win32_Processor)
        $logical = ($cpu | Measure-Object -Property NumberOfLogicalProcessors -Sum).Sum
        $cores = ($cpu | Measure-Object -Property NumberOfCores -Sum).Sum
        if ($logical -gt 16) {
          $base = if ($logical -gt $cores) { 2 } else { 1 }
          $rss = Get-NetAdapterRss -Name $a.Name
          if ($rss.BaseProcessorNumber -ne $base -or $rss.BaseProcessorGroup -ne 0) { Set-NetAdapterRss -Name $a.Name -BaseProcessorGroup 0 -BaseProcessorNumber $base; "changed: RSS base processor $base" }
        }

        """;

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return EnaAdapters.NotOnEc2(facts.Metadata);
    }

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (adapters, skip) = EnaAdapters.Select(run.Context);
        if (skip is not null)
        {
            return skip;
        }

        foreach (var adapter in adapters)
        {
            var result = await SystemTasks.PowerShellAsync(EnaAdapters.SelectAdapterLines(adapter) + TuneLines.Replace("\n", "\r\n", StringComparison.Ordinal),
                run.FileName, run.Context, cancellationToken).ConfigureAwait(false);
            if (result.Action != ExitAction.Completed)
            {
                return TaskExecutionResult.Failed($"could not tune {adapter.Description} {adapter.InterfaceGuid}: {result.Message ?? "the cmdlets failed"}");
            }
        }

        run.Console.WriteLine($"Message: ENA settings applied to {adapters.Count} adapter(s)");
        return TaskExecutionResult.Done($"ENA settings checked on {string.Join(", ", adapters.Select(a => a.InterfaceGuid))}");
    }
}
