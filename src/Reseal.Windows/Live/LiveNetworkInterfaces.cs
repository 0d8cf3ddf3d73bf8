using System.Buffers.Binary;
using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>
/// The interfaces of the running Windows through IP Helper: GetAdaptersAddresses for the list, GetIpInterfaceEntry for
/// each family's MTU and managed (DHCPv6) flag, GetIpForwardTable2 for the routes; CreateUnicastIpAddressEntry /
/// DeleteUnicastIpAddressEntry, CreateIpForwardEntry2 / DeleteIpForwardEntry2 and SetIpInterfaceEntry for the changes.
/// DNS goes through SetInterfaceDnsSettings where Windows has it (build 19041 and later), else into the
/// <c>NameServer</c> and <c>SearchList</c> values of the interface's Tcpip key, which is where that function keeps them
/// too, so the list reads them back from there on every build. IPv4 DHCP has no IP Helper switch: it is turned with
/// <c>netsh interface ipv4 set address</c>. docs/windows-behaviour.md ("Network interfaces") cites each page.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class LiveNetworkInterfaces(IRegistry registry, IProcessRunner processes) : INetworkInterfaces
{
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 23;
    private const uint GaaSkipAnycast = 0x2, GaaSkipMulticast = 0x4;
    private const uint AdapterDhcpEnabled = 0x4, AdapterIPv4Enabled = 0x80, AdapterIPv6Enabled = 0x100;
    private const int IfTypeSoftwareLoopback = 24;
    private const int IfOperStatusUp = 1;
    private const int IpPrefixOriginManual = 1, IpSuffixOriginManual = 1;
    private const int MibIpProtoNetMgmt = 3;
    private const ulong DnsSettingIpv6 = 0x1, DnsSettingNameServer = 0x2, DnsSettingSearchList = 0x4;
    private const uint DnsInterfaceSettingsVersion1 = 1;

    internal const string Tcpip4Interfaces = @"CurrentControlSet\Services\Tcpip\Parameters\Interfaces";
    internal const string Tcpip6Interfaces = @"CurrentControlSet\Services\Tcpip6\Parameters\Interfaces";

    /// <inheritdoc/>
    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces()
    {
        var routes = Routes(AfInet).Concat(Routes(AfInet6)).ToLookup(r => r.Index, r => r.Route);
        var list = new List<NetworkInterfaceInfo>();
        var size = 16u * 1024;
        for (var attempt = 0; ; attempt++)
        {
            var buffer = Marshal.AllocHGlobal((nint)size);
            try
            {
                var error = NativeMethods.GetAdaptersAddresses(0, GaaSkipAnycast | GaaSkipMulticast, 0, buffer, ref size);
                if (error == NativeMethods.ErrorBufferOverflow && attempt < 4)
                {
                    continue; // the list grew between the calls: size now says how much it needs
                }

                if (error != 0)
                {
                    throw new Win32Exception((int)error, $"GetAdaptersAddresses failed: {new Win32Exception((int)error).Message}");
                }

                for (var adapter = buffer; adapter != 0; adapter = Marshal.ReadIntPtr(adapter, 8))
                {
                    list.Add(Adapter(adapter, routes));
                }

                return [.. list.OrderBy(i => i.Index)];
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }
    }

    // IP_ADAPTER_ADDRESSES_LH (iptypes.h), x64: Length 0, IfIndex 4, Next 8, AdapterName 16, FirstUnicastAddress 24,
    // FirstDnsServerAddress 48, FriendlyName 72, PhysicalAddress 80, PhysicalAddressLength 88, Flags 92, Mtu 96,
    // IfType 100, OperStatus 104, Ipv6IfIndex 108, Luid 224.
    private NetworkInterfaceInfo Adapter(nint adapter, ILookup<uint, IpRoute> routes)
    {
        var length = (uint)Marshal.ReadInt32(adapter, 0);
        var index = (uint)Marshal.ReadInt32(adapter, 4);
        if (index == 0)
        {
            index = (uint)Marshal.ReadInt32(adapter, 108); // IPv6 only: IfIndex is 0 and Ipv6IfIndex holds it
        }

        var adapterName = Marshal.PtrToStringAnsi(Marshal.ReadIntPtr(adapter, 16)) ?? "";
        var friendly = Marshal.PtrToStringUni(Marshal.ReadIntPtr(adapter, 72)) ?? adapterName;
        var macLength = Marshal.ReadInt32(adapter, 88);
        string? mac = null;
        if (macLength == 6)
        {
            var bytes = new byte[6];
            Marshal.Copy(adapter + 80, bytes, 0, 6);
            mac = string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }

        var flags = (uint)Marshal.ReadInt32(adapter, 92);
        var ifType = Marshal.ReadInt32(adapter, 100);
        var up = Marshal.ReadInt32(adapter, 104) == IfOperStatusUp;
        ulong luid;
        if (length >= 232)
        {
            luid = (ulong)Marshal.ReadInt64(adapter, 224);
        }
        else if (NativeMethods.ConvertInterfaceIndexToLuid(index, out luid) != 0)
        {
            luid = 0;
        }

        var addresses = new List<UnicastAddress>();
        // IP_ADAPTER_UNICAST_ADDRESS_LH: Next 8, Address.lpSockaddr 16, OnLinkPrefixLength 56.
        for (var unicast = Marshal.ReadIntPtr(adapter, 24); unicast != 0; unicast = Marshal.ReadIntPtr(unicast, 8))
        {
            if (SocketAddress(Marshal.ReadIntPtr(unicast, 16)) is { } address)
            {
                addresses.Add(new UnicastAddress(address, Marshal.ReadByte(unicast, 56)));
            }
        }

        var id = Guid.TryParse(adapterName, out var guid) ? guid : Guid.Empty;
        int? mtuV4, mtuV6;
        bool managed;
        if (HasInterfaceEntries)
        {
            (mtuV4, _) = InterfaceEntry(AfInet, luid);
            (mtuV6, managed) = InterfaceEntry(AfInet6, luid);
        }
        else
        {
            // No GetIpInterfaceEntry (Wine 8 does not export it): the adapter's link MTU for each family it has enabled.
            var linkMtu = (uint)Marshal.ReadInt32(adapter, 96);
            int? mtu = linkMtu > int.MaxValue ? int.MaxValue : (int)linkMtu;
            mtuV4 = (flags & AdapterIPv4Enabled) != 0 ? mtu : null;
            mtuV6 = (flags & AdapterIPv6Enabled) != 0 ? mtu : null;
            managed = false;
        }

        var (dns, search) = StaticDns(id);
        return new NetworkInterfaceInfo(index, luid, id, friendly, mac, up, ifType == IfTypeSoftwareLoopback, mtuV4, mtuV6,
            (flags & AdapterDhcpEnabled) != 0, managed, addresses, [.. routes[index]], dns, search);
    }

    /// <summary>
    /// Whether iphlpapi.dll exports GetIpInterfaceEntry (every Windows since Vista; not Wine 8, whose iphlpapi lacks the
    /// whole MIB_IPINTERFACE_ROW family): without it the list falls back to the adapter's link MTU, and MTU changes fail.
    /// </summary>
    private static readonly bool HasInterfaceEntries =
        NativeLibrary.TryLoad("iphlpapi.dll", out var library) && NativeLibrary.TryGetExport(library, "GetIpInterfaceEntry", out _);

    // MIB_IPINTERFACE_ROW (netioapi.h), x64, 168 bytes: Family 0, InterfaceLuid 8, InterfaceIndex 16,
    // ManagedAddressConfigurationSupported 46, SitePrefixLength 144, NlMtu 152.
    private const int InterfaceRowSize = 168;

    private unsafe static (int? Mtu, bool Managed) InterfaceEntry(ushort family, ulong luid)
    {
        var row = stackalloc byte[InterfaceRowSize];
        NativeMethods.InitializeIpInterfaceEntry((nint)row);
        *(ushort*)row = family;
        *(ulong*)(row + 8) = luid;
        if (NativeMethods.GetIpInterfaceEntry((nint)row) != 0)
        {
            return (null, false); // the family is not bound to this interface
        }

        var mtu = *(uint*)(row + 152);
        return (mtu > int.MaxValue ? int.MaxValue : (int)mtu, row[46] != 0);
    }

    // MIB_IPFORWARD_TABLE2: NumEntries, then MIB_IPFORWARD_ROW2 rows (104 bytes each) from offset 8. A row: InterfaceLuid 0,
    // InterfaceIndex 8, DestinationPrefix.Prefix 12, DestinationPrefix.PrefixLength 40, NextHop 44, Metric 84.
    private const int RouteRowSize = 104;
    private const uint ErrorNotSupported = 50;

    private unsafe static List<(uint Index, IpRoute Route)> Routes(ushort family)
    {
        var error = NativeMethods.GetIpForwardTable2(family, out var table);
        if (error is NativeMethods.ErrorNotFound or ErrorNotSupported)
        {
            return []; // no stack of that family on this machine (ERROR_NOT_SUPPORTED in GetIpForwardTable2's page)
        }

        if (error != 0)
        {
            throw new Win32Exception((int)error, $"GetIpForwardTable2 failed: {new Win32Exception((int)error).Message}");
        }

        try
        {
            var count = (uint)Marshal.ReadInt32(table);
            var routes = new List<(uint, IpRoute)>((int)Math.Min(count, 4096));
            for (var i = 0u; i < count; i++)
            {
                var row = (byte*)table + 8 + (i * RouteRowSize);
                var destination = SocketAddress((nint)(row + 12));
                var nextHop = SocketAddress((nint)(row + 44));
                if (destination is not null && nextHop is not null)
                {
                    routes.Add((*(uint*)(row + 8), new IpRoute(destination, row[40], nextHop, (int)Math.Min(*(uint*)(row + 84), int.MaxValue))));
                }
            }

            return routes;
        }
        finally
        {
            NativeMethods.FreeMibTable(table);
        }
    }

    // SOCKADDR_IN: family 0, port 2, address 4. SOCKADDR_IN6: family 0, port 2, flowinfo 4, address 8, scope 24.
    private unsafe static IPAddress? SocketAddress(nint sockaddr)
    {
        if (sockaddr == 0)
        {
            return null;
        }

        var bytes = (byte*)sockaddr;
        return *(ushort*)bytes switch
        {
            AfInet => new IPAddress(new ReadOnlySpan<byte>(bytes + 4, 4)),
            AfInet6 => new IPAddress(new ReadOnlySpan<byte>(bytes + 8, 16)),
            _ => null,
        };
    }

    private unsafe static void WriteSocketAddress(byte* target, IPAddress address)
    {
        new Span<byte>(target, 28).Clear();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            *(ushort*)target = AfInet;
            address.TryWriteBytes(new Span<byte>(target + 4, 4), out _);
        }
        else
        {
            *(ushort*)target = AfInet6;
            address.TryWriteBytes(new Span<byte>(target + 8, 16), out _);
        }
    }

    /// <inheritdoc/>
    public async Task ApplyAsync(NetworkChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        try
        {
            await ApplyOneAsync(change, cancellationToken).ConfigureAwait(false);
        }
        catch (EntryPointNotFoundException e)
        {
            // Every Windows since Vista exports these; Wine 8's iphlpapi does not: say so as the port promises.
            throw new PlatformNotSupportedException($"{change}: this Windows' iphlpapi.dll lacks a function it needs ({e.Message})", e);
        }
    }

    private async Task ApplyOneAsync(NetworkChange change, CancellationToken cancellationToken)
    {
        switch (change)
        {
            case AddAddress add:
                Address(change, add.Address, create: true);
                break;
            case RemoveAddress remove:
                Address(change, remove.Address, create: false);
                break;
            case AddRoute add:
                Route(change, add.Route, create: true);
                break;
            case RemoveRoute remove:
                Route(change, remove.Route, create: false);
                break;
            case SetMtu mtu:
                Mtu(mtu);
                break;
            case SetDns dns:
                Dns(dns);
                break;
            case DisableDhcpV4 off:
                var mask = new IPAddress(BinaryPrimitives.ReverseEndianness(off.FirstStatic.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - off.FirstStatic.PrefixLength)));
                await NetshAsync(change, ["interface", "ipv4", "set", "address", "name=" + Index(change), "source=static",
                    "address=" + off.FirstStatic.Address, "mask=" + mask, "gateway=none"], cancellationToken).ConfigureAwait(false);
                break;
            case EnableDhcpV4:
                await NetshAsync(change, ["interface", "ipv4", "set", "address", "name=" + Index(change), "source=dhcp"], cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentException($"unknown network change {change.GetType().Name}", nameof(change));
        }
    }

    private static string Index(NetworkChange change) => change.InterfaceIndex.ToString(CultureInfo.InvariantCulture);

    // MIB_UNICASTIPADDRESS_ROW (netioapi.h), x64, 80 bytes: Address 0, InterfaceLuid 32, InterfaceIndex 40,
    // PrefixOrigin 44, SuffixOrigin 48, OnLinkPrefixLength 60.
    private unsafe static void Address(NetworkChange change, UnicastAddress address, bool create)
    {
        var row = stackalloc byte[80];
        NativeMethods.InitializeUnicastIpAddressEntry((nint)row);
        WriteSocketAddress(row, address.Address);
        *(uint*)(row + 40) = change.InterfaceIndex;
        *(int*)(row + 44) = IpPrefixOriginManual;
        *(int*)(row + 48) = IpSuffixOriginManual;
        row[60] = (byte)address.PrefixLength;
        var error = create ? NativeMethods.CreateUnicastIpAddressEntry((nint)row) : NativeMethods.DeleteUnicastIpAddressEntry((nint)row);
        Check(error, create ? "CreateUnicastIpAddressEntry" : "DeleteUnicastIpAddressEntry", change);
    }

    private unsafe static void Route(NetworkChange change, IpRoute route, bool create)
    {
        var row = stackalloc byte[RouteRowSize];
        NativeMethods.InitializeIpForwardEntry((nint)row);
        *(uint*)(row + 8) = change.InterfaceIndex;
        WriteSocketAddress(row + 12, route.Destination);
        row[40] = (byte)route.PrefixLength;
        WriteSocketAddress(row + 44, route.NextHop);
        *(uint*)(row + 84) = (uint)route.Metric;
        *(int*)(row + 88) = MibIpProtoNetMgmt; // a static route, as route.exe and New-NetRoute make
        var error = create ? NativeMethods.CreateIpForwardEntry2((nint)row) : NativeMethods.DeleteIpForwardEntry2((nint)row);
        Check(error, create ? "CreateIpForwardEntry2" : "DeleteIpForwardEntry2", change);
    }

    private unsafe static void Mtu(SetMtu change)
    {
        var row = stackalloc byte[InterfaceRowSize];
        NativeMethods.InitializeIpInterfaceEntry((nint)row);
        *(ushort*)row = change.Family == AddressFamily.InterNetworkV6 ? AfInet6 : AfInet;
        *(uint*)(row + 16) = change.InterfaceIndex;
        Check(NativeMethods.GetIpInterfaceEntry((nint)row), "GetIpInterfaceEntry", change);
        *(uint*)(row + 152) = (uint)change.Mtu;
        if (change.Family == AddressFamily.InterNetwork)
        {
            *(uint*)(row + 144) = 0; // SetIpInterfaceEntry refuses an IPv4 row whose SitePrefixLength is not 0
        }

        Check(NativeMethods.SetIpInterfaceEntry((nint)row), "SetIpInterfaceEntry", change);
    }

    private static void Check(uint error, string call, NetworkChange change)
    {
        if (error != 0)
        {
            throw new Win32Exception((int)error, $"{change}: {call} failed: {new Win32Exception((int)error).Message}");
        }
    }

    private async Task NetshAsync(NetworkChange change, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var outcome = await processes.RunAsync(new ProcessRequest(@"%WINDIR%\System32\netsh.exe", arguments, TimeSpan.FromMinutes(1)), cancellationToken)
            .ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            var output = (outcome.StandardOutput + " " + outcome.StandardError).ReplaceLineEndings(" ").Trim();
            throw new IOException($"{change}: netsh {string.Join(' ', arguments)} " +
                (outcome.TimedOut ? "timed out" : $"exited {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}") + (output.Length == 0 ? "" : ": " + output));
        }
    }

    private (IReadOnlyList<IPAddress> Servers, IReadOnlyList<string> Search) StaticDns(Guid id)
    {
        if (id == Guid.Empty)
        {
            return ([], []);
        }

        var key = "{" + id.ToString().ToUpperInvariant() + "}";
        var servers = Split(registry.GetValue(RegistryHive.System, Tcpip4Interfaces + "\\" + key, "NameServer")?.AsString())
            .Concat(Split(registry.GetValue(RegistryHive.System, Tcpip6Interfaces + "\\" + key, "NameServer")?.AsString()))
            .Select(s => IPAddress.TryParse(s, out var a) ? a : null).OfType<IPAddress>().ToList();
        var search = Split(registry.GetValue(RegistryHive.System, Tcpip4Interfaces + "\\" + key, "SearchList")?.AsString()).ToList();
        return (servers, search);
    }

    // The values hold comma- or space-separated lists (Microsoft's TCP/IP registry reference).
    private static string[] Split(string? text) =>
        text is null ? [] : text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private unsafe void Dns(SetDns change)
    {
        var item = ListInterfaces().FirstOrDefault(i => i.Index == change.InterfaceIndex)
            ?? throw new Win32Exception(NativeMethods.ErrorNotFound, $"{change}: no interface has that index");
        var v4 = string.Join(',', change.Servers.Where(s => s.AddressFamily == AddressFamily.InterNetwork));
        var v6 = string.Join(',', change.Servers.Where(s => s.AddressFamily == AddressFamily.InterNetworkV6));
        var search = string.Join(',', change.SearchList);
        if (SetInterfaceDnsSettings is not null)
        {
            // Two calls (one per family); when the second fails the first is put back, so the change is whole or nothing.
            Check(SetDnsSettings(item.Id, v4, search, ipv6: false), "SetInterfaceDnsSettings", change);
            if (!item.HasIPv6)
            {
                return; // no IPv6 on the interface (the planner gives it no IPv6 server: it could not use one)
            }

            var error = SetDnsSettings(item.Id, v6, null, ipv6: true);
            if (error != 0)
            {
                SetDnsSettings(item.Id, string.Join(',', item.DnsServers.Where(s => s.AddressFamily == AddressFamily.InterNetwork)), string.Join(',', item.SearchList), ipv6: false);
                Check(error, "SetInterfaceDnsSettings (IPv6)", change);
            }

            return;
        }

        // Before build 19041: the same values the function writes, which the DNS Client reads for the interface.
        var key = "{" + item.Id.ToString().ToUpperInvariant() + "}";
        registry.SetValue(RegistryHive.System, Tcpip4Interfaces + "\\" + key, "NameServer", RegistryData.FromString(v4));
        registry.SetValue(RegistryHive.System, Tcpip4Interfaces + "\\" + key, "SearchList", RegistryData.FromString(search));
        if (item.HasIPv6)
        {
            registry.SetValue(RegistryHive.System, Tcpip6Interfaces + "\\" + key, "NameServer", RegistryData.FromString(v6));
        }
    }

    // DNS_INTERFACE_SETTINGS (netioapi.h), x64, 64 bytes: Version 0, Flags 8, Domain 16, NameServer 24, SearchList 32.
    private unsafe static uint SetDnsSettings(Guid id, string servers, string? search, bool ipv6)
    {
        var settings = stackalloc byte[64];
        new Span<byte>(settings, 64).Clear();
        *(uint*)settings = DnsInterfaceSettingsVersion1;
        *(ulong*)(settings + 8) = DnsSettingNameServer | (search is null ? 0 : DnsSettingSearchList) | (ipv6 ? DnsSettingIpv6 : 0);
        fixed (char* nameServer = servers)
        fixed (char* searchList = search)
        {
            *(nint*)(settings + 24) = (nint)nameServer;
            *(nint*)(settings + 32) = (nint)searchList;
            return SetInterfaceDnsSettings(id, (nint)settings);
        }
    }

    /// <summary>SetInterfaceDnsSettings when iphlpapi.dll exports it (Windows 10 build 19041, Server 2022, and later), else null.</summary>
    private static readonly unsafe delegate* unmanaged[Stdcall]<Guid, nint, uint> SetInterfaceDnsSettings = FindSetInterfaceDnsSettings();

    private unsafe static delegate* unmanaged[Stdcall]<Guid, nint, uint> FindSetInterfaceDnsSettings() =>
        NativeLibrary.TryLoad("iphlpapi.dll", out var library) && NativeLibrary.TryGetExport(library, "SetInterfaceDnsSettings", out var export)
            ? (delegate* unmanaged[Stdcall]<Guid, nint, uint>)export
            : null;
}
