using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Network;

/// <summary>
/// What Reseal will do to one described interface: the Windows interface its MAC found (or why none), the changes, and
/// what it leaves to DHCP or to Windows.
/// </summary>
/// <param name="Config">The interface as the description gives it.</param>
/// <param name="Target">The Windows interface with its MAC, or null.</param>
/// <param name="Problem">Why it is not configured (no interface has the MAC, or several have it), or null.</param>
/// <param name="Changes">The changes, in the order they are made.</param>
public sealed record InterfacePlan(InterfaceConfig Config, NetworkInterfaceInfo? Target, string? Problem, IReadOnlyList<NetworkChange> Changes)
{
    /// <summary>What is left alone: <c>IPv4 to DHCP</c>, <c>IPv6 to SLAAC</c>…</summary>
    public IReadOnlyList<string> LeftAlone => NetworkPlanner.LeftAlone(Config);
}

/// <summary>What applying gave: the changes made (and kept, or undone), and why it stopped.</summary>
/// <param name="Applied">The changes made, in order (all undone when <see cref="RolledBack"/>).</param>
/// <param name="Failure">The change that failed, or the verification that did, or null.</param>
/// <param name="RolledBack">True when a failure made every change be undone.</param>
/// <param name="UndoFailures">Undo steps that themselves failed (the machine is then not as it was).</param>
public sealed record NetworkApplyResult(IReadOnlyList<NetworkChange> Applied, string? Failure, bool RolledBack, IReadOnlyList<string> UndoFailures)
{
    /// <summary>True when every change was made and verified.</summary>
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Turns a <see cref="NetworkConfig"/> into changes for the interfaces Windows has (matched by MAC), and applies changes
/// with rollback: each change's inverse is taken from the interface as it is just before it, and when a change or the
/// verification fails every change already made is undone in reverse order.
/// </summary>
public static class NetworkPlanner
{
    /// <summary>The changes for each described interface, in the description's order.</summary>
    public static IReadOnlyList<InterfacePlan> Plan(NetworkConfig config, IReadOnlyList<NetworkInterfaceInfo> interfaces)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(interfaces);
        var plans = new List<InterfacePlan>();
        foreach (var item in config.Interfaces)
        {
            var matches = interfaces.Where(i => string.Equals(i.MacAddress, item.MacAddress, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0)
            {
                plans.Add(new InterfacePlan(item, null, $"no interface of this Windows has MAC {item.MacAddress}; '{item.Name}' is not configured", []));
                continue;
            }

            if (matches.Count > 1)
            {
                plans.Add(new InterfacePlan(item, null,
                    $"{matches.Count} interfaces have MAC {item.MacAddress} ({string.Join(", ", matches.Select(m => m.Describe()))}); Reseal cannot tell which is '{item.Name}', so none is configured", []));
                continue;
            }

            plans.Add(new InterfacePlan(item, matches[0], null, Changes(item, matches[0], config)));
        }

        return plans;
    }

    /// <summary>What the description leaves alone on an interface.</summary>
    public static IReadOnlyList<string> LeftAlone(InterfaceConfig item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var left = new List<string>();
        foreach (var (family, mode) in new[] { ("IPv4", item.IPv4), ("IPv6", item.IPv6) })
        {
            var text = mode switch
            {
                AddressMode.Dhcp => $"{family} to DHCP",
                AddressMode.Slaac => $"{family} to SLAAC",
                AddressMode.Unchanged => $"{family} as Windows has it",
                _ => null,
            };
            if (text is not null)
            {
                left.Add(text);
            }
        }

        return left;
    }

    /// <summary>
    /// The DNS servers and search list an interface gets: its own, else the description's for every interface — but only
    /// on an interface Reseal configures (static addresses or DNS of its own); a DHCP interface keeps DHCP's.
    /// </summary>
    public static (IReadOnlyList<IPAddress> Servers, IReadOnlyList<string> Search) DnsFor(InterfaceConfig item, NetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(config);
        var configures = item.Addresses.Count > 0 || item.DnsServers.Count > 0 || item.SearchDomains.Count > 0;
        return (item.DnsServers.Count > 0 ? item.DnsServers : configures ? config.DnsServers : [],
            item.SearchDomains.Count > 0 ? item.SearchDomains : configures ? config.SearchDomains : []);
    }

