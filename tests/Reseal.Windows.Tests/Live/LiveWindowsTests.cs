using Reseal.Windows.Live;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Live;

// These tests call Windows-only types on purpose: off Windows each entry point must refuse, never pretend.
#pragma warning disable CA1416

public class LiveWindowsTests
{
    public static TheoryData<string> EntryPoints => new()
    {
        nameof(LiveMachine.Create),
        nameof(LiveWindows),
        nameof(LiveRegistry),
        nameof(LiveFiles),
        nameof(LiveProcesses),
        nameof(LiveAccounts),
        nameof(LiveServices),
        nameof(LiveVolumes),
        nameof(LiveSerialConsole),
        nameof(LivePower),
        nameof(LiveSystemInfo),
        nameof(LiveEventLogReader),
    };

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Create_OffWindows_ThrowsPlatformNotSupported(string entryPoint)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "on Windows the live machine is real; the Wine end-to-end tests exercise it");

        var error = Assert.Throws<PlatformNotSupportedException>(() => Construct(entryPoint));

        Assert.Contains("needs Windows", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, new int[0], "*")]
    [InlineData("Service Control Manager", new[] { 2, 3 }, "*[System[Provider[@Name='Service Control Manager'] and (Level=2 or Level=3)]]")]
    [InlineData("O'Brien", new[] { 1 }, "*[System[Provider[@Name=\"O'Brien\"] and (Level=1)]]")]
    public void EventLogFilter_ProviderAndLevels_BecomeTheXPathEvtQueryTakes(string? provider, int[] levels, string expected) =>
        Assert.Equal(expected, LiveEventLogReader.Filter(provider, levels));

    [Fact]
    public void EventLogFilter_SourceWithBothQuoteKinds_Refused() =>
        Assert.Throws<ArgumentException>(() => LiveEventLogReader.Filter("a'b\"c", []));

    private static object Construct(string entryPoint) => entryPoint switch
    {
        nameof(LiveMachine.Create) => LiveMachine.Create(),
        nameof(LiveWindows) => new LiveWindows(),
        nameof(LiveRegistry) => new LiveRegistry(),
        nameof(LiveFiles) => new LiveFiles(),
        nameof(LiveProcesses) => new LiveProcesses(),
        nameof(LiveAccounts) => new LiveAccounts(new NoRegistry()),
        nameof(LiveServices) => new LiveServices(),
        nameof(LiveVolumes) => new LiveVolumes(),
        nameof(LiveSerialConsole) => new LiveSerialConsole(),
        nameof(LivePower) => new LivePower(),
        nameof(LiveSystemInfo) => new LiveSystemInfo(new NoRegistry()),
        nameof(LiveEventLogReader) => new LiveEventLogReader(),
        _ => throw new ArgumentOutOfRangeException(nameof(entryPoint)),
    };

    private sealed class NoRegistry : IRegistry
    {
        public bool KeyExists(RegistryHive hive, string keyPath) => false;

        public RegistryData? GetValue(RegistryHive hive, string keyPath, string name) => null;

        public IReadOnlyList<NamedRegistryData> GetValues(RegistryHive hive, string keyPath) => [];

        public IReadOnlyList<string> GetSubkeyNames(RegistryHive hive, string keyPath) => [];

        public void SetValue(RegistryHive hive, string keyPath, string name, RegistryData data) => throw new NotSupportedException();

        public bool DeleteValue(RegistryHive hive, string keyPath, string name) => false;

        public void CreateKey(RegistryHive hive, string keyPath) => throw new NotSupportedException();

        public bool DeleteKey(RegistryHive hive, string keyPath) => false;
    }
}
