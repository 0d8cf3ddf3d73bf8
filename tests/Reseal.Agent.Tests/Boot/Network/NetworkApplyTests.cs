using System.Net;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Network;

/// <summary>
/// <c>setNetwork</c> on the in-memory machine: the documents NetworkConfigReaderTests reads (OpenStack network_data.json,
/// network-config v1 and v2) applied to interfaces found by MAC, and the contract that a failure at ANY step — or a
/// metadata service that stops answering afterwards — leaves the machine exactly as it was.
/// </summary>
public sealed class NetworkApplyTests : IDisposable
{
    private const string OpenStackMac = "fa:16:3e:9c:bf:3d";
    private readonly FakeWindows _machine = new();
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed class Console : ITaskConsole
    {
        public List<string> Lines { get; } = [];

        public void WriteLine(string text) => Lines.Add(text);

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");

        public override string ToString() => string.Join('\n', Lines);
    }

    private static InstanceMetadata Metadata(MetadataSource source, string? networkData) =>
        new(source, "http://test/", "i-0abc", "host", [], ReadOnlyMemory<byte>.Empty, null, null, null, networkData, null);

    private static async Task<(TaskExecutionResult Result, Console Console)> Run(FakeWindows machine, InstanceMetadata? metadata, string inputs = "",
        Func<CancellationToken, Task<string?>>? verify = null)
    {
        var read = AgentConfigReader.Read($"version: 1.0\nconfig:\n- stage: network\n  tasks:\n  - task: setNetwork\n{inputs}");
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        var console = new Console();
        var context = new BootTaskContext { Machine = machine, Metadata = metadata, VerifyMetadata = verify };
        var run = new BootTaskRun(unit, unit.Inputs ?? InputMap.Empty, context, console);
        return (await read.Config!.TasksOf(unit.Stage)[0].Definition.RunAsync(run, TestContext.Current.CancellationToken), console);
    }

    private static FakeWindows OpenStackMachine()
    {
        var machine = new FakeWindows();
        machine.Network.AddEthernet(7, OpenStackMac, "Ethernet", "10.184.0.50/20", "10.184.0.1");
        machine.Network.AddEthernet(8, "fa:16:3e:00:00:02", "Ethernet 2", "10.9.0.7/24", "10.9.0.1");
        return machine;
    }

    private static NetworkInterfaceInfo Interface(FakeWindows machine, uint index) => machine.Network.ListInterfaces().Single(i => i.Index == index);

    [Fact]
    public async Task SetNetwork_OpenStackDocument_StaticInterfaceConfiguredDhcpOneAndBondLeftAlone()
    {
        var machine = OpenStackMachine();
        var dhcpBefore = Interface(machine, 8);

        var (result, console) = await Run(machine, Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack));

