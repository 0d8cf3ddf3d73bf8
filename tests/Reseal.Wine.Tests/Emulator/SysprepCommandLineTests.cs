using Reseal.SysprepEmulator;

namespace Reseal.Wine.Tests.Emulator;

/// <summary>The emulator's command line follows Sysprep's documented syntax (answerfiles.md §6); no Wine needed.</summary>
public sealed class SysprepCommandLineTests
{
    [Fact]
    public void Parse_CloudSwitches_GeneralizeOobeShutdown()
    {
        var command = SysprepCommandLine.Parse(["/generalize", "/oobe", "/shutdown", "/quiet", @"/unattend:C:\ProgramData\Reseal\sysprep\unattend.xml"]);

        Assert.True(command.Generalize);
        Assert.True(command.Oobe);
        Assert.True(command.Quiet);
        Assert.Equal(PowerAction.Shutdown, command.Action);
        Assert.Equal(@"C:\ProgramData\Reseal\sysprep\unattend.xml", command.Unattend);
        Assert.Equal(["GENERALIZE", "OOBE", "SHUTDOWN", "QUIET", "UNATTEND"], command.LoggedOptions);
        Assert.Equal(ImageStates.GeneralizeResealToOobe, command.TargetImageState);
    }

    [Fact]
    public void Parse_Ec2ConfigFileAfterColonAndSpace_TakesTheNextArgument()
    {
        // seeds/000: sysprep.exe /unattend: "C:\Program Files\Amazon\Ec2ConfigService\sysprep2008.xml" /oobe /generalize /shutdown
        var command = SysprepCommandLine.Parse(["/unattend:", @"C:\Program Files\Amazon\Ec2ConfigService\sysprep2008.xml", "/oobe", "/generalize", "/shutdown"]);

        Assert.Equal(@"C:\Program Files\Amazon\Ec2ConfigService\sysprep2008.xml", command.Unattend);
        Assert.Equal(PowerAction.Shutdown, command.Action);
    }

    [Theory]
    [InlineData("/OOBE /Generalize /Mode:VM /REBOOT", ImageStates.GeneralizeResealToOobe)]
    [InlineData("-audit -generalize -quit", ImageStates.GeneralizeResealToAudit)]
    [InlineData("/oobe", ImageStates.SpecializeResealToOobe)]
    [InlineData("/audit /reboot /reboot", ImageStates.SpecializeResealToAudit)]
    public void Parse_ValidCombination_TargetImageState(string line, string expected) =>
        Assert.Equal(expected, SysprepCommandLine.Parse(line.Split(' ')).TargetImageState);

    [Theory]
    [InlineData("/oobe /audit", "cannot be used together")]
    [InlineData("/generalize /shutdown", "give /oobe or /audit")]
    [InlineData("/oobe /shutdown /reboot", "choose one of /reboot, /shutdown, /quit")]
    [InlineData("/oobe /quit /shutdown", "choose one of")]
    [InlineData("/oobe /mode:vm", "only valid with /generalize")]
    [InlineData("/audit /generalize /mode:vm", "cannot be used with /audit")]
    [InlineData("/oobe /generalize /mode:hyperv", "the only mode is /mode:vm")]
    [InlineData("/oobe /unattend:", "needs an answer file")]
    [InlineData("/oobe /unattend: /quit", "needs an answer file")]
    [InlineData("/oobe /unattend:a.xml /unattend:b.xml", "given twice")]
    [InlineData("/oobe /nosuch", "is not a Sysprep switch")]
    [InlineData("/oobe generalize", "switches start with /")]
    [InlineData("/oobe /quiet:yes", "takes no value")]
    [InlineData("/emulator-boot /oobe", "cannot be combined")]
    public void Parse_InvalidCommandLine_Refused(string line, string reason)
    {
        var error = Assert.Throws<SysprepUsageException>(() => SysprepCommandLine.Parse(line.Split(' ')));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoArguments_RefusedBecauseSysprepWouldOpenItsWindow() =>
        Assert.Contains("window", Assert.Throws<SysprepUsageException>(() => SysprepCommandLine.Parse([])).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_EmulatorBootAlone_BootMode() =>
        Assert.Equal(EmulatorMode.Boot, SysprepCommandLine.Parse(["/EMULATOR-BOOT"]).Mode);
}
