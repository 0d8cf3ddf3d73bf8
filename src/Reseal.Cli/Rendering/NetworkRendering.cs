using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot.Network;

namespace Reseal.Cli.Rendering;

/// <summary>
/// The network description captured metadata carries (OpenStack <c>network_data.json</c>, NoCloud <c>network-config</c>),
/// as <c>agent plan</c> shows it: per interface and its MAC, the addresses, routes, DNS servers, suffixes and MTU, and
/// what is left to DHCP. This version reads and checks it but does not apply it, and says so.
/// </summary>
internal static class NetworkRendering
{
    /// <summary>Says that the description is shown, not applied.</summary>
    public const string NotApplied = "not applied: this version reads and checks network descriptions but does not configure interfaces (issue 19)";

    /// <summary>The lines of the text plan.</summary>
    public static IEnumerable<string> Text(NetworkConfigResult read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (read.Config is not { } config)
        {
            yield return "network description: unreadable (see the messages on standard error); " + NotApplied;
            yield break;
        }

        yield return $"network description ({config.Format}): {NotApplied}";
        foreach (var item in config.Interfaces)
        {
            yield return $"  {item.MacAddress} ({item.Name}): {Describe(item)}";
        }

        if (config.DnsServers.Count > 0 || config.SearchDomains.Count > 0)
        {
            yield return "  every interface: " + string.Join("; ", Dns(config.DnsServers.Select(d => d.ToString()), config.SearchDomains));
        }
    }

    /// <summary>The JSON object of the plan.</summary>
    public static JsonObject Json(NetworkConfigResult read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var config = read.Config;
        return new JsonObject
        {
            ["format"] = config?.Format,
            ["applied"] = false,
            ["note"] = NotApplied,
            ["interfaces"] = config is null ? null : new JsonArray([.. config.Interfaces.Select(i => (JsonNode)new JsonObject
            {
                ["mac"] = i.MacAddress,
                ["name"] = i.Name,
                ["mtu"] = i.Mtu,
                ["ipv4"] = i.IPv4.ToString().ToLowerInvariant(),
                ["ipv6"] = i.IPv6.ToString().ToLowerInvariant(),
                ["addresses"] = Strings(i.Addresses.Select(a => a.ToString())),
                ["routes"] = Strings(i.Routes.Select(r => r.ToString())),
                ["dns"] = Strings(i.DnsServers.Select(d => d.ToString())),
                ["search"] = Strings(i.SearchDomains),
            })]),
            ["dns"] = config is null ? null : Strings(config.DnsServers.Select(d => d.ToString())),
            ["search"] = config is null ? null : Strings(config.SearchDomains),
            ["diagnostics"] = Strings(read.Diagnostics.Select(d => d.ToString())),
        };
    }

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)i)]);

    private static string Describe(InterfaceConfig item)
    {
        if (item.LeftToDhcp)
        {
            return "left as it is (" + Modes(item) + ")";
        }

        var parts = new List<string>();
        if (item.Mtu is { } mtu)
        {
            parts.Add("MTU " + mtu.ToString(CultureInfo.InvariantCulture));
        }

        parts.Add(Modes(item));
        if (item.Addresses.Count > 0)
        {
            parts.Add("addresses " + string.Join(", ", item.Addresses));
        }

        if (item.Routes.Count > 0)
        {
            parts.Add("routes " + string.Join(", ", item.Routes));
        }

        parts.AddRange(Dns(item.DnsServers.Select(d => d.ToString()), item.SearchDomains));
        return string.Join("; ", parts);
    }

    private static string Modes(InterfaceConfig item) => $"IPv4 {Mode(item.IPv4)}, IPv6 {Mode(item.IPv6)}";

    private static string Mode(AddressMode mode) => mode switch
    {
        AddressMode.Dhcp => "DHCP",
        AddressMode.Slaac => "SLAAC",
        AddressMode.Static => "static",
        _ => "as Windows has it",
    };

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