        Assert.Equal(ExitAction.Completed, result.Action);
        var eth = Interface(machine, 7);
        Assert.False(eth.DhcpV4);
        Assert.Equal(["10.184.0.244/20", "2001:db8::3/64"], eth.Addresses.Select(a => a.ToString()));
        Assert.Contains(eth.Routes, r => r.ToString() == "0.0.0.0/0 via 10.184.0.1 (metric 0)");
        Assert.Contains(eth.Routes, r => r.ToString() == "10.0.0.0/8 via 11.0.0.1 (metric 0)");
        Assert.Equal([IPAddress.Parse("10.184.0.2")], eth.DnsServers);
        Assert.Equal((9000, 9000), (eth.MtuV4, eth.MtuV6));
        // The DHCP interface is exactly as it was; the bond and VLAN are said "not supported".
        var dhcp = Interface(machine, 8);
        Assert.Equal(dhcpBefore.Addresses, dhcp.Addresses);
        Assert.Equal(dhcpBefore.Routes, dhcp.Routes);
        Assert.True(dhcp.DhcpV4);
        Assert.Contains(console.Lines, l => l.StartsWith(SetNetworkTask.ConsolePrefix + "not supported: link 'bond0' is a bond", StringComparison.Ordinal));
        Assert.Contains(console.Lines, l => l.StartsWith(SetNetworkTask.ConsolePrefix + "applied 7 change(s) from network_data.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetNetwork_NoCloudV1_AddressesRoutesOwnDnsAndMtuApplied()
    {
        _machine.Network.AddEthernet(3, "52:54:00:12:34:00", "Ethernet", "192.168.1.77/24", "192.168.1.1");

        var (result, console) = await Run(_machine, Metadata(MetadataSource.NoCloud, NetworkConfigReaderTests.V1));

        Assert.Equal(ExitAction.Completed, result.Action);
        var eth = Interface(_machine, 3);
        Assert.Equal(["192.168.1.10/24", "2001:db8:1::10/64"], eth.Addresses.Select(a => a.ToString()));
        Assert.Equal(["0.0.0.0/0 via 192.168.1.1 (metric 0)", "172.16.0.0/12 via 192.168.1.254 (metric 5)", "10.9.0.0/16 via 192.168.1.200 (metric 0)"],
            eth.Routes.Select(r => r.ToString()));
        // The interface's own DNS wins over the nameserver entry, its own search list too.
        Assert.Equal([IPAddress.Parse("192.168.1.3")], eth.DnsServers);
        Assert.Equal(["corp.example"], eth.SearchList);
        Assert.Equal((1450, 1450), (eth.MtuV4, eth.MtuV6));
        // eth1's MAC is on no interface here: said, and the rest configured.
        Assert.Contains(console.Lines, l => l.Contains("no interface of this Windows has MAC 52:54:00:12:34:01", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetNetwork_NoCloudV2_IPv6DefaultRouteAndJumboMtu()
    {
        _machine.Network.AddEthernet(5, "00:11:22:33:44:55", "Ethernet", "192.0.2.99/24", "192.0.2.1");

        var (result, console) = await Run(_machine, Metadata(MetadataSource.NoCloud, NetworkConfigReaderTests.V2));

        Assert.Equal(ExitAction.Completed, result.Action);
        var eth = Interface(_machine, 5);
        Assert.Equal(["192.0.2.10/24", "2001:db8::10/64"], eth.Addresses.Select(a => a.ToString()));
        Assert.Contains(eth.Routes, r => r.ToString() == "::/0 via 2001:db8::1 (metric 0)");
        Assert.Contains(eth.Routes, r => r.ToString() == "198.51.100.0/24 via 192.0.2.254 (metric 100)");
        Assert.Equal((9001, 9001), (eth.MtuV4, eth.MtuV6));
        Assert.Equal(["lab.example"], eth.SearchList);
        Assert.Contains(console.Lines, l => l.Contains("not supported: 'vlans' (vlan10)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetNetwork_SecondRun_NothingLeftToChange()
    {
        var machine = OpenStackMachine();
        var metadata = Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack);
        await Run(machine, metadata);
        var after = machine.Network.Snapshot();
        var calls = machine.Network.Calls;

        var (result, _) = await Run(machine, metadata);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("already as described", result.Message, StringComparison.Ordinal);
        Assert.Equal(calls, machine.Network.Calls);
        Assert.Equal(after, machine.Network.Snapshot());
    }

    /// <summary>The rollback contract: the k-th change fails, for every k; the machine ends exactly as it started.</summary>
    [Theory]
    [InlineData("network_data.json")]
    [InlineData("network-config v1")]
    [InlineData("network-config v2")]
    public async Task SetNetwork_FailureAtEveryStep_MachineEndsExactlyAsItStarted(string document)
    {
        (FakeWindows Machine, InstanceMetadata Metadata) Fresh()
        {
            var machine = new FakeWindows();
            switch (document)
            {
                case "network_data.json":
                    machine = OpenStackMachine();
                    return (machine, Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack));
                case "network-config v1":
                    machine.Network.AddEthernet(3, "52:54:00:12:34:00", "Ethernet", "192.168.1.77/24", "192.168.1.1");
                    return (machine, Metadata(MetadataSource.NoCloud, NetworkConfigReaderTests.V1));
                default:
                    machine.Network.AddEthernet(5, "00:11:22:33:44:55", "Ethernet", "192.0.2.99/24", "192.0.2.1");
                    return (machine, Metadata(MetadataSource.NoCloud, NetworkConfigReaderTests.V2));
            }
        }

        var (counting, countingMetadata) = Fresh();
        await Run(counting, countingMetadata);
        var steps = counting.Network.Applied.Count;
        Assert.True(steps >= 5, $"only {steps} changes");

        for (var k = 1; k <= steps; k++)
        {
            var (machine, metadata) = Fresh();
            var before = machine.Network.Snapshot();
            machine.Network.FailAt = k;

            var (result, console) = await Run(machine, metadata);

            Assert.Equal(ExitAction.Failed, result.Action);
            Assert.Equal(before, machine.Network.Snapshot());
            Assert.Contains(console.Lines, l => l.StartsWith($"{SetNetworkTask.ConsolePrefix}rolled back {k - 1} change(s) because", StringComparison.Ordinal));
            // Each change made was undone once: k-1 changes, one failed call, k-1 undos.
            Assert.Equal((2 * (k - 1)) + 1, machine.Network.Calls);
        }
    }

    [Fact]
    public async Task SetNetwork_VerificationFails_EveryChangeUndone()
    {
        var machine = OpenStackMachine();
        var before = machine.Network.Snapshot();

        var (result, console) = await Run(machine, Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack),
            verify: _ => Task.FromResult<string?>("the OpenStack metadata service at http://169.254.169.254/ no longer answers"));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(before, machine.Network.Snapshot());
        Assert.Contains("rolled back 7 change(s) because verification failed: the OpenStack metadata service", result.Message, StringComparison.Ordinal);
        Assert.Contains(console.Lines, l => l.Contains("rolled back 7", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("throws")]
    public async Task SetNetwork_CancelledOrVerificationThrows_EveryChangeUndoneAndTheErrorGoesOn(string how)
    {
        // The service stopping during the check (or a check that fails unexpectedly) must not leave a description that may
        // have cut the machine off: the next run would find the interface "as described" and never check again.
        var machine = OpenStackMachine();
        var before = machine.Network.Snapshot();
        Func<CancellationToken, Task<string?>> verify = how == "cancelled"
            ? _ => Task.FromException<string?>(new OperationCanceledException("the service is stopping"))
            : _ => Task.FromException<string?>(new HttpRequestException("socket closed"));

        var error = await Record.ExceptionAsync(() => Run(machine, Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack), verify: verify));

        Assert.NotNull(error);
        Assert.Equal(before, machine.Network.Snapshot());
    }

    [Fact]
    public async Task SetNetwork_VerifyFalse_NoCheckAsked()
    {
        var machine = OpenStackMachine();
        var asked = 0;

        var (result, _) = await Run(machine, Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack), "    inputs:\n      verify: false\n",
            verify: _ =>
            {
                asked++;
                return Task.FromResult<string?>("would fail");
            });

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal(0, asked);
    }

    [Fact]
    public async Task SetNetwork_UndoItselfFails_SaidOnTheConsole()
    {
        var machine = OpenStackMachine();
        machine.Network.FailWhen = change => change is RemoveRoute; // the undo of an added route
        var metadata = Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack);

        var (result, console) = await Run(machine, metadata, verify: _ => Task.FromResult<string?>("no answer"));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("undo step(s) failed", result.Message, StringComparison.Ordinal);
        Assert.Contains(console.Lines, l => l.Contains("could not undo 'add route 10.0.0.0/8 via 11.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetNetwork_TwoWindowsInterfacesWithTheDescribedMac_NeitherTouchedTheOtherConfigured()
    {
        _machine.Network.AddEthernet(3, "52:54:00:12:34:00", "Ethernet", "192.168.1.77/24", "192.168.1.1");
        _machine.Network.AddEthernet(4, "52:54:00:12:34:00", "Ethernet 2", "192.168.1.78/24", "192.168.1.1");
        _machine.Network.AddEthernet(5, "52:54:00:12:34:01", "Ethernet 3", "192.168.2.5/24", "192.168.2.1");
        var dhcpLine = NetworkConfigReaderTests.V1.Split('\n').Single(l => l.TrimStart() == "- type: dhcp");
        var indent = dhcpLine[..dhcpLine.IndexOf('-', StringComparison.Ordinal)];
        var v1 = NetworkConfigReaderTests.V1.Replace(dhcpLine, $"{indent}- type: static\n{indent}  address: 192.168.2.50/24", StringComparison.Ordinal);
        var before = _machine.Network.ListInterfaces();

        var (result, console) = await Run(_machine, Metadata(MetadataSource.NoCloud, v1));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains(console.Lines, l => l.Contains("2 interfaces have MAC 52:54:00:12:34:00", StringComparison.Ordinal));
        Assert.Equal(before[1].Addresses, Interface(_machine, 3).Addresses);
        Assert.Equal(before[2].Addresses, Interface(_machine, 4).Addresses);
        Assert.Equal(["192.168.2.50/24"], Interface(_machine, 5).Addresses.Select(a => a.ToString()));
    }

    [Theory]
    [InlineData("\"ip_address\": \"10.184.0.244\"", "\"ip_address\": \"10.184.0.244/33\"", "not a valid prefix length")]
    [InlineData("\"network\": \"10.0.0.0\"", "\"network\": \"10.0.0.1\"", "host bits set")]
    [InlineData("\"ethernet_mac_address\": \"fa:16:3e:00:00:02\"", "\"ethernet_mac_address\": \"FA:16:3E:9C:BF:3D\"", "none of them is configured")]
    public async Task SetNetwork_BadInterfaceInTheDescription_SaidAndNothingOfItApplied(string good, string bad, string expected)
    {
        var machine = OpenStackMachine();
        var before = machine.Network.Snapshot();

        var (result, console) = await Run(machine, Metadata(MetadataSource.OpenStack, NetworkConfigReaderTests.OpenStack.Replace(good, bad, StringComparison.Ordinal)));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains(console.Lines, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(before, machine.Network.Snapshot());
    }

    [Fact]
    public async Task SetNetwork_MalformedDescription_FailsChangingNothing()
    {
        var machine = OpenStackMachine();
        var before = machine.Network.Snapshot();

        var (result, _) = await Run(machine, Metadata(MetadataSource.OpenStack, "{\"links\": ["));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("not valid JSON", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, machine.Network.Snapshot());
        Assert.Equal(0, machine.Network.Calls);
    }

    [Fact]
    public async Task SetNetwork_NoDescriptionOrNoMetadata_SkippedWithTheReason()
    {
        var (noData, _) = await Run(_machine, Metadata(MetadataSource.Ec2, null));
        var (noMetadata, _) = await Run(_machine, null);

        Assert.True(noData.NotApplicable);
        Assert.Contains("has no network description", noData.Message, StringComparison.Ordinal);
        Assert.True(noMetadata.NotApplicable);
    }

    [Fact]
    public async Task SetNetwork_OfflineTree_FailsSayingWhy()
    {
        var windows = Reseal.Windows.Offline.OfflineWindows.Open(_temp.Path);
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: network\n  tasks:\n  - task: setNetwork\n");
        var unit = BootPlan.Create(read.Config!).Units.Single();
        var run = new BootTaskRun(unit, InputMap.Empty, new BootTaskContext { Machine = windows, Metadata = Metadata(MetadataSource.NoCloud, NetworkConfigReaderTests.V1) }, new Console());

        var result = await read.Config!.TasksOf(unit.Stage)[0].Definition.RunAsync(run, TestContext.Current.CancellationToken);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("offline Windows tree has no network stack", result.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The whole agent against a loopback Nova serving the OpenStack document: applied, then the metadata service stops
    /// answering (as a wrong gateway would make it), so the session's own check fails and everything is undone.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AgentSession_MetadataServiceStopsAnsweringAfterApply_RolledBack(bool stops)
    {
        var machine = OpenStackMachine();
        var before = machine.Network.Snapshot();
        var nova = new FakeNova { NetworkData = NetworkConfigReaderTests.OpenStack, UserData = null };
        // The last change (DNS) is the moment the service becomes unreachable in this scenario.
        machine.Network.FailWhen = change =>
        {
            if (stops && change is SetDns)
            {
                nova.Overrides["/openstack"] = () => LoopbackReply.Error(503, "503 Service Unavailable");
            }

            return false;
        };
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, FastMetadata.Options);
        var paths = new AgentPaths(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));
        await File.WriteAllTextAsync(paths.ConfigFile, "version: 1.0\nconfig:\n- stage: network\n  tasks:\n  - task: setNetwork\n", TestContext.Current.CancellationToken);
        var session = new AgentSession(machine, paths, TimeProvider.System, new AgentRunOptions { Providers = [provider], AllowReboot = false });

        var result = await session.RunAsync(TestContext.Current.CancellationToken);

        var outcome = Assert.Single(result.Run.Outcomes, o => o.Task == "setNetwork");
        if (stops)
        {
            Assert.Equal(TaskOutcomeKind.Failed, outcome.Outcome);
            Assert.Equal(before, machine.Network.Snapshot());
            Assert.Contains(result.ConsoleLines, l => l.Contains("rolled back 7 change(s) because verification failed: the OpenStack metadata service at " + server.BaseUri, StringComparison.Ordinal));
        }
        else
        {
            Assert.NotEqual(TaskOutcomeKind.Failed, outcome.Outcome);
            Assert.False(Interface(machine, 7).DhcpV4);
            Assert.Contains(result.ConsoleLines, l => l.Contains("applied 7 change(s)", StringComparison.Ordinal));
        }
    }
}
