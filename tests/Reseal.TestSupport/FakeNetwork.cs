using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Reseal.Windows.Ports;

namespace Reseal.TestSupport;

/// <summary>
/// Interfaces in memory that behave as Windows' do for the changes Reseal makes: an address or route that exists cannot
/// be added again (ERROR_OBJECT_ALREADY_EXISTS), one that does not cannot be removed (ERROR_NOT_FOUND), an MTU below the
/// family's minimum is refused (ERROR_INVALID_PARAMETER); turning IPv4 DHCP off replaces the lease and its default route
/// with the static address, turning it on drops the static IPv4 addresses and brings the lease back. A test tells it to
/// fail a given change (<see cref="FailAt"/>, <see cref="FailWhen"/>): the change then throws and changes nothing.
/// Starts with Windows' loopback interface.
/// </summary>
public sealed class FakeNetwork : INetworkInterfaces
{
    private readonly Lock _lock = new();

    /// <summary>The interfaces, by index.</summary>
    public List<FakeInterface> Interfaces { get; } =
    [
        new FakeInterface(1, "Loopback Pseudo-Interface 1", null)
        {
            IsLoopback = true,
            MtuV4 = int.MaxValue, // Windows reports 4294967295; the port caps it
            MtuV6 = int.MaxValue,
            DhcpV4 = false,
            Static = { new UnicastAddress(IPAddress.Loopback, 8), new UnicastAddress(IPAddress.IPv6Loopback, 128) },
        },
    ];

    /// <summary>Every change made (failed ones excluded), in order.</summary>
    public List<NetworkChange> Applied { get; } = [];

    /// <summary>How many times <see cref="ApplyAsync"/> was called, failed calls included.</summary>
    public int Calls { get; private set; }

    /// <summary>The 1-based call of <see cref="ApplyAsync"/> that fails (null: none).</summary>
    public int? FailAt { get; set; }

    /// <summary>A change that fails whenever it is asked for (null: none).</summary>
    public Func<NetworkChange, bool>? FailWhen { get; set; }

    /// <summary>Adds an Ethernet interface with a DHCP lease and its default route; returns it for more settings.</summary>
    public FakeInterface AddEthernet(uint index, string mac, string name, string leased = "10.0.0.15/24", string gateway = "10.0.0.1")
    {
        var address = Parse(leased);
        var item = new FakeInterface(index, name, mac)
        {
            Lease = address,
            LeaseGateway = IPAddress.Parse(gateway),
        };
        lock (_lock)
        {
            Interfaces.Add(item);
        }

        return item;
    }

    /// <summary>10.0.0.5/24 as an address.</summary>
    public static UnicastAddress Parse(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        return new UnicastAddress(IPAddress.Parse(cidr[..slash]), int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces()
    {
        lock (_lock)
        {
            return [.. Interfaces.OrderBy(i => i.Index).Select(i => i.Info())];
        }
    }

    /// <summary>Every interface's whole state as text, to compare before and after.</summary>
    public string Snapshot()
    {
        lock (_lock)
        {
            return string.Join("\n", Interfaces.OrderBy(i => i.Index).Select(i => i.Describe()));
        }
    }

    /// <inheritdoc/>
    public Task ApplyAsync(NetworkChange change, CancellationToken cancellationToken)
    {
        Apply(change);
        return Task.CompletedTask;
    }

    /// <summary>Makes one change, or throws the Win32Exception Windows would and changes nothing.</summary>
    public void Apply(NetworkChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            Calls++;
            if (Calls == FailAt || FailWhen?.Invoke(change) == true)
            {
                throw new Win32Exception(31, $"{change}: the device refused it (injected failure, call {Calls.ToString(CultureInfo.InvariantCulture)})");
            }

            var item = Interfaces.FirstOrDefault(i => i.Index == change.InterfaceIndex)
                ?? throw new Win32Exception(1168, $"{change}: no interface has index {change.InterfaceIndex.ToString(CultureInfo.InvariantCulture)}");
            item.Apply(change);
            Applied.Add(change);
        }
    }
}

/// <summary>One interface of <see cref="FakeNetwork"/>: its settings, which the changes edit in place.</summary>
public sealed class FakeInterface(uint index, string name, string? mac)
{
    public uint Index { get; } = index;

    public string Name { get; } = name;

    public string? Mac { get; } = mac;

    public Guid Id { get; } = new(unchecked((int)index), 0x1234, 0x5678, [1, 2, 3, 4, 5, 6, 7, 8]);

    public bool IsUp { get; set; } = true;

    public bool IsLoopback { get; init; }

    public int? MtuV4 { get; set; } = 1500;

