using Reseal.TestSupport;
using Reseal.TestSupport.MachineContract;

namespace Reseal.Windows.Tests.Contract;

/// <summary>The machine contract against the in-memory machine every logic test uses (<see cref="FakeWindows"/>).</summary>
public sealed class InMemoryMachineContractTests : MachineContractTests
{
    protected override void Check(string scenario) => MachineContract.Run(scenario, new FakeWindows());
}
