using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

public sealed class SysprepImageStateTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("IMAGE_STATE_COMPLETE", false, false, "hardware-bound")]
    [InlineData("IMAGE_STATE_UNDEPLOYABLE", false, true, "failed")]
    [InlineData("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", true, false, "OOBE")]
    [InlineData("IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT", true, false, "audit")]
    [InlineData("IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE", false, false, "specialize is done")]
    [InlineData("IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT", false, false, "specialize is done")]
    [InlineData("IMAGE_STATE_SOMETHING_NEW", false, false, "not a documented")]
    public void ParseStateIni_DocumentedValue_Meaning(string value, bool generalized, bool undeployable, string meaning)
    {
        var state = SysprepImageState.ParseStateIni($"[State]\r\nImageState={value}\r\n");

        Assert.NotNull(state);
        Assert.Equal(value, state.Value);
        Assert.Equal(generalized, state.IsGeneralized);
        Assert.Equal(undeployable, state.IsUndeployable);
        Assert.Contains(meaning, state.Meaning, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseStateIni_KeyInOtherSection_Null()
    {
        Assert.Null(SysprepImageState.ParseStateIni("[Other]\nImageState=IMAGE_STATE_COMPLETE\n[State]\nFoo=1\n"));
    }

    [Fact]
    public void Diagnose_TreeWithGeneralizedStateIni_SucceededWithoutTag()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Noise().Error("Something odd but not fatal; hr = 0x2").EndRun()
            .WriteTo(dir.File("Windows/System32/Sysprep/Panther/setupact.log"));
        dir.Write("Windows/Setup/State/State.ini",
            PantherLogBuilder.Encode("[State]\r\nImageState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\r\n", LogEncoding.Utf16LeBom));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        Assert.Equal(SysprepOutcome.Succeeded, diagnosis.Outcome);
        Assert.Equal(SysprepImageState.GeneralizeResealToOobe, diagnosis.ImageState?.Value);
        Assert.Contains("ImageState", diagnosis.Summary, StringComparison.Ordinal);
        Assert.Single(diagnosis.UnknownErrors);
    }

    [Fact]
    public void Diagnose_SysprepPantherWithUndeployableState_FailedAndSaysSo()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Noise().EndRun()
            .WriteTo(dir.File("Windows/System32/Sysprep/Panther/setupact.log"));
        dir.Write("Windows/Setup/State/State.ini", "[State]\nImageState=IMAGE_STATE_UNDEPLOYABLE\n");

        var diagnosis = new PantherDiagnoser().Diagnose(dir.File("Windows/System32/Sysprep/Panther"), Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Contains("IMAGE_STATE_UNDEPLOYABLE", diagnosis.Summary, StringComparison.Ordinal);
        Assert.Equal("IMAGE_STATE_UNDEPLOYABLE", diagnosis.ImageState?.Value);
    }
}