    /// <summary>Null when IPv6 is not bound.</summary>
    public int? MtuV6 { get; set; } = 1500;

    public bool DhcpV4 { get; set; } = true;

    public bool DhcpV6 { get; set; }

    /// <summary>The IPv4 lease DHCP gives while it is on.</summary>
    public UnicastAddress? Lease { get; init; }

    /// <summary>The default gateway the lease brings.</summary>
    public IPAddress? LeaseGateway { get; init; }

    /// <summary>Addresses that stay whatever DHCP does (IPv6 link-local, static ones).</summary>
    public List<UnicastAddress> Static { get; } = [];

    /// <summary>Routes added by hand (or by an earlier boot: persistent routes).</summary>
    public List<IpRoute> Routes { get; } = [];

    public List<IPAddress> Dns { get; private set; } = [];

    public List<string> Search { get; private set; } = [];

    internal NetworkInterfaceInfo Info()
    {
        var addresses = (DhcpV4 && Lease is not null ? [Lease] : Array.Empty<UnicastAddress>()).Concat(Static).ToList();
        var routes = (DhcpV4 && LeaseGateway is not null ? [new IpRoute(IPAddress.Any, 0, LeaseGateway, 0)] : Array.Empty<IpRoute>()).Concat(Routes).ToList();
        return new NetworkInterfaceInfo(Index, 0x0006_0000_0000_0000UL | Index, Id, Name, Mac, IsUp, IsLoopback, MtuV4, MtuV6, DhcpV4, DhcpV6,
            addresses, routes, [.. Dns], [.. Search]);
    }

    internal string Describe()
    {
        var info = Info();
        // Windows keeps addresses and routes as sets (the order a list shows is not part of their state); DNS lists are ordered.
        return $"{Index} {Name} {Mac} up={IsUp} mtu={MtuV4}/{MtuV6} dhcp={DhcpV4}/{DhcpV6} addresses=[{string.Join(", ", info.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal))}] " +
            $"routes=[{string.Join(", ", info.Routes.Select(r => r.ToString()).Order(StringComparer.Ordinal))}] dns=[{string.Join(", ", Dns)}] search=[{string.Join(", ", Search)}]";
    }

    internal void Apply(NetworkChange change)
    {
        var info = Info();
        switch (change)
        {
            case AddAddress add:
                if (info.Addresses.Contains(add.Address) || info.Addresses.Any(a => a.Address.Equals(add.Address.Address)))
                {
                    throw new Win32Exception(5010, $"{change}: the address already exists");
                }

                Static.Add(add.Address);
                break;
            case RemoveAddress remove:
                if (!Static.Remove(remove.Address))
                {
                    throw new Win32Exception(1168, $"{change}: no such address");
                }

                break;
            case AddRoute add:
                if (info.Routes.Any(r => r.SameRoute(add.Route)))
                {
                    throw new Win32Exception(5010, $"{change}: the route already exists");
                }

                Routes.Add(add.Route);
                break;
            case RemoveRoute remove:
                var index = Routes.FindIndex(r => r.SameRoute(remove.Route));
                if (index < 0)
                {
                    throw new Win32Exception(1168, $"{change}: no such route");
                }

                Routes.RemoveAt(index);
                break;
            case SetDns dns:
                Dns = [.. dns.Servers];
                Search = [.. dns.SearchList];
                break;
            case SetMtu mtu:
                var minimum = mtu.Family == AddressFamily.InterNetworkV6 ? 1280 : 576;
                if ((mtu.Family == AddressFamily.InterNetworkV6 ? MtuV6 : MtuV4) is null)
                {
                    throw new Win32Exception(1168, $"{change}: the family is not bound to the interface");
                }

                if (mtu.Mtu < minimum)
                {
                    throw new Win32Exception(87, $"{change}: below the minimum of {minimum.ToString(CultureInfo.InvariantCulture)}");
                }

                if (mtu.Family == AddressFamily.InterNetworkV6)
                {
                    MtuV6 = mtu.Mtu;
                }
                else
                {
                    MtuV4 = mtu.Mtu;
                }

                break;
            case DisableDhcpV4 off:
                if (!DhcpV4)
                {
                    throw new Win32Exception(87, $"{change}: DHCP is already off");
                }

                DhcpV4 = false;
                Static.RemoveAll(a => a.Family == AddressFamily.InterNetwork);
                Static.Add(off.FirstStatic);
                break;
            case EnableDhcpV4:
                DhcpV4 = true;
                Static.RemoveAll(a => a.Family == AddressFamily.InterNetwork);
                break;
            default:
                throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(change));
        }
    }
}
