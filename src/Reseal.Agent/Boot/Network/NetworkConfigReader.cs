using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Reseal.Agent.Boot.Yaml;
using Reseal.Cloud;

namespace Reseal.Agent.Boot.Network;

/// <summary>
/// Reads the network descriptions clouds give (OpenStack's <c>network_data.json</c> from the metadata service or the
/// config drive; NoCloud's <c>network-config</c>, version 1 or 2) into one <see cref="NetworkConfig"/>. Both go through
/// the agent's bounded YAML reader (JSON is checked as JSON first, so a JSON error is named as one), so every problem has
/// a line and column. Nothing is half-read: an interface with any invalid value is dropped whole with an error, two
/// interfaces with one MAC are both dropped, and what Reseal does not configure (bonds, VLANs, bridges, unknown types)
/// is a warning naming it, the rest still configured. Never throws for bad input.
/// </summary>
public static class NetworkConfigReader
{
    /// <summary>Most interfaces one description may configure.</summary>
    public const int MaxInterfaces = 64;

    /// <summary>Most addresses, routes or DNS servers one interface may have.</summary>
    public const int MaxPerInterface = 256;

    /// <summary>Reads a description, telling the format from its content (JSON with <c>links</c>, or YAML with <c>version</c>).</summary>
    public static NetworkConfigResult Read(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return trimmed.StartsWith('{') && source.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("{\"links\"", StringComparison.Ordinal)
            ? ReadOpenStack(text, source)
            : ReadNoCloud(text, source);
    }

