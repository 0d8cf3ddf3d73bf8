using Reseal.TestSupport;
using Reseal.Windows.Ports;
using Reseal.Windows.Serial;

namespace Reseal.Windows.Tests.Serial;

/// <summary>EMS/SAC read from real BCD stores: the ez-BCD hive as shipped (EMS off), and a copy hivexsh turned EMS on in.</summary>
public sealed class EmsDetectionTests : IDisposable
{
    private const string DefaultEntry = "{7619dcc9-fafe-11d9-b411-000476eba25f}";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string RealBcd() => _temp.Write("BCD", SharedData.ReadBytes("hives/ez-BCD.gz"));

    private static FakeServices Sac(ServiceRunState state)
    {
        var services = new FakeServices();
        services.Add(new ServiceInfo(EmsDetection.SacService, "Special Administration Console Driver", @"System32\drivers\sacdrv.sys", ServiceStartMode.Manual, false, state));
        return services;
    }

    [Fact]
    public void Read_RealBcdEmsOff_DefaultEntryFoundAndNothingHoldsCom1()
    {
        var path = RealBcd();

        var facts = EmsDetection.Read(() => BcdHiveStore.Open(path), new FakeServices());

        Assert.Equal(false, facts.LoaderEms); // 260000b0 of {bootmgr}'s default entry is 00
        Assert.Equal(false, facts.BootEms);   // 16000020 of {emssettings} is 00
        Assert.Null(facts.EmsPort);
        Assert.Equal(path, facts.BcdSource);
        Assert.False(facts.EmsOn(1));
        var text = facts.Describe("COM1");
        Assert.Contains("Emergency Management Services is off for the default boot entry", text, StringComparison.Ordinal);
        Assert.Contains("sacdrv) is not installed", text, StringComparison.Ordinal);
        Assert.EndsWith("nothing here says SAC holds COM1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BcdEditedByHivexshEmsOnCom1_SacRunning_SaysSacHoldsCom1AndHowToTurnItOff()
    {
        var hivexsh = ExternalTool.Require("hivexsh", "libhivex-bin");
        var path = RealBcd();
        var script = string.Join('\n',
            $@"cd \Objects\{DefaultEntry}\Elements\260000b0", "setval 1", "Element", "hex:3:01",
            $@"cd \Objects\{EmsDetection.EmsSettingsObject}\Elements", "add 15000022", "cd 15000022", "setval 1", "Element", "hex:3:01,00,00,00,00,00,00,00",
            $@"cd \Objects\{EmsDetection.EmsSettingsObject}\Elements", "add 15000023", "cd 15000023", "setval 1", "Element", "hex:3:00,c2,01,00,00,00,00,00",
            "commit", "");
        var edit = ExternalTool.Run(hivexsh, ["-w", path], script);
        Assert.True(edit.ExitCode == 0, edit.StandardError);

        var facts = EmsDetection.Read(() => BcdHiveStore.Open(path), Sac(ServiceRunState.Running));

        Assert.Equal(true, facts.LoaderEms);
        Assert.Equal(1, facts.EmsPort);
        Assert.Equal(115200, facts.EmsBaudRate);
        Assert.True(facts.EmsOn(1));
        Assert.False(facts.EmsOn(2));
        Assert.True(facts.SacRunning);
        var text = facts.Describe("COM1");
        Assert.Contains("redirected to COM1 at 115200 baud", text, StringComparison.Ordinal);
        Assert.Contains("sacdrv) is running", text, StringComparison.Ordinal);
        Assert.Contains("SAC most likely holds COM1: turn EMS off (bcdedit /ems {current} off, then restart)", text, StringComparison.Ordinal);
        Assert.EndsWith("nothing here says SAC holds COM4", facts.Describe("COM4"), StringComparison.Ordinal); // EMS is on COM1 only
    }

    [Fact]
    public void Read_NotAHive_ProblemNamesTheFile_ServicesStillRead()
    {
        var path = _temp.Write("BCD", SharedData.ReadBytes("hives/ez-NotAHive.gz"));

        var facts = EmsDetection.Read(() => BcdHiveStore.Open(path), Sac(ServiceRunState.Stopped));

        Assert.Null(facts.BcdSource);
        Assert.Contains("BCD", facts.BcdProblem, StringComparison.Ordinal);
        Assert.Null(facts.LoaderEms);
        Assert.Contains("the boot configuration could not be read", facts.Describe("COM1"), StringComparison.Ordinal);
        Assert.Contains("installed but stopped", facts.Describe("COM1"), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoServicePort_SacNotClaimedAbsent()
    {
        var facts = EmsDetection.Read(() => throw new IOException("access denied to HKLM\\BCD00000000"), services: null);

        Assert.False(facts.SacChecked);
        Assert.Contains("was not checked", facts.Describe("COM1"), StringComparison.Ordinal);
        Assert.Contains("access denied", facts.Describe("COM1"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("COM1", 1)]
    [InlineData(@"\\.\COM4", 4)]
    [InlineData("com12", 12)]
    [InlineData("LPT1", null)]
    [InlineData("COM", null)]
    [InlineData("COM-1", null)]
    public void PortNumber_Names_Parsed(string name, int? expected) => Assert.Equal(expected, EmsDetection.PortNumber(name));
}
