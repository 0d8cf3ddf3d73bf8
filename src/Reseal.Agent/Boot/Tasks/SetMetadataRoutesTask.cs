using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Network;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setMetadataRoutes</c> (EC2Launch's "add routes" step; EC2Config's ShouldAddRoutes): the /32 routes to EC2's link-local
/// services — 169.254.169.254 (metadata), .250 and .251 (KMS activation), .249, .123 (time), .253 (DNS) — go through the
/// primary interface's current default gateway. An image made in another subnet carries persistent routes through the old
/// subnet's gateway; those are removed and the missing ones added, through the primary interface (the up interface whose
/// IPv4 default route has the lowest metric). When that interface has IPv6 and an IPv6 default gateway, the IPv6
/// addresses AWS documents for the same services (fd00:ec2::254 metadata, fd00:ec2::253 DNS, fd00:ec2::123 time) get
/// /128 routes the same way. Every boot; a change that fails undoes the others.
/// </summary>
/// <remarks>
/// The agent fetches metadata before its first stage, so "EC2" is known from the metadata's source. When no metadata
/// came, the task still runs if the machine carries a route to 169.254.169.254/32 through a gateway on none of the
/// interface's subnets: that is the stale EC2Launch route that kept the metadata service from answering (fixed now, it
/// answers at the next boot). OpenStack's DHCP-given route to that address goes through a host on the subnet, so it is
/// never taken for one. Anywhere else it is skipped, saying why.
/// </remarks>
public sealed class SetMetadataRoutesTask() : BootTask(
    "setMetadataRoutes",
    FrequencyRule.Always,
    [AgentStage.Boot],
    null,
    "route EC2's metadata, KMS, time and DNS addresses through the primary interface's gateway (EC2 only)")
{
    /// <summary>The IPv4 addresses EC2Launch routes.</summary>
    public static IReadOnlyList<IPAddress> IPv4Targets { get; } =
        [.. new[] { "169.254.169.254", "169.254.169.250", "169.254.169.251", "169.254.169.249", "169.254.169.123", "169.254.169.253" }.Select(IPAddress.Parse)];

    /// <summary>The IPv6 addresses of the same services on Nitro instances.</summary>
    public static IReadOnlyList<IPAddress> IPv6Targets { get; } =
        [.. new[] { "fd00:ec2::254", "fd00:ec2::253", "fd00:ec2::123" }.Select(IPAddress.Parse)];

    /// <summary>The metric of the routes it adds (the lowest, so they win over any broader route).</summary>
    public const int RouteMetric = 1;

    /// <summary>What the console says.</summary>
    public const string ConsolePrefix = "Message: Metadata routes: ";

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Metadata is { Source: not MetadataSource.Ec2 } metadata
            ? $"not on EC2 (the metadata came from {metadata.Source}); these routes are EC2's"
            : null;
    }

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var context = run.Context;
        if (context.Metadata is { Source: not MetadataSource.Ec2 } other)
        {
            return TaskExecutionResult.Skip($"not on EC2 (the metadata came from {other.Source}); these routes are EC2's");
        }

        IReadOnlyList<NetworkInterfaceInfo> interfaces;
        try
        {
            interfaces = context.Machine.Network.ListInterfaces();
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException)
        {
            return TaskExecutionResult.Failed("cannot list the network interfaces: " + e.Message);
        }

        var primary = interfaces.Where(i => i.IsUp && !i.IsLoopback && i.DefaultGateway(AddressFamily.InterNetwork) is not null)
            .OrderBy(i => i.Routes.Where(r => r.Family == AddressFamily.InterNetwork && r.PrefixLength == 0).Min(r => r.Metric)).ThenBy(i => i.Index)
            .FirstOrDefault();
        if (primary is null)
        {
            return TaskExecutionResult.Skip("no interface that is up has an IPv4 default gateway; there is nothing to route through");
        }

        var changes = Changes(interfaces, primary);
        if (context.Metadata is null && !changes.OfType<RemoveRoute>().Any(r => r.Route.Destination.Equals(IPv4Targets[0]) && Unreachable(r, interfaces)))
        {
            return TaskExecutionResult.Skip("no metadata, and no route to 169.254.169.254 through a gateway outside every subnet here (the mark of an image from another subnet): the cloud is not known to be EC2");
        }

        if (changes.Count == 0)
        {
            return TaskExecutionResult.Done($"the routes already go through {primary.DefaultGateway(AddressFamily.InterNetwork)} on {primary.Describe()}");
        }

        var result = await NetworkPlanner.ApplyAsync(context.Machine.Network, changes, null, cancellationToken).ConfigureAwait(false);
        var added = changes.OfType<AddRoute>().Count().ToString(CultureInfo.InvariantCulture);
        var removed = changes.OfType<RemoveRoute>().Count().ToString(CultureInfo.InvariantCulture);
        if (!result.Succeeded)
        {
            var line = $"rolled back {result.Applied.Count.ToString(CultureInfo.InvariantCulture)} change(s) because {result.Failure}";
            run.Console.WriteLine(ConsolePrefix + line);
            return TaskExecutionResult.Failed(line + string.Concat(result.UndoFailures.Select(u => "; " + u)));
        }

        var summary = $"added {added}, removed {removed} stale, through {primary.DefaultGateway(AddressFamily.InterNetwork)} on {primary.Describe()}";
        run.Console.WriteLine(ConsolePrefix + summary);
        return TaskExecutionResult.Done(summary);
    }

    // A route whose next hop is on none of its interface's subnets: left from another subnet (EC2Launch's baked route),
    // unlike OpenStack's DHCP route to 169.254.169.254 through the DHCP server, which is on the subnet and must stay.
    private static bool Unreachable(RemoveRoute removal, IReadOnlyList<NetworkInterfaceInfo> interfaces) =>
        interfaces.FirstOrDefault(i => i.Index == removal.InterfaceIndex) is { } item
        && !item.Addresses.Any(a => a.Family == removal.Route.Family
            && new IPNetwork(NetworkValues.NetworkOf(a.Address, a.PrefixLength), a.PrefixLength).Contains(removal.Route.NextHop));

    /// <summary>The removals of stale routes and the additions of missing ones, for the primary interface's gateways.</summary>
    public static IReadOnlyList<NetworkChange> Changes(IReadOnlyList<NetworkInterfaceInfo> interfaces, NetworkInterfaceInfo primary)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        ArgumentNullException.ThrowIfNull(primary);
        var changes = new List<NetworkChange>();
        var families = new List<(IReadOnlyList<IPAddress> Targets, int Prefix, IPAddress Gateway)>
        {
            (IPv4Targets, 32, primary.DefaultGateway(AddressFamily.InterNetwork)!),
        };
        if (primary.HasIPv6 && primary.DefaultGateway(AddressFamily.InterNetworkV6) is { } gateway6)
        {
            families.Add((IPv6Targets, 128, gateway6));
        }

        foreach (var (targets, prefix, gateway) in families)
        {
            foreach (var target in targets)
            {
                var current = false;
                foreach (var item in interfaces)
                {
                    foreach (var route in item.Routes.Where(r => r.PrefixLength == prefix && r.Destination.Equals(target)))
                    {
                        if (item.Index == primary.Index && route.NextHop.Equals(gateway))
                        {
                            current = true;
                        }
                        else
                        {
                            changes.Add(new RemoveRoute(item.Index, route));
                        }
                    }
                }

                if (!current)
                {
                    changes.Add(new AddRoute(primary.Index, new IpRoute(target, prefix, gateway, RouteMetric)));
                }
            }
        }

        // Removals first: an old route to the same address must go before its replacement is added.
        return [.. changes.OfType<RemoveRoute>(), .. changes.OfType<AddRoute>()];
    }
}
