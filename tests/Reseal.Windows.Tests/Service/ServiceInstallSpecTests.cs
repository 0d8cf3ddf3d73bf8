using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Windows.Tests.Service;

public class ServiceInstallSpecTests
{
    [Fact]
    public void ForReseal_ProgramFiles_AgentServiceCommandLineAutomaticNotDelayed()
    {
        var spec = ServiceInstallSpec.ForReseal(@"C:\Program Files\Reseal\reseal.exe");

        spec.Validate();
        Assert.Equal("Reseal", spec.Name);
        Assert.Equal("\"C:\\Program Files\\Reseal\\reseal.exe\" agent service", spec.CommandLine);
        Assert.Equal(ServiceStartMode.Automatic, spec.StartMode);
        Assert.False(spec.DelayedAutoStart);
        Assert.True(spec.RegisterEventLogSource);
        Assert.True(spec.PreshutdownTimeout > new ServiceHostOptions().StopTimeout);
    }

    [Fact]
    public void Recovery_Default_RestartAfter5And30SecondsResetAfterADay()
    {
        var recovery = ServiceRecovery.Default;

        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)], recovery.RestartDelays);
        Assert.Equal(TimeSpan.FromDays(1), recovery.ResetPeriod);
        Assert.False(recovery.OnNonCrashFailures);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Re/seal")]
    [InlineData(@"Re\seal")]
    [InlineData("Re\tseal")]
    public void Validate_BadName_Throws(string name)
    {
        var spec = ServiceInstallSpec.ForReseal(@"C:\Reseal\reseal.exe") with { Name = name };

        Assert.ThrowsAny<ArgumentException>(spec.Validate);
    }

    [Theory]
    [InlineData(ServiceStartMode.Boot)]
    [InlineData(ServiceStartMode.System)]
    public void Validate_DriverStartMode_Throws(ServiceStartMode mode)
    {
        var spec = ServiceInstallSpec.ForReseal(@"C:\Reseal\reseal.exe") with { StartMode = mode };

        var error = Assert.Throws<ArgumentException>(spec.Validate);
        Assert.Equal("StartMode", error.ParamName);
    }

    [Fact]
    public void Validate_RelativeExecutable_Throws()
    {
        var spec = ServiceInstallSpec.ForReseal("reseal.exe");

        Assert.Throws<ArgumentException>(spec.Validate);
    }

    [Fact]
    public void Validate_NegativeRestartDelay_Throws()
    {
        var spec = ServiceInstallSpec.ForReseal(@"C:\Reseal\reseal.exe") with
        {
            Recovery = new ServiceRecovery([TimeSpan.FromSeconds(-1)], TimeSpan.FromDays(1)),
        };

        Assert.Throws<ArgumentException>(spec.Validate);
    }

    [Fact]
    public void Validate_ZeroPreshutdownTimeout_Throws()
    {
        var spec = ServiceInstallSpec.ForReseal(@"C:\Reseal\reseal.exe") with { PreshutdownTimeout = TimeSpan.Zero };

        Assert.Throws<ArgumentException>(spec.Validate);
    }

    [Theory]
    [InlineData(true, "installed")]
    [InlineData(false, "already installed; configuration updated")]
    public void InstallResultMessage_CreatedOrUpdated_Says(bool created, string expected)
    {
        var result = new ServiceInstallResult("Reseal", created, "\"C:\\Reseal\\reseal.exe\"", null);

        Assert.Contains($"'Reseal' {expected}", result.Message, StringComparison.Ordinal);
    }
}
