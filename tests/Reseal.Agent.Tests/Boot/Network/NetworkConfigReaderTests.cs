using System.Net;
using System.Text;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Network;

namespace Reseal.Agent.Tests.Boot.Network;

/// <summary>
/// Network descriptions in the shapes the clouds publish: OpenStack's network_data.json (links, networks, services, as
/// Nova's metadata API documents them) and cloud-init's network-config v1 and v2 (NoCloud). Written for these tests
/// from those formats' field lists; every bad value drops its interface whole, and unsupported kinds are warnings.
/// </summary>
public sealed class NetworkConfigReaderTests
{
    internal const string OpenStack = """
        {
          "links": [
            {"id": "tap1a81968a-79", "vif_id": "1a81968a-797a-400f-8a80-567f997eb93f", "type": "ovs", "mtu": 9000, "ethernet_mac_address": "FA:16:3E:9C:BF:3D"},
            {"id": "tap2", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:02"},
            {"id": "bond0", "type": "bond", "bond_links": ["tap2"], "bond_mode": "802.3ad", "ethernet_mac_address": "fa:16:3e:00:00:03"},
            {"id": "vlan0", "type": "vlan", "vlan_link": "bond0", "vlan_id": 101, "vlan_mac_address": "fa:16:3e:00:00:04"}
          ],
          "networks": [
            {"id": "network0", "type": "ipv4", "link": "tap1a81968a-79", "ip_address": "10.184.0.244", "netmask": "255.255.240.0",
             "routes": [
               {"network": "10.0.0.0", "netmask": "255.0.0.0", "gateway": "11.0.0.1"},
               {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.184.0.1"}
             ],
             "network_id": "99e88329-f20d-4741-9593-25bf07847b16",
             "services": [{"type": "dns", "address": "10.184.0.2"}]},
            {"id": "network1", "type": "ipv6", "link": "tap1a81968a-79", "ip_address": "2001:db8::3/64", "routes": [], "network_id": "n1"},
            {"id": "network2", "type": "ipv4_dhcp", "link": "tap2", "network_id": "n2"},
            {"id": "network3", "type": "ipv4", "link": "vlan0", "ip_address": "192.168.5.5", "netmask": "255.255.255.0", "network_id": "n3"}
          ],
          "services": [{"type": "dns", "address": "8.8.8.8"}, {"type": "ntp", "address": "10.0.0.9"}]
        }
        """;

    private static string Codes(NetworkConfigResult result) => string.Join(",", result.Diagnostics.Select(d => d.Code));

