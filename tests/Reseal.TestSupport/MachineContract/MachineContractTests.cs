// Compiled into each test project that runs the contract (tests/Reseal.Windows.Tests and tests/Reseal.Wine.Tests link
// this file; Reseal.TestSupport itself has no test framework and removes it).
namespace Reseal.TestSupport.MachineContract;

/// <summary>
/// The machine contract as facts, one per scenario of <see cref="MachineContract"/>; a subclass says how a scenario runs
/// on its machine (in this process, or inside Wine).
/// </summary>
public abstract class MachineContractTests
{
    /// <summary>Runs the scenario on this class's machine; throws (or skips, saying why) as the scenario does.</summary>
    protected abstract void Check(string scenario);

    [Fact]
    public void Scenarios_EachHasAFact() =>
        Assert.Equal(MachineContract.Scenarios.Keys.Order(StringComparer.Ordinal),
            typeof(MachineContractTests).GetMethods().Where(m => m.DeclaringType == typeof(MachineContractTests) && m.ReturnType == typeof(void) && m.GetParameters().Length == 0
                && m.Name != nameof(Scenarios_EachHasAFact)).Select(m => m.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void Registry_ValuesOfEveryType_ReadBackAsWritten() => Check(nameof(Registry_ValuesOfEveryType_ReadBackAsWritten));

    [Fact]
    public void Registry_NamesInAnotherCase_FindTheSameKeyAndValue() => Check(nameof(Registry_NamesInAnotherCase_FindTheSameKeyAndValue));

    [Fact]
    public void Registry_ValuesAndSubkeys_ListedOnce() => Check(nameof(Registry_ValuesAndSubkeys_ListedOnce));

    [Fact]
    public void Registry_DeleteValue_TrueOnceThenFalse() => Check(nameof(Registry_DeleteValue_TrueOnceThenFalse));

    [Fact]
    public void Registry_DeleteKey_RemovesTheWholeTree() => Check(nameof(Registry_DeleteKey_RemovesTheWholeTree));

    [Fact]
    public void Registry_MissingKey_ReadsAsNothing() => Check(nameof(Registry_MissingKey_ReadsAsNothing));

    [Fact]
    public void Files_WriteThenOverwrite_ReadsTheLastBytesAndLeavesNoTemporary() => Check(nameof(Files_WriteThenOverwrite_ReadsTheLastBytesAndLeavesNoTemporary));

    [Fact]
    public void Files_PathInAnotherCase_FindsTheSameFile() => Check(nameof(Files_PathInAnotherCase_FindsTheSameFile));

    [Fact]
    public void Files_Directories_ListedDeletedOnlyWhenEmpty() => Check(nameof(Files_Directories_ListedDeletedOnlyWhenEmpty));

    [Fact]
    public void Files_MissingFile_NotFoundNullOrEmpty() => Check(nameof(Files_MissingFile_NotFoundNullOrEmpty));

    [Fact]
    public void Files_WellKnownVariables_ExpandToTheSystemDrive() => Check(nameof(Files_WellKnownVariables_ExpandToTheSystemDrive));

    [Fact]
    public void Services_UnknownName_IsNull() => Check(nameof(Services_UnknownName_IsNull));

    [Fact]
    public void Accounts_BuiltInAdministrator_FoundByRidAndByName() => Check(nameof(Accounts_BuiltInAdministrator_FoundByRidAndByName));

    [Fact]
    public void System_ImageStateValue_ReadThroughTheSystemPort() => Check(nameof(System_ImageStateValue_ReadThroughTheSystemPort));

    [Fact]
    public void System_PendingComputerName_ReadThroughTheSystemPort() => Check(nameof(System_PendingComputerName_ReadThroughTheSystemPort));

    [Fact]
    public void System_OsVersion_IsAWindowsNtVersion() => Check(nameof(System_OsVersion_IsAWindowsNtVersion));

    [Fact]
    public void Network_Interfaces_ListTheLoopbackOrRefuseOffline() => Check(nameof(Network_Interfaces_ListTheLoopbackOrRefuseOffline));
}
