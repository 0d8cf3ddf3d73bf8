using System.Net;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Network;

/// <summary>
/// <c>setMetadataRoutes</c> on the in-memory machine: an image made in one subnet (its EC2Launch routes through the old
/// gateway) started in another, as EC2Launch repairs it; the IPv6 routes only with IPv6; skipped off EC2.
/// </summary>
public sealed class MetadataRoutesTests
{
    private readonly FakeWindows _machine = new();

    private sealed class Console : ITaskConsole
    {
        public List<string> Lines { get; } = [];

        public void WriteLine(string text) => Lines.Add(text);

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");
    }

    private static InstanceMetadata Metadata(MetadataSource source) =>
        new(source, "http://169.254.169.254/", "i-0abc", "host", [], ReadOnlyMemory<byte>.Empty, null, null, null, null, null);

    private async Task<(TaskExecutionResult Result, Console Console)> Run(InstanceMetadata? metadata)
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: boot\n  tasks:\n  - task: setMetadataRoutes\n");
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        Assert.Equal(TaskFrequency.Always, unit.Frequency);
        var console = new Console();
        var run = new BootTaskRun(unit, InputMap.Empty, new BootTaskContext { Machine = _machine, Metadata = metadata }, console);
        return (await read.Config!.TasksOf(unit.Stage)[0].Definition.RunAsync(run, TestContext.Current.CancellationToken), console);
    }

    private FakeInterface ImageFromAnotherSubnet()
    {
        var eth = _machine.Network.AddEthernet(4, "0a:1b:2c:3d:4e:5f", "Ethernet", "172.31.5.10/20", "172.31.0.1");
        // What EC2Launch left in the image: persistent routes through the subnet it was built in.
        foreach (var target in new[] { "169.254.169.254", "169.254.169.250", "169.254.169.123" })
        {
            eth.Routes.Add(new IpRoute(IPAddress.Parse(target), 32, IPAddress.Parse("10.0.0.1"), 15));
        }

        eth.Routes.Add(new IpRoute(IPAddress.Parse("169.254.169.251"), 32, IPAddress.Parse("172.31.0.1"), 1)); // already right
        return eth;
    }

    private List<string> Ec2Routes(AddressFamilyPrefix prefix) =>
        [.. _machine.Network.ListInterfaces().SelectMany(i => i.Routes.Select(r => (i.Index, r)))
            .Where(x => x.r.PrefixLength == (int)prefix).Select(x => $"{x.Index} {x.r.Destination} via {x.r.NextHop}").Order(StringComparer.Ordinal)];

    private enum AddressFamilyPrefix
    {
        V4 = 32,
        V6 = 128,
    }

    [Fact]
    public async Task SetMetadataRoutes_ImageFromAnotherSubnet_StaleRemovedMissingAddedThroughCurrentGateway()
    {
        ImageFromAnotherSubnet();

        var (result, console) = await Run(Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal(
            ["4 169.254.169.123 via 172.31.0.1", "4 169.254.169.249 via 172.31.0.1", "4 169.254.169.250 via 172.31.0.1", "4 169.254.169.251 via 172.31.0.1",
             "4 169.254.169.253 via 172.31.0.1", "4 169.254.169.254 via 172.31.0.1"],
            Ec2Routes(AddressFamilyPrefix.V4));
        Assert.Contains(SetMetadataRoutesTask.ConsolePrefix + "added 5, removed 3 stale, through 172.31.0.1 on \"Ethernet\" (index 4, 0a:1b:2c:3d:4e:5f)", console.Lines);
        Assert.Empty(Ec2Routes(AddressFamilyPrefix.V6)); // no IPv6 default gateway: no IPv6 routes
    }

    [Fact]
    public async Task SetMetadataRoutes_SecondBoot_NothingChanges()
    {
        ImageFromAnotherSubnet();
        await Run(Metadata(MetadataSource.Ec2));
        var calls = _machine.Network.Calls;

        var (result, _) = await Run(Metadata(MetadataSource.Ec2));

        Assert.Contains("already go through 172.31.0.1", result.Message, StringComparison.Ordinal);
        Assert.Equal(calls, _machine.Network.Calls);
    }

    [Fact]
    public async Task SetMetadataRoutes_InterfaceWithIPv6Gateway_AlsoTheIPv6ServiceAddresses()
    {
        var eth = _machine.Network.AddEthernet(4, "0a:1b:2c:3d:4e:5f", "Ethernet", "172.31.5.10/20", "172.31.0.1");
        eth.Routes.Add(new IpRoute(IPAddress.IPv6Any, 0, IPAddress.Parse("fe80::1"), 256));

        var (result, _) = await Run(Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal(["4 fd00:ec2::123 via fe80::1", "4 fd00:ec2::253 via fe80::1", "4 fd00:ec2::254 via fe80::1"], Ec2Routes(AddressFamilyPrefix.V6));
    }

    [Fact]
    public async Task SetMetadataRoutes_AnAddFails_TheRemovalsAreUndone()
    {
        ImageFromAnotherSubnet();
        var before = _machine.Network.Snapshot();
        _machine.Network.FailWhen = change => change is AddRoute { Route.Destination: var d } && d.Equals(IPAddress.Parse("169.254.169.253"));

        var (result, console) = await Run(Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(before, _machine.Network.Snapshot());
        Assert.Contains(console.Lines, l => l.StartsWith(SetMetadataRoutesTask.ConsolePrefix + "rolled back", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(MetadataSource.OpenStack)]
    [InlineData(MetadataSource.Gce)]
    [InlineData(MetadataSource.Azure)]
    public async Task SetMetadataRoutes_OtherCloud_SkippedWithTheReason(MetadataSource source)
    {
        ImageFromAnotherSubnet();
        var before = _machine.Network.Snapshot();

        var (result, _) = await Run(Metadata(source));

        Assert.True(result.NotApplicable);
        Assert.Contains($"not on EC2 (the metadata came from {source})", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, _machine.Network.Snapshot());
        Assert.Contains("not on EC2", new SetMetadataRoutesTask().WouldSkip(new PlanFacts(Metadata(source), null)), StringComparison.Ordinal);
        Assert.Null(new SetMetadataRoutesTask().WouldSkip(new PlanFacts(Metadata(MetadataSource.Ec2), null)));
    }

    [Fact]
    public async Task SetMetadataRoutes_NoMetadata_RepairsOnlyAStaleMetadataRoute()
    {
        _machine.Network.AddEthernet(4, "0a:1b:2c:3d:4e:5f", "Ethernet", "172.31.5.10/20", "172.31.0.1");
        var (clean, _) = await Run(null);
        Assert.True(clean.NotApplicable);
        Assert.Contains("not known to be EC2", clean.Message, StringComparison.Ordinal);
        Assert.Equal(0, _machine.Network.Calls);

        _machine.Network.Interfaces.Single(i => i.Index == 4).Routes.Add(new IpRoute(IPAddress.Parse("169.254.169.254"), 32, IPAddress.Parse("10.0.0.1"), 15));
        var (repaired, _) = await Run(null);

        Assert.Equal(ExitAction.Completed, repaired.Action);
        Assert.False(repaired.NotApplicable);
        Assert.Contains("4 169.254.169.254 via 172.31.0.1", Ec2Routes(AddressFamilyPrefix.V4));
    }

    [Fact]
    public async Task SetMetadataRoutes_NoMetadata_OpenStackDhcpRouteOnTheSubnetLeftAlone()
    {
        // OpenStack's DHCP (option 121) routes 169.254.169.254 through the DHCP server, a host on the subnet.
        var eth = _machine.Network.AddEthernet(4, "fa:16:3e:00:00:01", "Ethernet", "10.0.0.15/24", "10.0.0.1");
        eth.Routes.Add(new IpRoute(IPAddress.Parse("169.254.169.254"), 32, IPAddress.Parse("10.0.0.2"), 0));
        var before = _machine.Network.Snapshot();

        var (result, _) = await Run(null);

        Assert.True(result.NotApplicable);
        Assert.Equal(before, _machine.Network.Snapshot());
    }

    [Fact]
    public async Task SetMetadataRoutes_NoGateway_Skipped()
    {
        var (result, _) = await Run(Metadata(MetadataSource.Ec2)); // only the loopback interface

        Assert.True(result.NotApplicable);
        Assert.Contains("no interface that is up has an IPv4 default gateway", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TaskRegistry_NetworkTasks_AtTheContractPositions()
    {
        var names = TaskRegistry.BuiltIn.All.Select(t => t.Name).ToList();

        Assert.Equal(19, names.IndexOf("setNetwork") + 1);
        Assert.Equal(20, names.IndexOf("setMetadataRoutes") + 1);
        Assert.Equal([AgentStage.Network], TaskRegistry.BuiltIn.Find("setNetwork")!.Stages);
        Assert.Equal([AgentStage.Boot], TaskRegistry.BuiltIn.Find("setMetadataRoutes")!.Stages);
    }
}
