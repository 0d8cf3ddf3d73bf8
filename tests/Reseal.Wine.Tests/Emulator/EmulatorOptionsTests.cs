using Reseal.SysprepEmulator;

namespace Reseal.Wine.Tests.Emulator;

public sealed class EmulatorOptionsTests
{
    [Fact]
    public void Read_EnvironmentBeatsConfigFile()
    {
        var environment = new Dictionary<string, string> { ["RESEAL_SYSPREP_EMULATOR_FAIL"] = "rearm-limit, store-package=Contoso.App_1.0.0.0_x64__abc" };
        var options = EmulatorOptions.Read(environment.GetValueOrDefault, ["# knobs", "fail=bitlocker", "command-timeout=2.5", "delay=1"]);

        Assert.True(options.Fails(InjectedFailure.RearmLimit));
        Assert.True(options.Fails(InjectedFailure.StorePackage));
        Assert.False(options.Fails(InjectedFailure.BitLocker));
        Assert.Equal("Contoso.App_1.0.0.0_x64__abc", options.StorePackage);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.CommandTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Delay);
        Assert.Equal(TimeSpan.FromSeconds(600), options.SetupCompleteTimeout);
    }

    [Fact]
    public void Read_Nothing_Defaults()
    {
        var options = EmulatorOptions.Read(_ => null, []);

        Assert.Empty(options.Failures);
        Assert.Equal(TimeSpan.FromSeconds(300), options.CommandTimeout);
        Assert.Equal(EmulatorOptions.DefaultStorePackage, options.StorePackage);
    }

    [Theory]
    [InlineData("fail=disk-full", "unknown failure")]
    [InlineData("command-timeout=soon", "not a number of seconds")]
    [InlineData("just words", "not key=value")]
    public void Read_BadValue_Refused(string line, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => EmulatorOptions.Read(_ => null, [line])).Message, StringComparison.Ordinal);
}