    /// <summary>Reads OpenStack's <c>network_data.json</c> (links, networks, services).</summary>
    public static NetworkConfigResult ReadOpenStack(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var diagnostics = new List<BootDiagnostic>();
        try
        {
            using var _ = StrictJson.Parse(json);
        }
        catch (JsonException e)
        {
            diagnostics.Add(BootDiagnostic.Error(BootCodes.NetworkMalformed, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1,
                "network_data.json is not valid JSON: " + e.Message, source));
            return new NetworkConfigResult(null, diagnostics);
        }

        if (Root(json, source, diagnostics) is not { } root)
        {
            return new NetworkConfigResult(null, diagnostics);
        }

        var reader = new Reader(source, diagnostics);
        var links = new List<Builder>();
        var byId = new Dictionary<string, Builder?>(StringComparer.Ordinal);
        foreach (var link in reader.Maps(root, "links"))
        {
            var id = reader.Text(link, "id") ?? $"link at line {link.Line}";
            var type = reader.Text(link, "type") ?? "phy";
            if (type is "bond" or "vlan")
            {
                reader.Unsupported(link, $"link '{id}' is a {type}: Reseal does not create bonds or VLANs; the interfaces under it are left as Windows has them");
                byId[id] = null;
                continue;
            }

            var builder = reader.Interface(link, id, reader.Text(link, "ethernet_mac_address"), link.Get("mtu"));
            byId[id] = builder;
            if (builder is not null)
            {
                links.Add(builder);
            }
        }

        foreach (var network in reader.Maps(root, "networks"))
        {
            var linkId = reader.Text(network, "link");
            var id = reader.Text(network, "id") ?? $"network at line {network.Line}";
            if (linkId is null || !byId.TryGetValue(linkId, out var builder))
            {
                reader.Error(BootCodes.NetworkBadValue, network, $"network '{id}' names link '{linkId ?? "(none)"}', which the links do not list");
                continue;
            }

            if (builder is null)
            {
                continue; // its link is unsupported or invalid: already said
            }

            var type = reader.Text(network, "type") ?? "";
            switch (type)
            {
                case "ipv4_dhcp":
                    builder.IPv4 = AddressMode.Dhcp;
                    break;
                case "ipv6_dhcp" or "ipv6_dhcpv6-stateful" or "ipv6_dhcpv6-stateless":
                    builder.IPv6 = AddressMode.Dhcp;
                    break;
                case "ipv6_slaac":
                    builder.IPv6 = AddressMode.Slaac;
                    break;
                case "ipv4" or "ipv6":
                    if (reader.Text(network, "ip_address") is not { } address)
                    {
                        builder.Fail(network, $"network '{id}' of type {type} has no ip_address");
                        break;
                    }

                    builder.AddAddress(network, address, reader.Text(network, "netmask"), type == "ipv4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);
                    foreach (var route in reader.Maps(network, "routes"))
                    {
                        builder.AddRoute(route, reader.Text(route, "network"), reader.Text(route, "netmask"), reader.Text(route, "gateway"), null);
                    }

                    if (reader.Text(network, "gateway") is { } gateway)
                    {
                        builder.AddRoute(network, type == "ipv4" ? "0.0.0.0" : "::", "0", gateway, null);
                    }

                    break;
                default:
                    reader.Unsupported(network, $"network '{id}' has type '{type}', which Reseal does not configure; link '{linkId}' keeps what Windows gives it");
                    continue;
            }

            foreach (var service in reader.Maps(network, "services"))
            {
                if (reader.Text(service, "type") == "dns" && reader.Text(service, "address") is { } dns)
                {
                    builder.AddDns(service, dns);
                }
            }
        }

        var globalDns = new List<IPAddress>();
        foreach (var service in reader.Maps(root, "services"))
        {
            if (reader.Text(service, "type") == "dns" && reader.Text(service, "address") is { } dns)
            {
                reader.AddGlobalDns(globalDns, service, dns, "DNS service address");
            }
        }

        return reader.Finish("network_data.json", links, globalDns, []);
    }

    /// <summary>Reads NoCloud's <c>network-config</c>, version 1 or 2 (optionally under a top-level <c>network:</c> key).</summary>
    public static NetworkConfigResult ReadNoCloud(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var diagnostics = new List<BootDiagnostic>();
        if (Root(yaml, source, diagnostics) is not { } root)
        {
            return new NetworkConfigResult(null, diagnostics);
        }

        if (root.Get("network") is YamlMappingValue inner)
        {
            root = inner;
        }

        var reader = new Reader(source, diagnostics);
        return (root.Get("version") as YamlScalarValue)?.Text switch
        {
            "1" => ReadV1(root, reader),
            "2" => ReadV2(root, reader),
            var other => reader.Fail(root, other is null
                ? "network-config has no 'version' (1 or 2)"
                : $"network-config version '{other}' is not supported (1 and 2 are)"),
        };
    }

    private static NetworkConfigResult ReadV1(YamlMappingValue root, Reader reader)
    {
        var interfaces = new List<Builder>();
        var globalDns = new List<IPAddress>();
        var search = new List<string>();
        var pendingRoutes = new List<YamlMappingValue>();
        foreach (var entry in reader.Maps(root, "config"))
        {
            var type = reader.Text(entry, "type");
            switch (type)
            {
                case "physical":
                    var name = reader.Text(entry, "name") ?? $"interface at line {entry.Line}";
                    if (reader.Interface(entry, name, reader.Text(entry, "mac_address"), entry.Get("mtu")) is not { } builder)
                    {
                        break;
                    }

                    interfaces.Add(builder);
                    foreach (var subnet in reader.Maps(entry, "subnets"))
                    {
                        Subnet(builder, subnet, reader);
                    }

                    break;
                case "nameserver":
                    foreach (var address in reader.Texts(entry, "address"))
                    {
                        reader.AddGlobalDns(globalDns, entry, address, "nameserver address");
                    }

                    search.AddRange(reader.Texts(entry, "search"));
                    break;
                case "route":
                    pendingRoutes.Add(entry);
                    break;
                default:
                    reader.Unsupported(entry, $"config entry of type '{type ?? "(none)"}' is not configured by Reseal (it configures physical interfaces, nameservers and routes); left as Windows has it");
                    break;
            }
        }

        // A top-level route goes through the interface whose static subnet holds its gateway.
        foreach (var route in pendingRoutes)
        {
            var gateway = reader.Text(route, "gateway");
            var owner = gateway is null || NetworkValues.Address(gateway) is not { } via ? null
                : interfaces.FirstOrDefault(i => i.Holds(via));
            if (owner is null)
            {
                reader.Unsupported(route, $"route to {reader.Text(route, "destination") ?? reader.Text(route, "network") ?? "(none)"} via {gateway ?? "(none)"}: no configured interface has a static address on the gateway's network; not added");
                continue;
            }

            owner.AddRoute(route, reader.Text(route, "destination") ?? reader.Text(route, "network"), reader.Text(route, "netmask") ?? reader.Text(route, "prefix"), gateway, reader.Metric(route));
        }

        return reader.Finish("network-config v1", interfaces, globalDns, search);
    }

    private static void Subnet(Builder builder, YamlMappingValue subnet, Reader reader)
    {
        var type = reader.Text(subnet, "type");
        switch (type)
        {
            case "dhcp" or "dhcp4":
                builder.IPv4 = AddressMode.Dhcp;
                return;
            case "dhcp6" or "ipv6_dhcpv6-stateful" or "ipv6_dhcpv6-stateless":
                builder.IPv6 = AddressMode.Dhcp;
                return;
            case "ipv6_slaac":
                builder.IPv6 = AddressMode.Slaac;
                return;
            case "static" or "static6":
                break;
            default:
                reader.Unsupported(subnet, $"subnet type '{type ?? "(none)"}' on {builder.Name} is not configured by Reseal; left as Windows has it");
                return;
        }

        if (reader.Text(subnet, "address") is not { } address)
        {
            builder.Fail(subnet, $"static subnet on {builder.Name} has no address");
            return;
        }

        builder.AddAddress(subnet, address, reader.Text(subnet, "netmask") ?? reader.Text(subnet, "prefix"), null);
        if (reader.Text(subnet, "gateway") is { } gateway)
        {
            var family = NetworkValues.Address(gateway)?.AddressFamily;
            builder.AddRoute(subnet, family == AddressFamily.InterNetworkV6 ? "::" : "0.0.0.0", "0", gateway, null);
        }

        foreach (var dns in reader.Texts(subnet, "dns_nameservers"))
        {
            builder.AddDns(subnet, dns);
        }

        builder.Search.AddRange(reader.Texts(subnet, "dns_search"));
        foreach (var route in reader.Maps(subnet, "routes"))
        {
            builder.AddRoute(route, reader.Text(route, "network") ?? reader.Text(route, "destination"), reader.Text(route, "netmask") ?? reader.Text(route, "prefix"),
                reader.Text(route, "gateway"), reader.Metric(route));
        }
    }

    private static NetworkConfigResult ReadV2(YamlMappingValue root, Reader reader)
    {
        var interfaces = new List<Builder>();
        foreach (var kind in new[] { "bonds", "vlans", "bridges", "wifis", "tunnels", "vrfs", "modems" })
        {
            if (root.Get(kind) is YamlMappingValue { Entries.Count: > 0 } unsupported)
            {
                reader.Unsupported(unsupported, $"'{kind}' ({string.Join(", ", unsupported.Entries.Select(e => e.Key.Text))}) are not configured by Reseal; left as Windows has them");
            }
        }

        if (root.Get("ethernets") is not { } ethernetsNode)
        {
            return reader.Finish("network-config v2", interfaces, [], []);
        }

        if (ethernetsNode is not YamlMappingValue ethernets)
        {
            return reader.Fail(ethernetsNode, $"'ethernets' must be a mapping of interface ids, not {ethernetsNode.KindName}");
        }

        foreach (var (key, value) in ethernets.Entries)
        {
            var id = key.Text;
            if (value is not YamlMappingValue ethernet)
            {
                reader.Error(BootCodes.NetworkMalformed, value, $"ethernet '{id}' must be a mapping, not {value.KindName}");
                continue;
            }

            var mac = (ethernet.Get("match") as YamlMappingValue) is { } match ? reader.Text(match, "macaddress") : null;
            if (mac is null)
            {
                reader.Unsupported(ethernet, $"ethernet '{id}' is not matched by 'match: macaddress' (Reseal finds interfaces by MAC only); left as Windows has it");
                continue;
            }

            if (reader.Interface(ethernet, id, mac, ethernet.Get("mtu")) is not { } builder)
            {
                continue;
            }

            interfaces.Add(builder);
            if (reader.Flag(ethernet, "dhcp4") == true)
            {
                builder.IPv4 = AddressMode.Dhcp;
            }

            if (reader.Flag(ethernet, "dhcp6") == true)
            {
                builder.IPv6 = AddressMode.Dhcp;
            }

            foreach (var address in reader.Texts(ethernet, "addresses"))
            {
                builder.AddAddress(ethernet, address, null, null);
            }

            foreach (var (gatewayKey, family) in new[] { ("gateway4", "0.0.0.0"), ("gateway6", "::") })
            {
                if (reader.Text(ethernet, gatewayKey) is { } gateway)
                {
                    builder.AddRoute(ethernet, family, "0", gateway, null);
                }
            }

            if (ethernet.Get("nameservers") is YamlMappingValue nameservers)
            {
                foreach (var dns in reader.Texts(nameservers, "addresses"))
                {
                    builder.AddDns(nameservers, dns);
                }

                builder.Search.AddRange(reader.Texts(nameservers, "search"));
            }

            foreach (var route in reader.Maps(ethernet, "routes"))
            {
                var to = reader.Text(route, "to");
                var via = reader.Text(route, "via");
                if (to == "default")
                {
                    to = NetworkValues.Address(via ?? "")?.AddressFamily == AddressFamily.InterNetworkV6 ? "::/0" : "0.0.0.0/0";
                }

                builder.AddRoute(route, to, null, via, reader.Metric(route));
            }
        }

        return reader.Finish("network-config v2", interfaces, [], []);
    }

    private static YamlMappingValue? Root(string text, string source, List<BootDiagnostic> diagnostics)
    {
        var root = BoundedYamlReader.Read(text, YamlLimits.Config, diagnostics, source);
        if (root is YamlMappingValue map)
        {
            return map;
        }

        if (!diagnostics.HasErrors())
        {
            diagnostics.Add(BootDiagnostic.Error(BootCodes.NetworkMalformed, root?.Line ?? 1, root?.Column ?? 1,
                $"the network description must be a mapping, not {root?.KindName ?? "empty"}", source));
        }

        return null;
    }

    /// <summary>Typed reads of the YAML tree that report what is wrong, where.</summary>
    private sealed class Reader(string source, List<BootDiagnostic> diagnostics)
    {
        private readonly string _source = source;

        public List<BootDiagnostic> Diagnostics { get; } = diagnostics;

        public void Error(string code, YamlValue where, string message) =>
            Diagnostics.Add(BootDiagnostic.Error(code, where.Line, where.Column, message, _source));

        /// <summary>A DNS server for every interface: added when it is an IP address, else an error naming <paramref name="what"/> (not used).</summary>
        public void AddGlobalDns(List<IPAddress> servers, YamlValue where, string text, string what)
        {
            if (NetworkValues.Address(text) is { } address)
            {
                servers.Add(address);
            }
            else
            {
                Error(BootCodes.NetworkBadValue, where, $"{what} '{text}' is not an IP address; it is not used");
            }
        }

        public void Unsupported(YamlValue where, string message) =>
            Diagnostics.Add(BootDiagnostic.Warning(BootCodes.NetworkUnsupported, where.Line, where.Column, "not supported: " + message, _source));

        public NetworkConfigResult Fail(YamlValue where, string message)
        {
            Error(BootCodes.NetworkMalformed, where, message);
            return new NetworkConfigResult(null, Diagnostics);
        }

        public string? Text(YamlMappingValue map, string key)
        {
            switch (map.Get(key))
            {
                case null:
                    return null;
                case YamlScalarValue scalar when !scalar.IsNull:
                    return scalar.Text;
                case YamlScalarValue:
                    return null;
                case var other:
                    Error(BootCodes.NetworkMalformed, other, $"'{key}' must be a single value, not {other.KindName}");
                    return null;
            }
        }

        public bool? Flag(YamlMappingValue map, string key) => map.Get(key) switch
        {
            null => null,
            YamlScalarValue scalar when scalar.AsBoolean() is { } flag => flag,
            YamlScalarValue { Text: "yes" or "on" } => true,
            YamlScalarValue { Text: "no" or "off" } => false,
            var other => Bad(other, $"'{key}' must be true or false"),
        };

        public int? Metric(YamlMappingValue map)
        {
            if (map.Get("metric") is not { } node)
            {
                return null;
            }

            return node is YamlScalarValue scalar && scalar.AsInteger() is { } metric and >= 0 and <= 9999
                ? (int)metric
                : BadNumber(node, "'metric' must be a whole number from 0 to 9999");
        }

        /// <summary>A list of scalars, or one scalar (v1's <c>address</c> may be either).</summary>
        public List<string> Texts(YamlMappingValue map, string key)
        {
            switch (map.Get(key))
            {
                case null or YamlScalarValue { IsNull: true }:
                    return [];
                case YamlScalarValue scalar:
                    return [scalar.Text];
                case YamlSequenceValue list:
                    var texts = new List<string>();
                    foreach (var item in list.Items.Take(MaxPerInterface + 1))
                    {
                        if (item is YamlScalarValue { IsNull: false } text)
                        {
                            texts.Add(text.Text);
                        }
                        else
                        {
                            Error(BootCodes.NetworkMalformed, item, $"each item of '{key}' must be a single value, not {item.KindName}");
                        }
                    }

                    if (texts.Count > MaxPerInterface)
                    {
                        Error(BootCodes.NetworkBadValue, list, $"'{key}' has more than {MaxPerInterface} items");
                        return [];
                    }

                    return texts;
                case var other:
                    Error(BootCodes.NetworkMalformed, other, $"'{key}' must be a list, not {other.KindName}");
                    return [];
            }
        }

        public IEnumerable<YamlMappingValue> Maps(YamlMappingValue map, string key)
        {
            switch (map.Get(key))
            {
                case null or YamlScalarValue { IsNull: true }:
                    yield break;
                case YamlSequenceValue list:
                    foreach (var item in list.Items)
                    {
                        if (item is YamlMappingValue entry)
                        {
                            yield return entry;
                        }
                        else
                        {
                            Error(BootCodes.NetworkMalformed, item, $"each item of '{key}' must be a mapping, not {item.KindName}");
                        }
                    }

                    break;
                case var other:
                    Error(BootCodes.NetworkMalformed, other, $"'{key}' must be a list, not {other.KindName}");
                    break;
            }
        }

        /// <summary>A new interface for a MAC and MTU, or null (with an error) when either is invalid.</summary>
        public Builder? Interface(YamlMappingValue where, string name, string? macText, YamlValue? mtuNode)
        {
            if (macText is null || NetworkValues.Mac(macText) is not { } mac)
            {
                Error(BootCodes.NetworkBadValue, where, macText is null
                    ? $"interface '{name}' has no MAC address; Reseal finds interfaces by MAC, so it is left as Windows has it"
                    : $"interface '{name}' has MAC address '{macText}', which is not six hex pairs; it is left as Windows has it");
                return null;
            }

            int? mtu = null;
            if (mtuNode is not null and not YamlScalarValue { IsNull: true })
            {
                if (mtuNode is YamlScalarValue scalar && scalar.AsInteger() is { } value and >= NetworkValues.MinMtu and <= NetworkValues.MaxMtu)
                {
                    mtu = (int)value;
                }
                else
                {
                    Error(BootCodes.NetworkBadValue, mtuNode, $"interface '{name}' has MTU {Show(mtuNode)}, not a number from {NetworkValues.MinMtu} to {NetworkValues.MaxMtu}; it is left as Windows has it");
                    return null;
                }
            }

            return new Builder(this, name, mac, mtu, where);
        }

        public NetworkConfigResult Finish(string format, List<Builder> interfaces, List<IPAddress> dns, List<string> search)
        {
            var usable = interfaces.Where(i => !i.Failed).ToList();
            foreach (var group in usable.GroupBy(i => i.Mac).Where(g => g.Count() > 1))
            {
                foreach (var duplicate in group)
                {
                    Error(BootCodes.NetworkDuplicateMac, duplicate.Where,
                        $"interface '{duplicate.Name}' has MAC {group.Key}, as {string.Join(" and ", group.Where(g => g != duplicate).Select(g => $"'{g.Name}'"))} does: none of them is configured");
                }
            }

            var configured = usable.GroupBy(i => i.Mac).Where(g => g.Count() == 1).Select(g => g.Single()).ToList();
            if (configured.Count > MaxInterfaces)
            {
                Error(BootCodes.NetworkBadValue, configured[MaxInterfaces].Where, $"more than {MaxInterfaces} interfaces; the description is not used");
                return new NetworkConfigResult(null, Diagnostics);
            }

            var config = new NetworkConfig(format, [.. configured.Select(b => b.Build())], [.. dns.Distinct()], [.. search.Distinct(StringComparer.OrdinalIgnoreCase)]);
            return new NetworkConfigResult(config, Diagnostics);
        }

        private bool? Bad(YamlValue where, string message)
        {
            Error(BootCodes.NetworkBadValue, where, message);
            return null;
        }

        private int? BadNumber(YamlValue where, string message)
        {
            Error(BootCodes.NetworkBadValue, where, message);
            return null;
        }

        private static string Show(YamlValue node) => node is YamlScalarValue scalar ? $"'{scalar.Text}'" : node.KindName;
    }

    /// <summary>One interface being read; <see cref="Fail"/> drops it whole.</summary>
    private sealed class Builder(Reader reader, string name, string mac, int? mtu, YamlMappingValue where)
    {
        private readonly List<InterfaceAddress> _addresses = [];
        private readonly List<NetworkRoute> _routes = [];
        private readonly List<IPAddress> _dns = [];

        public string Name => name;

        public string Mac => mac;

        public YamlMappingValue Where => where;

        public bool Failed { get; private set; }

        public AddressMode IPv4 { get; set; }

        public AddressMode IPv6 { get; set; }

        public List<string> Search { get; } = [];

        public void Fail(YamlValue at, string message)
        {
            reader.Error(BootCodes.NetworkBadValue, at, message + $"; interface '{name}' ({mac}) is left as Windows has it");
            Failed = true;
        }

        public void AddAddress(YamlValue at, string text, string? netmask, AddressFamily? family)
        {
            var address = NetworkValues.Cidr(text, netmask, out var problem);
            if (address is null)
            {
                Fail(at, problem!);
                return;
            }

            if (family is { } expected && address.Address.AddressFamily != expected)
            {
                Fail(at, $"{address} is not an {(expected == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
                return;
            }

            if (Limit(at, _addresses.Count, "addresses"))
            {
                return;
            }

            _addresses.Add(address);
            if (address.Address.AddressFamily == AddressFamily.InterNetwork)
            {
                IPv4 = AddressMode.Static;
            }
            else
            {
                IPv6 = AddressMode.Static;
            }
        }

        public void AddRoute(YamlValue at, string? destination, string? netmask, string? gateway, int? metric)
        {
            if (destination is null)
            {
                Fail(at, "a route has no destination network");
                return;
            }

            if (NetworkValues.Destination(destination, netmask, out var problem) is not { } network)
            {
                Fail(at, problem!);
                return;
            }

            IPAddress? via = null;
            if (gateway is not null && (via = NetworkValues.Address(gateway)) is null)
            {
                Fail(at, $"route gateway '{gateway}' is not an IP address");
                return;
            }

            if (via is not null && via.AddressFamily != network.Network.AddressFamily)
            {
                Fail(at, $"route to {network.Network}/{network.Prefix} has a gateway of the other address family ({via})");
                return;
            }

            if (!Limit(at, _routes.Count, "routes"))
            {
                _routes.Add(new NetworkRoute(network.Network, network.Prefix, via, metric));
            }
        }

        public void AddDns(YamlValue at, string text)
        {
            if (NetworkValues.Address(text) is not { } dns)
            {
                Fail(at, $"DNS server '{text}' is not an IP address");
                return;
            }

            if (!Limit(at, _dns.Count, "DNS servers"))
            {
                _dns.Add(dns);
            }
        }

        /// <summary>True when <paramref name="gateway"/> is on the network of one of its static addresses.</summary>
        public bool Holds(IPAddress gateway) => !Failed && _addresses.Any(a =>
            a.Address.AddressFamily == gateway.AddressFamily && new IPNetwork(NetworkValues.NetworkOf(a.Address, a.PrefixLength), a.PrefixLength).Contains(gateway));

        public InterfaceConfig Build() =>
            new(mac, name, mtu, IPv4, IPv6, [.. _addresses], [.. _routes], [.. _dns.Distinct()], [.. Search.Distinct(StringComparer.OrdinalIgnoreCase)]);

        private bool Limit(YamlValue at, int count, string what)
        {
            if (count < MaxPerInterface)
            {
                return false;
            }

            Fail(at, $"more than {MaxPerInterface.ToString(CultureInfo.InvariantCulture)} {what}");
            return true;
        }
    }
}