    private static List<NetworkChange> Changes(InterfaceConfig item, NetworkInterfaceInfo target, NetworkConfig config)
    {
        var index = target.Index;
        var changes = new List<NetworkChange>();
        if (item.Mtu is { } mtu)
        {
            if (target.MtuV4 is { } v4 && v4 != mtu)
            {
                changes.Add(new SetMtu(index, AddressFamily.InterNetwork, mtu));
            }

            // IPv6 needs 1280 at least (RFC 8200): a smaller MTU is for IPv4 only.
            if (target.MtuV6 is { } v6 && v6 != mtu && mtu >= 1280)
            {
                changes.Add(new SetMtu(index, AddressFamily.InterNetworkV6, mtu));
            }
        }

        var existing = target.Addresses.ToList();
        var routes = target.Routes.ToList();
        var first = true;
        foreach (var address in item.Addresses)
        {
            var wanted = new UnicastAddress(address.Address, address.PrefixLength);
            if (first && target.DhcpV4 && address.Address.AddressFamily == AddressFamily.InterNetwork)
            {
                // DHCP off: the lease and the default route it brought go, this address takes the lease's place.
                changes.Add(new DisableDhcpV4(index, wanted));
                existing.RemoveAll(a => a.Family == AddressFamily.InterNetwork);
                existing.Add(wanted);
                routes.RemoveAll(r => r.Family == AddressFamily.InterNetwork && r.PrefixLength == 0);
                first = false;
                continue;
            }

            if (address.Address.AddressFamily == AddressFamily.InterNetwork)
            {
                first = false;
            }

            if (!existing.Any(a => a.Address.Equals(wanted.Address)))
            {
                changes.Add(new AddAddress(index, wanted));
                existing.Add(wanted);
            }
        }

        foreach (var route in item.Routes)
        {
            var wanted = new IpRoute(route.Destination, route.PrefixLength,
                route.Gateway ?? (route.Destination.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any), route.Metric ?? 0);
            if (!routes.Any(r => r.SameRoute(wanted)))
            {
                changes.Add(new AddRoute(index, wanted));
                routes.Add(wanted);
            }
        }

        var (described, search) = DnsFor(item, config);
        // A server of a family the interface does not have could not be reached through it.
        var servers = described.Where(s => (s.AddressFamily == AddressFamily.InterNetwork ? target.MtuV4 : target.MtuV6) is not null).ToList();
        if ((servers.Count > 0 || search.Count > 0)
            && (!servers.SequenceEqual(target.DnsServers) || !search.SequenceEqual(target.SearchList, StringComparer.OrdinalIgnoreCase)))
        {
            changes.Add(new SetDns(index, servers.Count > 0 ? servers : target.DnsServers, search.Count > 0 ? search : target.SearchList));
        }

        return changes;
    }

    /// <summary>
    /// Makes <paramref name="changes"/> in order, then asks <paramref name="verify"/> (null: nothing to check; it returns
    /// null when all is well, else why not). When a change throws or the verification fails, every change made is undone
    /// in reverse order. Never throws for a refused change.
    /// </summary>
    public static async Task<NetworkApplyResult> ApplyAsync(INetworkInterfaces network, IReadOnlyList<NetworkChange> changes,
        Func<CancellationToken, Task<string?>>? verify, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(changes);
        var done = new List<(NetworkChange Change, NetworkChange Undo)>();
        string? failure = null;
        try
        {
            foreach (var change in changes)
            {
                try
                {
                    var before = network.ListInterfaces().FirstOrDefault(i => i.Index == change.InterfaceIndex)
                        ?? throw new Win32Exception(1168, $"{change}: the interface is gone");
                    var undo = change.Inverse(before);
                    await network.ApplyAsync(change, cancellationToken).ConfigureAwait(false);
                    done.Add((change, undo));
                }
                catch (Exception e) when (e is Win32Exception or IOException or InvalidOperationException or PlatformNotSupportedException)
                {
                    failure = e.Message;
                    break;
                }
            }

            if (failure is null && verify is not null && done.Count > 0)
            {
                failure = await verify(cancellationToken).ConfigureAwait(false) is { } why ? "verification failed: " + why : null;
            }
        }
        catch (Exception)
        {
            // Cancelled (the service stopping) or a verification that threw: what was changed is undone all the same, or a
            // description that cut the machine off would stay for good (the next run finds the interface "as described").
            await UndoAsync(network, done).ConfigureAwait(false);
            throw;
        }

        if (failure is null)
        {
            return new NetworkApplyResult([.. done.Select(d => d.Change)], null, false, []);
        }

        var undoFailures = await UndoAsync(network, done).ConfigureAwait(false);
        return new NetworkApplyResult([.. done.Select(d => d.Change)], failure, true, undoFailures);
    }

    // Every change made, undone newest first; not cancelled: a half-undone network is worse than a late one.
    private static async Task<List<string>> UndoAsync(INetworkInterfaces network, List<(NetworkChange Change, NetworkChange Undo)> done)
    {
        var undoFailures = new List<string>();
        for (var i = done.Count - 1; i >= 0; i--)
        {
            try
            {
                await network.ApplyAsync(done[i].Undo, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Win32Exception or IOException or InvalidOperationException or PlatformNotSupportedException)
            {
                undoFailures.Add($"could not undo '{done[i].Change}': {e.Message}");
            }
        }

        return undoFailures;
    }
}
