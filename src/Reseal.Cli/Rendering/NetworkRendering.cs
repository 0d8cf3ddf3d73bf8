using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot.Network;

namespace Reseal.Cli.Rendering;

/// <summary>
/// The network description captured metadata carries (OpenStack <c>network_data.json</c>, NoCloud <c>network-config</c>),
/// as <c>agent plan</c> shows it: per interface and its MAC, every address, route, DNS server, search suffix and the MTU
/// <c>setNetwork</c> will apply, and what it leaves to DHCP — or that nothing is applied because the configuration does
/// not run <c>setNetwork</c>.
/// </summary>
internal static class NetworkRendering
{
    /// <summary>Says how the description is applied when <c>setNetwork</c> runs.</summary>
    public const string Applied = "setNetwork applies it in the network stage (interfaces found by MAC; the metadata service checked afterwards, every change rolled back if it or a change fails)";

    /// <summary>Says that the configuration does not apply it.</summary>
    public const string NotApplied = "not applied: the configuration does not run setNetwork (add it to the network stage to apply it)";

    /// <summary>The lines of the text plan; <paramref name="planned"/> is true when the plan runs <c>setNetwork</c>.</summary>
    public static IEnumerable<string> Text(NetworkConfigResult read, bool planned)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (read.Config is not { } config)
        {
            yield return "network description: unreadable (see the messages on standard error); " + (planned ? "setNetwork will fail and change nothing" : NotApplied);
            yield break;
        }

        yield return $"network description ({config.Format}): {(planned ? Applied : NotApplied)}";
        foreach (var item in config.Interfaces)
        {
            yield return $"  {item.MacAddress} ({item.Name}): {Describe(item, config, planned)}";
        }
    }

    /// <summary>The JSON object of the plan.</summary>
    public static JsonObject Json(NetworkConfigResult read, bool planned)
    {
        ArgumentNullException.ThrowIfNull(read);
        var config = read.Config;
        return new JsonObject
        {
            ["format"] = config?.Format,
            ["willApply"] = planned && config is not null,
            ["note"] = planned ? Applied : NotApplied,
            ["interfaces"] = config is null ? null : new JsonArray([.. config.Interfaces.Select(i => (JsonNode)new JsonObject
            {
                ["mac"] = i.MacAddress,
                ["name"] = i.Name,
                ["mtu"] = i.Mtu,
                ["ipv4"] = i.IPv4.ToString().ToLowerInvariant(),
                ["ipv6"] = i.IPv6.ToString().ToLowerInvariant(),
                ["addresses"] = Strings(i.Addresses.Select(a => a.ToString())),
                ["routes"] = Strings(i.Routes.Select(r => r.ToString())),
                ["dns"] = Strings(NetworkPlanner.DnsFor(i, config).Servers.Select(d => d.ToString())),
                ["search"] = Strings(NetworkPlanner.DnsFor(i, config).Search),
                ["leftAlone"] = Strings(NetworkPlanner.LeftAlone(i)),
            })]),
            ["dns"] = config is null ? null : Strings(config.DnsServers.Select(d => d.ToString())),
            ["search"] = config is null ? null : Strings(config.SearchDomains),
            ["diagnostics"] = Strings(read.Diagnostics.Select(d => d.ToString())),
        };
    }

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)i)]);

    private static string Describe(InterfaceConfig item, NetworkConfig config, bool planned)
    {
        var left = "leaves " + string.Join(", ", NetworkPlanner.LeftAlone(item));
        var (servers, search) = NetworkPlanner.DnsFor(item, config);
        if (item.LeftToDhcp && servers.Count == 0 && search.Count == 0)
        {
            return "nothing to set; " + left;
        }

        var parts = new List<string>();
        if (item.Mtu is { } mtu)
        {
            parts.Add("MTU " + mtu.ToString(CultureInfo.InvariantCulture));
        }

        if (item.Addresses.Count > 0)
        {
            parts.Add("addresses " + string.Join(", ", item.Addresses) + (item.IPv4 == AddressMode.Static ? " (IPv4 DHCP turned off)" : ""));
        }

        if (item.Routes.Count > 0)
        {
            parts.Add("routes " + string.Join(", ", item.Routes));
        }

        parts.AddRange(Dns(servers.Select(d => d.ToString()), search));
        if (NetworkPlanner.LeftAlone(item).Count > 0)
        {
            parts.Add(left);
        }

        return (planned ? "sets " : "would set ") + string.Join("; ", parts);
    }

    private static IEnumerable<string> Dns(IEnumerable<string> servers, IReadOnlyList<string> search)
    {
        var list = servers.ToList();
        if (list.Count > 0)
        {
            yield return "DNS " + string.Join(", ", list);
        }

        if (search.Count > 0)
        {
            yield return "search " + string.Join(", ", search);
        }
    }
}
