using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Reseal.Agent.Boot.Network;

/// <summary>How an interface gets its addresses of one family.</summary>
public enum AddressMode
{
    /// <summary>The description says nothing: Windows keeps what it has (DHCP by default).</summary>
    Unchanged,

    /// <summary>DHCP (IPv4) or DHCPv6: Reseal leaves the interface to it.</summary>
    Dhcp,

    /// <summary>IPv6 stateless autoconfiguration (router advertisements): left to Windows.</summary>
    Slaac,

    /// <summary>Static addresses from the description.</summary>
    Static,
}

/// <summary>An address with its prefix length, as the interface will carry it (host bits kept: 10.0.0.5/24).</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">0–32 for IPv4, 0–128 for IPv6.</param>
public sealed record InterfaceAddress(IPAddress Address, int PrefixLength)
{
    /// <summary>CIDR notation.</summary>
    public override string ToString() => Address + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A route: a destination network (host bits clear), the next hop (null: on-link), and a metric when given.</summary>
public sealed record NetworkRoute(IPAddress Destination, int PrefixLength, IPAddress? Gateway, int? Metric)
{
    /// <summary>True for 0.0.0.0/0 or ::/0.</summary>
    public bool IsDefault => PrefixLength == 0;

    /// <summary>For plans: <c>0.0.0.0/0 via 10.0.0.1 (metric 10)</c>.</summary>
    public override string ToString() =>
        $"{Destination}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}" + (Gateway is null ? " on-link" : $" via {Gateway}")
        + (Metric is { } metric ? $" (metric {metric.ToString(CultureInfo.InvariantCulture)})" : "");
}

/// <summary>
/// What one interface, found by its MAC address, is to be given. Only what the description states is changed; an
/// interface whose families are DHCP or unchanged is left to Windows.
/// </summary>
/// <param name="MacAddress">Lower-case, colon-separated (<c>fa:16:3e:00:11:22</c>).</param>
/// <param name="Name">The description's name for it (link id, v1 name, v2 id), for messages.</param>
/// <param name="Mtu">The MTU to set, or null.</param>
/// <param name="IPv4">How IPv4 addresses are obtained.</param>
/// <param name="IPv6">How IPv6 addresses are obtained.</param>
/// <param name="Addresses">Static addresses, both families.</param>
/// <param name="Routes">Routes through this interface, the default gateways included (as /0 routes).</param>
/// <param name="DnsServers">DNS servers for this interface, in order.</param>
/// <param name="SearchDomains">DNS search suffixes for this interface, in order.</param>
public sealed record InterfaceConfig(
    string MacAddress,
    string Name,
    int? Mtu,
    AddressMode IPv4,
    AddressMode IPv6,
    IReadOnlyList<InterfaceAddress> Addresses,
    IReadOnlyList<NetworkRoute> Routes,
    IReadOnlyList<IPAddress> DnsServers,
    IReadOnlyList<string> SearchDomains)
{
    /// <summary>True when Reseal changes nothing on it (both families DHCP or unchanged, no MTU, no DNS).</summary>
    public bool LeftToDhcp => Addresses.Count == 0 && Routes.Count == 0 && Mtu is null && DnsServers.Count == 0 && SearchDomains.Count == 0;
}

/// <summary>
/// A network description read from OpenStack's <c>network_data.json</c> or NoCloud's <c>network-config</c> (v1 or v2):
/// the interfaces to configure, by MAC, and the DNS settings that apply to all of them.
/// </summary>
/// <param name="Format">Where it came from: <c>network_data.json</c>, <c>network-config v1</c>, <c>network-config v2</c>.</param>
/// <param name="Interfaces">The interfaces, in the description's order; one per MAC.</param>
/// <param name="DnsServers">DNS servers for every configured interface (OpenStack <c>services</c>, v1 <c>nameserver</c>).</param>
/// <param name="SearchDomains">Search suffixes for every configured interface.</param>
public sealed record NetworkConfig(string Format, IReadOnlyList<InterfaceConfig> Interfaces, IReadOnlyList<IPAddress> DnsServers, IReadOnlyList<string> SearchDomains)
{
    /// <summary>An empty description.</summary>
    public static NetworkConfig Empty(string format) => new(format, [], [], []);
}

/// <summary>What reading a network description gave: the configuration (null when unusable) and every problem found.</summary>
public sealed record NetworkConfigResult(NetworkConfig? Config, IReadOnlyList<BootDiagnostic> Diagnostics)
{
    /// <summary>True when there is a configuration and no error (warnings: unsupported entries left alone).</summary>
    public bool IsValid => Config is not null && !Diagnostics.HasErrors();
}

/// <summary>Parsing and checking of the values network descriptions hold.</summary>
public static class NetworkValues
{
    /// <summary>The largest MTU accepted (jumbo frames on ENA are 9001; 65535 is the IPv4 maximum).</summary>
    public const int MaxMtu = 65535;