    [Fact]
    public void ReadOpenStack_Documented_StaticDhcpAndUnsupportedLinks()
    {
        var result = NetworkConfigReader.Read(OpenStack, "network_data.json");

        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
        var config = result.Config!;
        Assert.Equal(2, config.Interfaces.Count);
        var first = config.Interfaces[0];
        Assert.Equal("fa:16:3e:9c:bf:3d", first.MacAddress);
        Assert.Equal(9000, first.Mtu);
        Assert.Equal(AddressMode.Static, first.IPv4);
        Assert.Equal(AddressMode.Static, first.IPv6);
        Assert.Equal(["10.184.0.244/20", "2001:db8::3/64"], first.Addresses.Select(a => a.ToString()));
        Assert.Equal(["10.0.0.0/8 via 11.0.0.1", "0.0.0.0/0 via 10.184.0.1"], first.Routes.Select(r => r.ToString()));
        Assert.Equal([IPAddress.Parse("10.184.0.2")], first.DnsServers);
        var second = config.Interfaces[1];
        Assert.Equal(AddressMode.Dhcp, second.IPv4);
        Assert.True(second.LeftToDhcp);
        Assert.Equal([IPAddress.Parse("8.8.8.8")], config.DnsServers);
        // The bond and the VLAN are named as not supported (warnings), and so is nothing else.
        Assert.Equal(2, result.Diagnostics.Count(d => d.Code == BootCodes.NetworkUnsupported));
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("'bond0' is a bond", StringComparison.Ordinal) && d.Line == 5);
    }

    [Theory]
    [InlineData("\"ip_address\": \"10.184.0.244\"", "\"ip_address\": \"10.184.0.999\"", "is not an IP address")]
    [InlineData("\"netmask\": \"255.255.240.0\"", "\"netmask\": \"255.0.255.0\"", "not a valid prefix length or netmask")]
    [InlineData("\"network\": \"10.0.0.0\"", "\"network\": \"10.0.0.1\"", "host bits set")]
    [InlineData("\"gateway\": \"11.0.0.1\"", "\"gateway\": \"2001:db8::1\"", "other address family")]
    [InlineData("\"mtu\": 9000", "\"mtu\": 70000", "MTU '70000'")]
    [InlineData("\"ethernet_mac_address\": \"FA:16:3E:9C:BF:3D\"", "\"ethernet_mac_address\": \"FA:16:3E:9C:BF\"", "not six hex pairs")]
    public void ReadOpenStack_BadValue_ThatInterfaceDroppedWholeTheOtherKept(string good, string bad, string expected)
    {
        var result = NetworkConfigReader.Read(OpenStack.Replace(good, bad, StringComparison.Ordinal), "network_data.json");

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 1, error.ToString());
        // Nothing of the broken interface is configured; the DHCP one still is.
        var left = Assert.Single(result.Config!.Interfaces);
        Assert.Equal("fa:16:3e:00:00:02", left.MacAddress);
    }

    [Fact]
    public void ReadOpenStack_DuplicateMac_NeitherConfigured()
    {
        var json = OpenStack.Replace("fa:16:3e:00:00:02", "fa:16:3e:9c:bf:3d", StringComparison.Ordinal);

        var result = NetworkConfigReader.Read(json, "network_data.json");

        Assert.Equal(2, result.Diagnostics.Count(d => d.Code == BootCodes.NetworkDuplicateMac));
        Assert.Empty(result.Config!.Interfaces);
    }

    [Theory]
    [InlineData("{\"links\": [", BootCodes.NetworkMalformed, "not valid JSON")]
    [InlineData("{\"links\": \"eth0\"}", BootCodes.NetworkMalformed, "'links' must be a list")]
    [InlineData("[1, 2]", BootCodes.NetworkMalformed, "must be a mapping")]
    [InlineData("{\"links\": [], \"networks\": [{\"id\": \"n\", \"type\": \"ipv4\", \"link\": \"nope\"}]}", BootCodes.NetworkBadValue, "which the links do not list")]
    [InlineData("{\"a\": \"\\ud800\"}", BootCodes.NetworkMalformed, "not valid JSON")]
    public void ReadOpenStack_Malformed_ClearErrorNoCrash(string json, string code, string expected)
    {
        var result = NetworkConfigReader.ReadOpenStack(json, "network_data.json");

        Assert.False(result.IsValid);
        Assert.Contains(result.Diagnostics, d => d.Code == code && d.Message.Contains(expected, StringComparison.Ordinal));
    }

    internal const string V1 = """
        version: 1
        config:
          - type: physical
            name: eth0
            mac_address: "52:54:00:12:34:00"
            mtu: 1450
            subnets:
              - type: static
                address: 192.168.1.10
                netmask: 255.255.255.0
                gateway: 192.168.1.1
                dns_nameservers: [192.168.1.3]
                dns_search: [corp.example]
                routes:
                  - network: 172.16.0.0
                    netmask: 255.240.0.0
                    gateway: 192.168.1.254
                    metric: 5
              - type: static6
                address: "2001:db8:1::10/64"
          - type: physical
            name: eth1
            mac_address: "52:54:00:12:34:01"
            subnets:
              - type: dhcp
          - type: bond
            name: bond0
            bond_interfaces: [eth1]
          - type: nameserver
            address: [10.0.0.53, "2001:db8::53"]
            search: [example.net]
          - type: route
            destination: 10.9.0.0/16
            gateway: 192.168.1.200
        """;

    [Fact]
    public void ReadNoCloudV1_Documented_EverythingPlaced()
    {
        var result = NetworkConfigReader.Read(V1, "network-config");

        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
        var config = result.Config!;
        Assert.Equal("network-config v1", config.Format);
        var eth0 = config.Interfaces[0];
        Assert.Equal(1450, eth0.Mtu);
        Assert.Equal(["192.168.1.10/24", "2001:db8:1::10/64"], eth0.Addresses.Select(a => a.ToString()));
        Assert.Equal(["0.0.0.0/0 via 192.168.1.1", "172.16.0.0/12 via 192.168.1.254 (metric 5)", "10.9.0.0/16 via 192.168.1.200"], eth0.Routes.Select(r => r.ToString()));
        Assert.Equal(["corp.example"], eth0.SearchDomains);
        Assert.True(config.Interfaces[1].LeftToDhcp);
        Assert.Equal(["10.0.0.53", "2001:db8::53"], config.DnsServers.Select(a => a.ToString()));
        Assert.Equal(["example.net"], config.SearchDomains);
        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.NetworkUnsupported && d.Message.Contains("'bond'", StringComparison.Ordinal));
    }

    internal const string V2 = """
        network:
          version: 2
          ethernets:
            id0:
              match:
                macaddress: "00:11:22:33:44:55"
              set-name: eth0
              mtu: 9001
              addresses: [192.0.2.10/24, "2001:db8::10/64"]
              gateway4: 192.0.2.1
              nameservers:
                addresses: [192.0.2.53]
                search: [lab.example]
              routes:
                - to: 198.51.100.0/24
                  via: 192.0.2.254
                  metric: 100
                - to: default
                  via: "2001:db8::1"
            id1:
              match:
                name: "en*"
              dhcp4: true
          vlans:
            vlan10:
              id: 10
              link: id0
        """;

    [Fact]
    public void ReadNoCloudV2_Documented_MatchedByMacOthersNamed()
    {
        var result = NetworkConfigReader.Read(V2, "network-config");

        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
        var eth = Assert.Single(result.Config!.Interfaces);
        Assert.Equal("00:11:22:33:44:55", eth.MacAddress);
        Assert.Equal(9001, eth.Mtu);
        Assert.Equal(["0.0.0.0/0 via 192.0.2.1", "198.51.100.0/24 via 192.0.2.254 (metric 100)", "::/0 via 2001:db8::1"], eth.Routes.Select(r => r.ToString()));
        Assert.Equal(["lab.example"], eth.SearchDomains);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("'vlans' (vlan10)", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("ethernet 'id1' is not matched by 'match: macaddress'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("version: 3\nconfig: []\n", "version '3' is not supported")]
    [InlineData("config: []\n", "has no 'version'")]
    [InlineData("version: 2\nethernets: [a]\n", "must be a mapping of interface ids")]
    [InlineData("version: 2\nethernets:\n  e:\n    match: {macaddress: '00:11:22:33:44:55'}\n    addresses: [10.0.0.1]\n", "has no prefix length")]
    [InlineData("version: 2\nethernets:\n  e:\n    match: {macaddress: '00:11:22:33:44:55'}\n    routes: [{to: 10.0.0.0/8, via: 10.0.0.1, metric: lots}]\n", "'metric' must be")]
    [InlineData("version: 1\nconfig:\n  - type: physical\n    name: eth0\n", "has no MAC address")]
    [InlineData("version: 1\nconfig: *a\n", "alias")]
    public void ReadNoCloud_Bad_ClearErrorWithPosition(string yaml, string expected)
    {
        var result = NetworkConfigReader.Read(yaml, "network-config");

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(error.Line >= 1);
    }

    [Fact]
    public void Read_HugeOrCrowdedDescriptions_RefusedBoundedAndFast()
    {
        var huge = "version: 2\nethernets:\n" + new string('#', 2 * 1024 * 1024);
        var crowded = new StringBuilder("version: 2\nethernets:\n");
        for (var i = 0; i < 70; i++)
        {
            crowded.Append($"  e{i}:\n    match: {{macaddress: '02:00:00:00:00:{i:x2}'}}\n    dhcp4: true\n");
        }

        var tooLarge = NetworkConfigReader.Read(huge, "network-config");
        var tooMany = NetworkConfigReader.Read(crowded.ToString(), "network-config");

        Assert.Contains(tooLarge.Diagnostics, d => d.Code == BootCodes.TooLarge);
        Assert.Null(tooLarge.Config);
        Assert.Contains(tooMany.Diagnostics, d => d.Message.Contains("more than 64 interfaces", StringComparison.Ordinal));
        Assert.Null(tooMany.Config);
    }

    [Theory]
    [InlineData("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff")]
    [InlineData("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff")]
    [InlineData("aabb.ccdd.eeff", null)]
    [InlineData("aa:bb:cc:dd:ee:fg", null)]
    public void Mac_Normalizes(string text, string? expected) => Assert.Equal(expected, NetworkValues.Mac(text));

    [Theory]
    [InlineData("10.0.0.5", "255.255.255.128", "10.0.0.5/25")]
    [InlineData("10.0.0.5/0", null, "10.0.0.5/0")]
    [InlineData("2001:db8::1", "ffff:ffff:ffff:ffff::", "2001:db8::1/64")]
    [InlineData("2001:db8::1", "64", "2001:db8::1/64")]
    [InlineData("10.0.0.5", "255.255.255.1", null)]
    [InlineData("10.0.0.5/33", null, null)]
    [InlineData("10.5", "8", null)]
    [InlineData("fe80::1%3", "64", null)]
    public void Cidr_ParsesAndRefuses(string text, string? netmask, string? expected) =>
        Assert.Equal(expected, NetworkValues.Cidr(text, netmask, out _)?.ToString());
}
