using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Reseal.Windows.Ports;

/// <summary>An address an interface carries, with its prefix length (host bits kept: 10.0.0.5/24).</summary>
public sealed record UnicastAddress(IPAddress Address, int PrefixLength)
{
    /// <summary>The address family.</summary>
    public AddressFamily Family => Address.AddressFamily;

    /// <summary>CIDR notation.</summary>
    public override string ToString() => Address + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A route in the IP forwarding table: a destination network, the next hop (the family's unspecified address, 0.0.0.0 or
/// ::, means on-link, as MIB_IPFORWARD_ROW2 writes it) and the route's own metric (added to the interface metric by Windows).
/// </summary>
public sealed record IpRoute(IPAddress Destination, int PrefixLength, IPAddress NextHop, int Metric)
{
    /// <summary>The address family.</summary>
    public AddressFamily Family => Destination.AddressFamily;

    /// <summary>True when the next hop is the unspecified address: the destination is on the link.</summary>
    public bool OnLink => NextHop.Equals(IPAddress.Any) || NextHop.Equals(IPAddress.IPv6Any);

    /// <summary>True when destination, prefix and next hop are the same (the metric is not part of a route's identity).</summary>
    public bool SameRoute(IpRoute other) =>
        other is not null && Destination.Equals(other.Destination) && PrefixLength == other.PrefixLength && NextHop.Equals(other.NextHop);

    /// <summary>For messages: <c>169.254.169.254/32 via 10.0.0.1 (metric 1)</c>.</summary>
    public override string ToString() =>
        $"{Destination}/{PrefixLength.ToString(CultureInfo.InvariantCulture)} {(OnLink ? "on-link" : "via " + NextHop)} (metric {Metric.ToString(CultureInfo.InvariantCulture)})";
}

/// <summary>
/// One network interface as Windows has it now (GetAdaptersAddresses, GetIpInterfaceEntry, GetIpForwardTable2).
/// </summary>
/// <param name="Index">The interface index (IfIndex / Ipv6IfIndex).</param>
/// <param name="Luid">The interface LUID, stable while the interface exists.</param>
/// <param name="Id">The adapter's GUID (AdapterName), which names its <c>Tcpip\Parameters\Interfaces\{GUID}</c> key.</param>
/// <param name="Name">The friendly name ("Ethernet 2").</param>
/// <param name="MacAddress">Lower-case, colon-separated; null when the interface has no 6-byte physical address (loopback, tunnels).</param>
/// <param name="IsUp">OperStatus is IfOperStatusUp.</param>
/// <param name="IsLoopback">IfType is IF_TYPE_SOFTWARE_LOOPBACK.</param>
/// <param name="MtuV4">The IPv4 NlMtu (int.MaxValue for loopback's 4294967295), or null when IPv4 is not bound to it.</param>
/// <param name="MtuV6">The IPv6 NlMtu, or null when IPv6 is not bound to it.</param>
/// <param name="DhcpV4">DHCP gives its IPv4 addresses.</param>
/// <param name="DhcpV6">The IPv6 interface takes managed (DHCPv6) addresses.</param>
/// <param name="Addresses">Its unicast addresses, both families.</param>
/// <param name="Routes">The routes through it, both families.</param>
/// <param name="DnsServers">
/// The DNS servers set on it (its <c>NameServer</c>), in order; empty when it takes DHCP's or has none. What DHCP gave is
/// not listed: Reseal never sets it, and a rollback restores exactly this.
/// </param>
/// <param name="SearchList">Its own DNS search suffixes (its <c>SearchList</c>), in order.</param>
public sealed record NetworkInterfaceInfo(
    uint Index,
    ulong Luid,
    Guid Id,
    string Name,
    string? MacAddress,
    bool IsUp,
    bool IsLoopback,
    int? MtuV4,
    int? MtuV6,
    bool DhcpV4,
    bool DhcpV6,
    IReadOnlyList<UnicastAddress> Addresses,
    IReadOnlyList<IpRoute> Routes,
    IReadOnlyList<IPAddress> DnsServers,
    IReadOnlyList<string> SearchList)
{
    /// <summary>True when IPv6 is bound to it.</summary>
    public bool HasIPv6 => MtuV6 is not null;

    /// <summary>The next hop of its default route of <paramref name="family"/> with the lowest metric, or null.</summary>
    public IPAddress? DefaultGateway(AddressFamily family) =>
        Routes.Where(r => r.Family == family && r.PrefixLength == 0 && !r.OnLink).OrderBy(r => r.Metric).Select(r => r.NextHop).FirstOrDefault();

    /// <summary>For messages: <c>"Ethernet 2" (index 7, 0a:1b:…)</c>.</summary>
    public string Describe() => $"\"{Name}\" (index {Index.ToString(CultureInfo.InvariantCulture)}{(MacAddress is null ? "" : ", " + MacAddress)})";
}

/// <summary>
/// One change to one interface. Each is undone by the change <see cref="INetworkInterfaces.ApplyAsync"/> is given back from
/// <see cref="NetworkChange.Inverse"/> against the state before it, so a caller can roll back in reverse order.
/// </summary>
public abstract record NetworkChange(uint InterfaceIndex)
{
    /// <summary>The change that puts <paramref name="before"/> (the interface as it was) back after this one.</summary>
    public abstract NetworkChange Inverse(NetworkInterfaceInfo before);

    /// <summary>The interface index, for messages.</summary>
    protected string On => "interface " + InterfaceIndex.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Adds a unicast address (CreateUnicastIpAddressEntry, manual prefix and suffix origin).</summary>
public sealed record AddAddress(uint InterfaceIndex, UnicastAddress Address) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before) => new RemoveAddress(InterfaceIndex, Address);

    /// <inheritdoc/>
    public override string ToString() => $"add address {Address} on {On}";
}

/// <summary>Removes a unicast address (DeleteUnicastIpAddressEntry).</summary>
public sealed record RemoveAddress(uint InterfaceIndex, UnicastAddress Address) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before) => new AddAddress(InterfaceIndex, Address);

    /// <inheritdoc/>
    public override string ToString() => $"remove address {Address} from {On}";
}

