using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Ports;

public class PortsTests
{
    [Fact]
    public void Expand_WellKnownVariables_GivesDefaultPaths()
    {
        Assert.Equal(@"C:\Windows\Panther\unattend.xml", WindowsPaths.Expand(@"%WINDIR%\Panther\unattend.xml"));
        Assert.Equal(@"C:\ProgramData\Reseal", WindowsPaths.Expand("%programdata%/Reseal"));
        Assert.Equal(@"C:\Windows\x", WindowsPaths.Expand(@"\Windows\x"));
    }

    [Fact]
    public void Components_ParentOrOtherDrive_Throws()
    {
        Assert.Throws<ArgumentException>(() => WindowsPaths.Components(@"C:\Windows\..\..\etc"));
        Assert.Throws<ArgumentException>(() => WindowsPaths.Components(@"D:\data"));
        Assert.Throws<ArgumentException>(() => WindowsPaths.Components(@"%TEMP%\x"));
        Assert.Equal(["Windows", "System32"], WindowsPaths.Components(@"c:\Windows\.\System32\"));
    }

    [Fact]
    public void WindowsSid_BinaryRoundTrip_MatchesText()
    {
        byte[] bytes = [1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0];
        var sid = WindowsSid.TryRead(bytes);
        Assert.Equal("S-1-5-21-1-2-3", sid!.ToString());
        Assert.Equal(sid, WindowsSid.TryParse("S-1-5-21-1-2-3"));
        Assert.Equal("S-1-5-21-1-2-3-500", sid.WithRid(500).ToString());
        Assert.Null(WindowsSid.TryRead([1, 9, 0]));
    }

    [Fact]
    public void RegistryData_TypedViews_ReadWhatFactoriesWrite()
    {
        Assert.Equal("en-US", RegistryData.FromString("en-US").AsString());
        Assert.Equal(7u, RegistryData.FromDWord(7).AsDWord());
        Assert.Equal(["a", "b"], RegistryData.FromMultiString(["a", "b"]).AsMultiString());
        Assert.Null(new RegistryData(RegistryData.TypeDWord, [1, 2]).AsDWord());
        Assert.Equal(RegistryData.FromDWord(1), RegistryData.FromDWord(1));
    }

    [Fact]
    public void ImageStates_Parse_KnowsDocumentedValues()
    {
        Assert.Equal(ImageState.Complete, ImageStates.Parse("IMAGE_STATE_COMPLETE"));
        Assert.Equal(ImageState.GeneralizeResealToOobe, ImageStates.Parse("image_state_generalize_reseal_to_oobe"));
        Assert.Equal(ImageState.Missing, ImageStates.Parse(null));
        Assert.Equal(ImageState.Unknown, ImageStates.Parse("SOMETHING"));
    }
}