    /// <summary>The smallest MTU accepted (IPv4's minimum for a link is 68; IPv6 needs 1280 when it is used).</summary>
    public const int MinMtu = 68;

    /// <summary>A MAC address as <c>aa:bb:cc:dd:ee:ff</c> (colons or hyphens, any case), normalized; null when it is not one.</summary>
    public static string? Mac(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().Split(text.Contains('-', StringComparison.Ordinal) ? '-' : ':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !p.All(char.IsAsciiHexDigit)))
        {
            return null;
        }

        return string.Join(':', parts).ToLowerInvariant();
    }

    /// <summary>An IP address (no zone, no prefix), or null.</summary>
    public static IPAddress? Address(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        return trimmed.Length > 0 && !trimmed.Contains('%', StringComparison.Ordinal) && !trimmed.Contains('/', StringComparison.Ordinal)
            && IPAddress.TryParse(trimmed, out var address)
            && (address.AddressFamily == AddressFamily.InterNetworkV6 || trimmed.Count(c => c == '.') == 3)
            ? address : null;
    }

    /// <summary>
    /// An address with its prefix: <c>10.0.0.5/24</c>, or <paramref name="text"/> alone with <paramref name="netmask"/>
    /// (dotted IPv4 mask, IPv6 mask, or a prefix length). Null with <paramref name="problem"/> when invalid.
    /// </summary>
    public static InterfaceAddress? Cidr(string text, string? netmask, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = Address(slash < 0 ? text : text[..slash]);
        if (address is null)
        {
            problem = $"'{text}' is not an IP address";
            return null;
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int? prefix = slash >= 0 ? PrefixLength(text[(slash + 1)..], max) : netmask is null ? null : Prefix(netmask, max);
        if (prefix is null)
        {
            problem = slash >= 0 || netmask is not null
                ? $"'{(slash >= 0 ? text[(slash + 1)..] : netmask)}' is not a valid prefix length or netmask for {address}"
                : $"'{text}' has no prefix length and no netmask";
            return null;
        }

        return new InterfaceAddress(address, prefix.Value);
    }

    /// <summary>A route destination (host bits must be clear) with its prefix, or null with <paramref name="problem"/>.</summary>
    public static (IPAddress Network, int Prefix)? Destination(string text, string? netmask, out string? problem)
    {
        var cidr = Cidr(text, netmask ?? (text.Contains('/', StringComparison.Ordinal) ? null : (Address(text)?.AddressFamily == AddressFamily.InterNetwork ? "32" : "128")), out problem);
        if (cidr is null)
        {
            return null;
        }

        var network = new IPNetwork(NetworkOf(cidr.Address, cidr.PrefixLength), cidr.PrefixLength);
        if (!network.BaseAddress.Equals(cidr.Address))
        {
            problem = $"route destination {cidr} has host bits set (the network is {network})";
            return null;
        }

        return (network.BaseAddress, cidr.PrefixLength);
    }

    /// <summary>A prefix length written as digits, 0..<paramref name="max"/>, or null.</summary>
    private static int? PrefixLength(string text, int max) =>
        text.Length is > 0 and <= 3 && text.All(char.IsAsciiDigit) && int.Parse(text, CultureInfo.InvariantCulture) is var n && n <= max ? n : null;

    /// <summary>A netmask (contiguous ones) or a prefix length, for an address family of <paramref name="max"/> bits; or null.</summary>
    private static int? Prefix(string netmask, int max)
    {
        var trimmed = netmask.Trim();
        if (PrefixLength(trimmed, max) is { } length)
        {
            return length;
        }

        if (Address(trimmed) is not { } mask || (mask.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) != max)
        {
            return null;
        }

        var bytes = mask.GetAddressBytes();
        var ones = 0;
        var seenZero = false;
        foreach (var b in bytes)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                if ((b >> bit & 1) == 1)
                {
                    if (seenZero)
                    {
                        return null; // not contiguous
                    }

                    ones++;
                }
                else
                {
                    seenZero = true;
                }
            }
        }

        return ones;
    }

    /// <summary>The network an address with <paramref name="prefix"/> is on (its host bits cleared).</summary>
    public static IPAddress NetworkOf(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