/// <summary>Adds a route through the interface (CreateIpForwardEntry2, protocol MIB_IPPROTO_NETMGMT: a static route).</summary>
public sealed record AddRoute(uint InterfaceIndex, IpRoute Route) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before) => new RemoveRoute(InterfaceIndex, Route);

    /// <inheritdoc/>
    public override string ToString() => $"add route {Route} on {On}";
}

/// <summary>Removes a route through the interface (DeleteIpForwardEntry2).</summary>
public sealed record RemoveRoute(uint InterfaceIndex, IpRoute Route) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before) => new AddRoute(InterfaceIndex, Route);

    /// <inheritdoc/>
    public override string ToString() => $"remove route {Route} from {On}";
}

/// <summary>Sets the interface's DNS servers and search list, replacing what it had (empty lists clear them).</summary>
public sealed record SetDns(uint InterfaceIndex, IReadOnlyList<IPAddress> Servers, IReadOnlyList<string> SearchList) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return new SetDns(InterfaceIndex, before.DnsServers, before.SearchList);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"set DNS servers [{string.Join(", ", Servers)}] and search list [{string.Join(", ", SearchList)}] on {On}";
}

/// <summary>Sets the interface's MTU for one family (SetIpInterfaceEntry, NlMtu).</summary>
public sealed record SetMtu(uint InterfaceIndex, AddressFamily Family, int Mtu) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var old = Family == AddressFamily.InterNetwork ? before.MtuV4 : before.MtuV6;
        return new SetMtu(InterfaceIndex, Family, old ?? throw new InvalidOperationException($"{Family} is not bound to {On}: it has no MTU to restore"));
    }

    /// <inheritdoc/>
    public override string ToString() => $"set {NetworkFamilies.Name(Family)} MTU {Mtu.ToString(CultureInfo.InvariantCulture)} on {On}";
}

/// <summary>
/// Turns IPv4 DHCP off, <paramref name="FirstStatic"/> replacing the leased address: Windows sets the two together
/// (<c>netsh interface ipv4 set address … source=static</c>), and drops the DHCP-given default route. IPv6 has no such
/// switch to turn: static IPv6 addresses live beside SLAAC and DHCPv6 ones, so Reseal only adds them.
/// </summary>
public sealed record DisableDhcpV4(uint InterfaceIndex, UnicastAddress FirstStatic) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before) => new EnableDhcpV4(InterfaceIndex);

    /// <inheritdoc/>
    public override string ToString() => $"turn IPv4 DHCP off with {FirstStatic} on {On}";
}

/// <summary>Turns IPv4 DHCP on; Windows drops the static IPv4 addresses (<c>netsh … source=dhcp</c>) and asks for a lease.</summary>
public sealed record EnableDhcpV4(uint InterfaceIndex) : NetworkChange(InterfaceIndex)
{
    /// <inheritdoc/>
    public override NetworkChange Inverse(NetworkInterfaceInfo before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var first = before.Addresses.FirstOrDefault(a => a.Family == AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"{On} had no IPv4 address to go back to");
        return new DisableDhcpV4(InterfaceIndex, first);
    }

    /// <inheritdoc/>
    public override string ToString() => $"turn IPv4 DHCP on on {On}";
}

/// <summary>Names of the two families, for messages.</summary>
public static class NetworkFamilies
{
    /// <summary>IPv4 or IPv6.</summary>
    public static string Name(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}

/// <summary>
/// The machine's network interfaces: what they carry now, and one change at a time. A change either happens whole or
/// throws, leaving the interface as it was; undoing a list of changes is the caller's (see <see cref="NetworkChange.Inverse"/>).
/// </summary>
public interface INetworkInterfaces
{
    /// <summary>Every interface, loopback included, by index.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The list could not be read.</exception>
    /// <exception cref="PlatformNotSupportedException">Not a running Windows.</exception>
    IReadOnlyList<NetworkInterfaceInfo> ListInterfaces();

    /// <summary>Makes one change (async: IPv4 DHCP is switched by a command, <c>netsh</c>, which Windows offers for it).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">Windows refused it (the message says which call and why).</exception>
    /// <exception cref="IOException">The command Windows offers for it failed.</exception>
    /// <exception cref="PlatformNotSupportedException">Not a running Windows.</exception>
    Task ApplyAsync(NetworkChange change, CancellationToken cancellationToken);
}

/// <summary>The interfaces of a machine that has none to change (an offline tree): every call refuses, saying why.</summary>
/// <param name="why">Why, for the message ("an offline Windows tree has no running network stack").</param>
public sealed class NoNetworkInterfaces(string why) : INetworkInterfaces
{
    /// <inheritdoc/>
    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() =>
        throw new PlatformNotSupportedException("listing network interfaces needs the running Windows: " + why);

    /// <inheritdoc/>
    public Task ApplyAsync(NetworkChange change, CancellationToken cancellationToken) =>
        throw new PlatformNotSupportedException($"'{change}' needs the running Windows: {why}");
}
